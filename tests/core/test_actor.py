"""The actor view's core: one subject's events in time order, gaps, "first seen" badges."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auditui.demo.data import generate_events
from auditui.events import AuditEvent, EventStore
from auditui.query.engine import field_text
from auditui.stats import (
    BADGES,
    SUBJECT_KINDS,
    Subject,
    SubjectKind,
    actor_events,
    actor_subject,
    format_gap,
)
from tests.helpers.events import decode, raw

END = datetime(2026, 11, 26, 12, tzinfo=UTC)


def at(minutes: int) -> str:
    """A timestamp `minutes` after 10:00 UTC on 2026-11-26."""
    stamp = datetime(2026, 11, 26, 10, tzinfo=UTC) + timedelta(minutes=minutes)
    return stamp.isoformat().replace("+00:00", "Z")


def store_of(*entries: dict[str, Any], newest_first: bool = True) -> EventStore:
    events = decode(*entries)
    if newest_first:
        events.sort(key=lambda event: event.timestamp, reverse=True)
    return EventStore(events)


def uuids(store: EventStore, indices: Any) -> list[str]:
    return [store.events[i].event_uuid[-3:] for i in indices]


def reference(store: EventStore, subject: Subject) -> tuple[list[int], dict[int, set[str]]]:
    """The subject's rows and badges, one event at a time (what the numpy path must give)."""
    order = list(reversed(store.time_order()))
    rows = [i for i in order if field_text(store.events[i], subject.kind) == subject.text.lower()]
    seen: dict[str, set[str]] = {name: set() for name in BADGES[subject.kind]}
    badges: dict[int, set[str]] = {}
    for row, index in enumerate(rows):
        for name in BADGES[subject.kind]:
            value = field_text(store.events[index], name)
            if value and value not in seen[name]:
                seen[name].add(value)
                badges.setdefault(row, set()).add(name)
    return rows, badges


def test_a_users_events_oldest_first_with_gaps_and_badges() -> None:
    store = store_of(
        raw(1, timestamp=at(0), client_ip="10.0.0.1", user_agent="curl", source="api"),
        raw(2, timestamp=at(5), client_ip="10.0.0.1", user_agent="curl", source="api"),
        raw(3, timestamp=at(7), user_email="other@acme.com", client_ip="10.9.9.9"),
        raw(4, timestamp=at(65), client_ip="10.0.0.2", user_agent="curl", source="api"),
        raw(5, timestamp=at(66), client_ip="10.0.0.1", user_agent="Firefox", source="web"),
    )
    actor = actor_events(store, Subject("user", "maya@acme.com"))
    assert uuids(store, actor.indices) == ["001", "002", "004", "005"]
    assert actor.gaps() == [None, timedelta(minutes=5), timedelta(minutes=60), timedelta(minutes=1)]
    assert [format_gap(gap) for gap in actor.gaps()] == ["", "+5m", "+1h", "+1m"]
    assert actor.badges == {0: ("ip", "agent", "source"), 2: ("ip",), 3: ("agent", "source")}
    assert actor.labels(0) == ("new IP", "new agent", "new source")
    assert actor.distinct == {"ip": 2, "agent": 2, "source": 2}
    assert (actor.looked_from, actor.looked_to) == (
        store.events[-1].timestamp,
        store.events[0].timestamp,
    )
    assert actor.badge_rows == (0, 2, 3)
    assert actor.next_badge(0) == 2 and actor.next_badge(3) is None
    assert actor.next_badge(2, -1) == 0 and actor.next_badge(0, -1) is None
    assert actor.row_of(store.index_of(raw(4)["event_uuid"]) or 0) == 2
    assert actor.row_of(store.index_of(raw(3)["event_uuid"]) or 0) is None


def test_user_without_email_is_the_user_id_form() -> None:
    store = store_of(
        raw(1, timestamp=at(0), user_email=None, user_id=17, client_ip="10.0.0.5"),
        raw(2, timestamp=at(1), user_email=None, user_id=17, client_ip="10.0.0.6"),
        raw(3, timestamp=at(2), user_email="maya@acme.com", user_id=17),
        raw(4, timestamp=at(3), user_email=None, user_id=18),
    )
    event = store.events[store.index_of(raw(1)["event_uuid"]) or 0]
    subject = actor_subject(event)
    assert subject == Subject("user", "user:17")
    actor = actor_events(store, subject)
    assert uuids(store, actor.indices) == ["001", "002"]
    assert actor.badges == {0: ("ip", "source"), 1: ("ip",)}  # the agent is missing: no badge


def test_missing_ip_and_agent_are_never_new_nor_counted() -> None:
    store = store_of(
        raw(1, timestamp=at(0), client_ip="", user_agent=None),
        raw(2, timestamp=at(1), client_ip="10.0.0.1", user_agent=""),
        raw(3, timestamp=at(2), client_ip="", user_agent="curl"),
    )
    actor = actor_events(store, Subject("user", "maya@acme.com"))
    assert actor.badges == {0: ("source",), 1: ("ip",), 2: ("agent",)}
    assert actor.distinct == {"ip": 1, "agent": 1, "source": 1}


