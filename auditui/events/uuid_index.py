"""uuid → store index for `EventStore.index_of`, in ~16 bytes an event once compacted.

A dict of a million uuids to their indices takes ~70 MB (the table, and an int object per
index); this one keeps the dict only for events added since the last `compact()`, and the
rest as two numpy arrays: each uuid's `hash()` sorted, and the store index of each (16
bytes an event, found with a binary search, then checked against the event's own uuid, so
a hash collision never answers wrongly). `compact()` runs in a worker after a load
(`auditui.query.prepare_index`); it is skipped below `COMPACT_FROM` events, so small
stores never load numpy for it. Events appended to the store are indexed when next looked
up, not as they are added: a load that streams a million events in asks for none of them
until it ends, and the compaction after it then reads them from the store (the dict never
holds them). Thread-safe: the UI thread adds and looks up while a worker compacts.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditui.events.model import AuditEvent

COMPACT_FROM = 50_000  # events in the dict from which `compact()` moves them to arrays
_uuid = attrgetter("event_uuid")


class UuidIndex:
    """The store index of each uuid (the last added, if repeated): see the module doc."""

    def __init__(self, events: Sequence[AuditEvent]) -> None:
        self._events = events  # the store's list: appended to, never replaced
        self._lock = threading.Lock()
        self._recent: dict[str, int] = dict(
            zip(map(_uuid, events), range(len(events)), strict=True)
        )
        self._hashes: Any = None  # numpy int64, sorted: the hashes of events[:_compacted]
        self._positions: Any = None  # numpy int64: the store index of each hash above
        self._compacted = 0
        self._indexed = len(events)  # events[:_indexed] are in the arrays or the dict

    def _catch_up(self) -> None:
        """Put the events appended since the last lookup in the dict (the lock held)."""
        events = self._events
        start, end = max(self._indexed, self._compacted), len(events)
        if start < end:  # at C speed; a repeated uuid ends with its last position
            self._recent.update(zip(map(_uuid, events[start:end]), range(start, end), strict=True))
        self._indexed = max(self._indexed, end)

    def get(self, uuid: str) -> int | None:
        with self._lock:
            self._catch_up()
            found = self._recent.get(uuid)
            if found is not None or self._hashes is None:
                return found  # the recent ones were added last: they win
            hashes, positions = self._hashes, self._positions
        key = hash(uuid)
        low = int(hashes.searchsorted(key, "left"))
        high = int(hashes.searchsorted(key, "right"))
        events = self._events
        matches = [int(i) for i in positions[low:high] if events[int(i)].event_uuid == uuid]
        return max(matches) if matches else None

    def compact(self, table: tuple[Any, Any] | None = None) -> None:
        """Move the dict's entries into the arrays (any thread; see the module doc).

        `table`: the arrays already made for every event's uuid (the search index's uuid
        table for `marked:`, when its uuid texts are the events' own strings), kept as
        they are instead of a second copy (checked on a sample; a lookup confirms each
        answer anyway).
        """
        with self._lock:
            end = len(self._events)
            if end - self._compacted < COMPACT_FROM:
                return
        import numpy as np

        events = self._events
        if table is not None and _fits(table, events, end):
            hashes, positions = table
        else:
            hashes = np.fromiter(map(hash, map(_uuid, events[:end])), dtype=np.int64, count=end)
            positions = np.argsort(hashes, kind="stable")  # equal hashes keep store order
            hashes = hashes[positions]
        with self._lock:
            recent = {uuid: i for uuid, i in self._recent.items() if i >= end}
            self._hashes, self._positions, self._compacted = hashes, positions, end
            self._recent = recent
            self._indexed = max(self._indexed, end)


def _fits(table: tuple[Any, Any], events: Sequence[AuditEvent], end: int) -> bool:
    """Whether `table` (sorted hashes, positions) is the table of `events[:end]`'s uuids:
    its length, and a sample of its entries."""
    hashes, positions = table
    if len(hashes) != end or len(positions) != end:
        return False
    step = max(1, end // 64)
    return all(
        hash(events[int(positions[k])].event_uuid) == int(hashes[k]) for k in range(0, end, step)
    )
