"""`ColumnPicker`: choose which event-table columns are shown, and in which order.

A checklist of every column (`[x]` shown, `[ ]` hidden, `›` the cursor: readable without
colour, `widgets/checks.py`), the visible ones first in their current order. Space toggles
a column, shift+up/down (or K/J) moves it, Enter applies, Esc cancels. Dismisses with the
ids of the ticked columns in list order, or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.widgets.selection_list import Selection

from auditui.events import KNOWN_COLUMNS
from auditui.tui.widgets.checks import CheckList


def all_columns() -> list[tuple[str, str]]:
    """(id, title) of every column the event table knows."""
    return [(column.id, column.title) for column in KNOWN_COLUMNS.values()]


class ColumnPicker(ModalScreen[tuple[str, ...] | None]):
    """Pick and order the visible columns."""

    DEFAULT_CSS: ClassVar[str] = """
    ColumnPicker {
        align: center middle;
    }
    ColumnPicker > #columns-box {
        width: 50;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    ColumnPicker #columns-title {
        text-style: bold;
    }
    ColumnPicker #columns-hint, ColumnPicker #columns-error {
        color: $text-muted;
        height: auto;
    }
    ColumnPicker #columns-error {
        color: $text-error;
    }
    ColumnPicker #columns-list {
        height: auto;
        max-height: 20;
        margin: 1 0;
    }
    ColumnPicker #columns-buttons {
        height: auto;
        align-horizontal: right;
    }
    ColumnPicker #columns-buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="columns.cancel"),
        Binding("enter", "apply", "Apply", id="columns.apply", priority=True),
        Binding("shift+up,K", "move(-1)", "Move up", id="columns.move_up"),
        Binding("shift+down,J", "move(1)", "Move down", id="columns.move_down"),
    ]

    def __init__(
        self, visible: Sequence[str], columns: Sequence[tuple[str, str]] | None = None
    ) -> None:
        super().__init__()
        known = list(columns) if columns is not None else all_columns()
        titles = dict(known)
        shown = [column_id for column_id in visible if column_id in titles]
        hidden = [column_id for column_id, _ in known if column_id not in shown]
        self._titles = titles
        self._order: list[str] = shown + hidden
        self._initial = set(shown)

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-box"):
            yield Static(Text("Columns"), id="columns-title")
            yield Static(
                Text("space: show/hide · shift+↑/↓ or K/J: move · enter: apply · esc: cancel"),
                id="columns-hint",
            )
            yield CheckList(
                *(self._selection(column, column in self._initial) for column in self._order),
                id="columns-list",
            )
            yield Static(id="columns-error", markup=False)
            with Horizontal(id="columns-buttons"):
                yield Button("Cancel", id="columns-cancel")
                yield Button("Apply", id="columns-apply", variant="primary")

    def _selection(self, column_id: str, selected: bool) -> Selection[str]:
        return Selection(Text(self._titles[column_id]), column_id, selected)

    def on_mount(self) -> None:
        self.query_one("#columns-error").display = False
        selections = self.query_one("#columns-list", CheckList)
        selections.highlighted = 0
        selections.focus()

    @property
    def order(self) -> list[str]:
        """Every column id in list order."""
        return list(self._order)

    def chosen(self) -> tuple[str, ...]:
        """The ticked column ids in list order."""
        selected = set(self.query_one("#columns-list", CheckList).selected)
        return tuple(column_id for column_id in self._order if column_id in selected)

    def action_move(self, step: int) -> None:
        """Move the highlighted column `step` places (negative: up)."""
        selections = self.query_one("#columns-list", CheckList)
        index = selections.highlighted
        if index is None:
            return
        target = index + step
        if not 0 <= target < len(self._order):
            return
        selected = set(selections.selected)
        order = self._order
        order[index], order[target] = order[target], order[index]
        selections.clear_options()
        selections.add_options(
            [self._selection(column_id, column_id in selected) for column_id in order]
        )
        selections.highlighted = target

    def action_apply(self) -> None:
        chosen = self.chosen()
        if not chosen:
            error = self.query_one("#columns-error", Static)
            error.update(Text("Pick at least one column."))
            error.display = True
            return
        self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "columns-apply":
            self.action_apply()
        else:
            self.action_cancel()
