"""Duplicates and drops said truthfully (issue 16 item 11, issue 15 item 13b).

- Different events sharing an `event_uuid`: the first is kept, the others are counted as
  conflicts and kept (their JSON) to show; identical copies are plain duplicates, silent.
- "Outside the range": a server that includes the end instant of a range returns an event
  at midnight in both days; that copy is a boundary duplicate, not a drop. A server that
  ignores the range (a proxy ate the body: the demo's `ignore_range` fault) still warns.

Every server is a real `DemoServer` on loopback. The servers with other range rules are
the demo server with its selection widened by a microsecond (`Inclusive`): the stand-ins
for APIs that answer `start <= t <= end` or `start < t <= end`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from auditui.demo import DEMO_KEY, DemoServer, EncodedEvents, Fault, encode_events
from auditui.events import AuditEvent
from auditui.sources.dedupe import CONFLICT_REASON, SeenEvents, unique_events
from auditui.sources.windows import WindowBatch, load_range, stream_range
from auditui.timespec import TimeRange
from tests.helpers.demo import client_for

DAY = timedelta(days=1)
MICROSECOND = timedelta(microseconds=1)
RANGE = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 4, tzinfo=UTC))


def event(uuid: str, when: str, action: str = "dataset.view") -> dict[str, Any]:
    return {"timestamp": when, "event_uuid": uuid, "client_ip": "10.0.0.1", "url": "/x",
            "action": action}  # fmt: skip


@dataclass(frozen=True)
class Inclusive(EncodedEvents):
    """The demo's events, selected with the end instant included (and, with `open_start`,
    the start instant left out)."""

    open_start: bool = False

    def select(self, start: datetime | None = None, end: datetime | None = None) -> list[bytes]:
        if start is not None and self.open_start:
            start += MICROSECOND
        return super().select(start, None if end is None else end + MICROSECOND)


def inclusive(events: list[dict[str, Any]], *, open_start: bool = False) -> Inclusive:
    plain = encode_events(events)
    return Inclusive(plain.neg_micros, plain.blobs, plain.undated, open_start)


MIDNIGHTS = [
    event("m2", "2026-01-02T00:00:00Z"),
    event("m3", "2026-01-03T00:00:00Z"),
    event("noon", "2026-01-02T12:00:00Z"),
    event("end", "2026-01-04T00:00:00Z"),  # the range's end: outside it, but not a drop
]


# -- different events, one uuid ---------------------------------------------------------------

CONFLICTING = [
    event("a", "2026-01-03T12:00:00Z"),
    event("a", "2026-01-01T12:00:00Z", "dataset.delete"),  # another event, another day
    event("b", "2026-01-02T12:00:00Z"),
    event("b", "2026-01-02T12:00:00Z"),  # the same event twice: a plain duplicate
    event("c", "2026-01-02T08:00:00Z"),
    event("c", "2026-01-02T09:00:00Z"),  # another event, same day
]


def test_unique_events_tells_conflicts_from_plain_duplicates() -> None:
    decode = msgspec.json.Decoder(AuditEvent).decode
    events = [decode(msgspec.json.encode(item)) for item in CONFLICTING]
    seen = SeenEvents()
    conflicts: list[AuditEvent] = []
    fresh, dropped = unique_events(events, seen, conflicts)
    assert [e.event_uuid for e in fresh] == ["a", "b", "c"]
    assert dropped == 3
    assert conflicts == [events[1], events[5]]
    again: list[AuditEvent] = []  # the same events from another window: plain duplicates
    assert unique_events(list(fresh), seen, again) == ([], 3) and again == []
    later: list[AuditEvent] = []  # a different event with a uuid kept by an earlier call
    assert unique_events([events[1]], seen, later) == ([], 1) and later == [events[1]]


def test_events_kept_before_are_found_for_comparing() -> None:
    """A retry's `seen` finds the stored events (`Session.known_uuids`)."""
    decode = msgspec.json.Decoder(AuditEvent).decode
    stored = decode(msgspec.json.encode(CONFLICTING[0]))
    seen = SeenEvents([stored.event_uuid], {stored.event_uuid: stored}.get)
    other = decode(msgspec.json.encode(CONFLICTING[1]))
    conflicts: list[AuditEvent] = []
    assert unique_events([stored, other], seen, conflicts) == ([], 2)
    assert conflicts == [other]


