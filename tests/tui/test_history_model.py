"""The history model (auditui/tui/history.py, no Textual) and the kept ranges
(auditui/tui/kept.py): steps, cursor, bounds, cached results, rebase, marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auditui.events import EventStore, EventView
from auditui.query import Filterer
from auditui.timespec import TimeRange
from auditui.tui.history import History, Place
from auditui.tui.kept import KeptRanges, Shown
from auditui.tui.load_counts import LoadCounts

END = datetime(2026, 11, 26, 12, tzinfo=UTC)
DAY = TimeRange(END - timedelta(days=1), END)
DAY_BEFORE = TimeRange(END - timedelta(days=2), END - timedelta(days=1))


def place(
    query: str = "", sort: str = "time", descending: bool = True, at: TimeRange = DAY
) -> Place:
    return Place(query, sort, descending, at)


def test_a_new_history_has_one_step_and_nowhere_to_go() -> None:
    history = History(place())
    assert (history.back_depth, history.forward_depth) == (0, 0)
    assert history.move(-1) is None and history.move(1) is None
    assert history.current.place == place()


def test_record_back_forward() -> None:
    history = History(place())
    assert history.record(place("a"), "e1")
    assert history.record(place("a", "user", False))
    assert (history.back_depth, history.forward_depth) == (2, 0)
    step = history.move(-1)
    assert step is not None and step.place.query == "a" and step.selected == "e1"
    assert (history.back_depth, history.forward_depth) == (1, 1)
    assert history.move(-1) is not None and history.current.place == place()
    assert history.move(-1) is None  # nothing before the first step
    forward = history.move(1)
    assert forward is not None and forward.place.query == "a"


def test_the_same_place_is_not_a_step() -> None:
    history = History(place("a"))
    assert not history.record(place("a"))
    assert history.back_depth == 0
    # `since` says how a range was chosen: it does not make another place
    assert not history.record(Place("a", "time", True, DAY, since="86400s"))


def test_a_new_step_after_going_back_drops_the_steps_ahead() -> None:
    history = History(place())
    history.record(place("a"))
    history.record(place("b"))
    history.move(-1)
    history.move(-1)
    assert history.record(place("c"))
    assert [step.place.query for step in history.steps] == ["", "c"]
    assert history.forward_depth == 0


def test_the_history_is_bounded() -> None:
    history = History(place(), limit=5)
    for number in range(20):
        history.record(place(f"q{number}"))
    assert len(history.steps) == 5
    assert history.back_depth == 4
    assert [step.place.query for step in history.steps] == [f"q{n}" for n in range(15, 20)]
    with pytest.raises(ValueError):
        History(place(), limit=0)


def test_select_remembers_the_event_of_the_current_step() -> None:
    history = History(place())
    history.select("first")
    history.record(place("a"))
    history.select("second")
    assert history.move(-1) is not None and history.current.selected == "first"
    assert history.move(1) is not None and history.current.selected == "second"


def test_cached_results_are_bounded_by_count_and_size() -> None:
    history = History(place(), cache_steps=2, cache_size=100)
    steps = []
    for number in range(4):
        history.record(place(f"q{number}"))
        history.cache(history.current, f"result{number}", 10)
        steps.append(history.current)
    assert [history.cached(step) for step in steps] == [None, None, "result2", "result3"]
    assert history.cached_size == 20
    big = steps[2]
    history.cache(big, "big", 95)  # the one just cached stays; the others make room
    assert history.cached(big) == "big" and history.cached(steps[3]) is None
    history.forget(big)
    assert history.cached(big) is None and history.cached_size == 0


def test_the_least_recently_used_result_goes_first() -> None:
    history = History(place(), cache_steps=2)
    history.record(place("a"))
    first = history.current
    history.cache(first, "a", 1)
    history.record(place("b"))
    second = history.current
    history.cache(second, "b", 1)
    assert history.cached(first) == "a"  # used: now the most recent
    history.record(place("c"))
    history.cache(history.current, "c", 1)
    assert history.cached(first) == "a" and history.cached(second) is None


def test_rebase_moves_the_steps_of_a_reloaded_range() -> None:
    history = History(place(at=DAY_BEFORE))
    history.record(place("a", at=DAY_BEFORE))
    history.cache(history.current, "stale", 3)
    history.record(place("a", at=DAY))
    newer = TimeRange(DAY_BEFORE.start + timedelta(hours=1), DAY_BEFORE.end + timedelta(hours=1))
    history.rebase(DAY_BEFORE, newer, "86400s")
    assert [step.place.time_range for step in history.steps] == [newer, newer, DAY]
    assert history.steps[1].place.since == "86400s"
    assert history.cached(history.steps[1]) is None
    assert history.ranges == frozenset({newer, DAY})


def test_mark_and_reset_put_the_steps_back() -> None:
    history = History(place())
    history.record(place("a"))
    mark = history.mark()
    history.record(place("b"))
    history.record(place("c"))
    history.reset(mark)
    assert [step.place.query for step in history.steps] == ["", "a"]
    assert history.back_depth == 1


def test_go_to_a_step_that_is_gone() -> None:
    history = History(place())
    history.record(place("a"))
    gone = history.current
    history.move(-1)
    history.record(place("b"))
    assert not history.go(gone)
    assert history.go(history.steps[0]) and history.back_depth == 0


def shown(at: TimeRange, size: int) -> Shown:
    store = EventStore()
    store.events = [object()] * size  # type: ignore[list-item]  # only counted here
    counts = LoadCounts(windows=1)
    return Shown(store, EventView.__new__(EventView), Filterer(store), at, None, counts)


def test_kept_ranges_are_bounded_by_count_size_and_per_range() -> None:
    hours = [TimeRange(END + timedelta(hours=h), END + timedelta(hours=h + 1)) for h in range(5)]
    kept = KeptRanges(50, total=100, count=3)
    assert not kept.add(shown(hours[0], 51))  # over the per-range bound
    for hour in hours[:4]:
        assert kept.add(shown(hour, 10))
    assert kept.ranges == tuple(hours[1:4])  # the oldest went
    assert kept.add(shown(hours[4], 50))
    assert kept.add(shown(hours[1], 45))  # the same range again: now the newest
    assert list(kept.ranges) == [hours[4], hours[1]] and kept.events == 95
    kept.retain({hours[1]})
    assert kept.ranges == (hours[1],)
    assert kept.take(hours[1]).time_range == hours[1] and not kept.ranges
