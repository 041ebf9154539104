"""`CopyMarkedDialog`: `c` with marked events in view asks what to copy.

Two options: the selected event (as `c` copies it without marks) or the N marked events
shown, as one JSON array. 1 or 2 picks at once, ↑/↓ and Enter too, Esc cancels.
Dismisses with "event", "marked" or None.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

CopyChoice = Literal["event", "marked"]


class CopyMarkedDialog(ModalScreen[CopyChoice | None]):
    """Copy the selected event or the marked ones; see the module doc."""

    DEFAULT_CSS: ClassVar[str] = """
    CopyMarkedDialog {
        align: center middle;
    }
    CopyMarkedDialog > #copy-box {
        width: 60;
        max-width: 95%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    CopyMarkedDialog #copy-title { text-style: bold; }
    CopyMarkedDialog #copy-list { height: auto; margin: 1 0; }
    CopyMarkedDialog #copy-hint { color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "pick('event')", "This event", id="copy_marked.event"),
        Binding("2", "pick('marked')", "Marked events", id="copy_marked.marked"),
        Binding("escape,q", "cancel", "Cancel", id="copy_marked.cancel"),
    ]

    def __init__(self, marked: int, *, has_event: bool = True) -> None:
        super().__init__()
        self.marked = marked
        self.has_event = has_event

    def compose(self) -> ComposeResult:
        noun = "event" if self.marked == 1 else "events"
        with Vertical(id="copy-box"):
            yield Static(Text("Copy …"), id="copy-title")
            yield OptionList(
                Option(Text("1  this event (JSON)"), id="event", disabled=not self.has_event),
                Option(Text(f"2  the {self.marked:,} marked {noun} (a JSON array)"), id="marked"),
                id="copy-list",
            )
            yield Static(Text("1/2 or ↑/↓ Enter: copy · Esc: cancel"), id="copy-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0 if self.has_event else 1
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, message: OptionList.OptionSelected) -> None:
        self.action_pick(message.option.id or "")

    def action_pick(self, choice: str) -> None:
        if choice == "marked":
            self.dismiss("marked")
        elif choice == "event" and self.has_event:
            self.dismiss("event")

    def action_cancel(self) -> None:
        self.dismiss(None)
