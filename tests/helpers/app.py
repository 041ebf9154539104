"""Shared pieces of the end-to-end App tests: a fixed demo server, the App, waiting, reading.

Every App here talks real HTTP to a `DemoServer` on 127.0.0.1 whose data ends at the fixed
`END`, and loads the fixed `RANGE` (the last day of it), so rows and counts are the same
on every run; `served()` is the `server` fixture of tests/tui/conftest.py, and
`loaded_app(server)` is an App on it, running headless with its first load done. The
generic Pilot helpers (`settle`, `wait_for`, `idle`, `screen_text`, `messages`,
`toast_texts`, `search_palette`) live in `tests/helpers/pilot.py` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from textual import events
from textual.pilot import Pilot

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer
from auditui.events import AuditEvent
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
from auditui.tui.app import AuditApp
from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.table.event_table import EventTable
from tests.helpers.pilot import (
    idle,
    messages,
    screen_lines,
    screen_text,
    search_palette,
    settle,
    toast_texts,
    wait_for,
    workers_done,
)

__all__ = [  # re-exported for the test modules
    "DEMO_KEY",
    "idle",
    "messages",
    "screen_lines",
    "screen_text",
    "search_palette",
    "settle",
    "toast_texts",
    "wait_for",
    "workers_done",
]

END = datetime(2026, 11, 26, 12, tzinfo=UTC)
"""Where the demo data ends (exclusive)."""
RANGE = TimeRange(END - timedelta(days=1), END)
"""The range every App loads first: the last day of the demo data."""


def at_midday() -> time_machine.travel:
    """Pin the clock (running on) at noon UTC after the demo data ends, for tests of the
    relative presets: at 00:xx UTC "the last hour" spans two day windows (two requests)."""
    return time_machine.travel(datetime(2026, 11, 30, 12, 30, tzinfo=UTC), tick=True)


EVENTS_PER_DAY = 120
DAYS = 3
WIDE = (200, 50)
NARROW = (80, 24)


def event_dict(n: int, **fields: Any) -> dict[str, Any]:
    """A raw API event `e<n>`, n minutes before `END` (lower n is newer): a dataset view by
    `user<n>@example.com`, `fields` over those."""
    event: dict[str, Any] = {
        "timestamp": (END - timedelta(minutes=n)).isoformat().replace("+00:00", "Z"),
        "event_uuid": f"e{n}",
        "client_ip": "10.0.0.1",
        "url": "/api/v1/datasets",
        "action": "dataset.view",
        "user_email": f"user{n}@example.com",
        "status": "success",
        "payload": {"n": n},
    }
    event.update(fields)
    return event


def support_event(n: int, user: str, **fields: Any) -> dict[str, Any]:
    """`event_dict(n)` by the support user `user` (`is_support_user` true)."""
    return event_dict(n, user_email=user, is_support_user=True, **fields)


MAYA_ON_MONITOR: dict[str, Any] = {
    "url": "/api/v1/monitors/193",
    "action": "monitor.update",
    "user_email": "maya@acme.com",
    "object_type": "monitor",
    "object_id": 193,
}
"""`event_dict` fields for an update of monitor #193 by maya."""


def demo_server(events: list[dict[str, Any]] | None = None, **options: Any) -> DemoServer:
    """A started demo server: the seeded data ending at `END`, or exactly `events`."""
    options.setdefault("end", END)
    options.setdefault("events_per_day", EVENTS_PER_DAY)
    options.setdefault("days", DAYS)
    return DemoServer(events, **options).start()


def served(**options: Any) -> Iterator[DemoServer]:
    """For a fixture: `demo_server(**options)` (by default the seeded data), then stopped."""
    started = demo_server(**options)
    try:
        yield started
    finally:
        started.stop()


def make_connection(server: DemoServer, key: str | None = DEMO_KEY) -> Connection:
    """How `auditui --demo` connects (see `auditui/cli/browse.py`); `key=None`: no key."""
    profile = load_settings().profile("default", env={})
    credential = Credential(key, "test") if key is not None else None
    return Connection(profile=profile, host=server.url, credential=credential, demo=True)


def make_app(
    server: DemoServer,
    *,
    key: str | None = DEMO_KEY,
    time_range: TimeRange = RANGE,
    since: str | None = None,
) -> AuditApp:
    return AuditApp(make_connection(server, key), time_range, since=since)


async def wait_loaded(pilot: Pilot[Any]) -> None:
    """Wait until the App's load worker has finished and its result is on screen."""
    app = pilot.app
    assert isinstance(app, AuditApp)
    await workers_done(app)
    await wait_for(pilot, lambda: not app.loading, "the load to finish")
    # then the post-load worker (search index, timeline), so screens are the same each run
    await wait_for(pilot, lambda: app.filter_flow.stats_settled, "the timeline")
    # and the detail pane's relative times (neighbours built in a worker)
    await wait_for(pilot, lambda: not app.detail.relative_pending, "the relative times")
    await settle(pilot)


@asynccontextmanager
async def loaded_app(
    server: DemoServer,
    size: tuple[int, int] = WIDE,
    *,
    notifications: bool = False,
    **options: Any,
) -> AsyncIterator[tuple[AuditApp, Pilot[Any]]]:
    """`make_app(server, **options)` running headless at `size`, its first load finished.

    `notifications=True` shows toasts on screen (see `toast_texts`).
    """
    app = make_app(server, **options)
    async with app.run_test(size=size, notifications=notifications) as pilot:
        await wait_loaded(pilot)
        yield app, pilot


def table(app: AuditApp) -> EventTable:
    return app.query_one(EventTable)


def detail(app: AuditApp) -> DetailPane:
    return app.query_one(DetailPane)


def shown_uuid(app: AuditApp) -> str | None:
    """The uuid of the event the detail pane shows."""
    event = detail(app).event
    return None if event is None else event.event_uuid


def cursor_uuid(app: AuditApp) -> str | None:
    event = table(app).cursor_event
    return None if event is None else event.event_uuid


def header(app: AuditApp) -> str:
    return str(app.query_one("#header").render())


def view_uuids(app: AuditApp) -> list[str]:
    """The uuid of every row the table shows (the view, filtered and sorted), in order."""
    return [app.view.event_at(row).event_uuid for row in range(len(app.view))]


def bar(app: AuditApp) -> Any:
    """The filter bar once mounted (the first `/` mounts it), else what it will show (the
    App's `FilterBarSlot`: value, error, is_open)."""
    slot = app.on_demand.filter_bar
    return slot.widget if slot.widget is not None else slot


async def submit(pilot: Any, query: str, *, paste: bool = False) -> None:
    """`/`, clear the bar, type `query` key by key (or paste it), Enter."""
    app = pilot.app
    await pilot.press("slash")
    await settle(pilot, 1)
    assert bar(app).is_open and bar(app).input.has_focus
    await pilot.press("ctrl+u")
    if paste:  # a terminal paste: one event (Pilot takes ~0.1 s per key)
        bar(app).input.post_message(events.Paste(query))
        await wait_for(pilot, lambda: bar(app).value == query, "the paste")
    else:
        await pilot.press(*query)
    await pilot.press("enter")
    await idle(pilot)


def all_events(app: AuditApp) -> list[AuditEvent]:
    return list(app.store.events)
