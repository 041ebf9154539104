"""`Session`: the state of one browsing session, with one owner (no Textual, no Rich).

The session owns what the TUI shows and where it came from:

- the event source (`source`: the API, an archive, a file), swapped after a login;
- the loaded range (`time_range`) and the relative `since` it was chosen as (`r` then
  reloads "the last hour" again, not the same hour: `choose_range`, `reload_target`);
- the events: `store`, `view` (filter and sort) and `filterer` (the current query and its
  matches), always swapped together (`install`) and grown together (`extend`);
- the load: its flag and serial (`begin_load`/`end_load`; a worker checks `is_current`),
  and what the header says about its windows (`counts`, the failed ones and why included:
  `incomplete_note` is the header's "incomplete: 1 of 3 windows failed (HTTP 500)");
- what a new load replaced: until it ends, the events, range and filter shown before it
  are kept (up to `RESTORE_LIMIT` events), so that cancelling it (`cancel_load`) puts them
  back exactly; a load cancelled after showing its first windows without that copy is
  marked incomplete instead, never passed off as the whole range;
- what earlier ranges showed (`kept_ranges`): when a load replaced a range for good, its
  store, view, filterer and counts are kept (the last `KEEP_RANGES`, up to `RESTORE_LIMIT`
  events each and `KEEP_TOTAL` in all), so going back in the history to that range swaps
  them in again without a fetch (`swap_range`); the history says which it still needs
  (`keep_ranges`). `reshow` puts back a filter result computed earlier (and its sort).

The App and the flows read this state; only the methods here assign it. All runs on the
UI thread but `prepare` (and what `preparer` returns: a load's store built in a worker).
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta

import msgspec

from auditui.config.credentials import Credential
from auditui.errors import brief_reason, one_line
from auditui.events import AuditEvent, EventStore, EventView
from auditui.query import (
    Filterer,
    FilterResult,
    Matcher,
    Preparation,
    QueryError,
    prepare_index,
)
from auditui.sources.dedupe import SeenEvents
from auditui.sources.protocol import EventSource, api_connection
from auditui.sources.windows import WindowBatch
from auditui.timespec import TimeRange, parse_duration, resolve_range, utcnow
from auditui.tui.kept import KeptRanges, Shown
from auditui.tui.load_counts import LoadCounts

MAX_SKIPPED_SHOWN = 1_000  # skipped events a load keeps to show (the rest only counted)
RESTORE_LIMIT = 300_000  # a new load keeps up to this many previous events to restore on cancel
FREEZE_AT = 50_000  # events from which a load moves everything alive out of the GC's reach
RELATIVE_SLACK = timedelta(seconds=5)  # a chosen range ending this close to now is "the last …"


class Prepared(msgspec.Struct, frozen=True):
    """A loaded store made ready off the UI thread: view, filterer and the filter's result."""

    store: EventStore
    view: EventView
    filterer: Filterer
    text: str  # the query the view was filtered with ("" for none)


def prepare(
    events: list[AuditEvent],
    text: str,
    sort_column: str,
    descending: bool,
    marks: Callable[[], Mapping[str, str] | None] | None = None,
) -> Prepared:
    """Build a store, sort keys and the filtered, sorted view (any thread).

    The search index is built here only when a filter must be applied; otherwise rows
    show first and a worker builds it after the load (`FilterFlow.refresh_stats(warm=True)`).
    """
    store = EventStore(events)
    store.warm([sort_column])
    store.in_time_order()  # cached: a filter's matches then need no reordering
    store.index_of("")  # builds the uuid table the selection is found again with
    if text:  # else rows show first: the index is built in a worker after the load
        prepare_index(store)
    filterer = Filterer(store)
    filterer.marks = marks
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


