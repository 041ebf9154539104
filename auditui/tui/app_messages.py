"""`WidgetMessages`: which flow answers each message a widget of the browser posts.

The App (`app.py`) inherits these handlers: the table's cursor, selection, sort and time
zone; the filter bar, facets and timeline (the filter flow, a history step where the
query changed); the find bar (the find flow). Each handler only hands the message on:
the flows own what happens. `_Wired` names what the handlers use of the App.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from auditui.tui.widgets.table.event_table import EventTable
from auditui.tui.widgets.timeline import Timeline

if TYPE_CHECKING:  # the bars and facets load when first shown (`auditui.tui.on_demand`)
    from auditui.tui.flows.filter import FilterFlow
    from auditui.tui.flows.find import FindFlow
    from auditui.tui.flows.history import HistoryFlow
    from auditui.tui.flows.zones import ZoneFlow
    from auditui.tui.widgets.detail import DetailPane
    from auditui.tui.widgets.facets import FacetsPanel
    from auditui.tui.widgets.filter_bar import FilterBar
    from auditui.tui.widgets.find_bar import FindBar

__all__ = ["WidgetMessages"]


class _Wired(Protocol):
    filter_flow: FilterFlow
    find_flow: FindFlow
    history_flow: HistoryFlow
    zone_flow: ZoneFlow

    @property
    def table(self) -> EventTable: ...

    @property
    def detail(self) -> DetailPane: ...

    def action_toggle_detail(self) -> None: ...

    def update_header(self) -> None: ...


class WidgetMessages:
    """The browser's message handlers (a mixin of `AuditApp`)."""

    def on_event_table_highlighted(self: _Wired, message: EventTable.Highlighted) -> None:
        self.detail.show_event(message.event, utc=self.table.utc, zone=self.table.zone)
        self.filter_flow.mark(message.event)
        self.history_flow.highlighted()

    def on_event_table_selected(self: _Wired, message: EventTable.Selected) -> None:
        self.action_toggle_detail()

    def on_event_table_sort_requested(self: _Wired, message: EventTable.SortRequested) -> None:
        self.table.sort_by(message.column_id, message.descending)
        self.find_flow.view_changed()

    def on_event_table_sorted(self: _Wired, message: EventTable.Sorted) -> None:
        self.history_flow.sorted(message.column_id, message.descending)

    def on_event_table_time_zone_changed(self: _Wired, message: EventTable.TimeZoneChanged) -> None:
        self.zone_flow.changed(message)  # detail, timeline, header follow; a toast

    def on_filter_bar_changed(self: _Wired, message: FilterBar.Changed) -> None:
        self.filter_flow.apply(message.query)

    def on_filter_bar_submitted(self: _Wired, message: FilterBar.Submitted) -> None:
        if self.filter_flow.apply(message.query):
            message.bar.close()

    def on_filter_bar_closed(self: _Wired, message: FilterBar.Closed) -> None:
        if not message.keep:
            self.filter_flow.clear()
        self.history_flow.commit()  # the query the bar leaves applied is a step
        self.table.focus()
        self.update_header()  # the header shows the filter while the bar is closed

    def on_facets_panel_add_term(self: _Wired, message: FacetsPanel.AddTerm) -> None:
        self.filter_flow.add(message.term)

    async def on_facets_panel_closed(self: _Wired, message: FacetsPanel.Closed) -> None:
        if message.panel.display:
            await self.filter_flow.toggle_facets()

    def on_timeline_bucket_chosen(self: _Wired, message: Timeline.BucketChosen) -> None:
        self.filter_flow.choose_bucket(message.range)

    def on_timeline_span_cleared(self: _Wired, message: Timeline.SpanCleared) -> None:
        self.filter_flow.clear_time_span()

    def on_find_bar_changed(self: _Wired, message: FindBar.Changed) -> None:
        self.find_flow.changed(message.text)

    def on_find_bar_submitted(self: _Wired, message: FindBar.Submitted) -> None:
        self.find_flow.submitted(message.text)

    def on_find_bar_cleared(self: _Wired, message: FindBar.Cleared) -> None:
        self.find_flow.cleared()