@pytest.mark.parametrize("newest_first", [True, False])
def test_identical_timestamps_keep_the_main_tables_order_reversed(newest_first: bool) -> None:
    entries = [
        raw(n, timestamp=at(0 if n < 4 else 10), client_ip=f"10.0.0.{n}", user_agent="curl")
        for n in range(1, 7)
    ]
    if not newest_first:
        random.Random(3).shuffle(entries)
    store = store_of(*entries, newest_first=newest_first)
    subject = Subject("user", "maya@acme.com")
    actor = actor_events(store, subject)
    expected = list(reversed(store.time_order()))
    assert list(actor.indices) == expected
    assert actor.gaps()[1:] == [
        timedelta(0),
        timedelta(0),
        timedelta(minutes=10),
        timedelta(0),
        timedelta(0),
    ]
    assert actor.badge_rows == tuple(range(6))  # each row its own IP, the first one all three
    assert actor.badges[0] == ("ip", "agent", "source")


def test_values_compare_as_the_query_language_does_case_insensitively() -> None:
    store = store_of(
        raw(1, timestamp=at(0), user_email="Maya@Acme.com", user_agent="Curl"),
        raw(2, timestamp=at(1), user_agent="curl"),
    )
    actor = actor_events(store, Subject("user", "maya@acme.com"))
    assert uuids(store, actor.indices) == ["001", "002"]
    assert actor.distinct["agent"] == 1


def test_by_ip_badges_users_and_agents() -> None:
    store = store_of(
        raw(1, timestamp=at(0), client_ip="10.0.0.7", user_agent="curl"),
        raw(
            2, timestamp=at(1), client_ip="10.0.0.7", user_email="eve@evil.test", user_agent="curl"
        ),
        raw(3, timestamp=at(2), client_ip="10.0.0.70", user_email="eve@evil.test"),
        raw(4, timestamp=at(3), client_ip="10.0.0.7", user_agent="python-requests"),
    )
    actor = actor_events(store, actor_subject(store.events[-1], "ip") or Subject("ip", ""))
    assert actor.subject == Subject("ip", "10.0.0.7")
    assert uuids(store, actor.indices) == ["001", "002", "004"]
    assert actor.badges == {0: ("user", "agent"), 1: ("user",), 2: ("agent",)}
    assert actor.distinct == {"user": 2, "agent": 2}


def test_by_object_is_type_and_id_and_badges_users_and_actions() -> None:
    store = store_of(
        raw(1, timestamp=at(0), object_type="monitor", object_id=193, action="monitor.create"),
        raw(2, timestamp=at(1), object_type="monitor", object_id=193, action="monitor.update"),
        raw(3, timestamp=at(2), object_type="data_diff", object_id=193),
        raw(4, timestamp=at(3), object_type="monitor", object_id=1930),
        raw(
            5,
            timestamp=at(4),
            object_type="monitor",
            object_id=193,
            user_email="eve@evil.test",
            action="monitor.update",
        ),
        raw(6, timestamp=at(5), object_type="monitor"),
    )
    subject = actor_subject(store.events[-1], "object")
    assert subject == Subject("object", "monitor #193")
    actor = actor_events(store, subject)
    assert uuids(store, actor.indices) == ["001", "002", "005"]
    assert actor.badges == {0: ("user", "action"), 1: ("action",), 2: ("user",)}
    assert actor_subject(store.events[0], "object") is None  # a type alone is no object


def test_an_unknown_subject_has_no_events() -> None:
    store = store_of(raw(1))
    actor = actor_events(store, Subject("user", "nobody@acme.com"))
    assert len(actor) == 0 and actor.gaps() == [] and actor.badges == {}
    assert actor.distinct == {"ip": 0, "agent": 0, "source": 0}
    assert actor_events(EventStore(), Subject("ip", "10.0.0.1")).looked_from is None


def test_a_grown_store_is_looked_at_again() -> None:
    store = store_of(raw(1, timestamp=at(0)))
    assert len(actor_events(store, Subject("user", "maya@acme.com"))) == 1
    store.add(decode(raw(2, timestamp=at(30), client_ip="10.0.0.2")))
    actor = actor_events(store, Subject("user", "maya@acme.com"))
    assert uuids(store, actor.indices) == ["001", "002"]
    assert actor.badges == {0: ("ip", "source"), 1: ("ip",)}  # no agent: no agent badge


@pytest.mark.parametrize(
    ("gap", "text"),
    [
        (None, ""),
        (timedelta(0), "+0s"),
        (timedelta(milliseconds=250), "+0.25s"),
        (timedelta(seconds=45), "+45s"),
        (timedelta(minutes=3, seconds=12), "+3m12s"),
        (timedelta(days=2, hours=4, minutes=59), "+2d4h"),
        (timedelta(days=3), "+3d"),
    ],
)
def test_format_gap(gap: timedelta | None, text: str) -> None:
    assert format_gap(gap) == text


@pytest.mark.parametrize("kind", SUBJECT_KINDS)
def test_every_subject_of_the_demo_data_matches_the_per_event_reference(kind: SubjectKind) -> None:
    events = decode(*generate_events(seed=11, events_per_day=150, days=4, end=END))
    store = EventStore(events)
    subjects = {actor_subject(event, kind) for event in events} - {None}
    assert len(subjects) > 5
    for subject in subjects:
        assert subject is not None
        actor = actor_events(store, subject)
        rows, badges = reference(store, subject)
        assert list(actor.indices) == rows, subject
        assert {row: set(names) for row, names in actor.badges.items()} == badges, subject
        assert [event.timestamp for event in map(store.events.__getitem__, rows)] == actor.stamps


def test_subject_of_an_event_without_values() -> None:
    event: AuditEvent = decode(raw(1, user_email=None, client_ip=""))[0]
    assert actor_subject(event, "user") is None
    assert actor_subject(event, "ip") is None
