"""The demo data generator: deterministic, spec-shaped and realistic; and its encoded form."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

import msgspec
import pytest

from auditui.demo import data as demo_data
from auditui.demo import encode_events, generate_events, iter_events
from auditui.demo import encoding as demo_encoding
from auditui.demo.data import HOUR_US, NULLABLE_FIELDS, default_end, to_micros
from auditui.demo.encoding import GrowingEvents, IncompleteEvents
from auditui.events import decode_logs
from tests.helpers.demo import stamp

END = datetime(2024, 6, 3, 12, tzinfo=UTC)  # a Monday noon
DAY = timedelta(days=1)
REQUIRED = {"timestamp": str, "event_uuid": str, "client_ip": str, "url": str}
NULLABLE_TYPES: dict[str, type | tuple[type, ...]] = {
    "action": str,
    "is_support_user": bool,
    "log_entry": str,
    "object_id": int,
    "object_type": str,
    "payload": dict,
    "referer": str,
    "request_type": str,
    "source": str,
    "status": str,
    "user_agent": str,
    "user_email": str,
    "user_id": int,
}
SERVICE_ACCOUNTS = {
    "ci-bot@acme-analytics.com",
    "dbt-cloud-sync@acme-analytics.com",
    "airflow-svc@acme-analytics.com",
}


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    return generate_events(seed=7, events_per_day=200, days=30, end=END)


def test_same_seed_gives_the_same_events(events: list[dict[str, Any]]) -> None:
    assert generate_events(seed=7, events_per_day=200, days=30, end=END) == events


def test_another_seed_gives_other_events(events: list[dict[str, Any]]) -> None:
    other = generate_events(seed=8, events_per_day=200, days=30, end=END)
    assert {e["event_uuid"] for e in other}.isdisjoint({e["event_uuid"] for e in events})
    assert [e["timestamp"] for e in other] != [e["timestamp"] for e in events]


def test_iter_events_yields_the_same_events(events: list[dict[str, Any]]) -> None:
    assert list(iter_events(seed=7, events_per_day=200, days=30, end=END)) == events


def test_count_is_exactly_events_per_day_times_days(events: list[dict[str, Any]]) -> None:
    assert len(events) == 6000
    assert len(generate_events(events_per_day=37, days=3, end=END)) == 111
    assert generate_events(events_per_day=0, days=5, end=END) == []
    assert generate_events(events_per_day=10, days=0, end=END) == []


def test_negative_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        generate_events(events_per_day=-1)
    with pytest.raises(ValueError):
        generate_events(days=-1)


def test_default_end_is_the_next_whole_hour() -> None:
    now = datetime(2024, 6, 3, 12, 34, 56, 789, tzinfo=UTC)
    assert default_end(now) == datetime(2024, 6, 3, 13, tzinfo=UTC)
    assert default_end(datetime(2024, 6, 3, 23, 59, tzinfo=UTC)) == datetime(2024, 6, 4, tzinfo=UTC)
    assert default_end().minute == 0 and default_end() > datetime.now(UTC)


def test_events_are_newest_first_inside_the_range(events: list[dict[str, Any]]) -> None:
    stamps = [stamp(e) for e in events]
    assert stamps == sorted(stamps, reverse=True)
    assert all(END - timedelta(days=30) <= s < END for s in stamps)
    assert stamps[0] > END - timedelta(hours=6)  # the range is covered up to its end
    assert stamps[-1] < END - timedelta(days=29)  # ... and from its start


def test_end_need_not_be_on_the_hour() -> None:
    end = datetime(2024, 6, 3, 12, 30, 15, 500)  # naive: UTC
    events = generate_events(events_per_day=500, days=2, end=end)
    aware = end.replace(tzinfo=UTC)
    assert len(events) == 1000
    assert all(aware - timedelta(days=2) <= stamp(e) < aware for e in events)


def test_timestamps_are_utc_iso_with_z_and_microseconds(events: list[dict[str, Any]]) -> None:
    for event in events:
        text = event["timestamp"]
        assert text.endswith("Z") and len(text) == 27, text
        assert stamp(event).utcoffset() == timedelta(0)


def test_every_event_follows_the_spec_schema(events: list[dict[str, Any]]) -> None:
    for event in events:
        for name, kind in REQUIRED.items():
            assert isinstance(event[name], kind), (name, event)
        for name, value in event.items():
            if name in REQUIRED:
                continue
            assert name in NULLABLE_TYPES, name
            assert value is None or isinstance(value, NULLABLE_TYPES[name]), (name, value)
            if NULLABLE_TYPES[name] is int:
                assert not isinstance(value, bool)


def test_the_client_decodes_every_event(events: list[dict[str, Any]]) -> None:
    decoded = decode_logs(encode_events(events).body())
    assert decoded.malformed == 0
    assert [e.event_uuid for e in decoded.events] == [e["event_uuid"] for e in events]


def test_uuids_are_unique_uuid4(events: list[dict[str, Any]]) -> None:
    uuids = [e["event_uuid"] for e in events]
    assert len(set(uuids)) == len(uuids)
    for text in uuids[:500]:
        assert uuid.UUID(text).version == 4 and str(uuid.UUID(text)) == text


def test_about_25_users_with_support_users_and_service_accounts(
    events: list[dict[str, Any]],
) -> None:
    users: set[tuple[int, str]] = {
        (e["user_id"], e["user_email"])
        for e in events
        if e.get("user_id") is not None and e.get("user_email") is not None
    }
    assert len(users) == 25
    support: set[str] = {
        e["user_email"] for e in events if e.get("is_support_user") and e.get("user_email")
    }
    assert len(support) == 3 and all(email.endswith("@datafold.com") for email in support)
    emails = {email for _, email in users}
    assert emails >= SERVICE_ACCOUNTS
    assert all(email.endswith("@acme-analytics.com") for email in emails - support)


def test_service_accounts_mostly_use_api_ci_or_scheduler(events: list[dict[str, Any]]) -> None:
    sources = Counter(e.get("source") for e in events if e.get("user_email") in SERVICE_ACCOUNTS)
    machine = sources["api"] + sources["ci"] + sources["scheduler"]
    assert machine >= 0.9 * sum(sources.values())
    assert sources["web"] == 0


def test_vocabulary_covers_statuses_sources_methods_and_actions(
    events: list[dict[str, Any]],
) -> None:
    statuses = Counter(e.get("status") for e in events)
    assert {"success", "failure", "denied"} <= set(statuses)
    assert statuses["success"] > 0.8 * len(events)
    assert statuses["denied"] < statuses["failure"] < 0.15 * len(events)
    assert {"web", "api", "ci", "scheduler"} <= {e.get("source") for e in events}
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= {e.get("request_type") for e in events}
    actions = {e.get("action") for e in events}
    for name in ("user.login", "user.login_failed", "data_diff.run", "monitor.update", "ci.run"):
        assert name in actions
    object_types = {e.get("object_type") for e in events}
    assert {"data_diff", "monitor", "data_source", "user", "ci_run", "organization"} <= object_types


def test_web_events_have_referers_and_others_none(events: list[dict[str, Any]]) -> None:
    for event in events:
        if event.get("source") in ("api", "ci", "scheduler") and "referer" in event:
            assert event["referer"] is None
        assert event["url"].startswith("https://app.datafold.com/api/v1/")
    referers = [e.get("referer") for e in events if e.get("source") == "web"]
    assert sum(r is not None for r in referers) > 0.8 * len(referers)
    assert all(r.startswith("https://app.datafold.com/") for r in referers if r)


def test_object_ids_appear_in_urls_and_sentences(events: list[dict[str, Any]]) -> None:
    runs = [
        e
        for e in events
        if e.get("action") == "data_diff.run" and e.get("object_id") and e.get("log_entry")
    ]
    assert runs
    for event in runs:
        assert f"/datadiffs/{event['object_id']}/" in event["url"]
        assert f"#{event['object_id']}" in event["log_entry"]


def test_every_nullable_field_is_sometimes_null_and_keys_sometimes_absent(
    events: list[dict[str, Any]],
) -> None:
    for name in NULLABLE_FIELDS:
        nulls = sum(1 for e in events if name in e and e[name] is None)
        assert nulls > 0, name
    absent = Counter(name for e in events for name in NULLABLE_FIELDS if name not in e)
    assert sum(absent.values()) > 0
    assert not any(name not in e for e in events for name in REQUIRED)


def test_payloads_are_nested_and_sometimes_big(events: list[dict[str, Any]]) -> None:
    payloads = [e["payload"] for e in events if isinstance(e.get("payload"), dict)]
    assert any("before" in p and "after" in p for p in payloads)
    assert any(any(isinstance(v, list) for v in p.values()) for p in payloads)
    assert any(any(isinstance(v, bool) for v in p.values()) for p in payloads)
    big = [p for p in payloads if "column_stats" in p]
    assert big and all(20 <= len(p["column_stats"]) <= 60 for p in big)


def test_working_hours_are_busier_than_nights(events: list[dict[str, Any]]) -> None:
    per_hour: Counter[tuple[bool, bool]] = Counter()
    for event in events:
        s = stamp(event)
        per_hour[(s.weekday() < 5 and 9 <= s.hour < 17, s.hour < 5)] += 1
    working_hours = 5 * 8 * 30 / 7  # weekday 9-17 hours in 30 days (about)
    night_hours = 5 * 30
    assert per_hour[(True, False)] / working_hours > 4 * per_hour[(False, True)] / night_hours


def test_a_ci_storm_and_a_brute_force_burst(events: list[dict[str, Any]]) -> None:
    def densest(times: list[datetime], window: timedelta) -> int:
        times = sorted(times)
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] > window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    ci = [stamp(e) for e in events if e.get("user_email") == "ci-bot@acme-analytics.com"]
    assert densest(ci, timedelta(minutes=30)) >= 40
    failed: dict[str, list[datetime]] = {}
    for event in events:
        if event.get("action") == "user.login_failed":
            failed.setdefault(event["client_ip"], []).append(stamp(event))
    assert max(densest(times, timedelta(minutes=15)) for times in failed.values()) >= 30


def test_encoded_selection_matches_a_plain_filter(events: list[dict[str, Any]]) -> None:
    encoded = encode_events(events)
    assert len(encoded) == len(events)
    start, end = END - timedelta(days=3, hours=5), END - timedelta(days=1, minutes=17)
    expected = [e["event_uuid"] for e in events if start <= stamp(e) < end]
    chosen = [msgspec.json.decode(b)["event_uuid"] for b in encoded.select(start, end)]
    assert chosen == expected and expected
    assert len(encoded.select(None, end)) == sum(1 for e in events if stamp(e) < end)
    assert len(encoded.select(start, None)) == sum(1 for e in events if stamp(e) >= start)
    assert encoded.select(start, start) == []


def test_a_range_ending_at_an_event_excludes_it(events: list[dict[str, Any]]) -> None:
    encoded = encode_events(events)
    at = stamp(events[100])
    ends = [msgspec.json.decode(b)["timestamp"] for b in encoded.select(None, at)]
    starts = [msgspec.json.decode(b)["timestamp"] for b in encoded.select(at, None)]
    assert events[100]["timestamp"] not in ends and events[100]["timestamp"] in starts


def test_encoding_sorts_unsorted_input_and_keeps_undated_events() -> None:
    events: list[dict[str, Any]] = [
        {"timestamp": "2024-01-01T00:00:00Z", "event_uuid": "a", "client_ip": "x", "url": "u"},
        {"timestamp": "2024-01-03T00:00:00+02:00", "event_uuid": "b", "client_ip": "x", "url": "u"},
        {"timestamp": "not a date", "event_uuid": "c", "client_ip": "x", "url": "u"},
        {"event_uuid": "d", "client_ip": "x", "url": "u"},
        {"timestamp": "2024-01-02T00:00:00", "event_uuid": "e", "client_ip": "x", "url": "u"},
    ]
    encoded = encode_events(events)
    order = [msgspec.json.decode(b)["event_uuid"] for b in encoded.select()]
    assert order == ["b", "e", "a", "c", "d"]
    narrow = encoded.select(datetime(2024, 1, 2), datetime(2024, 1, 2, 1))
    assert [msgspec.json.decode(b)["event_uuid"] for b in narrow] == ["e", "c", "d"]
    assert msgspec.json.decode(encoded.body(datetime(2030, 1, 1))) == {
        "logs": [events[2], events[3]]
    }


# --- drawn newest first, a block at a time ---------------------------------------------


def drawn_in_one_go(seed: int, per_day: int, days: int, end: datetime) -> list[dict[str, Any]]:
    """The events as if every hour's offsets were drawn at once, oldest first, up front."""
    rng, end_us = Random(seed), to_micros(end)
    plan = demo_data._plan(rng, end_us - days * 24 * HOUR_US, end_us, per_day * days)
    every_hour = range(len(plan[1]))
    demo_data._draw_hours(rng, plan, every_hour)
    attacker_ip = f"192.0.2.{10 + int(rng.random() * 200)}"
    maker = demo_data._Maker(rng)
    return list(demo_data._hour_events(maker, attacker_ip, plan[0], plan[1], every_hour))


