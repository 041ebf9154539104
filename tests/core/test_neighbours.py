"""Neighbours: the previous event of the same actor and on the same object, per event."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from auditui.demo import DemoServer
from auditui.events import AuditEvent, EventStore, user_text
from auditui.stats import build_neighbours, current_neighbours, neighbours_for
from tests.helpers.demo import client_for, stamp
from tests.helpers.events import decode, raw


def brute_previous(events: list[AuditEvent], order: list[int], index: int, key: Any) -> int | None:
    """The next event after `index` in newest-first `order` with the same non-empty key."""
    mine = key(events[index])
    if not mine:
        return None
    position = order.index(index)
    return next((i for i in order[position + 1 :] if key(events[i]) == mine), None)


def actor_key(event: AuditEvent) -> str:
    return user_text(event.user_email, event.user_id).lower()


def object_key(event: AuditEvent) -> tuple[str, int] | None:
    return None if event.object_id is None else ((event.object_type or "").lower(), event.object_id)


def test_previous_actor_and_object_by_hand() -> None:
    events = decode(
        raw(0, object_id=7),  # 11:00, newest
        raw(1, object_id=8, user_email="Maya@Acme.com"),  # 10:00, the same actor (case)
        raw(2, object_id=7, user_email="bob@acme.com"),  # 09:00
        raw(3, object_id=None, user_email=None),  # 08:00: neither actor nor object
        raw(4, object_id=7, object_type="dataset"),  # 07:00: another object with id 7
    )
    store = EventStore(events)
    found = build_neighbours(store)
    assert [found.previous_actor(i) for i in range(5)] == [1, 4, None, None, None]
    assert [found.previous_object(i) for i in range(5)] == [2, None, None, None, None]
    assert [found.index_of(event) for event in events] == [0, 1, 2, 3, 4]


def test_equal_timestamps_and_a_store_out_of_time_order() -> None:
    events = decode(
        raw(5, event_uuid="u-old", object_id=1),  # 06:00
        raw(0, event_uuid="u-new", object_id=1),  # 11:00
        raw(5, event_uuid="u-tie", object_id=1),  # 06:00 too
    )
    store = EventStore(events)
    found = build_neighbours(store)
    assert found.previous_object(1) == 0  # newest → the first of the tie in store order
    assert found.previous_object(0) == 2
    assert found.previous_object(2) is None
    assert [found.index_of(event) for event in events] == [0, 1, 2]
    stranger = decode(raw(5, event_uuid="u-old", object_id=1))[0]  # equal, not the same
    assert found.index_of(stranger) is None


def test_cached_per_store_and_rebuilt_when_it_grows() -> None:
    store = EventStore(decode(raw(0, object_id=1), raw(1, object_id=1)))
    assert current_neighbours(store) is None
    first = neighbours_for(store)
    assert current_neighbours(store) is first and neighbours_for(store) is first
    store.add(decode(raw(2, object_id=1)))
    assert current_neighbours(store) is None
    grown = neighbours_for(store)
    assert grown is not first and grown.previous_object(1) == 2


async def test_matches_a_brute_force_over_demo_events_in_any_store_order(
    demo_server: DemoServer, demo_events: list[dict[str, Any]]
) -> None:
    end = max(stamp(e) for e in demo_events) + timedelta(seconds=1)
    async with client_for(demo_server) as client:
        result = await client.fetch_window(end - timedelta(days=5), end)
    events = list(result.events)
    random.Random(4).shuffle(events)
    store = EventStore(events)
    found = neighbours_for(store)
    order = list(store.time_order())
    with_actor = with_object = 0
    for index in range(0, len(events), 3):
        expected_actor = brute_previous(events, order, index, actor_key)
        expected_object = brute_previous(events, order, index, object_key)
        assert found.previous_actor(index) == expected_actor
        assert found.previous_object(index) == expected_object
        assert found.index_of(events[index]) == index
        with_actor += expected_actor is not None
        with_object += expected_object is not None
    assert with_actor > 50 and with_object > 5
    assert any(event.object_id is None for event in events)
