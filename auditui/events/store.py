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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter, eq
from typing import Any

from auditui.events.columns import Column, default_descending, get_column
from auditui.events.model import AuditEvent
from auditui.events.uuid_index import UuidIndex

Predicate = Callable[[AuditEvent], bool]
Filter = Predicate | Iterable[int] | None

_stamp = attrgetter("timestamp")
_NUMPY_SCAN = 50_000  # arrays of indices from this long are scanned with numpy


class _Ranks:
    """Per-event integer ranks of one column (ascending, missing values last)."""

    __slots__ = ("_desc", "asc", "missing")

    def __init__(self, asc: list[int], missing: int) -> None:
        self.asc = asc
        self.missing = missing  # the rank given to missing values (one past the largest)
        self._desc: list[int] | None = None

    def desc(self) -> list[int]:
        """Ranks for a reverse sort: missing values get -1 so they still come last."""
        if self._desc is None:
            missing = self.missing
            self._desc = [-1 if rank == missing else rank for rank in self.asc]
        return self._desc


class _Direct:
    """Per-event sort keys of a column where nearly every value differs."""

    __slots__ = ("any_missing", "keys")

    def __init__(self, keys: list[Any]) -> None:
        self.keys = keys
        self.any_missing = any(key is None for key in keys)


def _indices(values: Iterable[int]) -> array[int]:
    """Store indices as an `array("q")`: 8 bytes each, where a list of them holds an int
    object (28 bytes) and a pointer per index (36 MB more at 1M events)."""
    return values if isinstance(values, array) else array("q", values)


