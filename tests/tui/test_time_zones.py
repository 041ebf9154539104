"""Time zones in the browser: a configured zone (config `timezone` / `--tz`), `u` cycling
UTC → local → configured, the header, table, detail pane and timeline following it, the
range dialog reading typed times in it, and the `ago` column and its refresh.

Local time is Asia/Kolkata (UTC+05:30, the `kolkata` fixture); the configured zone is
Europe/Berlin, UTC+01:00 in the demo data's November.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from msgspec.structs import replace
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from auditui.demo import DemoServer
from auditui.timespec import TimeRange
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.range import RangeDialog
from auditui.tui.screens.actor import ActorScreen
from auditui.tui.widgets.actor_table import ActorTable
from auditui.tui.widgets.status_bar import HeaderInfo, header_text, range_label
from auditui.tui.widgets.timeline import Timeline
from tests.helpers.app import (
    RANGE,
    WIDE,
    detail,
    header,
    make_connection,
    messages,
    settle,
    table,
    wait_for,
    wait_loaded,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOVEMBER = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)  # after the demo data ends


@asynccontextmanager
async def zoned_app(
    server: DemoServer, timezone: str | None = "Europe/Berlin", *, pin: bool = True
) -> AsyncIterator[tuple[AuditApp, Pilot[Any]]]:
    """The App on the demo server with the profile's `timezone` set (as config or --tz).

    `pin`: the clock runs from a November noon, so labels naming the offset "now" read
    Berlin's winter time whatever the date the suite runs on (a timestamp, not an aware
    datetime: time-machine would make local time UTC, hiding the `kolkata` fixture).
    """
    connection = make_connection(server)
    connection = replace(connection, profile=replace(connection.profile, timezone=timezone))
    app = AuditApp(connection, RANGE)
    with time_machine.travel(NOVEMBER.timestamp(), tick=True) if pin else nullcontext():
        async with app.run_test(size=WIDE) as pilot:
            await wait_loaded(pilot)
            yield app, pilot


def table_lines(app: AuditApp, count: int = 3) -> list[str]:
    grid = table(app)
    return [grid.render_line(y).text for y in range(count)]


def field_text(app: AuditApp) -> list[str]:
    options = detail(app).query_one("#detail-fields", OptionList).options
    return [str(option.prompt) for option in options]


async def press(pilot: Pilot[Any], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def test_times_open_in_the_configured_zone(server: DemoServer, kolkata: None) -> None:
    async with zoned_app(server) as (app, _pilot):
        grid = table(app)
        assert grid.zone_choice == "configured" and grid.tz is BERLIN
        event = grid.cursor_event
        assert event is not None
        cell = event.timestamp.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S")
        head, row = table_lines(app, 2)
        assert "Time (Berlin)" in head and cell in row
        assert "2026-11-25 13:00 → 2026-11-26 13:00 Europe/Berlin UTC+01:00" in header(app)
        rows = field_text(app)
        assert rows[0].startswith("timestamp") and "Europe/Berlin (+0100)" in rows[0]
        assert rows[1].lstrip().startswith("(UTC)")
        timeline = app.query_one(Timeline)
        assert timeline.zone is BERLIN and not timeline.utc
        assert "(Europe/Berlin)" in timeline.caption()
        assert not [text for text in messages(app) if text.startswith("Times in")]  # no toast


async def test_u_cycles_utc_local_configured(server: DemoServer, kolkata: None) -> None:
    async with zoned_app(server) as (app, pilot):
        event = table(app).cursor_event
        assert event is not None
        stamp = event.timestamp

        await press(pilot, "u")  # configured → UTC
        assert table(app).zone_choice == "utc"
        head, row = table_lines(app, 2)
        assert "Time (UTC)" in head and stamp.strftime("%Y-%m-%d %H:%M:%SZ") in row
        assert "2026-11-25 12:00 → 2026-11-26 12:00 UTC ·" in header(app)
        assert field_text(app)[0].endswith(" UTC")
        assert app.query_one(Timeline).utc
        assert "Times in UTC" in messages(app)

        await press(pilot, "u")  # UTC → local
        assert table(app).zone_choice == "local"
        head, row = table_lines(app, 2)
        assert "Time (local)" in head
        assert stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S") in row
        assert "2026-11-26 17:30 UTC+05:30" in header(app) and "Europe" not in header(app)
        assert "IST (+0530)" in field_text(app)[0]
        timeline = app.query_one(Timeline)
        assert not timeline.utc and timeline.zone is None
        assert "Times in local time (UTC+05:30)" in messages(app)

        await press(pilot, "u")  # local → configured
        assert table(app).zone_choice == "configured"
        assert stamp.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M:%S") in table_lines(app, 2)[1]
        assert "Europe/Berlin UTC+01:00" in header(app)
        assert "Times in Europe/Berlin (UTC+01:00)" in messages(app)
        assert app.query_one(Timeline).zone is BERLIN


async def test_without_a_zone_u_toggles_local_and_utc(server: DemoServer, kolkata: None) -> None:
    async with zoned_app(server, timezone=None) as (app, pilot):
        assert table(app).zone_choice == "local"
        await press(pilot, "u")
        assert table(app).zone_choice == "utc"
        await press(pilot, "u")
        assert table(app).zone_choice == "local"


async def test_a_configured_utc_zone_opens_in_utc(server: DemoServer, kolkata: None) -> None:
    async with zoned_app(server, timezone="Etc/UTC") as (app, pilot):
        assert table(app).zone_choice == "utc"
        await press(pilot, "u")
        assert table(app).zone_choice == "local"
        await press(pilot, "u")
        assert table(app).zone_choice == "utc"  # UTC is not offered twice


async def test_the_range_dialog_reads_and_shows_times_in_the_zone(
    server: DemoServer, kolkata: None
) -> None:
    async with zoned_app(server) as (app, pilot):
        await press(pilot, "t")
        dialog = app.screen
        assert isinstance(dialog, RangeDialog)
        start = dialog.query_one("#range-from", Input)
        assert start.value == "2026-11-25T13:00:00+01:00"  # RANGE starts 12:00 UTC
        assert "Europe/Berlin (UTC+01:00)" in str(dialog.query_one("#range-title").render())
        start.value = "2026-11-25T10:00"
        dialog.query_one("#range-to", Input).value = "2026-11-25"  # the end of that day
        await settle(pilot)
        resolved = dialog.resolve()
        assert resolved.start == datetime(2026, 11, 25, 9, tzinfo=UTC)
        assert resolved.end == datetime(2026, 11, 25, 23, tzinfo=UTC)
        dialog.query_one("#range-to", Input).value = "2026-03-30"  # across the DST change
        start.value = "2026-03-28"
        await settle(pilot)
        preview = str(dialog.query_one("#range-preview").render())
        assert "  in Europe/Berlin (UTC+01:00 → UTC+02:00)" in preview
        assert "2026-03-27T23:00:00Z → 2026-03-30T22:00:00Z  (UTC)" in preview
        start.value = "2026-11-25T10:00"
        dialog.query_one("#range-to", Input).value = "2026-11-25"
        await settle(pilot)
        preview = str(dialog.query_one("#range-preview").render())
        assert "2026-11-25 10:00:00 → 2026-11-26 00:00:00  in Europe/Berlin (UTC+01:00)" in preview
        assert "2026-11-25T09:00:00Z → 2026-11-25T23:00:00Z  (UTC)" in preview
        await press(pilot, "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, RangeDialog), "the dialog")
        assert app.time_range == resolved


async def test_the_range_dialog_reads_local_times_when_the_table_shows_local(
    server: DemoServer, kolkata: None
) -> None:
    async with zoned_app(server, timezone=None) as (app, pilot):
        await press(pilot, "t")
        dialog = app.screen
        assert isinstance(dialog, RangeDialog)
        start = dialog.query_one("#range-from", Input)
        assert start.value == "2026-11-25T17:30:00+05:30"
        start.value = "2026-11-25T17:30"
        await settle(pilot)
        assert dialog.resolve().start == datetime(2026, 11, 25, 12, tzinfo=UTC)


async def test_the_ago_column_and_its_refresh(server: DemoServer) -> None:
    moment = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # where the demo data ends
    with time_machine.travel(moment, tick=False) as traveller:
        async with zoned_app(server, timezone=None, pin=False) as (app, pilot):
            grid = table(app)
            grid.columns = ("time", "ago", "action")
            await settle(pilot)
            event = grid.cursor_event  # the newest event (time, descending)
            second = app.view.event_at(1)  # the row under it (not the cursor's: cached)
            assert event is not None
            minutes = int((moment - second.timestamp).total_seconds()) // 60
            assert 1 <= minutes < 60  # the seeded data: its newest events are minutes old
            head, _, row = table_lines(app, 3)
            assert "Ago" in head and f"{minutes} min ago" in row

            traveller.shift(timedelta(hours=3))
            assert f"{minutes} min ago" in table_lines(app, 3)[2]  # drawn, until the refresh
            app.zone_flow.tick()  # what the interval runs every 30 s
            await settle(pilot)
            assert "3 h ago" in table_lines(app, 3)[2]

            grid.sort_by("ago")  # sorts like the time: newest first
            await settle(pilot)
            assert (app.view.sort_column, app.view.descending) == ("ago", True)
            assert grid.cursor_event is not None
            assert grid.cursor_event.timestamp == event.timestamp


async def test_the_actor_view_follows_the_configured_zone(
    server: DemoServer, kolkata: None
) -> None:
    async with zoned_app(server) as (app, pilot):
        await pilot.press("a")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ActorScreen) and app.screen.actor is not None,
            "the actor view",
        )
        await settle(pilot)
        rows = app.screen.query_one(ActorTable)
        assert rows.tz is BERLIN
        assert "Time (Berlin" in rows.render_line(0).text
        title = str(app.screen.query_one("#actor-title").render())
        assert "first seen looked back to 2026-11-25 13:00:00" in title  # 12:00 UTC


def test_the_header_range_names_the_zone_and_each_offset_across_dst() -> None:
    spring = TimeRange(datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 30, 12, tzinfo=UTC))
    assert range_label(spring, utc=False, zone=BERLIN) == (
        "2026-03-28 13:00 UTC+01:00 → 2026-03-30 14:00 UTC+02:00 Europe/Berlin"
    )
    assert range_label(spring, utc=True, zone=BERLIN).endswith("12:00 UTC")  # UTC wins
    assert range_label(spring, utc=False, zone=BERLIN, form="tiny") == (
        "03-28 13:00+01:00→03-30 14:00+02:00"
    )
    info = HeaderInfo("default", "h", RANGE, total=3, utc=False, zone=BERLIN)
    assert (
        "2026-11-25 13:00 → 2026-11-26 13:00 Europe/Berlin UTC+01:00"
        in header_text(info, 200).plain
    )


async def test_u_works_from_any_pane(server: DemoServer, kolkata: None) -> None:
    async with zoned_app(server) as (app, pilot):
        detail(app).query_one("#detail-fields").focus()  # not the table
        await settle(pilot)
        assert not table(app).has_focus
        before = table(app).zone_choice
        await press(pilot, "u")
        assert table(app).zone_choice != before
        assert not table(app).has_focus  # the focus stays where it was
