"""The timeline: events over the loaded range in buckets, and its sparkline (core, no Textual).

`histogram(stamps, indices, time_range, buckets)` counts the events at these store indices
(`stamps[i]` is event i's timestamp, e.g. `index_for(store).stamps` or the events'
timestamps) into equal buckets of the range. Bucket boundaries are exact datetimes, so a
bucket's `TimeRange` turned into `after:`/`before:` terms (`time_terms`) selects exactly
the events counted in it. `Histogram.resample(n)` merges buckets for a narrower display
(merged buckets may differ in width by one fine bucket; their ranges stay exact), so the
app can count once at a fine resolution and let the widget fit it to its width.

`sparkline(counts)` draws one character per bucket: a space for an empty bucket, else one
of `▁▂▃▄▅▆▇█` scaled linearly to the largest bucket (any event shows at least `▁`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from itertools import pairwise

import msgspec

from auditui.timespec import TimeRange, format_utc

__all__ = [
    "BARS",
    "DEFAULT_BUCKETS",
    "Histogram",
    "histogram",
    "sparkline",
    "time_terms",
]

BARS = "▁▂▃▄▅▆▇█"
EMPTY = " "
DEFAULT_BUCKETS = 480  # fine buckets counted once; widgets resample to their width
_TICK = timedelta(microseconds=1)


class Histogram(msgspec.Struct, frozen=True):
    """Event counts per bucket; bucket i covers [bounds[i], bounds[i + 1])."""

    bounds: tuple[datetime, ...]  # len(counts) + 1 ascending boundaries
    counts: tuple[int, ...]
    outside: int = 0  # selected events outside the range (not counted in any bucket)

    def __post_init__(self) -> None:
        if len(self.bounds) != len(self.counts) + 1 or not self.counts:
            raise ValueError("a histogram needs at least one bucket and one more bound")

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def range(self) -> TimeRange:
        return TimeRange(self.bounds[0], self.bounds[-1])

    @property
    def total(self) -> int:
        """Events counted in the buckets."""
        return sum(self.counts)

    @property
    def peak(self) -> int:
        return max(self.counts)

    def bucket_of(self, moment: datetime) -> int | None:
        """The bucket holding `moment`, or None when it is outside the range."""
        if not self.bounds[0] <= moment < self.bounds[-1]:
            return None
        return bisect_right(self.bounds, moment) - 1

    def bucket_range(self, bucket: int) -> TimeRange:
        """The half-open time range of one bucket (IndexError when out of range)."""
        if not 0 <= bucket < len(self.counts):
            raise IndexError(bucket)
        return TimeRange(self.bounds[bucket], self.bounds[bucket + 1])

    def resample(self, buckets: int) -> Histogram:
        """The same counts in `buckets` merged buckets (no more than there are now)."""
        have = len(self.counts)
        buckets = max(1, min(buckets, have))
        if buckets == have:
            return self
        cuts = [have * j // buckets for j in range(buckets + 1)]
        counts = tuple(sum(self.counts[a:b]) for a, b in pairwise(cuts))
        bounds = tuple(self.bounds[cut] for cut in cuts)
        return Histogram(bounds, counts, self.outside)

    def sparkline(self) -> str:
        return sparkline(self.counts)


def _bounds(time_range: TimeRange, buckets: int) -> tuple[datetime, ...]:
    """Equal boundaries (whole microseconds; the last bucket takes the remainder)."""
    span = time_range.end - time_range.start
    step = max(span // buckets, _TICK)
    buckets = min(buckets, max(1, span // step))
    inner = [time_range.start + step * i for i in range(buckets)]
    return (*inner, time_range.end)


def histogram(
    stamps: Sequence[datetime],
    indices: Sequence[int] | None,
    time_range: TimeRange,
    buckets: int = DEFAULT_BUCKETS,
) -> Histogram:
    """Count the events at `indices` (None: every index of `stamps`) into equal buckets.

    Fewer buckets are made when the range is shorter than `buckets` microseconds.
    Safe to call from a worker thread.
    """
    if buckets < 1:
        raise ValueError("buckets must be at least 1")
    bounds = _bounds(time_range, buckets)
    # sorting is linear for the usual input (store order is newest first: one reversed run)
    ordered = sorted(stamps if indices is None else map(stamps.__getitem__, indices))
    cuts = [bisect_left(ordered, bound) for bound in bounds]
    counts = [b - a for a, b in pairwise(cuts)]
    outside = cuts[0] + len(ordered) - cuts[-1]
    return Histogram(bounds, tuple(counts), outside)


def counted_onto(hist: Histogram, stamps: Sequence[datetime]) -> Histogram:
    """`hist` with `stamps` counted too, into its buckets: what one `histogram` of its events
    and these gives (a store that grew needs only its new events counted). Any thread."""
    ordered = sorted(stamps)
    cuts = [bisect_left(ordered, bound) for bound in hist.bounds]
    added = [b - a for a, b in pairwise(cuts)]
    counts = tuple(old + new for old, new in zip(hist.counts, added, strict=True))
    outside = hist.outside + cuts[0] + len(ordered) - cuts[-1]
    return Histogram(hist.bounds, counts, outside)


def sparkline(counts: Sequence[int]) -> str:
    """One character per bucket: " " when empty, else ▁..█ scaled to the largest count."""
    peak = max(counts, default=0)
    if peak <= 0:
        return EMPTY * len(counts)
    top = len(BARS)
    return "".join(
        EMPTY if count <= 0 else BARS[min(top - 1, (count * top - 1) // peak)] for count in counts
    )


def time_terms(time_range: TimeRange) -> str:
    """`after:START before:END` query terms selecting exactly this half-open range."""
    return f"after:{format_utc(time_range.start)} before:{format_utc(time_range.end)}"
