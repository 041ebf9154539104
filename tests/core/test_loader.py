"""split_windows and load_range: windows, concurrent fetch against the demo server, merge."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditui.demo import DemoServer, Fault
from auditui.errors import AuthError, ServerError, UsageError
from auditui.sources.api import AuditClient, WindowResult
from auditui.sources.windows import LoadResult, Progress, load_range, split_windows
from auditui.timespec import TimeRange
from tests.helpers.demo import client_for, stamp

DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def event(uuid: str, when: str) -> dict[str, Any]:
    return {"timestamp": when, "event_uuid": uuid, "client_ip": "10.0.0.1", "url": "/api/x"}


def in_range(events: list[dict[str, Any]], time_range: TimeRange) -> list[dict[str, Any]]:
    return [e for e in events if time_range.contains(stamp(e))]


def test_split_windows_is_newest_first_aligned_and_clipped() -> None:
    windows = split_windows(TimeRange(at("2026-01-01T10:30"), at("2026-01-03T14:00")), DAY)
    assert windows == [
        TimeRange(at("2026-01-03T00:00"), at("2026-01-03T14:00")),
        TimeRange(at("2026-01-02T00:00"), at("2026-01-03T00:00")),
        TimeRange(at("2026-01-01T10:30"), at("2026-01-02T00:00")),
    ]


def test_split_windows_of_an_aligned_range_are_whole() -> None:
    windows = split_windows(TimeRange(at("2026-01-01"), at("2026-01-03")), DAY)
    assert windows == [
        TimeRange(at("2026-01-02"), at("2026-01-03")),
        TimeRange(at("2026-01-01"), at("2026-01-02")),
    ]


def test_split_windows_uneven_last_window() -> None:
    windows = split_windows(
        TimeRange(at("2026-01-01T00:00"), at("2026-01-01T10:00")), timedelta(hours=4)
    )
    assert [(w.start.hour, w.end.hour) for w in windows] == [(8, 10), (4, 8), (0, 4)]


def test_split_windows_inside_one_slot_is_the_range_itself() -> None:
    time_range = TimeRange(at("2026-01-01T10:00"), at("2026-01-01T11:00"))
    assert split_windows(time_range, DAY) == [time_range]


def test_split_windows_refuses_bad_windows() -> None:
    time_range = TimeRange(at("2026-01-01"), at("2027-01-01"))
    with pytest.raises(UsageError, match="longer than zero"):
        split_windows(time_range, timedelta(0))
    with pytest.raises(UsageError, match="larger windows or a shorter range"):
        split_windows(time_range, timedelta(seconds=1))


@given(
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1)),
    length=st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=400)),
    window=st.sampled_from([timedelta(minutes=15), timedelta(hours=1), timedelta(hours=7), DAY]),
)
def test_split_windows_covers_the_range_exactly(
    start: datetime, length: timedelta, window: timedelta
) -> None:
    time_range = TimeRange(start.replace(tzinfo=UTC), start.replace(tzinfo=UTC) + length)
    windows = split_windows(time_range, window)
    assert windows[0].end == time_range.end and windows[-1].start == time_range.start
    for newer, older in pairwise(windows):
        assert older.end == newer.start  # no gap, no overlap, newest first
    for piece in windows:
        assert piece.duration <= window
        slot = (piece.start - EPOCH) // window
        assert (piece.end - EPOCH - timedelta(microseconds=1)) // window == slot
    for inner in windows[1:-1]:
        assert inner.duration == window


async def test_load_range_fetches_every_window_and_merges_newest_first(
    demo_server: DemoServer, demo_events: list[dict[str, Any]], recent: TimeRange
) -> None:
    seen: list[Progress] = []
    async with client_for(demo_server) as client:
        result = await load_range(
            client, recent, window=DAY, concurrency=3, on_progress=seen.append
        )

    windows = split_windows(recent, DAY)
    expected = in_range(demo_events, recent)
    assert [e.event_uuid for e in result.events] == [
        e["event_uuid"] for e in sorted(expected, key=stamp, reverse=True)
    ]
    stamps = [e.timestamp for e in result.events]
    assert stamps == sorted(stamps, reverse=True)
    assert (result.out_of_range, result.duplicates, result.malformed) == (0, 0, 0)
    assert result.windows == len(windows) == len(demo_server.requests) >= 4
    assert [p.windows_done for p in seen] == list(range(1, len(windows) + 1))
    assert {p.windows_total for p in seen} == {len(windows)}
    assert seen[-1].events == len(expected)
    assert seen[-1].bytes == result.bytes > 0
    assert [p.events for p in seen] == sorted(p.events for p in seen)


async def test_events_outside_the_range_are_dropped_and_counted(
    demo_server: DemoServer, demo_events: list[dict[str, Any]], recent: TimeRange
) -> None:
    """A proxy that strips the GET body makes the server send everything, for every window."""
    windows = len(split_windows(recent, DAY))
    demo_server.faults.push(Fault("ignore_range", repeat=windows))
    async with client_for(demo_server) as client:
        result = await load_range(client, recent, window=DAY)

    expected = {e["event_uuid"] for e in in_range(demo_events, recent)}
    assert {e.event_uuid for e in result.events} == expected
    assert len(result.events) == len(expected)
    assert result.out_of_range == windows * len(demo_events) - len(expected)
    assert result.duplicates == 0


async def test_duplicates_across_and_within_windows_are_dropped() -> None:
    events = [
        event("a", "2026-01-03T12:00:00Z"),
        event("a", "2026-01-01T12:00:00Z"),  # the same event again, two windows older
        event("b", "2026-01-02T12:00:00Z"),
        event("b", "2026-01-02T12:00:00Z"),  # twice in one window
        event("c", "2026-01-02T08:00:00Z"),
    ]
    with DemoServer(events) as server:
        async with client_for(server) as client:
            time_range = TimeRange(at("2026-01-01"), at("2026-01-04"))
            result = await load_range(client, time_range, window=DAY)
    assert [(e.event_uuid, e.timestamp.day) for e in result.events] == [
        ("a", 3),
        ("b", 2),
        ("c", 2),
    ]
    assert result.duplicates == 2
    assert result.out_of_range == 0


async def test_the_first_error_is_raised_as_its_typed_self(
    demo_server: DemoServer, recent: TimeRange
) -> None:
    async with AuditClient(demo_server.url, "wrong-key-123", credential_source="env") as client:
        with pytest.raises(AuthError) as caught:
            await load_range(client, recent, window=DAY, concurrency=1)
    assert caught.value.status == 401
    assert len(demo_server.requests) == 1  # one worker, stopped at its first failure


async def test_an_error_cancels_the_requests_still_in_flight(
    demo_server: DemoServer, recent: TimeRange
) -> None:
    demo_server.faults.push(Fault("delay", seconds=60.0), Fault("status", status=500))
    seen: list[Progress] = []
    async with client_for(demo_server) as client:
        with pytest.raises(ServerError):
            await load_range(client, recent, window=DAY, concurrency=2, on_progress=seen.append)
    assert seen == []  # the delayed window was cancelled, not awaited to completion
    assert len(demo_server.requests) == 2


async def test_cancelling_the_caller_cancels_the_request_in_flight(
    demo_server: DemoServer, recent: TimeRange
) -> None:
    demo_server.faults.push(Fault("delay", seconds=60.0))
    async with client_for(demo_server) as client:
        task = asyncio.create_task(load_range(client, recent, window=DAY, concurrency=1))
        for _ in range(2000):
            if demo_server.requests:
                break
            await asyncio.sleep(0.005)
        assert len(demo_server.requests) == 1 and not task.done()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=30)
        assert task in done and task.cancelled()
        # The client is still usable afterwards: the abandoned connection was dropped.
        piece = split_windows(recent, DAY)[0]
        result = await client.fetch_window(piece.start, piece.end)
    assert result.events
    assert len(demo_server.requests) == 2


class CountingClient(AuditClient):
    """A real client that records how many windows are in flight at once."""

    in_flight = 0
    most = 0

    async def fetch_window(self, start: datetime, end: datetime) -> WindowResult:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            return await super().fetch_window(start, end)
        finally:
            self.in_flight -= 1


@pytest.mark.parametrize("concurrency", [1, 2, 4])
async def test_concurrency_is_bounded(
    demo_server: DemoServer, recent: TimeRange, concurrency: int
) -> None:
    half_day = timedelta(hours=12)
    async with CountingClient(demo_server.url, demo_server.key) as client:
        result = await load_range(client, recent, window=half_day, concurrency=concurrency)
    assert client.most == concurrency
    assert result.windows == len(demo_server.requests) == len(split_windows(recent, half_day))


async def test_load_result_of_an_empty_range_is_empty(demo_server: DemoServer) -> None:
    long_ago = TimeRange(at("2001-01-01"), at("2001-01-03"))
    async with client_for(demo_server) as client:
        result = await load_range(client, long_ago, window=DAY)
    assert result == LoadResult(events=[], windows=2, bytes=result.bytes)
    assert result.bytes > 0


def test_a_load_results_repr_leaves_the_events_out() -> None:
    """`asyncio.run` formats its main task's result when it restores SIGINT at exit: with
    the events in the repr, a 1M `auditui fetch` spent 14 s there (benchmarks/README.md)."""
    from auditui.sources.windows import LoadResult
    from tests.helpers.events import decode, raw

    events = decode(*(raw(n) for n in range(200)))
    text = repr(LoadResult(events, windows=3))
    assert "windows=3" in text and events[0].event_uuid not in text and len(text) < 400
