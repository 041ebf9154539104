"""The demo server as a live API: its own clock, events appearing as time passes, late
arrivals, events added at runtime, the `Date` header, and counting requests in flight.

Every server here runs on a `ManualClock` (never the wall clock) over real loopback HTTP.
"""

from __future__ import annotations

import argparse
import email.utils
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auditui.cli.main import build_parser
from auditui.demo import DEMO_LATE, DemoServer, encode_events, generate_events, live
from auditui.demo.live import late_delay, late_share
from tests.helpers.demo import AUDIT_LOGS_PATH, stamp
from tests.helpers.live_demo import (
    T0,
    ManualClock,
    fetch_range,
    live_event,
    uuids,
    wait_until,
)

Events = list[dict[str, Any]]
MINUTE = timedelta(minutes=1)


def minutely(count: int, newest: datetime = T0, prefix: str = "m") -> Events:
    """`count` events one minute apart, newest (`<prefix>0`) at `newest`, newest first."""
    return [live_event(f"{prefix}{i}", newest - i * MINUTE) for i in range(count)]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


def serve(events: Events | None, clock: ManualClock, **options: Any) -> DemoServer:
    return DemoServer(events, clock=clock, **options).start()


@pytest.fixture
def server(clock: ManualClock) -> Iterator[DemoServer]:
    """Live, no late rules: 60 events a minute apart ending 30 min after the clock's now."""
    started = serve(minutely(60, T0 + 30 * MINUTE), clock, live=True)
    try:
        yield started
    finally:
        started.stop()


# --- live: events appear as the server's time passes ----------------------------------


def test_live_shows_only_events_up_to_the_server_now(
    server: DemoServer, clock: ManualClock
) -> None:
    everything = fetch_range(server, T0 - timedelta(hours=2), T0 + timedelta(hours=2))
    assert uuids(everything) == [f"m{i}" for i in range(30, 60)]  # m30 is stamped T0 exactly
    clock.advance(minutes=5, seconds=30)
    later = uuids(fetch_range(server, T0 - timedelta(hours=2), T0 + timedelta(hours=2)))
    assert later == [f"m{i}" for i in range(25, 60)]
    unbounded = uuids(fetch_range(server))
    assert unbounded == later


def test_not_live_serves_future_stamped_events(clock: ManualClock) -> None:
    fixed = serve(minutely(60, T0 + 30 * MINUTE), clock)
    try:
        assert not fixed.live
        assert uuids(fetch_range(fixed)) == [f"m{i}" for i in range(60)]
    finally:
        fixed.stop()


def test_a_range_wholly_in_the_server_future_is_empty(
    server: DemoServer, clock: ManualClock
) -> None:
    response = fetch_range(server, T0 + MINUTE, T0 + 20 * MINUTE)
    assert response.json() == {"logs": []}
    clock.advance(minutes=10)
    assert uuids(fetch_range(server, T0 + MINUTE, T0 + 20 * MINUTE)) == [
        f"m{i}" for i in range(20, 30)
    ]


def test_generated_live_data_matches_the_fixed_set_up_to_now() -> None:
    """`auditui --demo`'s shape: generated in the background, live: the fixed set's events up
    to the server's now, none later, and the same rows as without live mode."""
    end = datetime(2026, 11, 26, 18, tzinfo=UTC)
    now = ManualClock(datetime(2026, 11, 26, 14, 7, 30, tzinfo=UTC))
    options: dict[str, Any] = {"events_per_day": 2000, "days": 2, "end": end}
    fixed = generate_events(seed=7, **options)
    generated = DemoServer(clock=now, live=True, **options).start()
    try:
        start = now.now - timedelta(hours=6)
        served = uuids(fetch_range(generated, start, now.now + timedelta(hours=6)))
        expected = [e["event_uuid"] for e in fixed if start <= stamp(e) <= now.now]
        assert len(expected) > 100 and served == expected
        assert any(stamp(e) > now.now for e in fixed)  # there were future ones to hide
    finally:
        generated.stop()


# --- late arrivals --------------------------------------------------------------------


def test_late_rules_hide_an_event_until_its_delay_has_passed(clock: ManualClock) -> None:
    events = minutely(30)
    late = serve(events, clock, live=True, late=[(1.0, timedelta(minutes=2))])
    try:
        # stamped T0 - i min, visible at T0 - i min + 2 min: m0 and m1 are not yet there
        assert uuids(fetch_range(late)) == [f"m{i}" for i in range(2, 30)]
        clock.advance(minutes=1)
        assert uuids(fetch_range(late))[0] == "m1"
        clock.advance(minutes=1)
        assert uuids(fetch_range(late))[:2] == ["m0", "m1"]
    finally:
        late.stop()


