"""Loading a time range: split it into windows, fetch them concurrently, merge the events.

`stream_range` / `stream_windows` yield each window's events as it arrives (`WindowBatch`):
cached windows first (read and decoded from disk in threads), then fetched ones, newest
window first: fetches start newest first, and when several windows are ready at once the
newest is yielded first (otherwise completion order). A window that fails (after the
client's retries) is yielded with `.error` set and the others keep loading, so a caller can
later pass just the failed windows to `stream_windows`; it is yielded once every newer
window has been (failures come newest first, whatever order jittered retries end in).
Fetched windows that ended more than an hour ago are written to the cache once every window
has been yielded (before the stream ends: a caller that has all its rows keeps going while
the stream finishes writing).

Each window is decoded off the event loop (`AuditClient` decodes bodies above 1 MB in a
thread; the rest of the per-window work, below, always runs in one): events outside the
window are dropped and counted, repeated strings are shared (`intern_events`) and payloads
copied out of the response body so the body can be freed. Cached windows share theirs
through the same per-load table as they are read (`WindowCache.read`).

"Outside the range" is said only when true. A server that includes a range's end instant
(`start <= t <= end`) returns an event at a midnight both in the day before (at its end)
and in its own day: that copy is a boundary duplicate, dropped without being counted, as
long as the window starting at that instant returned it too (checked once every window
has arrived; one it did not return is counted). Every other event outside its window is
counted in `out_of_range` (a proxy that stripped the request body makes many).

`load_range` (`auditui fetch`) collects every window and merges them (`sources.merge`:
the merge never trusts the server, drops duplicates by `event_uuid`, the newest window's
copy winning, and sorts newest first); the first error is raised.

De-duplication by `event_uuid` is `unique_events` (`sources.dedupe`, re-exported; the first
copy wins) for streams, the merge and `FileSource`: a different event with a kept uuid is
dropped too, but counted in `conflicts` and kept in `skipped` for the user to see.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import msgspec

from auditui.errors import AudituiError, UsageError
from auditui.events.model import AuditEvent, SkippedEvent, intern_events
from auditui.sources.dedupe import SeenEvents, conflict_records
from auditui.sources.dedupe import unique_events as unique_events  # re-exported
from auditui.sources.merge import LoadResult as LoadResult  # re-exported
from auditui.sources.merge import merge_windows
from auditui.timespec import TimeRange

if TYPE_CHECKING:
    from auditui.sources.api import AuditClient, WindowResult
    from auditui.sources.cache import WindowCache

MAX_WINDOWS = 100_000
CACHE_READERS = 2  # cached windows decoded at once (decompression runs without the GIL)
CACHE_WRITERS = 2  # threads compressing fetched windows into the cache, once all are loaded
INLINE_PREPARE = 2_000  # a window of up to this many events is prepared on the event loop
THREAD_MERGE_EVENTS = 50_000  # merges above this run off the event loop
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_stamp = attrgetter("timestamp")


class Progress(msgspec.Struct, frozen=True):
    """How far a load has come; sent after each finished window."""

    windows_done: int
    windows_total: int
    events: int
    bytes: int
    malformed: int
    cached_windows: int = 0  # of windows_done, how many came from the cache
    cached_events: int = 0
    archived_windows: int = 0  # of windows_done, how many came from the local archive
    archived_events: int = 0


class WindowBatch(msgspec.Struct):
    """One window's outcome: its new events (newest first), or the error that stopped it.

    `index` is the window's place in the newest-first list given to `stream_windows`.
    `events` are inside the window and, unless deduplication is off, not in any earlier
    batch of the same stream. `bytes` counts the response body (0 when `cached`).
    """

    window: TimeRange
    index: int
    events: list[AuditEvent]
    malformed: int = 0
    out_of_range: int = 0
    duplicates: int = 0  # dropped by uuid, conflicts included
    bytes: int = 0
    cached: bool = False
    error: AudituiError | None = None
    conflicts: int = 0  # of `duplicates`, events different from the one kept
    skipped: list[SkippedEvent] = msgspec.field(default_factory=list)  # malformed, conflicts
    archived: bool = False  # read from the local archive (`auditui.archive.source`)


def split_windows(time_range: TimeRange, window: timedelta) -> list[TimeRange]:
    """Windows aligned to multiples of `window` since the epoch, clipped to the range.

    They cover the range exactly, without gaps or overlaps, newest first. The first and
    last windows may be shorter than `window`.
    """
    if window <= timedelta(0):
        raise UsageError(f"The window must be longer than zero (got {window}).")
    start, end = time_range.start, time_range.end
    count_estimate = (end - start) // window + 2
    if count_estimate > MAX_WINDOWS:
        raise UsageError(
            f"The range {time_range.label()} would need about {count_estimate} windows of "
            f"{window}; use larger windows or a shorter range."
        )
    boundary = _EPOCH + ((end - _EPOCH) // window) * window
    if boundary == end:
        boundary -= window
    windows: list[TimeRange] = []
    upper = end
    while upper > start:
        lower = max(boundary, start)
        windows.append(TimeRange(lower, upper))
        upper = lower
        boundary -= window
    return windows


def stream_range(
    client: AuditClient,
    time_range: TimeRange,
    *,
    window: timedelta = timedelta(days=1),
    concurrency: int = 4,
    cache: WindowCache | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    seen: set[str] | None = None,
) -> AsyncGenerator[WindowBatch, None]:
    """Yield the windows of `time_range` as they load (see the module docstring).

    Use it as `async with contextlib.aclosing(stream_range(...)) as batches:` so that
    leaving early cancels the requests in flight. `on_progress` is called before each
    loaded window is yielded (failed windows are reported only by their batch).
    """
    windows = split_windows(time_range, window)
    return stream_windows(client, windows, concurrency=concurrency, cache=cache,
                          on_progress=on_progress, seen=seen)  # fmt: skip


def stream_windows(
    client: AuditClient,
    windows: Sequence[TimeRange],
    *,
    concurrency: int = 4,
    cache: WindowCache | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    seen: set[str] | None = None,
) -> AsyncGenerator[WindowBatch, None]:
    """Like `stream_range` for given windows (newest first), e.g. the ones that failed.

    `seen` (event uuids already shown; a `SeenEvents` can also find their events, so that a
    different event with one of their uuids is told from a plain duplicate) carries
    deduplication over from an earlier stream; it is updated with every event yielded.
    """
    return _stream(client, list(windows), concurrency=concurrency, cache=cache,
                   on_progress=on_progress, seen=SeenEvents() if seen is None else seen,
                   stop_on_error=False)  # fmt: skip


def _prepare(
    window: TimeRange, events: list[AuditEvent], table: dict[Any, Any]
) -> tuple[list[AuditEvent], int, list[AuditEvent]]:
    """In a thread: keep the window's own events, share strings, copy payloads, sort.

    Returns them, how many others were dropped as outside the window, and the events at the
    window's end instant (not counted: see the module doc).
    """
    low, high = window.start, window.end
    inside = [event for event in events if low <= event.timestamp < high]
    strays = len(events) - len(inside)
    boundary = [event for event in events if event.timestamp == high] if strays else []
    intern_events(inside, table)
    inside.sort(key=_stamp, reverse=True)
    return inside, strays - len(boundary), boundary


def _write_cached(
    cache: WindowCache, window: TimeRange, events: list[AuditEvent], malformed: int
) -> None:
    with contextlib.suppress(OSError):  # a full disk or a racing `cache clear`: not fatal
        cache.put(window, events, malformed)


class _Loads:
    """The tasks of one stream: fetch workers, cache readers and cache writers."""

    def __init__(self, client: AuditClient, windows: list[TimeRange], concurrency: int,
                 cache: WindowCache | None, stop_on_error: bool) -> None:  # fmt: skip
        self.client = client
        self.windows = windows
        self.concurrency = max(1, concurrency)
        self.cache = cache
        self.stop_on_error = stop_on_error
        self.stopped = False
        self.table: dict[Any, Any] = {}
        # Batches as they finish; an exception if a task died of a bug (raised by _stream).
        self.ready: asyncio.Queue[WindowBatch | BaseException] = asyncio.Queue()
        self.to_fetch: list[int] = []
        self.to_read: list[tuple[int, str]] = []
        self.workers = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.writes: list[tuple[TimeRange, list[AuditEvent], int]] = []  # after the fetches
        self.boundary: list[AuditEvent] = []  # events returned at their window's end instant

    def _plan(self) -> None:
        """Which windows are cached (a stat per window; in a thread)."""
        for index, piece in enumerate(self.windows):
            path = self.cache.lookup(piece) if self.cache is not None else None
            if path is None:
                self.to_fetch.append(index)
            else:
                self.to_read.append((index, path))

    async def start(self) -> None:
        if self.cache is not None:
            await asyncio.to_thread(self._plan)
        else:
            self._plan()
        heapq.heapify(self.to_fetch)
        self.to_read.reverse()  # popped from the end: newest first
        for _ in range(min(CACHE_READERS, len(self.to_read))):
            self._spawn(self._reader())
        for _ in range(min(self.concurrency, len(self.to_fetch))):
            self._spawn_worker()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.ready.put_nowait(task.exception() or RuntimeError("task failed"))

    def _spawn_worker(self) -> None:
        self.workers += 1
        self._spawn(self._worker())

    async def _reader(self) -> None:
        assert self.cache is not None
        while self.to_read and not self.stopped:
            index, path = self.to_read.pop()
            piece = self.windows[index]
            found = await asyncio.to_thread(self.cache.read, path, piece, self.table)
            if found is None:  # corrupt, of an older layout or gone: fetch it after all
                heapq.heappush(self.to_fetch, index)
                if self.workers < self.concurrency:
                    self._spawn_worker()
                continue
            events, malformed = found
            self.ready.put_nowait(WindowBatch(piece, index, events, malformed, cached=True))

    async def _worker(self) -> None:
        try:
            while self.to_fetch and not self.stopped:
                await self._fetch(heapq.heappop(self.to_fetch))
        finally:
            self.workers -= 1

    async def _fetch(self, index: int) -> None:
        piece = self.windows[index]
        try:
            result = await self.client.fetch_window(piece.start, piece.end)
        except AudituiError as exc:
            self.stopped = self.stop_on_error
            self.ready.put_nowait(WindowBatch(piece, index, [], error=exc))
            return
        if len(result.events) <= INLINE_PREPARE:  # a thread would wait for the GIL longer
            events, dropped, boundary = _prepare(piece, result.events, self.table)
        else:
            events, dropped, boundary = await asyncio.to_thread(
                _prepare, piece, result.events, self.table
            )
        self.boundary.extend(boundary)
        batch = WindowBatch(piece, index, events, result.malformed, dropped, bytes=result.bytes,
                            skipped=list(result.skipped))  # fmt: skip
        self.ready.put_nowait(batch)
        if self.cache is not None and self.cache.cacheable(piece):
            self.writes.append((piece, events, result.malformed))

    async def finish(self) -> None:
        """Write the fetched windows to the cache, then record them in the index.

        Writing waits until every window is loaded (so compression never slows loading)
        and runs in `CACHE_WRITERS` threads (zlib releases the GIL).
        """
        cache = self.cache
        if cache is None:
            return
        writes, self.writes = self.writes, []

        def write_some(share: list[tuple[TimeRange, list[AuditEvent], int]]) -> None:
            for piece, events, malformed in share:
                _write_cached(cache, piece, events, malformed)

        shares = [writes[start::CACHE_WRITERS] for start in range(CACHE_WRITERS)]
        await asyncio.gather(*(asyncio.to_thread(write_some, share) for share in shares if share))
        if self.cache is not None:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(self.cache.flush)

    async def cancel(self) -> None:
        self.stopped = True
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.cache is not None:
            with contextlib.suppress(OSError):
                self.cache.flush()  # windows not yet written are fetched again next time


async def _stream(
    client: AuditClient,
    windows: list[TimeRange],
    *,
    concurrency: int,
    cache: WindowCache | None,
    on_progress: Callable[[Progress], None] | None,
    seen: set[str] | None,
    stop_on_error: bool,
) -> AsyncGenerator[WindowBatch, None]:
    loads = _Loads(client, windows, concurrency, cache, stop_on_error)
    await loads.start()
    waiting: list[tuple[int, WindowBatch]] = []  # ready batches, newest window first
    yielded: set[int] = set()  # the windows yielded so far, by index
    done = total_events = total_bytes = total_malformed = cached = cached_events = 0
    starts: dict[datetime, set[str]] = {}  # per window loaded: the uuids at its start instant
    finished = False
    try:
        for left in range(len(windows) - 1, -1, -1):
            if not waiting:
                _wait_for(waiting, await loads.ready.get())
            while not loads.ready.empty():
                _wait_for(waiting, loads.ready.get_nowait())
            while (batch := _next(waiting, yielded, stop_on_error)) is None:
                _wait_for(waiting, await loads.ready.get())  # only failures wait: for newer
            yielded.add(batch.index)
            if batch.error is None:
                starts[batch.window.start] = _uuids_at_start(batch)
            if not left:  # every window has arrived: were the boundary copies returned?
                batch.out_of_range += _unreturned(loads.boundary, starts)
            if batch.error is None:
                if seen is not None:
                    _dedupe(batch, seen)
                done += 1
                total_events += len(batch.events)
                total_bytes += batch.bytes
                total_malformed += batch.malformed
                cached += batch.cached
                cached_events += len(batch.events) if batch.cached else 0
                if on_progress is not None:
                    on_progress(Progress(done, len(windows), total_events, total_bytes,
                                         total_malformed, cached, cached_events))  # fmt: skip
            yield batch
            if batch.error is not None and stop_on_error:
                return
        await loads.finish()
        finished = True
    finally:
        if not finished:
            await loads.cancel()


def _next(
    waiting: list[tuple[int, WindowBatch]], yielded: set[int], stop_on_error: bool
) -> WindowBatch | None:
    """The newest ready batch to yield, taken from `waiting`: a failure only once every
    newer window has been yielded (not so with `stop_on_error`: windows after a failure may
    then never be fetched); None when only held failures are ready."""
    for item in sorted(waiting):
        index, batch = item
        if batch.error is None or stop_on_error or all(i in yielded for i in range(index)):
            waiting.remove(item)
            heapq.heapify(waiting)
            return batch
    return None


def _wait_for(waiting: list[tuple[int, WindowBatch]], item: WindowBatch | BaseException) -> None:
    if isinstance(item, BaseException):
        raise item  # a bug in a task: never wait forever for its window
    heapq.heappush(waiting, (item.index, item))


def _uuids_at_start(batch: WindowBatch) -> set[str]:
    """The uuids of a loaded window's events at its start instant (newest first: the end)."""
    start, events = batch.window.start, batch.events
    found: set[str] = set()
    for position in range(len(events) - 1, -1, -1):
        if events[position].timestamp != start:
            break
        found.add(events[position].event_uuid)
    return found


