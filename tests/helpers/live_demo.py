"""Driving a live demo server in tests: a hand-moved clock, events made to order, requests.

`ManualClock` is a `DemoServer(clock=...)` that moves only when a test says so (never the
wall clock). `live_event` makes one API event at a given time; `fetch_range` asks the server
for a range over real loopback HTTP and returns the response; `uuids` reads its events'
uuids in the order served; `wait_until` waits (generously) for a condition another thread
makes true, never asserting how long that took.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from auditui.demo import DemoServer
from tests.helpers.demo import AUDIT_LOGS_PATH, auth_headers

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
"""A Thursday noon (UTC): the moment a `ManualClock` starts at unless told otherwise."""


class ManualClock:
    """A clock for a demo server: `now` stays until `advance` or `set` moves it."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move on by `timedelta(**delta)`; the new now."""
        self.now += timedelta(**delta)
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now


def iso(moment: datetime) -> str:
    """`2026-11-26T12:00:00.000000Z`, as the API stamps its events."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def live_event(uuid: str, at: datetime, **fields: Any) -> dict[str, Any]:
    """An API event `uuid` stamped `at` (a dataset view by ann), `fields` over those."""
    event: dict[str, Any] = {
        "timestamp": iso(at),
        "event_uuid": uuid,
        "client_ip": "10.0.0.1",
        "url": "/api/v1/datasets",
        "action": "dataset.view",
        "user_email": "ann@example.com",
        "status": "success",
        "payload": {"uuid": uuid},
    }
    event.update(fields)
    return event


def fetch_range(
    server: DemoServer, start: datetime | None = None, end: datetime | None = None
) -> httpx.Response:
    """GET the audit logs of [start, end) (None: unbounded) on a fresh connection."""
    body: dict[str, str] = {}
    if start is not None:
        body["start_date"] = start.isoformat()
    if end is not None:
        body["end_date"] = end.isoformat()
    with httpx.Client(timeout=30.0) as client:
        response = client.request(
            "GET",
            server.url + AUDIT_LOGS_PATH,
            content=json.dumps(body).encode(),
            headers=auth_headers(server.key),
        )
    response.raise_for_status()
    return response


def uuids(response: httpx.Response) -> list[str]:
    """The uuids of a response's events, in the order served."""
    return [event["event_uuid"] for event in response.json()["logs"]]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    """Wait for `condition` (set by another thread); fail naming `what` if it never holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.005)