class Session:
    """The session's state and the operations on it; see the module doc."""

    def __init__(
        self, source: EventSource, time_range: TimeRange, *, since: str | None = None
    ) -> None:
        self._source = source
        self._time_range = time_range
        self._since = since
        self._store = EventStore()
        self._view = EventView(self._store)
        self._filterer = Filterer(self._store)
        self._filterer.marks = self.mark_notes
        self.marks: Callable[[], Mapping[str, str]] | None = None  # set by the marks flow
        self._counts = LoadCounts()
        self._counting = self._counts  # the counts the running load adds to
        self._retry = False  # the running load retries failed windows of the store shown
        self._retrying: list[tuple[TimeRange, str]] = []  # its windows not back yet (why)
        self._loading = False
        self._serial = 0  # which `begin_load` the running load belongs to
        self._chosen: tuple[str | None] | None = None  # `since` of a chosen range, until shown
        self._installed = False  # the running load has swapped its first events in
        self._before: Shown | None = None  # what it replaced (to restore on cancel)
        self._loaded = False  # some load has shown its events (else nothing is loaded yet)
        self._kept = KeptRanges(RESTORE_LIMIT)  # earlier ranges, to go back to
        self._chose = False  # the last install was of a range the user chose

    # -- state (read-only) -----------------------------------------------------------------

    @property
    def source(self) -> EventSource:
        """Where events come from: the API connection or a file."""
        return self._source

    @property
    def offline(self) -> bool:
        """True for a file: no API, no login."""
        return self._source.offline

    @property
    def time_range(self) -> TimeRange:
        """The range of the events shown (set when a load's first window is installed)."""
        return self._time_range

    @property
    def since(self) -> str | None:
        """The relative duration the range was chosen as (`3600s`), None for fixed dates."""
        return self._since

    @property
    def store(self) -> EventStore:
        return self._store

    @property
    def view(self) -> EventView:
        """The store's events as shown: filtered by the current query, sorted."""
        return self._view

    @property
    def filterer(self) -> Filterer:
        """The current query and its matches over `store` (read it; `match` applies one)."""
        return self._filterer

    @property
    def filter_text(self) -> str:
        """The query currently applied ("" for none)."""
        return self._filterer.text

    @property
    def matches(self) -> Sequence[int] | None:
        """Store indices of the current query's matches; None when every event is shown."""
        last = self._filterer.last
        return None if last is None or last.is_empty else last.indices

    @property
    def counts(self) -> LoadCounts:
        """The windows of the events shown: loaded, cached, failed; skipped events."""
        return self._counts

    @property
    def loading(self) -> bool:
        return self._loading

    # -- the range -------------------------------------------------------------------------

    def choose_range(self, time_range: TimeRange, *, now: datetime | None = None) -> None:
        """The user chose `time_range`: one ending about now is kept as "the last …".

        `since` changes with the range shown: when the load's first events are swapped in
        (a cancelled or wholly failed load leaves both as they were).
        """
        relative = abs((now or utcnow()) - time_range.end) < RELATIVE_SLACK
        self._chosen = (f"{int(time_range.duration.total_seconds())}s" if relative else None,)

    def reload_target(self) -> tuple[TimeRange, list[TimeRange] | None]:
        """What `r` loads: the failed windows, else the relative range again, else the same."""
        if self._counts.failed and not self._loading:
            return self._time_range, list(self._counts.failed)
        if self._since and parse_duration(self._since) is not None:
            return resolve_range(since=self._since), None
        return self._time_range, None

    # -- the source ------------------------------------------------------------------------

    def with_credential(self, credential: Credential) -> None:
        """Use `credential` from now on (a key just verified and stored by the login)."""
        self._source = api_connection(self._source).with_credential(credential)

    # -- loading ---------------------------------------------------------------------------

    def begin_load(self) -> int:
        """A load starts; returns its serial. A running one is cancelled first
        (`cancel_load`: see what it returns)."""
        self._loading = True
        self._installed = False
        self._serial += 1
        return self._serial

    def end_load(self) -> None:
        """The running load ended (ran to its end, failed or was cancelled)."""
        self._loading = False
        if self._before is not None and self._installed and not self._retry:
            self._keep(self._before)  # replaced for good: kept to go back to
        self._before = None  # kept only while a cancel could want it back
        self._chosen = None
        self._retrying = []

    @property
    def loaded(self) -> bool:
        """Whether a load has shown its events (False: nothing was loaded yet)."""
        return self._loaded

    def cancel_load(self) -> str:
        """Stop the running load's state (its worker is cancelled by the caller).

        Returns what the screen should now show: "restored" (the events, range and filter
        from before the load are back), "partial" (its first windows: it replaced more events
        than are kept, so the counts say it was cancelled), "retry" (a retry: the windows not
        back yet stay failed) or "unchanged" (it had not shown anything yet).
        """
        self._serial += 1  # late reports of the cancelled worker are not current
        self._loading = False
        before, self._before = self._before, None
        outcome = "unchanged"
        if self._retry:
            for window, reason in self._retrying:
                self._counts.fail(window, reason)
            outcome = "retry"
        elif self._installed and before is not None:
            self._store, self._view, self._filterer = before.store, before.view, before.filterer
            self._time_range, self._since, self._counts = (
                before.time_range,
                before.since,
                before.counts,
            )
            outcome = "restored"
        elif self._installed:
            self._counts.cancelled = True
            if before is not None:
                self._keep(before)
            outcome = "partial"
        self.end_load()
        return outcome

    def is_current(self, serial: int) -> bool:
        """True while no newer load has begun since the one numbered `serial`."""
        return serial == self._serial

    def start_counting(self, *, retry: bool) -> LoadCounts:
        """A load's stream starts: a retry adds to the counts shown (its failed windows
        start over); a new load counts apart until `install` makes its counts current."""
        self._retry = retry
        if retry:
            counts = self._counts
            self._retrying = list(zip(counts.failed, counts.reasons, strict=True))
            counts.failed, counts.reasons, counts.error = [], [], ""
            self._counting = counts
        else:
            self._counting = LoadCounts()
        return self._counting

    def count_window(self, batch: WindowBatch) -> None:
        """A window of the running load arrived."""
        counts = self._counting
        counts.windows += not self._retry
        counts.cached += batch.cached
        counts.archived += batch.archived
        counts.archived_events += len(batch.events) if batch.archived else 0
        counts.skipped += batch.malformed
        counts.dropped += batch.out_of_range
        counts.conflicts += batch.conflicts
        room = MAX_SKIPPED_SHOWN - len(counts.skipped_events)
        counts.skipped_events.extend(batch.skipped[: max(room, 0)])
        self._settle(batch.window)

    def count_failure(self, window: TimeRange, error: BaseException) -> None:
        """A window of the running load failed (`r` retries it)."""
        counts = self._counting
        counts.windows += not self._retry
        counts.fail(window, brief_reason(error), one_line(str(error)))
        self._settle(window)

    def expect_windows(self, total: int) -> None:
        """The running load reads `total` windows (a retry: its failed ones)."""
        if not self._retry:
            self._counting.expected = total

    def _settle(self, window: TimeRange) -> None:
        if self._retrying:
            self._retrying = [(w, why) for w, why in self._retrying if w != window]

    def known_uuids(self) -> SeenEvents:
        """The uuids of the stored events (a retry skips these; it finds the stored event
        of one to tell a different event with that uuid from a plain duplicate)."""
        store = self._store

        def find(uuid: str) -> AuditEvent | None:
            index = store.index_of(uuid)
            return None if index is None else store.events[index]

        return SeenEvents((event.event_uuid for event in store.events), find)

    def preparer(self, events: list[AuditEvent]) -> Callable[[], Prepared]:
        """A function for a worker thread that readies `events` with the current filter."""
        text, view = self.filter_text, self._view
        column, descending = view.sort_column, view.descending
        return lambda: prepare(events, text, column, descending, self.mark_notes)

    def mark_notes(self) -> Mapping[str, str] | None:
        """The marked events' uuids → their notes, for `marked:`/`note:` (None: no marks yet)."""
        return None if self.marks is None else self.marks()

    def install(self, prepared: Prepared, time_range: TimeRange) -> str | None:
        """Swap in a prepared store with its view and filterer (UI thread), for `time_range`.

        The counts of the running load become the ones shown, and the view takes the sort
        chosen meanwhile. Returns the query to apply again when the filter changed while the
        store was being prepared, else None.
        """
        old_view, typed = self._view, self._filterer.text
        if len(self._store) <= RESTORE_LIMIT:
            self._before = Shown(
                self._store, self._view, self._filterer, self._time_range, self._since, self._counts
            )
        self._installed = self._loaded = True
        self._chose = self._chosen is not None
        if self._chosen is not None:
            (self._since,), self._chosen = self._chosen, None
        self._time_range = time_range
        self._counts = self._counting
        self._store, self._view, self._filterer = prepared.store, prepared.view, prepared.filterer
        if len(prepared.store) >= FREEZE_AT:
            # The events and their index are long-lived: keep them out of the cyclic GC's
            # full collections, which otherwise walk millions of objects in the middle of a
            # keystroke. They hold no reference cycles, so reference counting still frees
            # them when a reload replaces them.
            gc.freeze()
        wanted = (old_view.sort_column, old_view.descending)
        if (prepared.view.sort_column, prepared.view.descending) != wanted:
            prepared.view.sort(*wanted)  # sorted again while the load was finishing
        return typed if typed != prepared.text else None

    def install_empty(self, time_range: TimeRange) -> str | None:
        """Show `time_range` with no events: every window of a load failed and nothing was
        on screen (the header then says why, instead of passing for a quiet range)."""
        return self.install(self.preparer([])(), time_range)

    def extend(self, events: list[AuditEvent]) -> bool:
        """Append streamed events to the store, matching only them against the query.

        O(len(events)) plus the view's re-sort. False when the query's last result was
        stale: then apply the query again (`filter_text`) over every event.
        """
        start = len(self._store)
        result = self._filterer.add_events(events)
        if result is not None:  # the new matches are the result's indices from `start` on
            fresh = result.indices[bisect_left(result.indices, start) :]
            self._view.grow(fresh, result.indices)
            return True
        if not self._filterer.text:
            self._view.grow(range(start, len(self._store)))
        return not self._filterer.text

    def follow(self, events: list[AuditEvent], end: datetime) -> bool:
        """A follow's poll (`F`): its new events join as with `extend` (same answer) and the
        range now ends at `end`, the poll's end (it only ever grows)."""
        if end > self._time_range.end:
            self._time_range = TimeRange(self._time_range.start, end)
        return self.extend(events) if events else True

    # -- filtering -------------------------------------------------------------------------

    def preparation(self, matcher: Matcher) -> Preparation | None:
        """One-time work `matcher` needs first on this store (for a worker), or None."""
        return matcher.preparation(self._store)

    def match(self, matcher: Matcher) -> FilterResult:
        """Run a compiled query (narrowing when it can); it becomes the current query.

        The view is unchanged until `show(result)`, so the caller can read the selection
        of the view as it was shown.
        """
        return self._filterer.apply_matcher(matcher)

    def show(self, result: FilterResult) -> None:
        """Filter the view with a result of `match` (every event for an empty query)."""
        self._view.set_filter(result.view_filter, ascending=True)

    # -- earlier ranges (the history) ------------------------------------------------------

    @property
    def chose_range(self) -> bool:
        """Whether the last store swapped in was of a range the user chose (`choose_range`),
        not a reload of the range shown."""
        return self._chose

    @property
    def kept_ranges(self) -> tuple[TimeRange, ...]:
        """The earlier ranges whose events are kept (`swap_range` shows one again)."""
        return self._kept.ranges

    def keep_ranges(self, wanted: Collection[TimeRange]) -> None:
        """Drop the kept ranges that are not in `wanted` (the history no longer has them)."""
        self._kept.retain(wanted)

    def _keep(self, shown: Shown) -> None:
        """Keep what a load replaced for good (not the range shown: it was loaded again)."""
        if shown.time_range != self._time_range and shown.counts.windows:
            self._kept.add(shown)

    def swap_range(self, time_range: TimeRange) -> bool:
        """Show a kept range again (its store, view, filterer, counts; no fetch) and keep the
        one shown in its place; False when `time_range` is not kept or a load is running."""
        if self._loading or time_range not in self._kept.ranges:
            return False
        kept = self._kept.take(time_range)
        if self._loaded and self._counts.windows:
            shown = (self._store, self._view, self._filterer, self._time_range, self._since)
            self._kept.add(Shown(*shown, self._counts))
        self._store, self._view, self._filterer = kept.store, kept.view, kept.filterer
        self._time_range, self._since, self._counts = kept.time_range, kept.since, kept.counts
        self._loaded = True
        return True

    def reshow(self, result: FilterResult, sort: tuple[str, bool]) -> bool:
        """Show an earlier result of this store's filterer again, sorted by `sort` (going
        back in the history: no matching, one sort). False, changing nothing, when the
        store changed since `result` was computed."""
        if not self._filterer.restore(result):
            return False
        view = self._view
        if (view.sort_column, view.descending) != sort:
            view.sort_column, view.descending = sort  # applied by set_filter's one sort
        view.set_filter(result.view_filter, ascending=True)
        return True
