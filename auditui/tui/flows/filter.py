"""The find-and-slice wiring: filter bar, facets panel and timeline (kept out of app.py).

`FilterFlow` owns the `Filterer` of the App's store and answers the widgets:

- `FilterBar.Changed`/`Submitted` → `apply(text)`: match (narrowing when it can), then
  `EventView.set_filter(indices, ascending=True)` and a table refresh that keeps the
  selection. An invalid query shows its error in the bar and leaves the table as it was.
  The counter and the header say "1,234 of 56,789 events".
- Facets and the timeline are recomputed for the matches in a thread worker (serial
  numbered: a stale result is dropped), so a keystroke pays only for the match and the
  table. `FacetsPanel.AddTerm` and `Timeline.BucketChosen` add a term to the query.
- Loading: `preparer(events)` returns a function for a worker thread that builds the new
  store, sort keys and the current filter's matches (the search index only when there is
  a filter); `install()` swaps them in on the UI thread. So the filter persists across
  reloads and nothing O(n) runs on the UI thread. After the load a worker builds the index
  and the arrays queries derive from it (`prepare_index`); a query typed before it is
  done, or one needing payload text of a large store, shows "indexing …" in the counter
  and is applied once a worker has done that (`Matcher.preparation`).
- Saved queries (`[queries]` in config.toml) become palette commands "Query: <name>".
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.markup import escape
from textual.worker import get_current_worker

from auditui.config.settings import load_settings
from auditui.errors import ConfigError
from auditui.events.model import AuditEvent
from auditui.events.store import EventStore, EventView
from auditui.gc_pause import gc_paused
from auditui.query.engine.search_index import index_for
from auditui.query.matcher import Preparation, compile_query, parse, prepare_index
from auditui.query.narrowing import Filterer, FilterResult, QueryError, add_term
from auditui.stats.facets import Facet, compute_facets
from auditui.stats.timeline import Histogram, histogram, time_terms
from auditui.textsafe import visible
from auditui.timespec import TimeRange
from auditui.tui.widgets.facets import FacetsPanel
from auditui.tui.widgets.filter_bar import FilterBar
from auditui.tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from auditui.tui.app import AuditApp


FREEZE_AT = 50_000  # events from which a load moves everything alive out of the GC's reach


@dataclass(frozen=True, slots=True)
class Prepared:
    """A loaded store made ready off the UI thread: view, filterer and the filter's result."""

    store: EventStore
    view: EventView
    filterer: Filterer
    text: str  # the query the view was filtered with ("" for none)


def prepare(events: list[AuditEvent], text: str, sort_column: str, descending: bool) -> Prepared:
    """Build a store, sort keys and the filtered, sorted view (any thread).

    The search index is built here only when a filter must be applied; otherwise rows
    show first and `refresh_stats(warm=True)` builds it in a worker after the load.
    """
    store = EventStore(events)
    store.warm([sort_column])
    store.in_time_order()  # cached: a filter's matches then need no reordering
    store.index_of("")  # builds the uuid table the selection is found again with
    if text:  # else rows show first: the index is built in a worker after the load
        prepare_index(store)
    filterer = Filterer(store)
    view = EventView(store)
    if text:
        try:
            result = filterer.apply(text)
        except QueryError:  # `text` applied before, but a relative time may now be invalid
            text = ""
        else:
            view.set_filter(result.view_filter, ascending=True)
    view.sort(sort_column, descending)
    return Prepared(store, view, filterer, text)