def _merge(order: Sequence[int], added: list[int], stamps: list[Any]) -> array[int]:
    """`order` and `added` (each newest first) as one newest-first array; on equal times
    the events of `order` come first (what a stable sort of the two gives).

    Streamed windows land in a few runs between old events: each run is found with one
    bisection, then the arrays are spliced at C speed (much faster than a full sort).
    """
    merged: array[int] = array("q")
    start, size, taken = 0, len(order), 0
    while taken < len(added):
        newest = stamps[added[taken]]
        # the first old position holding an event older than `newest` (ties stay before)
        low, high = start, size
        while low < high:
            middle = (low + high) // 2
            if stamps[order[middle]] >= newest:
                low = middle + 1
            else:
                high = middle
        merged.extend(order[start:low])
        end = taken + 1
        if low < size:  # the run: new events newer than the old one they go before
            bound = stamps[order[low]]
            while end < len(added) and stamps[added[end]] > bound:
                end += 1
        else:
            end = len(added)
        merged.extend(added[taken:end])
        start, taken = low, end
    merged.extend(order[start:])
    return merged


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
        self._clear_caches()

    def _clear_caches(self) -> None:
        self._stamps: list[Any] | None = None
        self._time_order: Sequence[int] | None = None
        self._time_rank: array[int] | None = None
        self._keys: dict[str, _Ranks | _Direct] = {}

    def __len__(self) -> int:
        return len(self.events)

    def add(self, events: Iterable[AuditEvent]) -> None:
        """Append events (views over this store re-apply filter and sort on next use).

        The time order is kept up to date in O(store) at C speed instead of being sorted
        again: the new events are sorted among themselves and, as when windows stream in
        newest first, appended after the old order, or else merged with it (one stable
        sort of two runs). Other sort keys are computed again on next use.
        """
        start = len(self.events)
        self.events.extend(events)
        if self._uuid_index is not None:
            self._uuid_index.added(start)
        self.generation += 1
        stamps, order = self._stamps, self._time_order
        self._clear_caches()
        if stamps is None or order is None or start == len(self.events):
            return
        stamps = stamps + list(map(_stamp, self.events[start:]))  # a copy: never shrinks one
        end = len(stamps)
        added = sorted(range(start, end), key=stamps.__getitem__, reverse=True)
        if order and stamps[order[-1]] < stamps[added[0]]:  # some new event is newer
            order = _merge(order, added, stamps)
        elif isinstance(order, range) and all(map(eq, added, range(start, end))):
            order = range(end)  # still newest first in store order
        else:
            order = _indices(order) + array("q", added)  # all at or before the oldest: after
        self._stamps, self._time_order = stamps, order

    def replace(self, events: Iterable[AuditEvent]) -> None:
        """Swap in a whole new set of events."""
        self.events = list(events)
        self.generation += 1
        self._uuid_index = None
        self._clear_caches()

    def index_of(self, event_uuid: str) -> int | None:
        """The store index of the event with this uuid (the last added, if repeated)."""
        if self._uuid_index is None:
            self._uuid_index = UuidIndex(self.events)
        return self._uuid_index.get(event_uuid)

    def compact(self) -> None:
        """Keep the uuid lookup of a large store in ~16 bytes an event instead of ~70
        (`UuidIndex.compact`). Any thread; slow on a large store: after a load, in a worker."""
        if self._uuid_index is not None:
            self._uuid_index.compact()

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
        return self._time_order

    def in_time_order(self) -> bool:
        """True when the store order is already newest first (as the loader leaves it)."""
        return isinstance(self.time_order(), range)

    def time_sorted(self, ascending_indices: Sequence[int]) -> Sequence[int]:
        """Store indices given in ascending store order, rearranged newest first.

        The same order `time_order()` gives them (equal timestamps keep insertion order);
        when the store is already newest first, the sequence itself (not copied: callers
        must not modify either).
        """
        if self.in_time_order():
            return ascending_indices
        if self._time_rank is None:
            rank = array("q", bytes(8 * len(self.events)))  # zeros; no int objects
            for position, index in enumerate(self.time_order()):
                rank[index] = position
            self._time_rank = rank
        return sorted(ascending_indices, key=self._time_rank.__getitem__)

    def timestamps(self) -> Sequence[Any]:
        """Each event's timestamp, by store index (cached; do not modify). Any thread: an
        `add` replaces the list, never changes one a caller holds."""
        return self._timestamps()

    def _timestamps(self) -> list[Any]:
        if self._stamps is None:
            self._stamps = list(map(_stamp, self.events))
        return self._stamps

    def _column_keys(self, column: Column) -> _Ranks | _Direct:
        cached = self._keys.get(column.id)
        if cached is not None:
            return cached
        generation = self.generation
        result: _Ranks | _Direct
        if column.many_values:
            result = _Direct(list(map(column.key, map(column.raw, self.events))))
        else:
            # one hashing pass: each event gets the code of its raw value (first seen = 0)
            codes: dict[Any, int] = {}
            setdefault = codes.setdefault
            per_event = [setdefault(value, len(codes)) for value in map(column.raw, self.events)]
            key_by_code = [column.key(value) for value in codes]
            if len(codes) * 2 > len(per_event) > 1000:  # nearly all distinct: no ranking
                result = _Direct(list(map(key_by_code.__getitem__, per_event)))
            else:
                ordered = sorted({key for key in key_by_code if key is not None})
                rank_of_key = {key: rank for rank, key in enumerate(ordered)}
                missing = len(ordered)
                rank_by_code = [missing if key is None else rank_of_key[key] for key in key_by_code]
                result = _Ranks(list(map(rank_by_code.__getitem__, per_event)), missing)
        if generation == self.generation:  # not replaced meanwhile (warm() in a thread)
            self._keys[column.id] = result
        return result

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
        if isinstance(keys, _Ranks):
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


@dataclass(frozen=True, slots=True)
class Bookmark:
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
            self._indices = self.store.sort_indices(members, self.sort_column, self.descending)
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

    def find(self, bookmark: Bookmark) -> int | None:
        """The row of a bookmarked event, or None when it is not in this view.

        Same store, unchanged: a scan of the index list; otherwise by uuid.
        """
        self._sync()
        if bookmark.store is self.store and bookmark.generation == self.store.generation:
            return self.row_of_index(bookmark.index)
        return self.row_of(bookmark.event_uuid)
