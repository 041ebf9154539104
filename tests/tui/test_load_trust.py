"""What the screen says of a load that is not its whole range (issue 15, defects 1 and 2).

Pilot against the demo server over real HTTP; windows are fetched one at a time
(`concurrency = 1`, newest first), so each scripted fault hits a known window.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from msgspec.structs import replace

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer
from auditui.demo.faults import Fault
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
from auditui.tui import session as session_module
from auditui.tui.app import AuditApp
from auditui.tui.widgets.timeline import Timeline
from tests.helpers.app import (
    END,
    WIDE,
    at_midday,
    bar,
    cursor_uuid,
    header,
    submit,
    table,
    wait_loaded,
)
from tests.helpers.pilot import messages, screen_text, settle, wait_for

THREE_DAYS = TimeRange(END - timedelta(days=3), END)  # 12:00 to 12:00: 4 windows
ONE_FAILED = "incomplete: 1 of 4 windows failed (HTTP 500) · r retries"


def connection(server: DemoServer) -> Connection:
    profile = replace(load_settings().profile("default", env={}), concurrency=1)
    return Connection(profile, server.url, Credential(DEMO_KEY, "test"), demo=True)


def shown(app: AuditApp) -> tuple[object, ...]:
    """Everything a cancelled load must leave as it was."""
    view = app.view
    return (
        app.time_range,
        app.since,
        app.store,
        len(view),
        view.sort_column,
        view.descending,
        cursor_uuid(app),
        bar(app).value,
        app.session.filter_text,
    )


async def test_a_failed_window_marks_the_header_counter_export_and_copy(
    server: DemoServer,
) -> None:
    server.faults.push(Fault(kind="delay", seconds=0.0), Fault(kind="status", status=500))
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await wait_loaded(pilot)
        assert ONE_FAILED in header(app)
        await pilot.press("slash")
        await settle(pilot)
        assert "events · incomplete" in screen_text(app)  # the counter, bar open
        await pilot.press("escape")
        await pilot.press("c")
        await settle(pilot)
        assert any("Copied event" in m and ONE_FAILED in m for m in messages(app))
        await pilot.press("e")
        await settle(pilot)
        assert f"⚠ {ONE_FAILED}" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        timeline = app.query_one(Timeline)
        failed = app.session.counts.failed
        assert timeline.missing == tuple(failed) and timeline.missing_buckets()
        bars = screen_text(app)
        assert "╳" in bars and "1 window not loaded" in bars
        await pilot.press("r")  # retries the failed window: the range is whole again
        await wait_loaded(pilot)
        assert "incomplete" not in header(app)
        assert not timeline.missing_buckets() and "╳" not in screen_text(app)


async def test_every_window_failing_shows_the_error_where_the_rows_would_be(
    server: DemoServer,
) -> None:
    server.faults.push(Fault(kind="status", status=500, repeat=4))
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await wait_loaded(pilot)
        assert "incomplete: 4 of 4 windows failed (HTTP 500) · r retries" in header(app)
        text = screen_text(app)
        assert "No events to show." not in text
        assert "answered HTTP 500" in table(app).render_line(1).text
        await pilot.press("r")
        await wait_loaded(pilot)
        assert "incomplete" not in header(app) and len(app.store) > 0


@at_midday()
async def test_escape_after_the_first_window_puts_back_exactly_what_was_shown(
    server: DemoServer,
) -> None:
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await wait_loaded(pilot)
        await submit(pilot, "status:success")
        await pilot.press("S", "j", "j", "j")
        await settle(pilot)
        before = shown(app)
        # the new range's newest window arrives at once, the others slowly
        server.faults.push(Fault(kind="delay", seconds=0.0), Fault(kind="delay", seconds=3.0))
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("4")  # the last 7 days
        await wait_for(pilot, lambda: app.time_range != before[0], "the new range's first window")
        assert app.session.loading
        await pilot.press("escape")
        await settle(pilot)
        assert shown(app) == before
        assert "Load cancelled; the previous range, events and filter are back." in messages(app)
        assert "incomplete" not in header(app) and not app.loading
        server.faults.clear()


@at_midday()
async def test_a_cancel_that_cannot_restore_says_what_is_shown(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "RESTORE_LIMIT", 0)  # as if the events were too many
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await wait_loaded(pilot)
        old = app.time_range
        server.faults.push(Fault(kind="delay", seconds=0.0), Fault(kind="delay", seconds=3.0))
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("4")
        await wait_for(pilot, lambda: app.time_range != old, "the new range's first window")
        await pilot.press("escape")
        await settle(pilot)
        assert "incomplete: cancelled, " in header(app) and "windows not loaded" in header(app)
        assert any("marked incomplete" in m for m in messages(app))
        server.faults.clear()


async def test_a_first_load_cancelled_says_nothing_is_loaded(server: DemoServer) -> None:
    server.faults.push(Fault(kind="delay", seconds=3.0))
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.loading, "the first load")
        await pilot.press("escape")
        await settle(pilot)
        assert "not loaded · r loads" in header(app)
        assert "Load cancelled; the events on screen are unchanged." in messages(app)
        server.faults.clear()


async def test_ctrl_c_says_how_to_quit_in_plain_words(server: DemoServer) -> None:
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await wait_loaded(pilot)
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert app.is_running
        assert "Press q or ctrl+q to quit the app" in messages(app)
        assert not any("[b]" in m for m in messages(app))


async def test_a_narrow_header_keeps_a_short_incomplete_note(server: DemoServer) -> None:
    server.faults.push(Fault(kind="delay", seconds=0.0), Fault(kind="status", status=500))
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await wait_loaded(pilot)
        assert "incomplete: 1/4 failed (HTTP 500)" in header(app)
        caption = app.query_one(Timeline).render().plain.splitlines()
        assert (len(caption) == 3 and "window not loaded" in caption[0]) or "…" in caption[0]