class FilterFlow:
    """Applies queries to the App's view and keeps the bar, facets and timeline in step."""

    def __init__(self, app: AuditApp) -> None:
        self.app = app
        self.filterer = Filterer(app.store)
        self._serial = 0  # which stats computation is the latest
        self._saved: dict[str, str] | None = None
        # While typing, a query may drop the selected event for a keystroke or two: the
        # event the user chose (`_anchor`) gets the cursor back as soon as it matches again.
        # `_placed` is where the last filter left the cursor, to tell the user's moves apart.
        self._anchor: str | None = None
        self._placed: str | None = None

    # -- widgets -------------------------------------------------------------------------

    @property
    def bar(self) -> FilterBar:
        return self.app.query_one(FilterBar)

    @property
    def facets(self) -> FacetsPanel:
        return self.app.query_one(FacetsPanel)

    @property
    def timeline(self) -> Timeline:
        return self.app.query_one(Timeline)

    @property
    def active(self) -> bool:
        """True when a (non-empty) filter is applied."""
        return bool(self.filterer.text)

    @property
    def text(self) -> str:
        """The query currently applied ("" for none)."""
        return self.filterer.text

    # -- loading -------------------------------------------------------------------------

    def preparer(self, events: list[AuditEvent]) -> Callable[[], Prepared]:
        """A function for a worker thread that readies `events` with the current filter."""
        text, view = self.text, self.app.view
        column, descending = view.sort_column, view.descending
        return lambda: prepare(events, text, column, descending)

    def install(self, prepared: Prepared, *, stats: bool = True) -> None:
        """Swap a prepared store in (UI thread); the selection stays where it still exists."""
        app, old_view, typed = self.app, self.app.view, self.filterer.text
        app.store, app.view, self.filterer = prepared.store, prepared.view, prepared.filterer
        if len(prepared.store) >= FREEZE_AT:
            # The events and their index are long-lived: keep them out of the cyclic GC's
            # full collections, which otherwise walk millions of objects (~90 ms at 100k
            # events) in the middle of a keystroke. They hold no reference cycles, so
            # reference counting still frees them when a reload replaces them.
            gc.freeze()
        wanted = (old_view.sort_column, old_view.descending)
        if (prepared.view.sort_column, prepared.view.descending) != wanted:
            prepared.view.sort(*wanted)  # sorted again while the load was finishing
        app.table.set_view(prepared.view)
        if typed != prepared.text:  # the filter changed while the load was finishing
            self.apply(typed)
        else:
            self._after_filter(stats=stats)

    def extend(self, events: list[AuditEvent], *, stats: bool = True) -> None:
        """Append streamed events to the store (UI thread), filtering only the new ones.

        O(len(events)) plus the view's re-sort. The selected event keeps its line on
        screen; a cursor on the first row (the newest event) stays on the first row.
        """
        app, table = self.app, self.app.table
        store, view = app.store, app.view
        at_top = table.cursor_row == 0
        result = self.filterer.add_events(events)
        if result is not None:
            view.set_filter(result.indices, ascending=True)
        elif self.filterer.text:  # the filter's result is stale: match everything again
            self.apply(self.filterer.text)
            return
        table.refresh_rows(remeasure=False)
        if at_top:
            table.move_cursor(0)
        self.bar.set_counts(len(view), len(store))
        if stats:
            self.refresh_stats()

    # -- applying ------------------------------------------------------------------------

    def apply(self, text: str) -> bool:
        """Filter with `text`; False (and the error shown in the bar) when it is invalid.

        A query that first needs slow one-time work (the index or payload text of a large
        store) runs it in a thread worker, saying so in the counter, and is applied when it
        is done (if the bar still holds it): typing never waits for it.
        """
        bar = self.bar
        try:
            matcher = compile_query(parse(text))
        except QueryError as exc:
            bar.show_error(exc)
            if not bar.is_open:
                bar.open()
            return False
        bar.show_error(None)
        preparation = matcher.preparation(self.filterer.store)
        if preparation is not None:
            bar.show_status(preparation.label)
            self._prepare_then_apply(preparation, text)
            return True
        result = self.filterer.apply_matcher(matcher)
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
        self.bar.set_counts(len(self.app.view), len(self.app.store))  # the table is unchanged

    def _prepared(self, text: str) -> None:
        if self.bar.value.strip() == text.strip():  # still the query the user wants
            self.apply(text)

    def _show(self, result: FilterResult) -> None:
        app, table = self.app, self.app.table
        selected = table.cursor_event
        if selected is not None and selected.event_uuid != self._placed:
            self._anchor = selected.event_uuid  # the user chose it since the last filter
        app.view.set_filter(result.view_filter, ascending=True)
        table.refresh_rows(remeasure=False)
        if self._anchor is not None:  # back on the chosen event once it matches again
            row = app.view.row_of(self._anchor)
            if row is not None and row != table.cursor_row:
                table.move_cursor(row)
        placed = table.cursor_event
        self._placed = None if placed is None else placed.event_uuid
        self._after_filter()

    def _after_filter(self, *, stats: bool = True) -> None:
        app = self.app
        self.bar.set_counts(len(app.view), len(app.store))
        app.update_header()
        if stats:
            self.refresh_stats()

    def set_query(self, text: str) -> bool:
        """Put `text` in the bar and apply it (facets, timeline, saved queries)."""
        self.bar.set_query(text)
        return self.apply(text)

    def add(self, term: str) -> bool:
        """AND a term to the bar's query and apply the result."""
        return self.set_query(add_term(self.bar.value, term))

    def clear(self) -> None:
        """Drop the filter: an empty bar, every event shown."""
        self.bar.set_query("")
        self.apply("")

    # -- facets and timeline (in a thread) -----------------------------------------------

    def refresh_stats(self, *, warm: bool = False) -> None:
        """Recompute the timeline (and the facets, when shown) for the current matches.

        `warm`: also build what the next query derives from the index (`prepare_index`),
        once a load has finished (not while rows stream in: the index still grows).
        """
        self._serial += 1
        app, serial = self.app, self._serial
        last = self.filterer.last
        indices = None if last is None or last.is_empty else last.indices
        store, time_range = app.store, app.time_range
        want_facets = self.facets.display

        def compute() -> None:
            facets = None
            if warm or want_facets:
                index = prepare_index(store) if warm else index_for(store)
                facets = compute_facets(index, indices) if want_facets else None
            # the timeline needs no search index: none is built while rows stream in,
            # where it would compete with loading for the CPU
            hist = histogram(store.timestamps(), indices, time_range)
            if not get_current_worker().is_cancelled:
                with contextlib.suppress(RuntimeError):  # the App is closing
                    app.call_from_thread(self._show_stats, serial, store, hist, facets)

        app.run_worker(
            compute, thread=True, group="filter-stats", exclusive=True, exit_on_error=False
        )

    def _show_stats(
        self, serial: int, store: EventStore, hist: Histogram, facets: list[Facet] | None
    ) -> None:
        if serial != self._serial or store is not self.app.store:
            return
        self.timeline.show_histogram(hist)
        if facets is not None:
            self.facets.show_facets(facets)

    def toggle_facets(self) -> None:
        panel = self.facets
        panel.display = not panel.display
        if panel.display:
            self.refresh_stats()
            panel.focus()
        else:
            self.app.table.focus()

    def mark(self, event: AuditEvent | None) -> None:
        self.timeline.mark(None if event is None else event.timestamp)

    def choose_bucket(self, time_range: TimeRange) -> None:
        self.add(time_terms(time_range))

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
            self.app.table.focus()
