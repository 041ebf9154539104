"""The browser's history: back and forward over filter, sort and range (no Textual).

A `Place` is what one step shows: the query, the sort and the range (with the `since` it
was chosen as). `History` keeps the steps in order with a cursor, as a web browser does:

- `record(place)` adds a step after the cursor, dropping the steps ahead of it, unless the
  place is the current one; at most `limit` steps are kept (the oldest go);
- `move(-1)` / `move(1)` go back / forward (`peek` looks without moving); `back_depth` and
  `forward_depth` are what the header shows (`◀ 3 ▶ 1`);
- each step remembers the event selected on it (`select`: the caller says when), and may
  hold a cached filter result (`cache`/`cached`, opaque here with its size), so going back
  shows it again without matching: the `cache_steps` most recently used results are kept,
  holding `cache_size` indices at most in all;
- `rebase(old, new)` rewrites a range loaded again (`r`: the same range, or "the last hour"
  as of now) in every step; `ranges` are the ranges the steps refer to;
- `mark()` / `reset(mark)` put the steps back as they were (a load cancelled after it
  recorded its range).
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec.structs import replace

from auditui.timespec import TimeRange

HISTORY_LIMIT = 100  # steps kept
CACHE_STEPS = 12  # steps whose filter results are kept
CACHE_SIZE = 8_000_000  # store indices those results hold at most, in all (~64 MB)


class Place(msgspec.Struct, frozen=True, eq=False):
    """What a step shows: the query (stripped), the sort and the range; equal by those,
    whatever `since` (how the range was chosen) says."""

    query: str
    sort_column: str
    descending: bool
    time_range: TimeRange
    since: str | None = None  # how the range was chosen

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Place):
            return NotImplemented
        return self._compared() == other._compared()

    def __ne__(self, other: object) -> bool:  # a Struct's own `!=` would compare identity
        if not isinstance(other, Place):
            return NotImplemented
        return self._compared() != other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def _compared(self) -> tuple[str, str, bool, TimeRange]:
        return (self.query, self.sort_column, self.descending, self.time_range)

    @property
    def sort(self) -> tuple[str, bool]:
        return (self.sort_column, self.descending)


class Step(msgspec.Struct, eq=False):
    """One step: its place, the event selected on it (uuid) and a cached filter result."""

    place: Place
    selected: str | None = None
    cached: Any = None
    cached_size: int = 0
    used: int = 0  # when the cached result was last used (the history's clock)


class Mark(msgspec.Struct, frozen=True):
    """The steps and cursor at one moment (`History.mark`)."""

    steps: tuple[Step, ...]
    at: int


class History:
    """The steps and the cursor; see the module doc."""

    def __init__(
        self,
        first: Place,
        *,
        limit: int = HISTORY_LIMIT,
        cache_steps: int = CACHE_STEPS,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        if limit < 1:
            raise ValueError("a history holds at least one step")
        self.limit = limit
        self.cache_steps = cache_steps
        self.cache_size = cache_size
        self._steps: list[Step] = [Step(first)]
        self._at = 0
        self._clock = 0

    # -- reading ---------------------------------------------------------------------------

    @property
    def current(self) -> Step:
        return self._steps[self._at]

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step, oldest first."""
        return tuple(self._steps)

    @property
    def position(self) -> int:
        """The index of the current step in `steps`."""
        return self._at

    @property
    def back_depth(self) -> int:
        """Steps `move(-1)` can go back."""
        return self._at

    @property
    def forward_depth(self) -> int:
        """Steps `move(1)` can go forward."""
        return len(self._steps) - 1 - self._at

    def peek(self, delta: int) -> Step | None:
        """The step `delta` away from the current one (None: there is none)."""
        index = self._at + delta
        return self._steps[index] if 0 <= index < len(self._steps) else None

    @property
    def ranges(self) -> frozenset[TimeRange]:
        """The ranges the steps refer to."""
        return frozenset(step.place.time_range for step in self._steps)

    # -- changing --------------------------------------------------------------------------

    def record(self, place: Place, selected: str | None = None) -> bool:
        """A new current step after the cursor (the steps ahead are dropped); False, and
        nothing changes, when `place` is the current step's."""
        if place == self.current.place:
            return False
        del self._steps[self._at + 1 :]
        self._steps.append(Step(place, selected))
        if len(self._steps) > self.limit:
            del self._steps[: len(self._steps) - self.limit]
        self._at = len(self._steps) - 1
        return True

    def move(self, delta: int) -> Step | None:
        """Make the step `delta` away current and return it (None: none, nothing moves)."""
        step = self.peek(delta)
        if step is not None:
            self._at += delta
        return step

    def go(self, step: Step) -> bool:
        """Make `step` current (False when it is no longer in the history)."""
        for index, candidate in enumerate(self._steps):
            if candidate is step:
                self._at = index
                return True
        return False

    def select(self, uuid: str | None) -> None:
        """The event selected on the current step (restored when it is shown again)."""
        self.current.selected = uuid

    def rebase(self, old: TimeRange, new: TimeRange, since: str | None) -> None:
        """Every step on range `old` is on `new` now (it was loaded again); their cached
        results belonged to the events replaced and are dropped."""
        if old == new:
            return
        for step in self._steps:
            if step.place.time_range == old:
                step.place = replace(step.place, time_range=new, since=since)
                step.cached, step.cached_size = None, 0

    def mark(self) -> Mark:
        return Mark(tuple(self._steps), self._at)

    def reset(self, mark: Mark) -> None:
        """The steps and cursor as they were at `mark`."""
        self._steps, self._at = list(mark.steps), mark.at

    # -- cached filter results -------------------------------------------------------------

    def cache(self, step: Step, value: Any, size: int) -> None:
        """Keep a filter result on `step` (`size`: the indices it holds), dropping the least
        recently used ones beyond `cache_steps` results or `cache_size` indices."""
        self._clock += 1
        step.cached, step.cached_size, step.used = value, size, self._clock
        holders = sorted(
            (s for s in self._steps if s.cached is not None), key=lambda s: s.used, reverse=True
        )
        total = 0
        for rank, holder in enumerate(holders):
            total += holder.cached_size
            if holder is not step and (rank >= self.cache_steps or total > self.cache_size):
                total -= holder.cached_size
                holder.cached, holder.cached_size = None, 0

    def cached(self, step: Step) -> Any:
        """The result cached on `step` (None: none), marked as just used."""
        if step.cached is not None:
            self._clock += 1
            step.used = self._clock
        return step.cached

    def forget(self, step: Step) -> None:
        """Drop the result cached on `step` (it no longer applies)."""
        step.cached, step.cached_size = None, 0

    @property
    def cached_size(self) -> int:
        """Indices held by the cached results, in all."""
        return sum(step.cached_size for step in self._steps)
