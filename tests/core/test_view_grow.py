"""`EventView.grow` (a follow's poll joining a view without sorting it again) gives the rows
a view sorted from scratch gives: any column and direction, with and without a filter,
new events newer, older or as old as the loaded ones, missing values and values never seen
before (`events.sort_keys`)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from auditui.events import AuditEvent, EventStore, EventView
from auditui.events.sort_keys import SPACING, Ranks

T0 = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
USERS = ["ana@x.io", "bo@x.io", "cy@x.io", None]
COLUMNS = ["time", "user", "action", "uuid", "ip", "object"]


def make(rng: random.Random, serial: int, minutes: float) -> AuditEvent:
    return AuditEvent(
        timestamp=T0 + timedelta(minutes=minutes),
        event_uuid=f"{rng.randrange(16**8):08x}-{serial}",
        client_ip=f"10.0.{rng.randrange(3)}.{rng.randrange(250)}",
        url="/x",
        action=rng.choice(["login", "dataset.view", "monitor.run", None]),
        user_email=rng.choice([*USERS, f"new{rng.randrange(50)}@x.io"]),
        object_id=rng.choice([None, rng.randrange(20)]),
        object_type=rng.choice([None, "monitor"]),
        payload=msgspec.Raw(b"{}"),
    )


def loaded(rng: random.Random, count: int) -> EventStore:
    """A store as a load leaves it: newest first in store order, some equal timestamps."""
    minutes = sorted((rng.randrange(600) / 2 for _ in range(count)), reverse=True)
    return EventStore([make(rng, n, m) for n, m in enumerate(minutes)])


@pytest.mark.parametrize("seed", range(12))
def test_grow_gives_the_rows_of_a_view_sorted_from_scratch(seed: int) -> None:
    rng = random.Random(seed)
    store = loaded(rng, rng.randrange(1, 400))
    column = rng.choice(COLUMNS)
    descending = rng.random() < 0.5
    filtered = rng.random() < 0.5
    keep = [i for i in range(len(store)) if rng.random() < 0.4] if filtered else None
    view = EventView(store, sort_column=column, descending=descending)
    if keep is not None:
        view.set_filter(keep, ascending=True)
    store.warm([column])
    assert len(view) == len(keep) if keep is not None else len(store)
    for _poll in range(5):
        start = len(store)
        kind = rng.choice(["newer", "older", "mixed", "same"])
        base = {"newer": 400.0, "older": -50.0, "mixed": 150.0, "same": 299.5}[kind]
        fresh = [
            make(rng, start + n, base + rng.randrange(20) / 4) for n in range(rng.randrange(0, 25))
        ]
        store.add(fresh)
        added = [i for i in range(start, len(store)) if keep is None or rng.random() < 0.5]
        if keep is not None:
            keep = keep + added
            view.grow(added, list(keep))
        else:
            view.grow(range(start, len(store)))
        expected = EventView(store, sort_column=column, descending=descending)
        if keep is not None:
            expected.set_filter(list(keep), ascending=True)
        assert list(view.indices) == list(expected.indices), (seed, kind, column, descending)


def test_a_new_value_gets_a_rank_between_its_neighbours_and_a_full_gap_says_so() -> None:
    ranks = Ranks([SPACING, 2 * SPACING], {"a": SPACING, "c": 2 * SPACING})
    b = ranks.rank_of("b")
    assert b is not None and SPACING < b < 2 * SPACING
    assert ranks.keys == ["a", "b", "c"]
    for _ in range(40):  # halving the gap again and again: it runs out, and says so
        if ranks.rank_of(f"a{len(ranks.keys):03d}") is None:
            break
    else:
        pytest.fail("the gap never ran out")


def test_grow_falls_back_to_a_full_sort_when_the_view_was_stale() -> None:
    rng = random.Random(3)
    store = loaded(rng, 50)
    view = EventView(store, sort_column="user")
    store.add([make(rng, 50, 400)])  # the view never saw this add
    store.add([make(rng, 51, 401)])
    view.grow([51])
    expected = EventView(store, sort_column="user")
    assert list(view.indices) == list(expected.indices)


def test_grow_splices_a_large_sorted_view_kept_as_an_array() -> None:
    rng = random.Random(5)
    store = loaded(rng, 60_000)  # past the size from which a sorted view is an array
    view = EventView(store, sort_column="user", descending=True)
    assert type(view.indices).__name__ == "array"
    for poll in range(3):
        start = len(store)
        store.add([make(rng, start + n, 300 + poll + n / 10) for n in range(7)])
        view.grow(range(start, len(store)))
    expected = EventView(store, sort_column="user", descending=True)
    assert list(view.indices) == list(expected.indices)


@pytest.mark.parametrize("column", ["time", "user"])
def test_finding_a_bookmark_near_its_row_gives_the_row_found_without_the_hint(column: str) -> None:
    """`EventView.find(bookmark, near=row)`: the row the bookmark names whether the hint is
    right or wrong, before and after the store grew (issue 17: a load's flushes)."""
    rng = random.Random(11)
    store = loaded(rng, 300)
    view = EventView(store, sort_column=column)
    marks = [view.bookmark(row) for row in (0, 7, 150, 299)]
    for _ in range(2):  # as loaded, then after the store grew
        for mark in marks:
            found = view.find(mark)
            assert found is not None
            for near in (found, found + 1, 0, 10_000, -1, None):
                assert view.find(mark, near=near) == found
        start = len(store)
        store.add([make(rng, 1000 + n, rng.randrange(-100, 700) / 2) for n in range(40)])
        view.grow(range(start, len(store)))
