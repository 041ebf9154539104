"""Shared pieces of the end-to-end App tests: a fixed demo server, the App, waiting, reading.

Every App here talks real HTTP to a `DemoServer` on 127.0.0.1 whose data ends at the fixed
`END`, and loads the fixed `RANGE` (the last day of it), so rows and counts are the same
on every run. `screen_text` (from the detail tests) reads the screen back from an SVG
screenshot; `messages` lists the toasts currently shown.
"""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App
from textual.pilot import Pilot

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
from auditui.tui.app import AuditApp
from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.table.event_table import EventTable
from tests.tui.test_detail import screen_text

__all__ = [  # re-exported for the test modules
    "DEMO_KEY",
    "screen_text",
]

END = datetime(2026, 11, 26, 12, tzinfo=UTC)
"""Where the demo data ends (exclusive)."""
RANGE = TimeRange(END - timedelta(days=1), END)
"""The range every App loads first: the last day of the demo data."""
EVENTS_PER_DAY = 120
DAYS = 3
WIDE = (200, 50)
NARROW = (80, 24)
MAX_PAUSES = 400


def demo_server(events: list[dict[str, Any]] | None = None, **options: Any) -> DemoServer:
    """A started demo server: the seeded data ending at `END`, or exactly `events`."""
    options.setdefault("end", END)
    options.setdefault("events_per_day", EVENTS_PER_DAY)
    options.setdefault("days", DAYS)
    return DemoServer(events, **options).start()


def served() -> Iterator[DemoServer]:
    """For a fixture: the seeded demo server (3 days, 120 events a day, ending at `END`)."""
    started = demo_server()
    try:
        yield started
    finally:
        started.stop()


def make_connection(server: DemoServer, key: str | None = DEMO_KEY) -> Connection:
    """How `auditui --demo` connects (see `commands._browse_demo`); `key=None`: no key."""
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


async def settle(pilot: Pilot[Any], pauses: int = 3) -> None:
    for _ in range(pauses):
        await pilot.pause()


async def wait_for(pilot: Pilot[Any], condition: Any, what: str = "condition") -> None:
    """Pause until `condition()` is true; fail after a bounded number of pauses."""
    for _ in range(MAX_PAUSES):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"gave up waiting for {what}")


async def wait_loaded(pilot: Pilot[Any]) -> None:
    """Wait until the App's load worker has finished and its result is on screen."""
    app = pilot.app
    assert isinstance(app, AuditApp)
    await app.workers.wait_for_complete()
    await wait_for(pilot, lambda: not app.loading, "the load to finish")
    await settle(pilot)


def messages(app: App[Any]) -> list[str]:
    """The text of every toast currently shown, oldest first."""
    return [str(notification.message) for notification in app._notifications]


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


def toast_texts(app: App[Any]) -> list[str]:
    """The text the toasts on screen show (needs `run_test(notifications=True)`)."""
    from textual.widgets._toast import Toast

    return [toast.render().plain for toast in app.screen.query(Toast)]