@pytest.mark.parametrize(
    ("per_day", "days", "end"),
    [(200, 30, END), (40, 200, END + timedelta(minutes=17, microseconds=5)), (3, 1, END)],
)
def test_drawing_a_block_at_a_time_changes_no_event(per_day: int, days: int, end: datetime) -> None:
    expected = drawn_in_one_go(5, per_day, days, end)
    assert generate_events(seed=5, events_per_day=per_day, days=days, end=end) == expected


def test_getrandbits_skips_exactly_like_random_calls() -> None:
    drawn, skipped = Random(3), Random(3)
    for _ in range(1001):
        drawn.random()
    skipped.getrandbits(64 * 1001)
    assert drawn.getstate() == skipped.getstate()


# --- encoding while generating ---------------------------------------------------------


RANGES: list[tuple[datetime | None, datetime | None]] = [
    (None, None),
    (END - DAY, END),
    (END - timedelta(days=3, hours=5), END - timedelta(days=1, minutes=17)),
    (None, END - DAY * 10),
    (END - DAY * 40, None),
    (END + timedelta(hours=1), None),
    (END - timedelta(hours=2), END - timedelta(hours=2)),
]


class Gated:
    """An event source that waits for its `gate` before yielding `events[cut]`."""

    def __init__(self, events: list[dict[str, Any]], cut: int) -> None:
        self.events, self.cut = events, cut
        self.gate = threading.Event()
        self.pulled = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for index, event in enumerate(self.events):
            if index == self.cut:
                assert self.gate.wait(30), "the test never opened the gate"
            self.pulled += 1
            yield event


