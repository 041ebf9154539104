"""What the screen says about the session's events: the header line (with the
history's depth, `◀ 3`), the counter's note, the table's empty message and the timeline's
missing spans.

One function of the session's state (`StatusFlow.update`), called whenever counts, range,
filter, zone or loading change: so a partial load reads "incomplete: 1 of 3 windows failed
(HTTP 500) · r retries" in every place at once, and a range that never loaded reads "not
loaded", never as a quiet range.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from auditui.tui.load_counts import incomplete_note
from auditui.tui.session import Session
from auditui.tui.widgets.status_bar import HeaderInfo, HeaderLine
from auditui.tui.widgets.table.event_table import EventTable
from auditui.tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from textual.app import App

    from auditui.tui.on_demand import FilterBarSlot


class StatusFlow:
    """Keeps the header, counter note, empty-table message and timeline gaps true."""

    def __init__(
        self,
        app: App[Any],
        session: Session,
        *,
        bar: FilterBarSlot,
        filter_text: Any,
        history: Callable[[], tuple[int, int]] = lambda: (0, 0),
        follow: Callable[[], str] = lambda: "",
    ) -> None:
        self.app = app
        self.session = session
        self._bar = bar  # the filter bar, or what it shows once first opened
        self._filter_text = filter_text  # () -> the applied query (the filter flow's)
        self._history = history  # () -> (steps back, steps forward)
        self._follow = follow  # () -> what the header says of following ("" when not)

    def update(self) -> None:
        app, session = self.app, self.session
        counts, source = session.counts, session.source
        table, bar = app.query_one(EventTable), self._bar
        loaded, loading = session.loaded, session.loading
        back, forward = self._history()
        note = incomplete_note(counts, loaded=loaded, loading=loading)
        short = incomplete_note(counts, loaded=loaded, loading=loading, short=True)
        app.query_one(HeaderLine).info = HeaderInfo(
            profile=source.profile.name,
            host=source.host,
            time_range=session.time_range,
            total=len(session.store),
            shown=len(session.view),
            skipped=counts.skipped + counts.conflicts,
            dropped=counts.dropped,
            demo=source.demo,
            loading=session.loading,
            windows=counts.windows,
            cached_windows=counts.cached,
            archived_events=counts.archived_events,
            incomplete=note,
            incomplete_short=short,
            utc=table.utc,
            zone=table.zone,
            filter="" if bar.is_open else self._filter_text(),
            back=back,
            forward=forward,
            follow=self._follow(),
        )
        table.empty_note = f"{note}: {counts.error}" if note and counts.error else note
        bar.note = "incomplete" if note else ""
        app.query_one(Timeline).show_missing(counts.failed)
