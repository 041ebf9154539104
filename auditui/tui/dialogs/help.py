"""`HelpScreen`: every key binding of the app and its widgets, in one scrollable table.

The app collects the rows (group, keys, description, binding id) from its own bindings and
those of its panes (`bindings_help.help_rows`) and passes them in. Cells are `Text`
objects (never markup); keys are shown as the footer shows them (`ctrl+p` → `^p`,
`question_mark` → `?`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

HelpRow = tuple[str, str, str, str]
"""(group, keys, description, binding id)."""

_MODIFIER_DISPLAY = {"ctrl": "^"}


def display_key(key: str) -> str:
    """One key as people read it: `ctrl+p` → `^p`, `question_mark` → `?`, `escape` → `esc`."""
    *modifiers, name = key.strip().split("+")
    shown = format_key(name)
    if "ctrl" in modifiers:
        modifiers.remove("ctrl")
        shown = f"^{shown}"
    return "+".join([*modifiers, shown])


def display_keys(keys: str) -> str:
    """A comma-separated key list (as in `Binding.key`) for display: `q,escape` → `q esc`."""
    return " ".join(display_key(key) for key in keys.split(",") if key.strip())


class KeysTable(DataTable[Text]):
    """The help's table: ↑/↓ (or j/k) and PgUp/PgDn move, Home/End (or g/G) go to the
    first and last row (DataTable's Home/End scroll sideways)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home,g", "first", "First", show=False, id="help.first"),
        Binding("end,G", "last", "Last", show=False, id="help.last"),
        Binding("j", "cursor_down", "Down", show=False, id="help.down"),
        Binding("k", "cursor_up", "Up", show=False, id="help.up"),
    ]

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=max(0, self.row_count - 1))


class HelpScreen(ModalScreen[None]):
    """A table of key bindings; Esc, q or ? closes it (dismisses with None)."""

    DEFAULT_CSS: ClassVar[str] = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > #help-box {
        width: 100;
        max-width: 95%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-title {
        text-style: bold;
        padding: 0 1;
    }
    HelpScreen #help-table {
        height: 1fr;
    }
    HelpScreen #help-hint {
        color: $text-muted;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close help", id="help.close"),
    ]

    def __init__(self, rows: Sequence[HelpRow]) -> None:
        super().__init__()
        self.rows: list[HelpRow] = list(rows)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text("Keys"), id="help-title")
            yield KeysTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(
                Text(
                    "↑/↓ j/k PgUp/PgDn Home/End move · Esc, q or ? closes · "
                    "remap keys by binding id in config.toml"
                ),
                id="help-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one("#help-table", KeysTable)
        table.add_columns(Text("Group"), Text("Keys"), Text("Description"), Text("Binding id"))
        for group, keys, description, binding_id in self.rows:
            table.add_row(
                Text(group, style="bold"),
                Text(display_keys(keys), style="bold"),
                Text(description),
                Text(binding_id, style="dim"),
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
