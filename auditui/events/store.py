"""The event store and its views: filtered, sorted index lists over the loaded events (core).

`EventStore` owns the events (insertion order kept) and, lazily per column, the sort keys;
every change (`add`, `replace`) bumps `generation` and drops the caches. `EventView` is an
index list over a store: a filter (predicate or subset of store indices) and a sort.

Sorting is stable and starts from the newest-first order, so ties always keep time order
(newest first). Missing values (key `None`) sort last in both directions. For speed the
store ranks each column's distinct values once (a few hundred users, actions, ...), so a
sort orders integers; columns where nearly every value differs (uuid, url) are sorted by
their keys directly.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter, eq
from typing import Any

import msgspec

from auditui.events.columns import Column, default_descending, get_column
from auditui.events.model import AuditEvent
from auditui.events.sort_keys import (
    Direct,
    Ranks,
    column_keys,
    extend_keys,
    insert_rows,
    merge_newest_first,
    row_key,
)
from auditui.events.uuid_index import UuidIndex

Predicate = Callable[[AuditEvent], bool]
Filter = Predicate | Iterable[int] | None

_stamp = attrgetter("timestamp")
_NUMPY_SCAN = 50_000  # arrays of indices from this long are scanned with numpy
GROW_AT_MOST = 2_000  # new rows a view takes in by merging (more: sorted again)


def _indices(values: Iterable[int]) -> array[int]:
    """Store indices as an `array("q")`: 8 bytes each, where a list of them holds an int
    object (28 bytes) and a pointer per index (36 MB more at 1M events)."""
    return values if isinstance(values, array) else array("q", values)


def _row_in_array(indices: array[int], store_index: int) -> int | None:
    """The position of store_index in an array("q") of indices: at numpy speed for a large
    one (the array's own `index` makes an int object per item), which only a query result
    or the time order of a large store is (numpy is then loaded, or worth loading)."""
    if len(indices) < _NUMPY_SCAN:
        try:
            return indices.index(store_index)
        except ValueError:
            return None
    import numpy as np

    found = np.flatnonzero(np.frombuffer(indices, dtype=np.int64) == store_index)
    return int(found[0]) if found.size else None


class EventStore:
    """The loaded events, in the order they were added, with cached sort keys."""

    def __init__(self, events: Iterable[AuditEvent] = ()) -> None:
        self.events: list[AuditEvent] = list(events)
        self.generation = 0
        self._uuid_index: UuidIndex | None = None
        self._ordered = 0  # the store indices below this are newest first in store order
        self._clear_caches()

    def _clear_caches(self) -> None:
        self._stamps: list[Any] | None = None
        self._time_order: Sequence[int] | None = None
        self._time_rank: array[int] | None = None
        self._keys: dict[str, Ranks | Direct] = {}

    def __len__(self) -> int:
        return len(self.events)

    def add(self, events: Iterable[AuditEvent]) -> None:
        """Append events (views over this store re-apply filter and sort on next use, or
        `EventView.grow` takes the new ones in).

        The time order is kept up to date in O(store) at C speed instead of being sorted
        again: the new events are sorted among themselves and, as when windows stream in
        newest first, appended after the old order, or else merged with it. The sort keys
        computed so far grow by the new events' keys (`sort_keys.extend_keys`).
        """
        start = len(self.events)
        self.events.extend(events)
        if start == len(self.events):
            return
        # the uuid index reads the appended events from this list at its next lookup
        self.generation += 1
        stamps, order, keys = self._stamps, self._time_order, self._keys
        self._clear_caches()
        added_events = self.events[start:]
        self._keys = {column_id: computed for column_id, computed in keys.items()
                      if extend_keys(computed, get_column(column_id), added_events)}  # fmt: skip
        if stamps is None or order is None:
            self._ordered = min(self._ordered, start)
            return
        stamps.extend(map(_stamp, added_events))  # appended: a reader's indices stay right
        end = len(stamps)
        added = sorted(range(start, end), key=stamps.__getitem__, reverse=True)
        if order and stamps[order[-1]] < stamps[added[0]]:  # some new event is newer
            order = merge_newest_first(order, added, stamps)
        elif isinstance(order, range) and all(map(eq, added, range(start, end))):
            order = range(end)  # still newest first in store order
        else:
            order = _indices(order) + array("q", added)  # all at or before the oldest: after
        self._stamps, self._time_order = stamps, order
        self._ordered = end if isinstance(order, range) else min(self._ordered, start)

    def replace(self, events: Iterable[AuditEvent]) -> None:
        """Swap in a whole new set of events."""
        self.events = list(events)
        self.generation += 1
        self._uuid_index = None
        self._ordered = 0
        self._clear_caches()

    def index_of(self, event_uuid: str) -> int | None:
        """The store index of the event with this uuid (the last added, if repeated)."""
        if self._uuid_index is None:
            self._uuid_index = UuidIndex(self.events)
        return self._uuid_index.get(event_uuid)

    def compact(self, uuid_table: tuple[Any, Any] | None = None) -> None:
        """Keep the uuid lookup of a large store in ~16 bytes an event instead of ~70
        (`UuidIndex.compact`, which may keep `uuid_table` as its own). Any thread; slow on
        a large store: after a load, in a worker."""
        if self._uuid_index is not None:
            self._uuid_index.compact(uuid_table)

    def time_order(self) -> Sequence[int]:
        """All store indices, newest first; equal timestamps keep insertion order.

        Cached: callers must not modify it. A `range` when the store order is newest first
        already (as the loader leaves it), else an `array("q")`: no int object per event.
        """
        if self._time_order is None:
            stamps = self._timestamps()
            order = sorted(range(len(stamps)), key=stamps.__getitem__, reverse=True)
            in_order = all(map(eq, order, range(len(order))))
            self._time_order = range(len(order)) if in_order else _indices(order)
            if in_order:
                self._ordered = len(order)
        return self._time_order

    def in_time_order(self) -> bool:
        """True when the store order is already newest first (as the loader leaves it)."""
        return isinstance(self.time_order(), range)

    def time_sorted(self, ascending_indices: Sequence[int]) -> Sequence[int]:
        """Store indices given in ascending store order, rearranged newest first.

        The same order `time_order()` gives them (equal timestamps keep insertion order);
        when the store is already newest first, the sequence itself (not copied: callers
        must not modify either). When only the last few events broke the store's order (a
        follow's poll), those are merged into the rest, which is in order already.
        """
        if self.in_time_order():
            return ascending_indices
        cut = bisect_left(ascending_indices, self._ordered)
        if cut and len(ascending_indices) - cut <= max(64, cut // 8):
            stamps = self._timestamps()
            tail = sorted(ascending_indices[cut:], key=stamps.__getitem__, reverse=True)
            if not tail:
                return ascending_indices
            return merge_newest_first(ascending_indices[:cut], tail, stamps)
        if self._time_rank is None:
            rank = array("q", bytes(8 * len(self.events)))  # zeros; no int objects
            for position, index in enumerate(self.time_order()):
                rank[index] = position
            self._time_rank = rank
        return sorted(ascending_indices, key=self._time_rank.__getitem__)

    def timestamps(self) -> Sequence[Any]:
        """Each event's timestamp, by store index (cached; do not modify). Any thread: an
        `add` only appends to the list (a reader's indices keep their timestamps)."""
        return self._timestamps()

    def _timestamps(self) -> list[Any]:
        if self._stamps is None:
            self._stamps = list(map(_stamp, self.events))
        return self._stamps

    def _column_keys(self, column: Column) -> Ranks | Direct:
        cached = self._keys.get(column.id)
        if cached is not None:
            return cached
        generation = self.generation
        result = column_keys(column, self.events)
        if generation == self.generation:  # not replaced meanwhile (warm() in a thread)
            self._keys[column.id] = result
        return result

    def row_order(self, column_id: str, descending: bool) -> Callable[[int], Any]:
        """A key of store indices that ascends in the order a view sorted by this column
        shows its rows (`sort_keys.row_key`; time descending is the time order itself)."""
        stamps = self._timestamps()
        if column_id == "time":
            return row_key(None, False, stamps)
        return row_key(self._column_keys(get_column(column_id)), descending, stamps)

    def warm(self, column_ids: Iterable[str]) -> None:
        """Compute and cache the sort keys of these columns now (e.g. in a worker thread)."""
        self.time_order()
        for column_id in column_ids:
            if column_id != "time":
                self._column_keys(get_column(column_id))

    def sort_indices(self, indices: Sequence[int], column_id: str, descending: bool) -> list[int]:
        """`indices` stably sorted by a column; missing values last in both directions.

        Equal keys keep the order they have in `indices` (pass them newest first to get
        ties in time order).
        """
        column = get_column(column_id)
        if column.id == "time":
            stamps = self._timestamps()
            return sorted(indices, key=stamps.__getitem__, reverse=descending)
        keys = self._column_keys(column)
        if isinstance(keys, Ranks):
            ranks = keys.desc() if descending else keys.asc
            return sorted(indices, key=ranks.__getitem__, reverse=descending)
        values = keys.keys
        if not keys.any_missing:
            return sorted(indices, key=values.__getitem__, reverse=descending)
        present = [i for i in indices if values[i] is not None]
        absent = [i for i in indices if values[i] is None]
        present.sort(key=values.__getitem__, reverse=descending)
        present.extend(absent)
        return present


class Bookmark(msgspec.Struct, frozen=True):
    """Where an event sits in a store: finds its row again after a sort, filter or reload."""

    store: EventStore
    generation: int
    index: int
    event_uuid: str


class EventView:
    """A filtered, sorted index list over an `EventStore`.

    Rows are positions in the view; `event_at(row)` maps them to events. A filter is a
    predicate over events or an iterable of store indices (a subset); filter and sort
    compose in any order. When the store changes the view re-applies both on next use.

    `set_filter(indices, ascending=True)` takes store indices already in ascending order
    (what `auditui.query.narrowing.Filterer` returns) without scanning all events: the cost is
    the size of the match (plus its sort for a column other than time). Such a filter
    belongs to the store's current generation: after the store changes it shows nothing
    until a new filter is set (stale indices would point at other events).
    """

    def __init__(
        self,
        store: EventStore,
        *,
        sort_column: str = "time",
        descending: bool | None = None,
        filter: Filter = None,
    ) -> None:
        get_column(sort_column)  # fail early on a typo
        self.store = store
        self.sort_column = sort_column
        self.descending = default_descending(sort_column) if descending is None else descending
        self._predicate: Predicate | None = None
        self._subset: frozenset[int] | None = None
        self._ascending: Sequence[int] | None = None
        self._ascending_generation = -1
        self._set_filter_fields(filter)
        self._generation = -1
        self._members: Sequence[int] | None = None  # filtered store indices, newest first
        self._indices: Sequence[int] = []
        self._positions: list[int] | None = None
        self._lookups = 0
        self.refresh()

    # -- changing the view ----------------------------------------------------------------

    def _set_filter_fields(self, filter: Filter, ascending: bool = False) -> None:
        self._ascending = None
        if ascending and filter is not None and not callable(filter):
            self._predicate, self._subset = None, None
            self._ascending = filter if isinstance(filter, Sequence) else list(filter)
            self._ascending_generation = self.store.generation
        elif filter is None:
            self._predicate, self._subset = None, None
        elif callable(filter):
            self._predicate, self._subset = filter, None
        else:
            self._predicate, self._subset = None, frozenset(filter)

    @property
    def filtered(self) -> bool:
        """True when a filter is set."""
        return (
            self._predicate is not None or self._subset is not None or self._ascending is not None
        )

    def set_filter(self, filter: Filter, *, ascending: bool = False) -> None:
        """Show only events the predicate accepts (or these store indices); None shows all.

        `ascending`: `filter` is a sequence of store indices in ascending order (the fast
        path; see the class doc).
        """
        self._set_filter_fields(filter, ascending)
        self.refresh()

    def sort(self, column: str, descending: bool | None = None) -> None:
        """Sort stably by a column (None: the column's usual first direction)."""
        get_column(column)
        self._sync()
        self.sort_column = column
        self.descending = default_descending(column) if descending is None else descending
        self._apply_sort()

    def grow(self, added: Sequence[int], ascending: Sequence[int] | None = None) -> None:
        """Take in events the store's last `add` appended without sorting the view again.

        `added`: their store indices that pass the filter (ascending; all of them when the
        view has no filter); `ascending`: the filter's whole new result (a filter of store
        indices, as `set_filter(..., ascending=True)` takes it). They are merged into the
        rows in O(rows) at C speed (`sort_keys`). Anything else (the view was not current
        before that add, a predicate or set filter, many new rows) re-applies filter and
        sort (`refresh`).
        """
        store = self.store
        fits = (
            self._generation == store.generation - 1
            and self._predicate is None
            and self._subset is None
            and (self._ascending is None) == (ascending is None)
            and (ascending is None or self._ascending_generation == store.generation - 1)
            and len(added) <= max(GROW_AT_MOST, len(self._indices) // 16)
        )
        if ascending is not None:
            self._set_filter_fields(ascending, ascending=True)
        if not fits:
            self.refresh()
            return
        self._generation = store.generation
        if self._members is not None and added:
            stamps = store.timestamps()
            tail = sorted(added, key=stamps.__getitem__, reverse=True)
            self._members = merge_newest_first(self._members, tail, stamps)
        if self.sort_column == "time" and self.descending:
            self._indices = store.time_order() if self._members is None else self._members
        else:
            order = store.row_order(self.sort_column, self.descending)
            self._indices = insert_rows(self._indices, added, order)
        self._positions = None
        self._lookups = 0

    def refresh(self) -> None:
        """Re-apply filter and sort over the store's current events."""
        self._generation = self.store.generation
        self._apply_filter()
        self._apply_sort()

    def _sync(self) -> None:
        if self._generation != self.store.generation:
            self.refresh()

    def _apply_filter(self) -> None:
        if self._ascending is not None:
            current = self._ascending_generation == self.store.generation
            self._members = self.store.time_sorted(self._ascending) if current else []
            return
        base = self.store.time_order()
        if self._predicate is not None:
            events, keep = self.store.events, self._predicate
            self._members = [i for i in base if keep(events[i])]
        elif self._subset is not None:
            subset = self._subset
            self._members = [i for i in base if i in subset]
        else:
            self._members = None

    def _apply_sort(self) -> None:
        members = self.store.time_order() if self._members is None else self._members
        if self.sort_column == "time" and self.descending:
            self._indices = members  # already newest first; never mutated
        else:
            rows = self.store.sort_indices(members, self.sort_column, self.descending)
            # many rows as an array: a follow's poll splices it at C speed (`grow`)
            self._indices = array("q", rows) if len(rows) >= _NUMPY_SCAN else rows
        self._positions = None
        self._lookups = 0

    # -- reading the view -----------------------------------------------------------------

    @property
    def indices(self) -> Sequence[int]:
        """Store indices in row order (do not modify)."""
        self._sync()
        return self._indices

    def __len__(self) -> int:
        self._sync()
        return len(self._indices)

    def index_at(self, row: int) -> int:
        """The store index of a row (IndexError when out of range)."""
        self._sync()
        if row < 0:
            raise IndexError(row)
        return self._indices[row]

    def event_at(self, row: int) -> AuditEvent:
        """The event shown at a row (IndexError when out of range)."""
        return self.store.events[self.index_at(row)]

    def rows(self, start: int, stop: int) -> list[AuditEvent]:
        """The events of rows `start` to `stop` (exclusive), clipped to the view."""
        self._sync()
        events = self.store.events
        return [events[i] for i in self._indices[max(start, 0) : max(stop, 0)]]

    def row_of_index(self, store_index: int) -> int | None:
        """The row showing this store index, or None when filtered out."""
        self._sync()
        if isinstance(self._indices, array):  # a query's many matches: scan with numpy
            return _row_in_array(self._indices, store_index)
        if self._positions is None:
            self._lookups += 1
            if self._lookups <= 2:  # a C-speed scan is cheaper than a table for one lookup
                try:
                    return self._indices.index(store_index)
                except ValueError:
                    return None
            positions = [-1] * len(self.store.events)
            for row, index in enumerate(self._indices):
                positions[index] = row
            self._positions = positions
        if not 0 <= store_index < len(self._positions):
            return None
        row = self._positions[store_index]
        return None if row < 0 else row

    def row_of(self, event_uuid: str) -> int | None:
        """The row showing the event with this uuid, or None."""
        self._sync()
        index = self.store.index_of(event_uuid)
        return None if index is None else self.row_of_index(index)

    def bookmark(self, row: int) -> Bookmark:
        """A bookmark for the event at `row` (IndexError when out of range)."""
        index = self.index_at(row)
        store = self.store
        return Bookmark(store, store.generation, index, store.events[index].event_uuid)

    def find(self, bookmark: Bookmark, near: int | None = None) -> int | None:
        """The row of a bookmarked event, or None when it is not in this view.

        Same store, unchanged: a scan of the index list; otherwise by uuid. `near`: the row
        it was on, looked at first (a store that grew at its end, as while a load streams
        in, mostly leaves it there): when that row shows the event (its index; else its
        uuid, unique in a store the loaders fill: `sources.dedupe`), no scan of a large
        view and no uuid lookup (which would index the events a load just appended).
        """
        self._sync()
        store = self.store
        same = bookmark.store is store and bookmark.generation == store.generation
        if near is not None and 0 <= near < len(self._indices):
            index = self._indices[near]
            if same:
                if index == bookmark.index:
                    return near
            elif store.events[index].event_uuid == bookmark.event_uuid:
                return near
        if same:
            return self.row_of_index(bookmark.index)
        return self.row_of(bookmark.event_uuid)
