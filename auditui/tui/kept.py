"""What earlier ranges showed, kept to go back to without a fetch (no Textual).

A `Shown` is one range as it was on screen: its store, view, filterer, range, `since` and
load counts. The session keeps the one a new load replaced until the load ends (to put it
back on cancel), then hands it to its `KeptRanges`: the last `KEEP_RANGES` ranges, each of
at most `per_range` events and `KEEP_TOTAL` events in all, the oldest dropped first. Going
back in the history to one of them swaps it in again (`Session.swap_range`); the history
says which ranges it still refers to (`retain`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import msgspec

from auditui.events import EventStore, EventView
from auditui.query import Filterer
from auditui.timespec import TimeRange

if TYPE_CHECKING:
    from auditui.tui.load_counts import LoadCounts

KEEP_RANGES = 3  # earlier ranges whose events are kept
KEEP_TOTAL = 600_000  # ... holding at most this many events in all


class Shown(msgspec.Struct, frozen=True):
    """One range as it was shown (what a new load replaced)."""

    store: EventStore
    view: EventView
    filterer: Filterer
    time_range: TimeRange
    since: str | None
    counts: LoadCounts


class KeptRanges:
    """Earlier ranges' events, bounded by count and size; see the module doc."""

    def __init__(
        self, per_range: int, *, total: int = KEEP_TOTAL, count: int = KEEP_RANGES
    ) -> None:
        self.per_range = per_range
        self.total = total
        self.count = count
        self._kept: dict[TimeRange, Shown] = {}  # oldest first

    @property
    def ranges(self) -> tuple[TimeRange, ...]:
        """The kept ranges, oldest first."""
        return tuple(self._kept)

    @property
    def events(self) -> int:
        """Events held in all."""
        return sum(len(shown.store) for shown in self._kept.values())

    def add(self, shown: Shown) -> bool:
        """Keep `shown` (replacing one of the same range), dropping the oldest beyond the
        bounds; False when it alone is over `per_range` or `total`."""
        size = len(shown.store)
        if size > self.per_range or size > self.total:
            return False
        self._kept.pop(shown.time_range, None)
        self._kept[shown.time_range] = shown
        while len(self._kept) > self.count or self.events > self.total:
            del self._kept[next(iter(self._kept))]
        return True

    def take(self, time_range: TimeRange) -> Shown:
        """Remove and return a kept range (KeyError when it is not kept)."""
        return self._kept.pop(time_range)

    def retain(self, wanted: Collection[TimeRange]) -> None:
        """Drop every kept range not in `wanted`."""
        for time_range in [r for r in self._kept if r not in wanted]:
            del self._kept[time_range]