def reading(read: Callable[[], list[bytes]]) -> tuple[threading.Thread, list[bytes]]:
    """`read()` running in a thread that has had a moment to get going; what it reads."""
    answer: list[bytes] = []
    reader = threading.Thread(target=lambda: answer.extend(read()), daemon=True)
    reader.start()
    reader.join(0.05)
    return reader, answer


def test_growing_events_answer_exactly_like_the_eager_encoding(
    events: list[dict[str, Any]],
) -> None:
    eager = encode_events(events)
    growing = GrowingEvents(iter_events(seed=7, events_per_day=200, days=30, end=END), top=END)
    for start, end in RANGES:
        assert growing.body(start, end) == eager.body(start, end), (start, end)
    assert growing.wait_ready() and growing.ready and growing.error is None
    assert len(growing) == len(events)


def test_a_recent_range_is_answered_before_the_stream_ends(events: list[dict[str, Any]]) -> None:
    source = Gated(events, cut=next(i for i, e in enumerate(events) if stamp(e) < END - DAY * 2))
    growing = GrowingEvents(source, top=END, batch=1)
    start = END - DAY - timedelta(hours=3)
    assert growing.select(start, END) == encode_events(events).select(start, END)
    assert not growing.ready and not growing.wait_ready(timeout=0.05)
    reader, everything = reading(growing.select)
    assert reader.is_alive() and source.pulled < len(events)
    source.gate.set()
    reader.join()
    assert everything == encode_events(events).select() and growing.ready


