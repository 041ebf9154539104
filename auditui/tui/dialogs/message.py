"""`MessageDialog`: a title, a message of a line or a few, and OK.

For errors that need more room than a toast (a long explanation, a multi-line hint).
The text may come from the server or an event, so it is shown literally: every line goes
through `textsafe.visible()` and is rendered as plain `Text`, never as markup.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from auditui.textsafe import visible

Severity = Literal["error", "warning", "information"]


def literal_text(text: str, style: str = "") -> Text:
    """`text` made inert: each line through `visible()`, newlines kept, no markup."""
    return Text("\n".join(visible(line) for line in text.split("\n")), style=style)


class MessageDialog(ModalScreen[None]):
    """Shows a message until OK, Enter or Esc; dismisses with None."""

    DEFAULT_CSS: ClassVar[str] = """
    MessageDialog {
        align: center middle;
    }
    MessageDialog > #message-box {
        width: 72;
        max-width: 90%;
        height: auto;
        max-height: 80%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    MessageDialog.-error > #message-box {
        border: thick $error;
    }
    MessageDialog.-warning > #message-box {
        border: thick $warning;
    }
    MessageDialog #message-title {
        text-style: bold;
        margin-bottom: 1;
    }
    MessageDialog #message-scroll {
        height: auto;
        max-height: 20;
    }
    MessageDialog #message-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="message.close"),
    ]

    def __init__(self, title: str, message: str, *, severity: Severity = "error") -> None:
        super().__init__(classes=f"-{severity}")
        self.title_text = title
        self.message_text = message
        self.severity = severity

    def compose(self) -> ComposeResult:
        with Vertical(id="message-box"):
            yield Static(literal_text(self.title_text), id="message-title")
            with VerticalScroll(id="message-scroll"):
                yield Static(literal_text(self.message_text), id="message-body")
            with Horizontal(id="message-buttons"):
                yield Button("OK", id="message-ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#message-ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
