"""Sort keys of the event store's columns, and keeping sorted index lists as events join.

`column_keys` computes one column's per-event keys: ranks of its distinct values when they
are few (a sort then orders integers), the keys themselves when nearly every event has its
own (`Direct`). Ranks are spaced (`SPACING` apart), so a value never seen before gets a
rank between its neighbours' without re-ranking the others: `extend_keys` grows the keys
of a store that gained a few events (a follow's poll) in O(new events), and says None when
it cannot (a gap used up; rare), so the caller computes them again.

`merge_newest_first` and `insert_rows` keep an already ordered index list ordered when
events join: the first splices two newest-first runs (the time order), the second places a
few new indices into a list sorted by any column (each by bisection, then one splice), so a
poll's merge costs O(list) at C speed, never a sort of the whole list.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from auditui.events.columns import Column
from auditui.events.model import AuditEvent

SPACING = 1 << 20  # between the ranks of neighbouring distinct values
MISSING = 1 << 62  # the rank of a missing value: after every other


class Ranks:
    """Per-event integer ranks of one column (ascending, missing values last)."""

    __slots__ = ("_desc", "asc", "by_key", "keys", "ranks")

    def __init__(self, asc: list[int], by_key: dict[Any, int]) -> None:
        self.asc = asc
        self.by_key = by_key  # sort key → rank
        self.keys = sorted(by_key)  # the distinct keys, ascending (for a new one's place)
        self.ranks = [by_key[key] for key in self.keys]
        self._desc: list[int] | None = None

    @property
    def missing(self) -> int:
        return MISSING

    def desc(self) -> list[int]:
        """Ranks for a reverse sort: missing values get -1 so they still come last."""
        if self._desc is None:
            self._desc = [-1 if rank == MISSING else rank for rank in self.asc]
        return self._desc

    def rank_of(self, key: Any) -> int | None:
        """The rank of a key (placing a new one between its neighbours); None when there is
        no room left between them."""
        if key is None:
            return MISSING
        rank = self.by_key.get(key)
        if rank is not None:
            return rank
        at = bisect_left(self.keys, key)
        low = self.ranks[at - 1] if at else -SPACING
        high = self.ranks[at] if at < len(self.ranks) else low + 2 * SPACING
        if high - low < 2 or high >= MISSING:
            return None
        rank = (low + high) // 2
        self.by_key[key] = rank
        self.keys.insert(at, key)
        self.ranks.insert(at, rank)
        return rank


class Direct:
    """Per-event sort keys of a column where nearly every value differs."""

    __slots__ = ("any_missing", "keys")

    def __init__(self, keys: list[Any]) -> None:
        self.keys = keys
        self.any_missing = any(key is None for key in keys)


def column_keys(column: Column, events: Sequence[AuditEvent]) -> Ranks | Direct:
    """One column's sort keys for every event (see the module docstring)."""
    if column.many_values:
        return Direct(list(map(column.key, map(column.raw, events))))
    # one hashing pass: each event gets the code of its raw value (first seen = 0)
    codes: dict[Any, int] = {}
    setdefault = codes.setdefault
    per_event = [setdefault(value, len(codes)) for value in map(column.raw, events)]
    key_by_code = [column.key(value) for value in codes]
    if len(codes) * 2 > len(per_event) > 1000:  # nearly all distinct: no ranking
        return Direct(list(map(key_by_code.__getitem__, per_event)))
    ordered = sorted({key for key in key_by_code if key is not None})
    by_key = {key: (position + 1) * SPACING for position, key in enumerate(ordered)}
    rank_by_code = [MISSING if key is None else by_key[key] for key in key_by_code]
    return Ranks(list(map(rank_by_code.__getitem__, per_event)), by_key)