def test_ties_on_a_batch_boundary_wait_for_the_rest() -> None:
    at = datetime(2024, 1, 2, tzinfo=UTC)
    tied = [{"timestamp": (at + timedelta(microseconds=1)).isoformat(), "event_uuid": "a"}]
    tied += [{"timestamp": at.isoformat(), "event_uuid": uuid} for uuid in "bc"]
    source = Gated(tied, cut=2)
    growing = GrowingEvents(source, top=at + timedelta(hours=1), batch=2)
    assert len(growing.select(at + timedelta(microseconds=1))) == 1  # "b" is in, "c" is not
    reader, answer = reading(lambda: growing.select(at))
    assert reader.is_alive()
    source.gate.set()
    reader.join()
    assert [msgspec.json.decode(blob)["event_uuid"] for blob in answer] == ["a", "b", "c"]


def endless() -> Iterator[dict[str, Any]]:
    at = END
    while True:
        at -= timedelta(seconds=1)
        yield {"timestamp": at.isoformat(), "event_uuid": "x"}


def test_close_stops_the_stream_and_waiting_readers_give_up() -> None:
    growing = GrowingEvents(endless(), top=END, batch=8)
    assert len(growing.select(END - timedelta(seconds=20))) == 20
    growing.close()
    assert not growing._thread.is_alive()
    assert not growing.ready and not growing.wait_ready()
    with pytest.raises(IncompleteEvents, match="stopped"):
        growing.select()
    assert len(growing.select(END - timedelta(seconds=5))) == 5  # what is covered still is


