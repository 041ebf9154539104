"""The previous event of the same actor and on the same object, for every event (core).

"What did this person do just before?" and "what happened to this monitor last?" are asked
on every cursor move, so they are answered from two arrays built once per store: for each
store index, the store index of the previous (older) event with the same key, or -1. The
keys are the search index's text codes (`auditui.query.index_for`): the actor is the user
text (e-mail, else `user:<id>`), the object is `object_type` + `object_id` (events without
an `object_id` have no object, and no neighbour on it). The build sorts the keys once with
numpy (stable, in the store's newest-first time order) and runs in a worker; a store that
grew is built again when next asked for (`neighbours_for`), while `current_neighbours`
answers at once with what is built for the store as it is, or None.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from auditui.events import AuditEvent
from auditui.query import index_for

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Indices = npt.NDArray[np.int64]

__all__ = ["Neighbours", "build_neighbours", "current_neighbours", "neighbours_for"]


class Neighbours(msgspec.Struct, frozen=True, eq=False):
    """Previous events by actor and by object, for one generation of a store."""

    generation: int
    events: list[AuditEvent]
    stamps: Sequence[datetime]
    order: Sequence[int]  # store indices, newest first (the store's `time_order()`)
    prev_actor: Indices
    prev_object: Indices

    def __len__(self) -> int:
        return len(self.prev_actor)

    def previous_actor(self, index: int) -> int | None:
        """The store index of the actor's previous event (None: first, or no actor)."""
        found = int(self.prev_actor[index])
        return None if found < 0 else found

    def previous_object(self, index: int) -> int | None:
        """The store index of the previous event on the same object (None: first, or no
        object)."""
        found = int(self.prev_object[index])
        return None if found < 0 else found

    def index_of(self, event: AuditEvent) -> int | None:
        """The store index of `event` (this very object), by bisection on time: O(log n)."""
        order, stamps, stamp = self.order, self.stamps, event.timestamp
        low, high = 0, len(order)
        while low < high:  # the first position not newer than `stamp` (newest first)
            middle = (low + high) // 2
            if stamps[order[middle]] > stamp:
                low = middle + 1
            else:
                high = middle
        events = self.events
        for position in range(low, len(order)):
            index = order[position]
            if stamps[index] != stamp:
                break
            if events[index] is event:
                return int(index)
        return None


def _codes(values: Any) -> Indices:
    import numpy as np

    return np.frombuffer(values, dtype=np.int32).astype(np.int64)  # a copy: `values` grows


def _key_codes(texts: list[str], field_codes: Any, codes: Any, n: int) -> Indices:
    """Per event, the text id of a field (-1 where its text is empty)."""
    per_combo = _codes(field_codes)
    if "" in texts:
        per_combo[per_combo == texts.index("")] = -1
    return per_combo[_codes(codes)[:n]]


def _previous(keys: Indices, order: Indices) -> Indices:
    """For each index, the next one in `order` (newest first) with the same key, or -1."""
    import numpy as np

    grouped = order[np.argsort(keys[order], kind="stable")]  # by key, newest first within
    sorted_keys = keys[grouped]
    same = (sorted_keys[:-1] == sorted_keys[1:]) & (sorted_keys[:-1] >= 0)
    previous = np.full(len(keys), -1, dtype=np.int64)
    previous[grouped[:-1][same]] = grouped[1:][same]
    return previous


def build_neighbours(store: Any) -> Neighbours:
    """Build the arrays for an `EventStore` as it is now (any thread; numpy is loaded)."""
    import numpy as np

    generation, events = store.generation, store.events
    time_order = store.time_order()
    stamps = store.timestamps()
    n = len(time_order)
    index = index_for(store)
    if isinstance(time_order, range):
        order = np.arange(time_order.start, time_order.stop, time_order.step, dtype=np.int64)
    else:
        order = np.fromiter(time_order, dtype=np.int64, count=n)
    low, high = index.groups["low"], index.groups["high"]
    actor = _key_codes(low.texts["user"], low.field_codes["user"], low.codes, n)
    thing = _codes(high.field_codes["object"])
    ids = high.texts["id"]
    if "" in ids:  # no object_id: no object
        thing[_codes(high.field_codes["id"]) == ids.index("")] = -1
    thing = thing[_codes(high.codes)[:n]]
    return Neighbours(
        generation, events, stamps, time_order, _previous(actor, order), _previous(thing, order)
    )


_built: weakref.WeakKeyDictionary[Any, Neighbours] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def current_neighbours(store: Any) -> Neighbours | None:
    """The neighbours built for the store as it is now, or None (never builds)."""
    found = _built.get(store)
    if found is None or found.generation != store.generation or found.events is not store.events:
        return None
    if len(found) != len(store.events):
        return None
    return found


def neighbours_for(store: Any) -> Neighbours:
    """The neighbours of the store as it is now, built if needed (call from a worker)."""
    with _lock:
        found = current_neighbours(store)
        if found is None:
            found = build_neighbours(store)
            _built[store] = found
        return found
