"""Driving a follow (`F`) in a Pilot test: an injected clock, a wait the test releases, a
live demo server on that clock, and events that arrive after the range shown.

`FollowDriver.attach(app)` gives the App's follow flow a `FakeClock` and a fake wait: the
loop's wait between polls records how long it was asked to wait and blocks until the test
calls `release()`, which moves the clock on by that much; so a test steps poll by poll,
never sleeping through an interval and never reading the wall clock. The demo server
answers by the same clock (`live=True`: only events stamped before its now show).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from textual.pilot import Pilot

from auditui.demo import DemoServer
from auditui.tui.app import AuditApp
from tests.helpers.app import END, WIDE, demo_server, event_dict, make_app, wait_for, wait_loaded


class FakeClock:
    """A clock the test moves (`advance`); starts at `start`."""

    def __init__(self, start: datetime = END) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FollowDriver:
    """The follow loop's clock and wait, under the test's control."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []  # seconds the loop asked to wait, in order
        self._go = asyncio.Event()
        self.waiting = False
        self.toasts: list[str] = []  # every toast's text since `attach` (none expire)

    def attach(self, app: AuditApp) -> None:
        app.follow_flow.clock = self.clock
        app.follow_flow.wait = self.wait
        notify = app.notify

        def recorded(message: str, **options: Any) -> None:
            self.toasts.append(message)
            notify(message, **options)

        app.notify = recorded  # type: ignore[method-assign]

    async def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.waiting = True
        try:
            await self._go.wait()
        finally:
            self._go.clear()
            self.waiting = False

    def release(self) -> None:
        """Let the loop make its next poll."""
        assert self.waiting, "the follow loop is not waiting"
        self.clock.advance(self.waits[-1])  # the time the loop waited passes
        self._go.set()

    async def after_wait(self, pilot: Pilot[Any], count: int) -> None:
        """Until the loop has started its `count`-th wait (every poll before it answered)."""
        await wait_for(
            pilot, lambda: len(self.waits) >= count and self.waiting, f"follow wait {count}"
        )

    async def step(self, pilot: Pilot[Any]) -> None:
        """Release one wait and return once the poll after it has answered (the next wait)."""
        count = len(self.waits) + 1
        self.release()
        await self.after_wait(pilot, count)


def follow_events(count: int = 180) -> list[dict[str, Any]]:
    """An event every minute for `count` minutes before `END` (e1 … e<count>)."""
    return [event_dict(n) for n in range(1, count + 1)]


def live_server(clock: FakeClock, events: list[dict[str, Any]] | None = None) -> DemoServer:
    """A started live demo server on `clock`, serving `events` (default `follow_events()`)."""
    return demo_server(follow_events() if events is None else events, live=True, clock=clock)


def arriving(uuid: str, at: datetime, **fields: Any) -> dict[str, Any]:
    """A raw API event `uuid` stamped `at` (like `event_dict`, `fields` over it)."""
    event = event_dict(0, **fields)
    event["event_uuid"] = uuid
    event["timestamp"] = at.isoformat().replace("+00:00", "Z")
    return event


def header_text(app: AuditApp) -> str:
    return str(app.query_one("#header").render())


@asynccontextmanager
async def following(
    *, notifications: bool = False
) -> AsyncIterator[tuple[AuditApp, Pilot[Any], FollowDriver, DemoServer, FakeClock]]:
    """The App over a live demo server on a `FakeClock`, loaded, its follow loop's time
    driven by a `FollowDriver` (not yet following: the test presses `F`)."""
    clock = FakeClock()
    server = live_server(clock)
    try:
        app = make_app(server)
        driver = FollowDriver(clock)
        async with app.run_test(size=WIDE, notifications=notifications) as pilot:
            await wait_loaded(pilot)
            driver.attach(app)
            yield app, pilot, driver, server, clock
    finally:
        server.stop()