def test_which_events_are_late_follows_the_uuid_hash(clock: ManualClock) -> None:
    events = minutely(400, prefix="h")
    rules = [(0.25, timedelta(hours=10))]
    late = serve(events, clock, live=True, late=rules)
    try:
        served = set(uuids(fetch_range(late)))
        hidden = {e["event_uuid"] for e in events} - served
        by_hash = {e["event_uuid"] for e in events if late_share(e["event_uuid"].encode()) < 0.25}
        assert hidden == by_hash
        assert 50 < len(hidden) < 150  # about a quarter of 400
    finally:
        late.stop()


def test_late_delay_slices_the_rules_in_order() -> None:
    share_events = encode_events(minutely(20000, prefix="s"))
    delays = [late_delay(blob, DEMO_LATE) for blob in share_events.blobs]
    two, twelve = delays.count(2 * 60_000_000), delays.count(12 * 60_000_000)
    assert two + twelve + delays.count(0) == len(delays)
    assert 300 < two < 500 and 20 < twelve < 70  # 2% and 0.2% of 20000
    assert late_delay(b'{"no_uuid":1}', [(1.0, MINUTE)]) == 60_000_000  # hashes the whole blob


def test_late_rules_are_checked() -> None:
    with pytest.raises(ValueError, match="sum"):
        DemoServer([], late=[(0.7, MINUTE), (0.7, MINUTE)])
    with pytest.raises(ValueError, match="negative"):
        DemoServer([], late=[(0.1, -MINUTE)])


