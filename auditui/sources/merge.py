"""Merging window results into one list of events (`auditui fetch`: `windows.load_range`).

`merge_windows` never trusts the server: it drops events outside their window and the
range (an event at a window's end instant that another window returned is a boundary
duplicate, not counted: see `sources.windows`), drops duplicates by `event_uuid` (the
newest window's copy wins; a different event with a kept uuid is counted in `conflicts`
and kept in `skipped`) and sorts newest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING

import msgspec

from auditui.events.model import MAX_SKIPPED_KEPT, AuditEvent, SkippedEvent
from auditui.sources.dedupe import SeenEvents, conflict_records, unique_events
from auditui.timespec import TimeRange

if TYPE_CHECKING:
    from auditui.sources.api import WindowResult

__all__ = ["LoadResult", "merge_windows"]


class LoadResult(msgspec.Struct):
    """The merged events (newest first, unique by `event_uuid`) and what was dropped."""

    events: list[AuditEvent]  # not in the repr: asyncio.run reprs its result at exit
    malformed: int = 0
    out_of_range: int = 0
    duplicates: int = 0  # dropped by uuid, conflicts included
    bytes: int = 0
    windows: int = 0
    cached_windows: int = 0
    cached_events: int = 0
    conflicts: int = 0  # of `duplicates`, events different from the one kept
    skipped: list[SkippedEvent] = msgspec.field(default_factory=list)  # malformed, conflicts
    archived_windows: int = 0  # read from the local archive
    archived_events: int = 0

    def __repr__(self) -> str:
        shown = (f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__[1:])
        return f"LoadResult({', '.join(shown)})"


def merge_windows(time_range: TimeRange, results: Sequence[WindowResult]) -> LoadResult:
    """Merge window results: drop out-of-range events and duplicates, sort newest first.

    An event at a window's end instant is not counted as out of range when another window
    returned it (a boundary duplicate: see the module doc); a different event sharing a
    kept event's uuid is counted in `conflicts` and kept in `skipped`.
    """
    merged = LoadResult(events=[], windows=len(results))
    seen = SeenEvents()
    conflicting: list[AuditEvent] = []
    boundary: list[AuditEvent] = []
    for result in results:
        merged.bytes += result.bytes
        merged.malformed += result.malformed
        merged.skipped.extend(result.skipped[: MAX_SKIPPED_KEPT - len(merged.skipped)])
        low, high = max(result.start, time_range.start), min(result.end, time_range.end)
        inside = [event for event in result.events if low <= event.timestamp < high]
        if len(inside) != len(result.events):
            strays = [event for event in result.events if not low <= event.timestamp < high]
            boundary.extend(event for event in strays if event.timestamp == result.end)
            merged.out_of_range += len(strays)
        fresh, duplicates = unique_events(inside, seen, conflicting)
        merged.duplicates += duplicates
        merged.events.extend(fresh)
    merged.out_of_range -= sum(1 for event in boundary if event.event_uuid in seen)
    merged.conflicts = len(conflicting)
    merged.skipped.extend(conflict_records(conflicting, MAX_SKIPPED_KEPT - len(merged.skipped)))
    merged.events.sort(key=attrgetter("timestamp"), reverse=True)
    return merged
