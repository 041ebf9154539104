"""`NoteDialog`: write or edit the note on a marked event (`n`), plain multi-line text.

A `TextArea` holding the note as it is (plain text: markup, escapes and control characters
are never interpreted; the title quotes the event through `textsafe.visible`). Ctrl+S or
Save keeps it, Esc or Cancel leaves it as it was. Dismisses with the text (an empty or
blank note removes the note and keeps the mark) or None.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from auditui.textsafe import visible
from auditui.tui.widgets.table.layout import fit

TITLE_WIDTH = 60  # cells of the event's summary in the title


class NoteDialog(ModalScreen[str | None]):
    """The note on one event; see the module doc."""

    DEFAULT_CSS: ClassVar[str] = """
    NoteDialog {
        align: center middle;
    }
    NoteDialog > #note-box {
        width: 80;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    NoteDialog #note-title { text-style: bold; }
    NoteDialog #note-text { height: 10; margin-top: 1; }
    NoteDialog #note-hint { color: $text-muted; height: auto; }
    NoteDialog #note-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    NoteDialog #note-buttons Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="note.save"),
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
    ]

    def __init__(self, summary: str, note: str = "") -> None:
        super().__init__()
        self.summary = summary  # which event (untrusted: shown through `visible`)
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            title = f"Note on {fit(visible(self.summary), TITLE_WIDTH).rstrip()}"
            yield Static(Text(title), id="note-title")
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(
                Text("Ctrl+S saves · Esc cancels · an empty note removes it (the mark stays)"),
                id="note-hint",
            )
            with Horizontal(id="note-buttons"):
                yield Button("Save", id="note-save", variant="primary")
                yield Button("Cancel", id="note-cancel")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "note-save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        self.dismiss(self.text)

    def action_cancel(self) -> None:
        self.dismiss(None)
