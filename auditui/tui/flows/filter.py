"""The find-and-slice wiring: filter bar, facets panel, timeline and the table's rows.

`FilterFlow` shows the session's view and answers the widgets; the query, its matches and
the view are the session's (`Session.match`/`show`/`install`/`extend`):

- `FilterBar.Changed`/`Submitted` → `apply(text)`: match (narrowing when it can), then
  the view filtered and a table refresh that keeps the selection. An invalid query shows
  its error in the bar and leaves the table as it was. The counter and the header say
  "1,234 of 56,789 events".
- Facets and the timeline are recomputed for the matches in a thread worker (serial
  numbered: a stale result is dropped), so a keystroke pays only for the match and the
  table. `FacetsPanel.AddTerm` adds a term to the query; `Timeline.BucketChosen` replaces
  the query's time terms with the bucket's (`SpanCleared` drops them). The timeline counts
  the query *without* its top-level time terms over the whole range (matched in the stats
  worker, remembered while only the time terms change) and shows the span they select, so
  the rest of the range stays visible and another bucket can be picked.
- Loading (the load flow reports, the App calls): `installed` shows a store the session
  just swapped in (readied in a worker with the current filter: the filter persists
  across reloads and nothing O(n) runs on the UI thread), `extend` shows streamed events,
  `load_done` warms the index. The selected event keeps its line on screen, gets the
  cursor back once its window arrives after a reload; a cursor on the first row stays on
  the first row (the newest event). After the load a worker builds the index and the
  arrays queries derive from it (`prepare_index`); a query typed before it is done, or
  one needing payload text of a large store, shows "indexing …" in the counter and is
  applied once a worker has done that (`Matcher.preparation`).
- Saved queries (`[queries]` in config.toml) become palette commands "Query: <name>".
- A filter changed at once (facet, timeline, saved query, clear, pivot: `set_query`,
  `clear`) calls `step` (a history step); typing in the bar does not. Going back in the
  history shows an earlier result again (`reshown`) or a kept range's store (`swapped`).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.markup import escape
from textual.worker import get_current_worker

from auditui import memory
from auditui.config.settings import load_settings
from auditui.errors import ConfigError, UsageError
from auditui.events import AuditEvent, EventStore
from auditui.gc_pause import gc_paused
from auditui.query import (
    FilterResult,
    Preparation,
    QueryError,
    add_term,
    compile_query,
    index_for,
    index_ready,
    parse,
    prepare_index,
    replace_time_terms,
    top_time_terms,
    without_time_terms,
)
from auditui.stats import Histogram, histogram, time_terms
from auditui.stats.timeline import counted_onto
from auditui.textsafe import visible
from auditui.timespec import TimeRange, parse_when, utcnow
from auditui.tui.session import Session
from auditui.tui.widgets.table.event_table import EventTable
from auditui.tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from auditui.stats import Facet
    from auditui.tui.on_demand import FilterBarSlot, OnDemand
    from auditui.tui.widgets.facets import FacetsPanel


class FilterFlow:
    """Applies queries to the session's view and keeps the table, bar, facets and timeline
    in step; `changed` is called when the counts the header shows may have changed."""

    def __init__(
        self,
        app: App[Any],
        session: Session,
        widgets: OnDemand,
        *,
        changed: Callable[[], None],
        step: Callable[[], None] = lambda: None,
    ) -> None:
        self.app = app
        self.session = session
        self._widgets = widgets  # the bar and the facets: mounted when first shown
        self._changed = changed
        self._step = step  # a filter changed at once: the history records a step
        self._serial = 0  # which stats computation is the latest
        self._shown = 0  # which stats computation is on screen
        self._stats_due = False  # a finished load's stats start once its screen is drawn
        self._saved: dict[str, str] | None = None
        # While typing, a query may drop the selected event for a keystroke or two: the
        # event the user chose (`_anchor`) gets the cursor back as soon as it matches again.
        # `_placed` is where the last filter left the cursor, to tell the user's moves apart.
        self._anchor: str | None = None
        self._placed: str | None = None
        # The event selected before a reload: it gets the cursor back once its window arrives.
        self._want: str | None = None
        # ... and where it was, for a cancelled load that puts the previous events back.
        self._before: tuple[str | None, int] = (None, 0)
        # The matches of the query without its time terms, for the timeline: (the store,
        # generation, size, query) -> indices; written by the stats worker.
        self._context: tuple[tuple[object, ...], Sequence[int] | None] | None = None
        # The timeline of every event, to count only new ones onto: (the store, range, how
        # many stamps, the last one counted, histogram); written by the stats worker.
        self._all_counted: tuple[weakref.ref[EventStore], TimeRange, int, object, Histogram] | None
        self._all_counted = None

    # -- widgets -------------------------------------------------------------------------

    @property
    def table(self) -> EventTable:
        return self.app.query_one(EventTable)

    @property
    def bar(self) -> FilterBarSlot:
        """The filter bar (or what it shows once first opened)."""
        return self._widgets.filter_bar

    @property
    def facets(self) -> FacetsPanel | None:
        """The facets panel (None until first shown)."""
        return self._widgets.facets_shown

    @property
    def timeline(self) -> Timeline:
        return self.app.query_one(Timeline)

    @property
    def active(self) -> bool:
        """True when a (non-empty) filter is applied."""
        return bool(self.session.filter_text)

    @property
    def text(self) -> str:
        """The query currently applied ("" for none)."""
        return self.session.filter_text

    # -- loading -------------------------------------------------------------------------

    def installed(self, requery: str | None) -> None:
        """Show the store the session just swapped in (UI thread); `requery`: the query
        typed while it was readied, to apply now. The selection stays where it still exists."""
        table = self.table
        selected = table.cursor_event  # the table still shows the previous view
        self._want = None if selected is None else selected.event_uuid
        self._before = (self._want, table.cursor_row)
        at_top = table.cursor_row == 0
        table.set_view(self.session.view)
        if requery is not None:  # the filter changed while the load was finishing
            self.apply(requery)
        else:
            self._after_filter(stats=False)
        if at_top:
            table.move_cursor(0)
        self._find_wanted()

    def restored(self) -> None:
        """The session put back what a cancelled load had replaced: show it as it was, its
        filter in the bar and the event selected before the load under the cursor."""
        table, session = self.table, self.session
        want, row = self._before
        self._want = self._anchor = self._placed = None
        self.bar.set_query(session.filter_text)
        self.bar.show_error(None)
        table.set_view(session.view)
        self._after_filter()
        found = None if want is None else session.view.row_of(want)
        table.move_cursor(row if found is None else found)

    def extended(self, current: bool, stats: bool) -> None:
        """Show events the session just appended (UI thread): `current` False when the
        query must run again over every event; `stats`: refresh facets and timeline too.

        The selected event keeps its line on screen; a cursor on the first row (the newest
        event) stays on the first row.
        """
        if not current:  # the filter's result was stale: match everything again
            self.apply(self.session.filter_text)
            self._find_wanted()
            return
        table, session = self.table, self.session
        at_top = table.cursor_row == 0
        table.refresh_rows(remeasure=False, appended=True)
        if at_top:
            table.move_cursor(0)
        self.bar.set_counts(len(session.view), len(session.store))
        if stats:
            self.refresh_stats()
        self._find_wanted()

    def load_done(self, installed: bool) -> None:
        """A load streamed to its end: once the finished screen is drawn, build the index
        in a worker (it competes with loading for the CPU)."""
        self._want = None
        if installed:
            self._stats_due = True
            self.app.call_after_refresh(self.refresh_stats, warm=True)

    @property
    def stats_settled(self) -> bool:
        """Whether the timeline and facets on screen are those of the current matches (no
        computation pending or running)."""
        return not self._stats_due and self._shown == self._serial

    def _find_wanted(self) -> None:
        want = self._want
        if want is None:
            return
        row = self.session.view.row_of(want)
        if row is not None:
            self._want = None
            table = self.table
            if row != table.cursor_row:
                table.move_cursor(row)

    # -- applying ------------------------------------------------------------------------

    def apply(self, text: str) -> bool:
        """Filter with `text`; False (and the error shown in the bar) when it is invalid.

        A query that first needs slow one-time work (the index or payload text of a large
        store) runs it in a thread worker, saying so in the counter, and is applied when it
        is done (if the bar still holds it): typing never waits for it.
        """
        bar = self.bar
        try:
            matcher = compile_query(parse(text), marks=self.session.mark_notes())
        except QueryError as exc:
            bar.show_error(exc)
            if not bar.is_open:
                bar.open()
            return False
        bar.show_error(None)
        preparation = self.session.preparation(matcher)
        if preparation is not None:
            bar.show_status(preparation.label)
            self._prepare_then_apply(preparation, text)
            return True
        result = self.session.match(matcher)
        with gc_paused():  # the table takes the new index list: no full collection meanwhile
            self._show(result)
        return True

    def _prepare_then_apply(self, preparation: Preparation, text: str) -> None:
        app = self.app

        def run() -> None:
            try:
                preparation.run()
            except Exception as exc:  # noqa: BLE001  # a bug or out of memory: say so
                what = preparation.label.rstrip("…")
                message = f"Failed {what}: {type(exc).__name__}: {exc}"
                with contextlib.suppress(RuntimeError):  # the App is closing
                    app.call_from_thread(self._prepare_failed, message)
                return
            with contextlib.suppress(RuntimeError):
                app.call_from_thread(self._prepared, text)

        app.run_worker(run, thread=True, group="filter-prepare", exit_on_error=False)

    def _prepare_failed(self, message: str) -> None:
        self.app.notify(message, title="Filter", severity="error", timeout=12)
        session = self.session
        self.bar.set_counts(len(session.view), len(session.store))  # the table is unchanged

    def _prepared(self, text: str) -> None:
        if self.bar.value.strip() == text.strip():  # still the query the user wants
            self.apply(text)
            if not self.bar.is_open:  # applied at once (not typed): a history step
                self._step()

    def _show(self, result: FilterResult) -> None:
        table, session = self.table, self.session
        selected = table.cursor_event
        if selected is not None and selected.event_uuid != self._placed:
            self._anchor = selected.event_uuid  # the user chose it since the last filter
        session.show(result)
        table.refresh_rows(remeasure=False)
        if self._anchor is not None:  # back on the chosen event once it matches again
            row = session.view.row_of(self._anchor)
            if row is not None and row != table.cursor_row:
                table.move_cursor(row)
        placed = table.cursor_event
        self._placed = None if placed is None else placed.event_uuid
        self._after_filter()

    def _after_filter(self, *, stats: bool = True) -> None:
        session = self.session
        self.bar.set_counts(len(session.view), len(session.store))
        self._changed()
        if stats:
            self.refresh_stats()

    def set_query(self, text: str) -> bool:
        """Put `text` in the bar and apply it (facets, timeline, saved queries, pivot): a
        history step."""
        self.bar.set_query(text)
        applied = self.apply(text)
        self._step()
        return applied

    def add(self, term: str) -> bool:
        """AND a term to the bar's query and apply the result."""
        return self.set_query(add_term(self.bar.value, term))

    def clear(self) -> None:
        """Drop the filter: an empty bar, every event shown."""
        self.bar.set_query("")
        self.apply("")
        self._step()

    def reshown(self, text: str) -> None:
        """The session shows an earlier result again (history): `text` in the bar, the
        table re-read (the selection kept where it still is), counts and stats."""
        self.bar.set_query(text)
        self.bar.show_error(None)
        with gc_paused():
            self.table.refresh_rows(remeasure=False)
        self._after_filter()

    def swapped(self) -> None:
        """The session swapped a kept range's store back in (history): show its view."""
        self._want = None
        self.table.set_view(self.session.view)

    # -- facets and timeline (in a thread) -----------------------------------------------

    def refresh_stats(self, *, warm: bool = False) -> None:
        """Recompute the timeline (and the facets, when shown) for the current matches.

        `warm`: also build what the next query derives from the index (`prepare_index`),
        once a load has finished (not while rows stream in: the index still grows).
        """
        self._serial += 1
        self._stats_due = False
        app, serial, session = self.app, self._serial, self.session
        indices = session.matches
        store, time_range = session.store, session.time_range
        want_facets = self.facets is not None and self.facets.display
        text = session.filter_text
        base = without_time_terms(text)
        span = _selected_span(text, time_range) if base != text else None
        shown = len(session.view)
        # the query without its time terms needs the search index: not while rows stream in
        context_key = (weakref.ref(store), store.generation, len(store), base)
        can_match = not session.loading or index_ready(store)

        def compute() -> None:
            facets = None
            if warm or want_facets:
                index = prepare_index(store) if warm else index_for(store)
                if want_facets:
                    from auditui.stats import compute_facets  # lazy: facets load when shown

                    facets = compute_facets(index, indices)
            if warm:  # a load is done and indexed: what the last one freed goes back
                memory.trim()
            counted = indices
            if span is not None and can_match:
                counted = self._context_matches(context_key, base)
            # the timeline needs no search index: none is built while rows stream in,
            # where it would compete with loading for the CPU
            hist = self._histogram(store, counted, time_range)
            if not get_current_worker().is_cancelled:
                with contextlib.suppress(RuntimeError):  # the App is closing
                    app.call_from_thread(self._show_stats, serial, store, hist, facets, span, shown)

        app.run_worker(
            compute, thread=True, group="filter-stats", exclusive=True, exit_on_error=False
        )

    def _histogram(
        self, store: EventStore, counted: Sequence[int] | None, time_range: TimeRange
    ) -> Histogram:
        """The timeline of `counted` (stats worker). Every event (None) of a store that only
        grew since the last one: the new events counted onto it (a refresh while a million
        rows stream in sorted every timestamp: 0.1–0.3 s of the GIL each)."""
        stamps = store.timestamps()
        size = len(stamps)  # the UI thread may append meanwhile: these are counted
        known = self._all_counted if counted is None else None
        if known is not None and known[0]() is store and known[1] == time_range:
            _, _, done, last, hist = known
            if 0 < done <= size and stamps[done - 1] is last:  # the same events, and more
                hist = counted_onto(hist, stamps[done:size])
                self._all_counted = (known[0], time_range, size, stamps[size - 1], hist)
                return hist
        if counted is not None:
            return histogram(stamps, counted, time_range)
        hist = histogram(stamps[:size], None, time_range)
        if size:
            self._all_counted = (weakref.ref(store), time_range, size, stamps[size - 1], hist)
        return hist

    def _context_matches(self, key: tuple[object, ...], base: str) -> Sequence[int] | None:
        """The matches of `base` (the query without its time terms; None: every event),
        remembered while only the time terms change (stats worker)."""
        known = self._context
        if known is not None and known[0] == key:
            return known[1]
        store = key[0]() if isinstance(key[0], weakref.ref) else None
        found: Sequence[int] | None = None
        if base.strip() and store is not None:
            marks = self.session.mark_notes()
            found = compile_query(parse(base), marks=marks).filter_indices(store)
        self._context = (key, found)
        return found

    def _show_stats(
        self,
        serial: int,
        store: EventStore,
        hist: Histogram,
        facets: list[Facet] | None,
        span: TimeRange | None = None,
        selected: int | None = None,
    ) -> None:
        if serial != self._serial or store is not self.session.store:
            return
        self._shown = serial
        self.timeline.show_histogram(hist, span, selected if span is not None else None)
        if facets is not None and self.facets is not None:
            self.facets.show_facets(facets)

    async def toggle_facets(self) -> None:
        panel = await self._widgets.facets()  # mounted (hidden) the first time
        panel.display = not panel.display
        if panel.display:
            self.refresh_stats()
            panel.focus()
        else:
            self.table.focus()

    def mark(self, event: AuditEvent | None) -> None:
        self.timeline.mark(None if event is None else event.timestamp)

    def choose_bucket(self, time_range: TimeRange) -> None:
        """Narrow to one bucket: its `after:`/`before:` replace the query's time terms."""
        self.set_query(replace_time_terms(self.bar.value, time_terms(time_range)))

    def clear_time_span(self) -> None:
        """Drop the query's time terms (the timeline's whole range again)."""
        self.set_query(without_time_terms(self.bar.value))

    # -- saved queries -------------------------------------------------------------------

    @property
    def saved_queries(self) -> dict[str, str]:
        """`[queries]` from config.toml (read once; {} when the config cannot be read)."""
        if self._saved is None:
            try:
                self._saved = dict(load_settings().saved_queries)
            except ConfigError:
                self._saved = {}
        return self._saved

    def commands(self) -> Iterable[SystemCommand]:
        """Palette entries "Query: <name>" (names and queries come from the config: escaped)."""
        for name, query in self.saved_queries.items():
            yield SystemCommand(
                escape(f"Query: {visible(name)}"),
                escape(f"Filter with {visible(query)}"),
                partial(self.run_saved, query),
            )

    def run_saved(self, query: str) -> None:
        if self.set_query(query):
            self.table.focus()


def _selected_span(text: str, loaded: TimeRange) -> TimeRange | None:
    """The span of the loaded range that the query's top-level time terms keep (None
    when they keep nothing of it or cannot be read)."""
    start, end = loaded.start, loaded.end
    now = utcnow()
    try:
        for term in top_time_terms(text):
            if term.bound == "after":
                start = max(start, parse_when(term.text, role="start", now=now))
            else:
                end = min(end, parse_when(term.text, role="end", now=now))
    except (UsageError, OverflowError):  # a time the clock cannot reach: no span
        return None
    if end <= start:
        return None
    return TimeRange(start, end)
