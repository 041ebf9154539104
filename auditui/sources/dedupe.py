"""The one de-duplication of events by `event_uuid`: `unique_events` (the first copy wins).

Window streams, the merge of a load and `FileSource` all drop repeats through it. A copy
equal to the kept event is a plain duplicate (two windows returned it: silent). A
*different* event whose uuid was already kept is a conflict: it is dropped too (the uuid
identifies an event everywhere: the selection, the cache, exports), but the caller counts
it and keeps it to show (`conflict_records`: `SkippedEvent`s holding its JSON), so audit
data is never left out without a word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from operator import attrgetter

from auditui.events.model import MAX_SKIPPED_KEPT, AuditEvent, SkippedEvent, encode_event

CONFLICT_REASON = "its event_uuid is also another, different event's (the first one was kept)"


class SeenEvents(set[str]):
    """The uuids a de-duplication kept, and a way to find the event kept for one.

    A set (membership and updates at C speed, as in the usual case of no duplicates), which
    finds a kept event only when a duplicate needs comparing: the events handed to
    `remember` are indexed by uuid at the first such lookup, then `find` (events kept
    before, e.g. the store's, for a retry) is asked.
    """

    def __init__(
        self, uuids: Iterable[str] = (), find: Callable[[str], AuditEvent | None] | None = None
    ) -> None:
        super().__init__(uuids)
        self._find = find
        self._kept: list[list[AuditEvent]] = []  # not indexed yet
        self._index: dict[str, AuditEvent] = {}

    def remember(self, events: list[AuditEvent]) -> None:
        """`events` were kept (unique; `unique_events` adds their uuids)."""
        if events:
            self._kept.append(events)

    def first(self, uuid: str) -> AuditEvent | None:
        """The event kept with this uuid, if known."""
        for events in self._kept:
            self._index.update(zip(map(attrgetter("event_uuid"), events), events, strict=True))
        self._kept = []
        found = self._index.get(uuid)
        if found is None and self._find is not None:
            found = self._find(uuid)
        return found


def unique_events(
    events: list[AuditEvent], seen: set[str], conflicts: list[AuditEvent] | None = None
) -> tuple[list[AuditEvent], int]:
    """`events` without repeats by `event_uuid`, and how many were dropped.

    The one de-duplication rule (window streams, the merge of `load_range`, files): an event
    whose uuid is in `seen` or came earlier in `events` is dropped, so the first copy wins;
    `seen` gains the uuids kept (a `SeenEvents` remembers the events too). A dropped event
    that differs from the copy kept is appended to `conflicts` (copies kept before this call
    are compared only when `seen` is a `SeenEvents`). Returns `events` itself when nothing
    is dropped.
    """
    uuids = [event.event_uuid for event in events]
    earlier = seen.first if isinstance(seen, SeenEvents) else None
    if len(set(uuids)) == len(uuids) and seen.isdisjoint(uuids):
        seen.update(uuids)  # the usual case, at C speed
        fresh = events
    else:
        kept: dict[str, AuditEvent] = {}  # by this call
        fresh = []
        for event in events:
            uuid = event.event_uuid
            if uuid in seen:
                if conflicts is not None:
                    first = kept.get(uuid) or (earlier(uuid) if earlier is not None else None)
                    if first is not None and first != event:
                        conflicts.append(event)
                continue
            seen.add(uuid)
            kept[uuid] = event
            fresh.append(event)
    if isinstance(seen, SeenEvents):
        seen.remember(fresh)
    return fresh, len(events) - len(fresh)


def conflict_records(events: list[AuditEvent], room: int = MAX_SKIPPED_KEPT) -> list[SkippedEvent]:
    """Up to `room` conflicting events as `SkippedEvent`s (their JSON, to show)."""
    return [SkippedEvent.of(CONFLICT_REASON, encode_event(event)) for event in events[:room]]
