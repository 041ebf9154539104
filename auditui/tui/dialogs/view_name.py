"""`ViewNameDialog`: the name to save the current view under (`ctrl+s`), or to rename one to.

One input; Enter saves, Esc cancels. A bad name, or one `config.toml` defines (read-only),
is refused with one line under the input; a name already saved asks first: Enter again
(with the same name) replaces it. Dismisses with the name, or None. The names shown are
the user's own, drawn literally (`Text`, `textsafe.visible`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from auditui.config.views import ViewError, check_name
from auditui.textsafe import visible


class ViewNameDialog(ModalScreen[str | None]):
    """Ask for a view name; `taken(name)` is True for a saved view (Enter again replaces
    it), `read_only(name)` for one of config.toml (refused)."""

    DEFAULT_CSS: ClassVar[str] = """
    ViewNameDialog {
        align: center middle;
    }
    ViewNameDialog > #view-name-box {
        width: 70;
        max-width: 95%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    ViewNameDialog #view-name-title {
        text-style: bold;
    }
    ViewNameDialog #view-name-summary {
        color: $text-muted;
        margin-bottom: 1;
    }
    ViewNameDialog #view-name-input {
        margin-bottom: 1;
    }
    ViewNameDialog #view-name-problem {
        color: $warning;
        height: auto;
    }
    ViewNameDialog #view-name-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="view_name.cancel"),
    ]

    def __init__(
        self,
        title: str,
        summary: str,
        *,
        taken: Callable[[str], bool],
        read_only: Callable[[str], bool],
        value: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.summary = summary
        self.taken = taken
        self.read_only = read_only
        self.value = value
        self._confirming: str | None = None  # a taken name Enter was pressed on once

    def compose(self) -> ComposeResult:
        with Vertical(id="view-name-box"):
            yield Static(Text(visible(self.title_text)), id="view-name-title")
            yield Static(Text(visible(self.summary)), id="view-name-summary")
            yield Input(self.value, placeholder="a name, e.g. failures", id="view-name-input")
            yield Static(Text(""), id="view-name-problem")
            yield Static(Text("Enter: save · Esc: cancel"), id="view-name-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @property
    def problem(self) -> str:
        """The line under the input ("" when there is none)."""
        return str(self.query_one("#view-name-problem", Static).render())

    def _say(self, text: str) -> None:
        self.query_one("#view-name-problem", Static).update(Text(visible(text)))

    @on(Input.Changed)
    def _changed(self, message: Input.Changed) -> None:
        if self._confirming is not None and message.value.strip() != self._confirming:
            self._confirming = None
            self._say("")

    @on(Input.Submitted)
    def _submitted(self, message: Input.Submitted) -> None:
        message.stop()
        name = message.value.strip()
        try:
            check_name(name)
        except ViewError as exc:
            self._say(str(exc))
            return
        if self.read_only(name):
            self._say(f"{name!r} is defined in config.toml (read-only); choose another name.")
            return
        if self.taken(name) and self._confirming != name:
            self._confirming = name
            self._say(f"A view named {name!r} exists: Enter again replaces it.")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