def _unreturned(boundary: list[AuditEvent], starts: dict[datetime, set[str]]) -> int:
    """Boundary copies whose own window (loaded in this stream) did not return them."""
    return sum(
        1
        for event in boundary
        if event.timestamp in starts and event.event_uuid not in starts[event.timestamp]
    )


def _dedupe(batch: WindowBatch, seen: set[str]) -> None:
    conflicting: list[AuditEvent] = []
    batch.events, dropped = unique_events(batch.events, seen, conflicting)
    batch.duplicates += dropped
    if conflicting:
        batch.conflicts += len(conflicting)
        batch.skipped.extend(conflict_records(conflicting))


async def load_range(
    client: AuditClient,
    time_range: TimeRange,
    *,
    window: timedelta = timedelta(days=1),
    concurrency: int = 4,
    on_progress: Callable[[Progress], None] | None = None,
    cache: WindowCache | None = None,
) -> LoadResult:
    """Fetch every window of `time_range` with at most `concurrency` requests in flight.

    Built on `stream_windows` (cached windows read from `cache`). The first error stops
    new requests, cancels those in flight and is raised as-is (a typed `auditui.errors`
    error); cancelling the caller cancels the requests in flight.
    """
    windows = split_windows(time_range, window)
    results: list[WindowResult | None] = [None] * len(windows)
    dropped = cached_windows = cached_events = 0
    stream = _stream(client, windows, concurrency=concurrency, cache=cache,
                     on_progress=on_progress, seen=None, stop_on_error=True)  # fmt: skip
    async with aclosing(stream) as batches:
        async for batch in batches:
            if batch.error is not None:
                raise batch.error
            results[batch.index] = _as_result(batch)
            dropped += batch.out_of_range
            if batch.cached:
                cached_windows += 1
                cached_events += len(batch.events)
    finished = [result for result in results if result is not None]
    if sum(len(result.events) for result in finished) > THREAD_MERGE_EVENTS:
        merged = await asyncio.to_thread(merge_windows, time_range, finished)
    else:
        merged = merge_windows(time_range, finished)
    merged.out_of_range += dropped
    merged.cached_windows, merged.cached_events = cached_windows, cached_events
    return merged


def _as_result(batch: WindowBatch) -> WindowResult:
    from auditui.sources.api import WindowResult

    window = batch.window
    return WindowResult(window.start, window.end, batch.events, batch.malformed, batch.bytes,
                        batch.skipped)  # fmt: skip