async def test_a_load_counts_and_keeps_conflicting_events() -> None:
    with DemoServer(CONFLICTING) as server:
        async with client_for(server) as client:
            result = await load_range(client, RANGE, window=DAY)
    assert sorted(e.event_uuid for e in result.events) == ["a", "b", "c"]
    assert (result.duplicates, result.conflicts) == (3, 2)
    assert [s.reason for s in result.skipped] == [CONFLICT_REASON] * 2
    assert {msgspec.json.decode(s.text)["timestamp"] for s in result.skipped} == {
        "2026-01-01T12:00:00Z",
        "2026-01-02T08:00:00Z",  # the server sends newest first: 09:00 came first
    }


async def test_a_stream_counts_conflicts_across_windows() -> None:
    with DemoServer(CONFLICTING) as server:
        async with client_for(server) as client:
            batches = [batch async for batch in stream_range(client, RANGE, window=DAY)]
    assert sum(b.conflicts for b in batches) == 2
    assert sum(b.duplicates for b in batches) == 3
    assert sum(len(b.skipped) for b in batches) == 2


# -- boundaries --------------------------------------------------------------------------------


async def stream(server: DemoServer) -> list[WindowBatch]:
    async with client_for(server) as client:
        return [batch async for batch in stream_range(client, RANGE, window=DAY)]


async def test_a_server_including_the_end_instant_drops_nothing() -> None:
    with DemoServer(inclusive(MIDNIGHTS)) as server:
        batches = await stream(server)
        async with client_for(server) as client:
            result = await load_range(client, RANGE, window=DAY)
    uuids = sorted(e.event_uuid for b in batches for e in b.events)
    assert uuids == ["m2", "m3", "noon"]
    assert sum(b.out_of_range for b in batches) == 0
    assert sorted(e.event_uuid for e in result.events) == ["m2", "m3", "noon"]
    assert result.out_of_range == 0


async def test_a_boundary_copy_its_own_window_did_not_return_is_counted() -> None:
    """`start < t <= end`: midnight comes only with the day before, which drops it."""
    with DemoServer(inclusive(MIDNIGHTS, open_start=True)) as server:
        batches = await stream(server)
        async with client_for(server) as client:
            result = await load_range(client, RANGE, window=DAY)
    assert sorted(e.event_uuid for b in batches for e in b.events) == ["noon"]
    assert sum(b.out_of_range for b in batches) == 2  # m2 and m3, really dropped
    assert result.out_of_range == 2


# -- the CLI says it ---------------------------------------------------------------------------


def fetch(server: DemoServer) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY}
    return subprocess.run(
        [sys.executable, "-m", "auditui", "--no-cache", "fetch", "--from",
         "2026-01-01T00:00:00Z", "--to", "2026-01-04T00:00:00Z"],
        capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_fetch_warns_of_conflicting_uuids() -> None:
    with DemoServer(CONFLICTING) as server:
        done = fetch(server)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3
    assert (
        "auditui: warning: 2 events shared an event_uuid with a different event and were "
        "left out (the first of each uuid was kept)"
    ) in done.stderr.splitlines()


@pytest.mark.parametrize("include_end", [False, True])
def test_fetch_over_midnights_warns_of_nothing(include_end: bool) -> None:
    """Over several days, with the demo's `start <= t < end` and an API's `start <= t <= end`."""
    with DemoServer(inclusive(MIDNIGHTS) if include_end else MIDNIGHTS) as server:
        done = fetch(server)
    assert done.returncode == 0, done.stderr
    assert sorted(msgspec.json.decode(line)["event_uuid"] for line in done.stdout.splitlines()) == [
        "m2",
        "m3",
        "noon",
    ]
    assert "warning" not in done.stderr


@pytest.mark.parametrize("events", [MIDNIGHTS, [event("old", "2025-12-30T12:00:00Z")]])
def test_fetch_through_a_proxy_that_ate_the_body_still_warns(events: list[dict[str, Any]]) -> None:
    with DemoServer(events) as server:
        server.faults.push(Fault("ignore_range", repeat=3))
        done = fetch(server)
    assert done.returncode == 0, done.stderr
    assert "events outside the range were dropped" in done.stderr
