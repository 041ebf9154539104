"""What the keys do with the selected event: copy it (`c`), copy the value under the cursor
(`y`), open it in `$PAGER` or `$EDITOR` (`o`, `e`), show what changed (`D`, `ctrl+d`), and
list the events a load left out (`L`).

The App's actions call these; `HandOff` (handoff.py) does the clipboard and terminal work,
the detail pane the diff. With no event selected, each says so in a toast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from auditui.events import AuditEvent
from auditui.textsafe import json_text_safe, visible
from auditui.tui.flows.export import export_warning
from auditui.tui.handoff import HandOff
from auditui.tui.session import Session
from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.table.event_table import EventTable


class EventActions:
    """The selected event's actions; `open_detail` shows the detail pane when it is closed."""

    def __init__(
        self,
        app: App[Any],
        session: Session,
        handoff: HandOff,
        *,
        open_detail: Callable[[], None],
    ) -> None:
        self.app = app
        self.session = session
        self.handoff = handoff
        self._open_detail = open_detail

    def selected(self) -> AuditEvent | None:
        event = self.app.query_one(EventTable).cursor_event
        if event is None:
            self.app.notify("No event selected.", severity="warning", timeout=3)
        return event

    def copy_event(self) -> None:
        event = self.selected()
        if event is not None:
            self.handoff.copy_event(event, warning=export_warning(self.session))

    def copy_value(self) -> None:
        """The detail pane's highlighted field when it has the focus, else the table's cell."""
        table, detail = self.app.query_one(EventTable), self.app.query_one(DetailPane)
        found = None
        if detail.has_focus_within:
            found = detail.value_under_cursor()
        if found is None and table.cursor_event is not None:
            found = table.cell_under_cursor()
        if found is None:
            self.app.notify("Nothing to copy here.", severity="warning", timeout=3)
            return
        label, value = found
        self.handoff.copy_text(visible(label), json_text_safe(value))

    def open(self, *, pager: bool) -> None:
        event = self.selected()
        if event is not None:
            self.handoff.open(event, pager=pager)

    def diff(self, *, previous: bool) -> None:
        """What changed in the detail pane (opened if closed); again: back to the payload.
        `previous`: against the previous event on the same object."""
        if self.selected() is None:
            return
        self._open_detail()
        self.app.query_one(DetailPane).toggle_diff(previous=previous)

    def show_skipped(self) -> None:
        counts = self.session.counts
        if not counts.skipped and not counts.conflicts:
            self.app.notify("No events were left out of this load.", timeout=3)
            return
        from auditui.tui.dialogs.skipped import SkippedDialog  # lazy: dialogs load when opened

        self.app.push_screen(SkippedDialog(counts.skipped, counts.conflicts, counts.skipped_events))
