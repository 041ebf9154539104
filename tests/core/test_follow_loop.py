"""`poll_forever` against the live demo server over loopback HTTP, time driven by a clock
both share (no real waiting): every event once, late ones found and called late, one
request at a time, never closer than the interval (errors and Retry-After included)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.errors import AuthError
from auditui.follow import Backoff, Failed, Poll, Poller, Waiting, poll_forever
from auditui.sources.api import AuditClient, WindowResult

START = datetime(2026, 11, 30, 23, 50, tzinfo=UTC)  # across a month's last midnight
INTERVAL = 15.0


class SharedClock:
    """The test's 'now', read by the server and by the loop; `wait` moves it on."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    async def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Timed:
    """The real client, noting when (by the shared clock) each request started."""

    def __init__(self, client: AuditClient, clock: SharedClock) -> None:
        self.client = client
        self.clock = clock
        self.started: list[datetime] = []

    async def fetch_window(self, start: datetime, end: datetime) -> WindowResult:
        self.started.append(self.clock())
        return await self.client.fetch_window(start, end)


def demo_event(uuid: str, at: datetime) -> dict[str, Any]:
    return {"timestamp": at.isoformat(), "event_uuid": uuid, "client_ip": "10.0.0.1",
            "url": "/api/v1/x", "action": "login", "user_email": "a@acme.com"}  # fmt: skip


async def follow_for(server: DemoServer, clock: SharedClock, polls: int,
                     poller: Poller | None = None) -> tuple[list[Any], Timed]:  # fmt: skip
    """Run the loop until `polls` polls were answered or failed; what it yielded."""
    stop = asyncio.Event()
    items: list[Any] = []
    async with AuditClient(server.url, DEMO_KEY, max_attempts=1) as client:
        timed = Timed(client, clock)
        loop = poll_forever(timed, poller or Poller(START), Backoff(INTERVAL),
                            max_span=timedelta(days=1), stop=stop, clock=clock,
                            wait=clock.wait)  # fmt: skip
        async for item in loop:
            items.append(item)
            if sum(isinstance(i, Waiting | Failed) for i in items) >= polls:
                stop.set()
    return items, timed


def gaps(times: list[datetime]) -> list[float]:
    return [(b - a).total_seconds() for a, b in itertools.pairwise(times)]


def new_uuids(items: list[Any]) -> list[str]:
    return [e.event_uuid for item in items if isinstance(item, Poll) for e in item.new]


def test_events_arrive_once_each_in_time_order_and_a_late_one_is_called_late() -> None:
    clock = SharedClock(START)
    events = [demo_event(f"e{i}", START + timedelta(seconds=20 * i + 1)) for i in range(60)]
    with DemoServer(events, clock=clock, live=True) as server:
        late_at = START + timedelta(minutes=2)
        server.add_events([demo_event("late", late_at)], visible_at=late_at + timedelta(minutes=9))
        items, timed = asyncio.run(follow_for(server, clock, polls=100))
        assert server.max_in_flight == 1
    uuids = new_uuids(items)
    assert sorted(uuids) == sorted([f"e{i}" for i in range(60)] + ["late"])
    assert len(uuids) == len(set(uuids))  # the overlap re-read nothing twice
    late = [e.event_uuid for item in items if isinstance(item, Poll) for e in item.late]
    assert late == ["late"]
    assert min(gaps(timed.started)) >= INTERVAL


def test_errors_never_make_polls_closer_than_the_interval_and_retry_after_is_kept() -> None:
    clock = SharedClock(START)
    events = [demo_event(f"e{i}", START + timedelta(seconds=7 * i + 1)) for i in range(100)]
    faults = [
        Fault("status", 503),
        Fault("status", 429, headers={"Retry-After": "40"}),
        Fault("html", 200),  # a proxy's login page: garbage
        Fault("reset", fraction=0.3),
        Fault("status", 502, repeat=2),
    ]
    with DemoServer(events, clock=clock, live=True, faults=faults) as server:
        items, timed = asyncio.run(follow_for(server, clock, polls=30))
        assert server.max_in_flight == 1
    failures = [item for item in items if isinstance(item, Failed)]
    assert len(failures) == 6
    assert "429" in failures[1].delay.reason
    spaced = gaps(timed.started)
    assert min(spaced) >= INTERVAL
    # 503; 429 asking 40 s; garbage, a reset and two 502s in a row: backing off to the cap
    assert spaced[:7] == [15, 40, 60, 120, 240, 300, 15]
    uuids = new_uuids(items)
    assert sorted(uuids) == sorted(f"e{i}" for i in range(100))  # nothing lost to the errors


@pytest.mark.parametrize("offset", [timedelta(minutes=20), -timedelta(minutes=20)])
def test_a_server_clock_far_from_ours_loses_nothing(offset: timedelta) -> None:
    """The server's clock 20 minutes ahead or behind (beyond the overlap): the polls follow
    its Date header, and every event arrives once."""
    clock = SharedClock(START)
    server_start = START + offset
    events = [demo_event(f"e{i}", server_start + timedelta(seconds=13 * i)) for i in range(80)]
    with DemoServer(events, clock=clock, clock_offset=offset, live=True) as server:
        items, _ = asyncio.run(follow_for(server, clock, polls=150, poller=Poller(server_start)))
    uuids = new_uuids(items)
    assert sorted(uuids) == sorted(f"e{i}" for i in range(80))
    late = [e for item in items if isinstance(item, Poll) for e in item.late]
    assert late == []


def test_a_refused_key_ends_the_loop_and_the_poller_goes_on_where_it_was() -> None:
    clock = SharedClock(START)
    events = [demo_event(f"e{i}", START + timedelta(seconds=10 * i + 1)) for i in range(30)]
    poller = Poller(START)
    with DemoServer(events, clock=clock, live=True) as server:
        first, _ = asyncio.run(follow_for(server, clock, polls=10, poller=poller))
        server.faults.push(Fault("status", 401))
        with pytest.raises(AuthError):
            asyncio.run(follow_for(server, clock, polls=5, poller=poller))
        rest, _ = asyncio.run(follow_for(server, clock, polls=30, poller=poller))
    uuids = new_uuids(first) + new_uuids(rest)
    assert sorted(uuids) == sorted(f"e{i}" for i in range(30))