def test_the_visibility_check_only_reads_the_recent_slice(
    clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20000 events a minute apart, late rules up to 12 min: only the ~12 newest are hashed."""
    calls: list[bytes] = []
    real = live.late_delay

    def counting(blob: bytes, rules: Any) -> int:
        calls.append(blob)
        return real(blob, rules)

    monkeypatch.setattr(live, "late_delay", counting)
    big = serve(minutely(20000), clock, live=True, late=DEMO_LATE)
    try:
        served = uuids(fetch_range(big))
        assert 19980 < len(served) <= 20000 and served[-1] == "m19999"
        assert 0 < len(calls) <= 13
    finally:
        big.stop()


# --- events added at runtime ----------------------------------------------------------


def test_added_events_join_in_newest_first_order(server: DemoServer, clock: ManualClock) -> None:
    before = server.event_count
    added = [
        live_event("new", T0 - timedelta(seconds=10)),
        live_event("old", T0 - timedelta(minutes=20, seconds=30)),
        live_event("tie", T0 - timedelta(minutes=5)),  # the same time as m35: after it
        live_event("future", T0 + timedelta(minutes=3)),
    ]
    assert server.add_events(added) == 4
    assert server.event_count == before + 4
    served = uuids(fetch_range(server))
    assert served[:2] == ["m30", "new"]
    assert served[served.index("m35") + 1] == "tie"
    assert served[served.index("m50") + 1] == "old"
    assert "future" not in served
    stamps = [datetime.fromisoformat(e["timestamp"]) for e in fetch_range(server).json()["logs"]]
    assert stamps == sorted(stamps, reverse=True)
    clock.advance(minutes=3)
    assert "future" in uuids(fetch_range(server))
    assert uuids(fetch_range(server, T0 - 21 * MINUTE, T0 - 20 * MINUTE)) == ["old", "m51"]


def test_added_events_can_arrive_late_with_old_timestamps(
    server: DemoServer, clock: ManualClock
) -> None:
    old = live_event("old", T0 - timedelta(minutes=40))
    server.add_events([old], visible_at=T0 + timedelta(minutes=12))
    assert "old" not in uuids(fetch_range(server))
    clock.advance(minutes=11, seconds=59)
    assert "old" not in uuids(fetch_range(server, T0 - timedelta(hours=1)))
    clock.advance(seconds=1)
    assert "old" in uuids(fetch_range(server, T0 - timedelta(hours=1)))


def test_added_events_work_without_live_mode(clock: ManualClock) -> None:
    fixed = serve([], clock)
    try:
        assert uuids(fetch_range(fixed)) == []
        fixed.add_events([live_event("a", T0 + timedelta(days=1))])
        fixed.add_events([live_event("b", T0)], visible_at=T0 + MINUTE)
        fixed.add_events([{"event_uuid": "undated"}])
        assert uuids(fetch_range(fixed)) == ["a", "undated"]
        clock.advance(minutes=1)
        assert uuids(fetch_range(fixed)) == ["a", "b", "undated"]
    finally:
        fixed.stop()


def test_adding_from_many_threads_loses_nothing(server: DemoServer) -> None:
    def add(worker: int) -> None:
        for i in range(50):
            at = T0 - timedelta(seconds=worker * 50 + i)
            server.add_events([live_event(f"w{worker}-{i}", at)])

    threads = [threading.Thread(target=add, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    served = uuids(fetch_range(server))
    assert sum(u.startswith("w") for u in served) == 200
    times = [e["timestamp"] for e in fetch_range(server).json()["logs"]]
    assert times == sorted(times, reverse=True)


# --- the server's clock ---------------------------------------------------------------


def test_the_date_header_follows_the_server_clock_and_offset(clock: ManualClock) -> None:
    skewed = serve([], clock, clock_offset=timedelta(minutes=-7))
    try:
        assert skewed.now() == T0 - timedelta(minutes=7)
        date = email.utils.parsedate_to_datetime(fetch_range(skewed).headers["date"])
        assert date == T0 - timedelta(minutes=7)
        clock.advance(hours=1)
        date = email.utils.parsedate_to_datetime(fetch_range(skewed).headers["date"])
        assert date == T0 + timedelta(minutes=53)
    finally:
        skewed.stop()


def test_a_server_clock_ahead_shows_events_this_machine_thinks_future(
    clock: ManualClock,
) -> None:
    ahead = serve(minutely(60, T0 + 30 * MINUTE), clock, live=True, clock_offset=10 * MINUTE)
    try:
        assert uuids(fetch_range(ahead))[0] == "m20"  # T0 + 10 min on the server
    finally:
        ahead.stop()


def test_a_naive_clock_means_utc() -> None:
    naive = DemoServer([], clock=lambda: datetime(2026, 11, 26, 12))
    assert naive.now() == T0


# --- counting requests ----------------------------------------------------------------


def test_sequential_requests_never_count_as_in_flight_together(server: DemoServer) -> None:
    for _ in range(15):
        fetch_range(server)
    assert server.request_count == 15 and len(server.requests) == 15
    assert server.max_in_flight == 1
    server.reset_counts()
    assert (server.request_count, server.max_in_flight, server.requests) == (0, 0, [])
    fetch_range(server)
    assert server.request_count == 1


def test_two_requests_at_once_are_counted(server: DemoServer) -> None:
    """One request stalls sending its body (so it is in flight), another is answered."""
    host, port = server.host, server.port
    with socket.create_connection((host, port)) as stalled:
        stalled.sendall(
            f"GET {AUDIT_LOGS_PATH} HTTP/1.1\r\nHost: x\r\nAuthorization: Key {server.key}\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n".encode()
        )
        wait_until(lambda: server.in_flight == 1, "the stalled request is in flight")
        fetch_range(server)
        assert server.max_in_flight == 2
        stalled.sendall(b"{}")
        reply = stalled.recv(65536)
        assert reply.startswith(b"HTTP/1.1 200")
    wait_until(lambda: server.in_flight == 0, "both requests are done")
    assert server.request_count == 2


# --- the demo the CLI runs ------------------------------------------------------------


def test_the_cli_demo_is_live_with_late_arrivals() -> None:
    demo = DemoServer.live_demo(events_per_day=24, days=1)
    try:
        assert demo.live and demo.events.late == DEMO_LATE
        assert demo.wait_ready(60)
        newest = max(datetime.fromisoformat(e["timestamp"]) for e in _all(demo))
        assert newest > demo.now() + timedelta(hours=1)  # data runs ahead: more will come
    finally:
        demo.stop()


def _all(server: DemoServer) -> list[dict[str, Any]]:
    """Every event a (not started) server holds, whatever its clock says."""
    import msgspec

    found = server.encoded.span(None, None)
    return [msgspec.json.decode(blob) for blob in found.blobs[found.lo : found.hi]]


def test_demo_server_is_live_unless_told_otherwise() -> None:
    parser = build_parser()
    live_args: argparse.Namespace = parser.parse_args(["demo-server"])
    fixed_args: argparse.Namespace = parser.parse_args(["demo-server", "--no-live"])
    assert live_args.live is True and fixed_args.live is False