def extend_keys(keys: Ranks | Direct, column: Column, added: Sequence[AuditEvent]) -> bool:
    """Grow `keys` by the keys of `added` (events appended to the store); False when the
    ranks have no room for a new value (compute them again)."""
    new_keys = [column.key(column.raw(event)) for event in added]
    if isinstance(keys, Direct):
        keys.keys.extend(new_keys)
        keys.any_missing = keys.any_missing or any(key is None for key in new_keys)
        return True
    ranks = [keys.rank_of(key) for key in new_keys]
    if any(rank is None for rank in ranks):
        return False
    keys.asc.extend(ranks)  # type: ignore[arg-type]  # no None left (checked above)
    if keys._desc is not None:
        keys._desc.extend(-1 if rank == MISSING else rank for rank in ranks)  # type: ignore[misc]
    return True


def merge_newest_first(order: Sequence[int], added: list[int], stamps: Sequence[Any]) -> array[int]:
    """`order` and `added` (each newest first) as one newest-first array; on equal times
    the events of `order` come first (what a stable sort of the two gives).

    New events newer than all the others (a follow's poll) go in front with one copy;
    otherwise each run of new events is placed with one bisection and the arrays spliced
    at C speed (much faster than a full sort).
    """
    if not order or stamps[added[-1]] > stamps[order[0]]:
        merged = array("q", added)
        merged.extend(as_array(order))
        return merged
    merged = array("q")
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


def as_array(indices: Sequence[int]) -> array[int]:
    """Indices as an `array("q")` (a range of a million at numpy speed when numpy is loaded,
    as it is once a query ran)."""
    if isinstance(indices, array):
        return indices
    if isinstance(indices, range) and indices.step == 1 and len(indices) > 10_000:
        import sys

        numpy = sys.modules.get("numpy")
        if numpy is not None:
            values = numpy.arange(indices.start, indices.stop, dtype=numpy.int64)
            return array("q", values.tobytes())
    return array("q", indices)


class _Reversed:
    """A key that sorts the other way (for a descending column of arbitrary keys)."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.key < self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and bool(self.key == other.key)

    __hash__ = None  # type: ignore[assignment]


def row_key(keys: Ranks | Direct | None, descending: bool, stamps: Sequence[Any]
            ) -> Callable[[int], Any]:  # fmt: skip
    """A function of a store index that ascends in the order a view sorted by these keys
    (None: by time, ascending) shows its rows: the key (missing values last in both
    directions), then newest first (a stable sort from the time order)."""
    if keys is None:
        return lambda index: (stamps[index], 0)
    if isinstance(keys, Ranks):
        ranks = keys.desc() if descending else keys.asc
        sign = -1 if descending else 1
        return lambda index: (sign * ranks[index], -stamps[index].timestamp())
    values = keys.keys
    if descending:
        return lambda index: (values[index] is None, _Reversed(values[index]),
                              -stamps[index].timestamp())  # fmt: skip
    return lambda index: (values[index] is None, values[index], -stamps[index].timestamp())


def insert_rows(rows: Sequence[int], added: Sequence[int], key: Callable[[int], Any]
                ) -> Sequence[int]:  # fmt: skip
    """`rows` (sorted ascending by `key`, equal keys in store order) with the store indices
    `added` (each greater than every row) placed where a stable sort would put them: one
    bisection each, then one splice."""
    if not added:
        return rows
    placed = sorted((bisect_right(rows, key(index), key=key), key(index), index)
                    for index in added)  # fmt: skip
    if isinstance(rows, array):  # copied once, as bytes (a slice would copy twice)
        raw, size = memoryview(rows).cast("B"), rows.itemsize
        spliced = array("q")
        start = 0
        for at, _key, index in placed:
            spliced.frombytes(raw[start * size : at * size])
            spliced.append(index)
            start = at
        spliced.frombytes(raw[start * size :])
        return spliced
    merged: list[int] = []
    start = 0
    for at, _key, index in placed:
        merged.extend(rows[start:at])
        merged.append(index)
        start = at
    merged.extend(rows[start:])
    return merged
