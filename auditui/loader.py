"""Loading a time range: split it into windows, fetch them concurrently, merge the events.

The merge never trusts the server: an event outside the range asked for (or outside the
window that returned it, as when a proxy strips the GET body and the server sends
everything) is dropped and counted, duplicates across windows are dropped by `event_uuid`,
and the result is sorted newest first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import TYPE_CHECKING

import msgspec

from auditui.errors import UsageError
from auditui.models import AuditEvent
from auditui.timespec import TimeRange

if TYPE_CHECKING:
    from auditui.api import AuditClient, WindowResult

MAX_WINDOWS = 100_000
THREAD_MERGE_EVENTS = 50_000  # merges above this run off the event loop
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Progress(msgspec.Struct, frozen=True):
    """How far a load has come; sent after each finished window."""

    windows_done: int
    windows_total: int
    events: int
    bytes: int
    malformed: int


@dataclass(slots=True)
class LoadResult:
    """The merged events (newest first, unique by `event_uuid`) and what was dropped."""

    events: list[AuditEvent]
    malformed: int = 0
    out_of_range: int = 0
    duplicates: int = 0
    bytes: int = 0
    windows: int = 0


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


async def load_range(
    client: AuditClient,
    time_range: TimeRange,
    *,
    window: timedelta = timedelta(days=1),
    concurrency: int = 4,
    on_progress: Callable[[Progress], None] | None = None,
) -> LoadResult:
    """Fetch every window of `time_range` with at most `concurrency` requests in flight.

    The first error cancels the other requests and is raised as-is (a typed
    `auditui.errors` error); cancelling the caller cancels the requests in flight.
    """
    windows = split_windows(time_range, window)
    results: list[WindowResult | None] = [None] * len(windows)
    pending: Iterator[int] = iter(range(len(windows)))
    totals = {"done": 0, "events": 0, "bytes": 0, "malformed": 0}

    async def worker() -> None:
        for index in pending:
            piece = windows[index]
            result = await client.fetch_window(piece.start, piece.end)
            results[index] = result
            totals["done"] += 1
            totals["events"] += len(result.events)
            totals["bytes"] += result.bytes
            totals["malformed"] += result.malformed
            if on_progress is not None:
                on_progress(
                    Progress(
                        windows_done=totals["done"],
                        windows_total=len(windows),
                        events=totals["events"],
                        bytes=totals["bytes"],
                        malformed=totals["malformed"],
                    )
                )

    error: BaseException | None = None
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, min(concurrency, len(windows)))):
                group.create_task(worker())
    except BaseExceptionGroup as failure:
        error = _first_leaf(failure)
    if error is not None:
        raise error  # outside the except block: keeps the error's own cause for --debug

    finished = [result for result in results if result is not None]
    if totals["events"] > THREAD_MERGE_EVENTS:
        return await asyncio.to_thread(merge_windows, time_range, finished)
    return merge_windows(time_range, finished)


def merge_windows(time_range: TimeRange, results: Sequence[WindowResult]) -> LoadResult:
    """Merge window results: drop out-of-range events and duplicates, sort newest first."""
    merged = LoadResult(events=[], windows=len(results))
    seen: set[str] = set()
    for result in results:
        merged.bytes += result.bytes
        merged.malformed += result.malformed
        low, high = max(result.start, time_range.start), min(result.end, time_range.end)
        for event in result.events:
            if not low <= event.timestamp < high:
                merged.out_of_range += 1
            elif event.event_uuid in seen:
                merged.duplicates += 1
            else:
                seen.add(event.event_uuid)
                merged.events.append(event)
    merged.events.sort(key=attrgetter("timestamp"), reverse=True)
    return merged


def _first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first real error inside a (possibly nested) exception group."""
    first: BaseException = group
    while isinstance(first, BaseExceptionGroup):
        first = first.exceptions[0]
    return first
