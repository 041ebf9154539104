"""Base classes of the EventTable's messages (the messages themselves live on the widget).

Each message carries the table that sent it and exposes it as `control`, so handlers can
use `@on(EventTable.Highlighted, "#events")`-style selectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from auditui.tui.widgets.table.event_table import EventTable


class TableMessage(Message):
    def __init__(self, table: EventTable) -> None:
        super().__init__()
        self.table = table

    @property
    def control(self) -> EventTable:
        return self.table


class SortMessage(TableMessage):
    def __init__(self, table: EventTable, column_id: str, descending: bool) -> None:
        super().__init__(table)
        self.column_id = column_id
        self.descending = descending
