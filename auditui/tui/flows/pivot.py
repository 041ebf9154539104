"""Pivot: `=` narrows the filter to the value under the cursor, `!` leaves that value out.

The value is the table's cell under the cell cursor (its column), or, when the detail
pane has the focus, the field highlighted in its field list (every field, the ones no
column shows included; its two time rows are the timestamp). The term comes from
`auditui.query.pivot_query` (an exact `field:="value"`, or the event's minute for a time)
and is ANDed to the query applied (`add_term`); the filter flow applies it, which records
a history step. The payload has no pivot: a toast says what to type instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from auditui.events import AuditEvent
from auditui.query import add_term, pivot_query
from auditui.textsafe import visible
from auditui.tui.session import Session
from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.table.event_table import EventTable

SHOWN = 120  # characters of the new filter the toast shows
PAYLOAD_NOTE = 'The payload has no pivot: search it with / and payload:"text" (or = on a field).'


class PivotFlow:
    """`=` / `!`: the filter narrowed to (or without) the value under the cursor."""

    def __init__(
        self, app: App[Any], session: Session, *, set_query: Callable[[str], bool]
    ) -> None:
        self.app = app
        self.session = session
        self._set_query = set_query  # the filter flow's: the bar, the table, a step

    def pivot(self, *, exclude: bool = False) -> None:
        found = self._target()
        if isinstance(found, str):
            self.app.notify(found, severity="warning", timeout=3)
            return
        event, name = found
        term = pivot_query(event, name, exclude=exclude)
        if term is None:
            self.app.notify(PAYLOAD_NOTE, severity="warning", timeout=5)
            return
        query = add_term(self.session.filter_text, term)
        if self._set_query(query):
            self.app.notify(f"Filter: {_short(query)}", timeout=3)

    def _target(self) -> tuple[AuditEvent, str] | str:
        """(event, column id or attribute name) under the cursor, or why there is none."""
        detail = self.app.query_one(DetailPane)
        if detail.has_focus_within:
            found, event = detail.value_under_cursor(), detail.event
            if found is None or event is None:
                return "Nothing to pivot on here."
            label = found[0]
            return event, "time" if label.startswith("time (") else label
        table = self.app.query_one(EventTable)
        event = table.cursor_event
        if event is None:
            return "No event selected."
        return event, table.current_column


def _short(query: str) -> str:
    text = visible(query)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
