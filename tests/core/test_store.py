"""EventStore/EventView: sorting per column, stability, nulls, filters and row lookups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.events import (
    DEFAULT_COLUMNS,
    KNOWN_COLUMNS,
    AuditEvent,
    EventStore,
    EventView,
    format_time,
    get_column,
    status_class,
)

T0 = datetime(2026, 11, 26, 14, 3, 7, tzinfo=UTC)


def ev(n: int, minutes: int | None = None, **fields: object) -> AuditEvent:
    """Event `u<n>`, `minutes` (default n) after T0 — higher n is newer by default."""
    base: dict[str, object] = {
        "timestamp": T0 + timedelta(minutes=n if minutes is None else minutes),
        "event_uuid": f"u{n}",
        "client_ip": "10.0.0.1",
        "url": "/api",
    }
    base.update(fields)
    return AuditEvent(**base)  # type: ignore[arg-type]


def uuids(view: EventView) -> list[str]:
    return [e.event_uuid for e in view.rows(0, len(view))]


def test_default_view_is_newest_first_whatever_the_insertion_order() -> None:
    store = EventStore([ev(2), ev(5), ev(1), ev(4), ev(3)])
    view = EventView(store)
    assert (view.sort_column, view.descending) == ("time", True)
    assert uuids(view) == ["u5", "u4", "u3", "u2", "u1"]
    assert [e.event_uuid for e in store.events] == ["u2", "u5", "u1", "u4", "u3"]


def test_time_ascending() -> None:
    view = EventView(EventStore([ev(2), ev(5), ev(1)]))
    view.sort("time", descending=False)
    assert uuids(view) == ["u1", "u2", "u5"]


@pytest.mark.parametrize(
    ("column", "field", "values", "ascending"),
    [
        ("action", "action", ["b", "C", "a"], ["u3", "u1", "u2"]),
        ("status", "status", ["success", "denied", "failure"], ["u2", "u3", "u1"]),
        ("source", "source", ["web", "api", "ci"], ["u2", "u3", "u1"]),
        ("request_type", "request_type", ["POST", "GET", "delete"], ["u3", "u2", "u1"]),
        ("url", "url", ["/b", "/a", "/c"], ["u2", "u1", "u3"]),
        ("user_agent", "user_agent", ["z", "m", "a"], ["u3", "u2", "u1"]),
        ("referer", "referer", ["https://b", "https://c", "https://a"], ["u3", "u1", "u2"]),
        ("uuid", "event_uuid", ["c", "a", "b"], ["u2", "u3", "u1"]),
    ],
)
def test_sort_text_columns_both_directions(
    column: str, field: str, values: list[str], ascending: list[str]
) -> None:
    names = {f"u{n}": f"u{n}" for n in range(1, len(values) + 1)}
    if field == "event_uuid":  # the uuid column sorts by the uuid itself: name events by it
        events = [ev(n, event_uuid=v) for n, v in enumerate(values, start=1)]
        names = {v: f"u{n}" for n, v in enumerate(values, start=1)}
    else:
        # `field` is a variable: typed Any, its value may go to `ev`'s `minutes` for mypy
        named: list[dict[str, Any]] = [{field: v} for v in values]
        events = [ev(n, **fields) for n, fields in enumerate(named, start=1)]
    view = EventView(EventStore(events))
    view.sort(column, descending=False)
    assert [names[u] for u in uuids(view)] == ascending
    view.sort(column, descending=True)
    assert [names[u] for u in uuids(view)] == list(reversed(ascending))


def test_sort_user_object_ip_support() -> None:
    events = [
        ev(1, user_email="Bob@x", object_type="dataset", object_id=10, client_ip="10.0.0.10"),
        ev(2, user_id=7, object_type="dataset", object_id=9, client_ip="10.0.0.9"),
        ev(3, user_email="alice@x", object_type="Alert", object_id=1, client_ip="::1"),
        ev(4, is_support_user=True, client_ip="not-an-ip"),
    ]
    view = EventView(EventStore(events))
    view.sort("user", descending=False)
    assert uuids(view) == ["u3", "u1", "u2", "u4"]  # emails A-Z, then ids, then nobody
    view.sort("object", descending=False)
    assert uuids(view) == ["u3", "u2", "u1", "u4"]  # numeric ids: 9 before 10
    view.sort("ip", descending=False)
    assert uuids(view) == ["u2", "u1", "u3", "u4"]  # IPv4 numerically, IPv6, then text
    view.sort("support", descending=True)
    assert uuids(view)[0] == "u4"


def test_ties_keep_time_order_newest_first_in_both_directions() -> None:
    events = [ev(n, action="same" if n % 2 else "other") for n in range(1, 9)]
    view = EventView(EventStore(events))
    view.sort("action", descending=False)
    assert uuids(view) == ["u8", "u6", "u4", "u2", "u7", "u5", "u3", "u1"]
    view.sort("action", descending=True)
    assert uuids(view) == ["u7", "u5", "u3", "u1", "u8", "u6", "u4", "u2"]


def test_equal_timestamps_keep_insertion_order() -> None:
    events = [ev(n, minutes=0) for n in range(5)]
    view = EventView(EventStore(events))
    assert uuids(view) == ["u0", "u1", "u2", "u3", "u4"]


@pytest.mark.parametrize("descending", [False, True])
def test_missing_values_sort_last_in_both_directions(descending: bool) -> None:
    events = [ev(1, action="b"), ev(2), ev(3, action="a"), ev(4, action=""), ev(5, action="c")]
    view = EventView(EventStore(events))
    view.sort("action", descending=descending)
    got = uuids(view)
    assert got[-2:] == ["u4", "u2"]  # missing ones last, newest first among themselves
    assert got[:3] == (["u5", "u1", "u3"] if descending else ["u3", "u1", "u5"])


def test_many_valued_column_with_missing_values_sorts_them_last() -> None:
    events = [ev(n, url=f"/p{n:04d}" if n % 3 else "") for n in range(1, 2500)]
    view = EventView(EventStore(events))
    for descending in (False, True):
        view.sort("url", descending=descending)
        keys = [e.url for e in view.rows(0, len(view))]
        present = [k for k in keys if k]
        assert present == sorted(present, reverse=descending)
        assert all(not k for k in keys[len(present) :])


def test_filter_and_sort_compose_in_either_order() -> None:
    events = [ev(n, action="x" if n % 2 else "y", user_email=f"{10 - n}@x") for n in range(1, 9)]
    view = EventView(EventStore(events))
    view.sort("user", descending=False)
    view.set_filter(lambda e: e.action == "x")
    assert uuids(view) == ["u7", "u5", "u3", "u1"]
    view.sort("time", descending=False)
    assert uuids(view) == ["u1", "u3", "u5", "u7"]
    assert view.filtered
    view.set_filter(None)
    assert len(view) == 8 and not view.filtered


def test_filter_by_store_index_subset() -> None:
    store = EventStore([ev(1), ev(2), ev(3), ev(4)])
    view = EventView(store, filter=[0, 2])
    assert uuids(view) == ["u3", "u1"]


def test_row_of_after_sort_and_filter() -> None:
    events = [ev(n, action=chr(ord("a") + (n * 7) % 5)) for n in range(20)]
    view = EventView(EventStore(events))
    view.sort("action", descending=False)
    for _ in range(4):  # first lookups scan, later ones use the position table
        for row in range(len(view)):
            assert view.row_of(view.event_at(row).event_uuid) == row
    view.set_filter(lambda e: e.action == "a")
    assert view.row_of("u1") is None  # filtered out
    for row in range(len(view)):
        assert view.row_of(view.event_at(row).event_uuid) == row
    assert view.row_of("nope") is None


def test_add_events_then_view_resorts() -> None:
    store = EventStore([ev(1, action="b"), ev(3, action="d")])
    view = EventView(store, sort_column="action", descending=False)
    assert uuids(view) == ["u1", "u3"]
    store.add([ev(2, action="a"), ev(4, action="c")])
    assert uuids(view) == ["u2", "u1", "u4", "u3"]
    assert view.row_of("u4") == 2
    assert store.index_of("u2") == 2 and len(store) == 4


def test_replace_events() -> None:
    store = EventStore([ev(1), ev(2), ev(3)])
    view = EventView(store)
    assert store.index_of("u3") == 2
    store.replace([ev(9)])
    assert uuids(view) == ["u9"]
    assert store.index_of("u3") is None
    with pytest.raises(IndexError):
        view.event_at(1)
    with pytest.raises(IndexError):
        view.event_at(-1)


def test_unknown_column_is_an_error() -> None:
    view = EventView(EventStore([ev(1)]))
    with pytest.raises(KeyError, match="unknown column"):
        view.sort("nope", descending=False)


def test_columns_text() -> None:
    event = ev(
        1,
        minutes=0,
        user_email="[bold]x[/]",
        object_type="dataset",
        object_id=42,
        is_support_user=True,
        action="\x1b[2Jlogin",
    )
    assert set(DEFAULT_COLUMNS) <= set(KNOWN_COLUMNS)
    assert get_column("user").text(event) == "[bold]x[/]"
    assert get_column("action").text(event) == "\\x1b[2Jlogin"
    assert get_column("object").text(event) == "dataset #42"
    assert get_column("support").text(event) == "yes"
    assert get_column("time").text(event, UTC) == "2026-11-26 14:03:07Z"
    ist = timezone(timedelta(hours=5, minutes=30))
    assert format_time(event.timestamp, ist) == "2026-11-26 19:33:07"
    assert get_column("user").text(ev(2, user_id=5)) == "user:5"
    assert get_column("user").text(ev(2)) == "—"
    assert status_class(ev(1, status="failure")) == "failure"
    assert status_class(ev(1, status="DENIED")) == "denied"
    assert status_class(ev(1, status="success")) is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from(["a", "B", "c", "", None])),
        max_size=40,
    ),
    st.sampled_from(["time", "action", "user", "status"]),
    st.booleans(),
)
def test_sort_matches_a_reference(
    rows: list[tuple[int, str | None]], column: str, descending: bool
) -> None:
    events = [ev(n, minutes=m, action=a, status=a, user_email=a) for n, (m, a) in enumerate(rows)]
    view = EventView(EventStore(events), sort_column=column, descending=descending)
    col = get_column(column)
    # reference: newest first (insertion order on equal times), then stable sort by key
    base = sorted(range(len(events)), key=lambda i: events[i].timestamp, reverse=True)
    present = [i for i in base if col.sort_key(events[i]) is not None]
    absent = [i for i in base if col.sort_key(events[i]) is None]
    present.sort(key=lambda i: col.sort_key(events[i]), reverse=descending)
    assert list(view.indices) == present + absent


def test_warm_precomputes_keys_and_bookmarks_survive_reloads() -> None:
    store = EventStore([ev(n, action=f"a{n % 3}") for n in range(10)])
    store.warm(["action", "user", "uuid"])
    view = EventView(store, sort_column="action", descending=True)
    mark = view.bookmark(4)
    event = view.event_at(4)
    view.sort("time", descending=False)
    assert view.event_at(view.find(mark) or 0) is event
    store.replace([ev(n) for n in range(3, 12)])  # a reload: found again by uuid
    row = view.find(mark)
    assert row is not None and view.event_at(row).event_uuid == event.event_uuid
    store.replace([ev(99)])
    assert view.find(mark) is None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.integers(0, 8), max_size=6), max_size=6), st.booleans())
def test_adding_batches_keeps_the_time_order_of_a_fresh_store(
    batches: list[list[int]], look_first: bool
) -> None:
    """Streamed windows (any order, ties included) end in the order a fresh store sorts."""
    store = EventStore()
    events: list[AuditEvent] = []
    for batch in batches:
        added = [ev(len(events) + k, minutes=m) for k, m in enumerate(batch)]
        events += added
        if look_first:  # the order is cached before the add: it is extended, not rebuilt
            store.time_order()
            store.in_time_order()
        store.add(added)
        fresh = EventStore(events)
        assert list(store.time_order()) == list(fresh.time_order())
        assert store.in_time_order() == fresh.in_time_order()
        assert uuids(EventView(store)) == uuids(EventView(fresh))


def test_windows_arriving_newest_first_stay_in_store_order() -> None:
    store = EventStore([ev(9), ev(8)])
    assert store.in_time_order()
    store.add([ev(7), ev(5)])
    assert store.in_time_order() and store.time_order() == range(4)  # no list kept
    store.add([ev(6)])  # older window late: merged in
    assert not store.in_time_order() and list(store.time_order()) == [0, 1, 2, 4, 3]


def test_a_filter_given_as_an_int64_array_reads_like_a_list() -> None:
    """Queries return many matches as array("q"): the view uses it as is (no copy)."""
    from array import array

    store = EventStore([ev(9), ev(8), ev(7), ev(6)])  # newest first, as loaded
    matches = array("q", [0, 2, 3])
    view = EventView(store)
    view.set_filter(matches, ascending=True)
    assert uuids(view) == ["u9", "u7", "u6"]
    assert view.indices is matches
    assert [view.row_of_index(i) for i in range(4)] == [0, None, 1, 2]
    assert view.row_of("u6") == 2 and view.row_of("u8") is None
    view.sort("time", descending=False)
    assert uuids(view) == ["u6", "u7", "u9"]