@pytest.mark.parametrize(
    "stream",
    [
        [{"timestamp": "2024-01-01T00:00:00Z"}, {"timestamp": "2024-01-02T00:00:00Z"}],
        [{"timestamp": "2024-01-01T00:00:00Z"}, {"timestamp": "yesterday"}],
        [{"timestamp": "2030-01-01T00:00:00Z"}],
    ],
)
def test_a_stream_that_breaks_the_contract_fails_loudly(stream: list[dict[str, Any]]) -> None:
    growing = GrowingEvents(stream, top=datetime(2025, 1, 1, tzinfo=UTC), batch=1)
    assert not growing.wait_ready() and isinstance(growing.error, ValueError)
    with pytest.raises(IncompleteEvents, match="newest first"):
        growing.select()


def test_sending_a_reply_pauses_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_encoding, "PAUSE", 60.0)
    events = [{"timestamp": f"2024-01-01T00:00:0{9 - i}Z", "event_uuid": str(i)} for i in range(6)]
    source = Gated(events, cut=1)
    growing = GrowingEvents(source, top=datetime(2024, 1, 2, tzinfo=UTC), batch=2)
    with growing.priority():
        source.gate.set()
        assert len(growing.select(datetime(2024, 1, 1, 0, 0, 9, tzinfo=UTC))) == 1
        assert not growing.wait_ready(timeout=0.05) and source.pulled == 2
    assert growing.wait_ready() and len(growing) == 6
