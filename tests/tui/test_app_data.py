"""The App against unusual data and a misbehaving server: hostile text, malformed events,
choosing another range, reloading, load errors and cancelling."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

import json
from datetime import timedelta

from textual.widgets import Input
from textual.widgets._toast import Toast

from auditui.demo import DemoServer, Fault
from auditui.timespec import TimeRange
from auditui.tui.dialogs.range import RangeDialog
from tests.helpers.app import (
    END,
    NARROW,
    RANGE,
    at_midday,
    cursor_uuid,
    demo_server,
    event_dict,
    header,
    loaded_app,
    messages,
    screen_text,
    settle,
    shown_uuid,
    table,
    toast_texts,
    wait_for,
    wait_loaded,
)

MARKUP = "[bold]x[/]"
CLICK = "[@click=app.quit]"
CLEAR = "\x1b[2J"
OSC52 = "\x1b]52;c;ZXZpbA==\x07"
RLO = "\u202e"
CJK = "監査ログ"


make_event = event_dict


HALF_DAY = TimeRange(END - timedelta(hours=12), END)
"""Within one day window: one request."""


def requested_range(body: bytes) -> tuple[str, str]:
    value = json.loads(body)
    return value["start_date"], value["end_date"]


# -- 7. hostile data ------------------------------------------------------------------------


HOSTILE_EVENT = make_event(
    1,
    event_uuid=f"e1-{MARKUP}{CLICK}{CLEAR}",
    user_email=f"{MARKUP}{CJK}@example.com",
    action=f"{CLICK}quit",
    user_agent=f"agent {CLEAR}{OSC52}{RLO}evil",
    payload={"note": f"{RLO}evil {CJK}", MARKUP: CLICK, "ansi": OSC52},
)


async def test_hostile_text_is_shown_literally_and_copied_inert() -> None:
    with demo_server([HOSTILE_EVENT, make_event(2), make_event(3)]) as hostile:
        async with loaded_app(hostile, notifications=True) as (app, pilot):
            assert cursor_uuid(app) == HOSTILE_EVENT["event_uuid"]
            text = screen_text(app)
            assert f"{MARKUP}{CJK}@example.com" in text  # table and detail
            assert f"{CLICK}quit" in text
            assert "agent \\x1b[2J\\x1b]52;c;ZXZpbA==\\x07\\u202eevil" in text  # detail field
            assert "\\u202eevil" in text and CJK in text
            assert "\x1b" not in text and RLO not in text
            # clicking the would-be link in the table does not quit
            action = table(app).columns.index("action")
            await pilot.click(table(app), offset=(table(app)._offsets[action] + 2, 1))
            await settle(pilot)
            assert app.is_running and not app._exit

            await pilot.press("c")
            await settle(pilot)
            copied = app.clipboard
            assert not any(ord(ch) < 0x20 and ch != "\n" for ch in copied)
            assert "\x7f" not in copied and RLO not in copied
            assert "\\u001b[2J" in copied and "\\u202e" in copied
            value = json.loads(copied)
            for name in ("event_uuid", "user_email", "action", "user_agent", "payload"):
                assert value[name] == HOSTILE_EVENT[name], name
            # the toast names the event literally (escaped, and not as markup)
            shown = [t for t in toast_texts(app) if t.startswith("Copied event")]
            assert shown and f"Copied event e1-{MARKUP}{CLICK}\\x1b[2J as JSON" in shown[-1]
            toast = app.screen.query_one(Toast)
            await pilot.click(toast, offset=(toast.size.width // 2, 1))  # on the would-be link
            await settle(pilot)
            assert app.is_running and not app._exit

            await pilot.press("h")  # from the clicked action cell to the user cell
            assert table(app).current_column == "user"
            await pilot.press("y")
            assert app.clipboard == HOSTILE_EVENT["user_email"]
            assert f"Copied User ({len(app.clipboard.encode())} B)" in messages(app)
            assert app.is_running and not app._exit


# -- 8. malformed events --------------------------------------------------------------------


async def test_events_without_timestamp_are_skipped_with_a_warning() -> None:
    good = [make_event(n) for n in range(1, 6)]
    bad = [{k: v for k, v in make_event(n).items() if k != "timestamp"} for n in (7, 8, 9)]
    with demo_server([*good, *bad]) as mixed:
        async with loaded_app(mixed, notifications=True, time_range=HALF_DAY) as (app, _pilot):
            assert "5 events · 3 skipped" in header(app)
            assert "3 malformed events skipped" in messages(app)
            assert [app.view.event_at(i).event_uuid for i in range(5)] == [
                "e1",
                "e2",
                "e3",
                "e4",
                "e5",
            ]
            assert "3 malformed events skipped" in screen_text(app)


# -- 9. range dialog ------------------------------------------------------------------------


@at_midday()
async def test_range_dialog_preset_loads_that_range(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        before = len(server.requests)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, RangeDialog)
        await pilot.press("2")  # the 1h preset (1: 15m, 2: 1h, ... see dialogs/range.py)
        await settle(pilot)
        assert not isinstance(app.screen, RangeDialog)
        await wait_loaded(pilot)
        assert app.time_range.duration == timedelta(hours=1)
        assert app.time_range != RANGE
        assert app.time_range.label() in header(app) and RANGE.label() not in header(app)
        new = server.requests[before:]
        assert len(new) == 1
        start, end = requested_range(new[0].body)
        assert (start, end) == (
            app.time_range.start.isoformat().replace("+00:00", "Z"),
            app.time_range.end.isoformat().replace("+00:00", "Z"),
        )
        # the demo data ends at END (in the past): nothing in the last hour
        assert "0 events" in header(app) and table(app).row_count == 0
        assert app.since == "3600s"
        await pilot.press("c")  # nothing to copy
        await settle(pilot)
        assert app.clipboard == "" and "No event selected." in messages(app)


async def test_range_dialog_escape_cancels(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        before, rows = len(server.requests), table(app).row_count
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, RangeDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RangeDialog) and len(app.screen_stack) == 1
        assert not app.loading and "loading" not in header(app)
        assert len(server.requests) == before and app.time_range == RANGE
        assert table(app).row_count == rows and app.is_running


async def test_range_dialog_custom_range(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("tab")  # into From
        dialog = app.screen
        assert isinstance(dialog, RangeDialog)
        dialog.query_one("#range-from", Input).value = "2026-11-24T00:00Z"
        dialog.query_one("#range-to", Input).value = "2026-11-24T06:00Z"
        await settle(pilot)
        dialog.query_one("#range-from", Input).focus()
        await pilot.press("enter")
        await wait_loaded(pilot)
        assert app.time_range == TimeRange(
            END - timedelta(days=2, hours=12), END - timedelta(days=2, hours=6)
        )
        assert "2026-11-24 00:00 → 2026-11-24 06:00 UTC" in header(app)
        assert app.since is None
        stamps = [app.view.event_at(i).timestamp for i in range(table(app).row_count)]
        assert stamps and all(app.time_range.contains(stamp) for stamp in stamps)


# -- 10. reload -----------------------------------------------------------------------------


async def test_r_reloads_and_keeps_the_selection(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        await pilot.press("j", "j", "j", "j")
        chosen = cursor_uuid(app)
        first = app.view.event_at(0)
        before = len(server.requests)
        await pilot.press("r")
        await wait_loaded(pilot)
        assert len(server.requests) > before
        assert {requested_range(r.body) for r in server.requests[before:]} == {
            requested_range(r.body) for r in server.requests[:before]
        }
        assert app.view.event_at(0) is not first  # new objects, same data
        assert app.view.event_at(0).event_uuid == first.event_uuid
        assert cursor_uuid(app) == chosen and shown_uuid(app) == chosen
        assert table(app).cursor_row == 4


# -- 11. loading errors ---------------------------------------------------------------------


async def test_server_error_toasts_and_keeps_the_events(server: DemoServer) -> None:
    async with loaded_app(server, notifications=True) as (app, pilot):
        rows, chosen = table(app).row_count, cursor_uuid(app)
        count = f"{rows} events"
        server.faults.push(Fault(kind="status", status=500, repeat=10))
        await pilot.press("r")
        await wait_loaded(pilot)
        errors = [n for n in app._notifications if "answered HTTP 500" in n.message]
        assert len(errors) == 1, messages(app)
        message = str(errors[0].message)
        assert "\n" not in message
        assert errors[0].title == "Window failed"
        assert table(app).row_count == rows and cursor_uuid(app) == chosen
        assert count in header(app) and "loading" not in header(app)
        assert "Window failed" in screen_text(app) and "HTTP 500" in screen_text(app)


async def test_escape_cancels_a_slow_load(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        rows, first = table(app).row_count, app.view.event_at(0)
        server.faults.push(Fault(kind="delay", seconds=3.0, repeat=4))
        await pilot.press("r")
        await wait_for(pilot, lambda: "loading" in header(app), "the loading header")
        assert app.query_one("#progress").has_class("-active")
        await pilot.press("escape")
        await settle(pilot)
        assert not app.loading and "loading" not in header(app)
        assert not app.query_one("#progress").has_class("-active")
        assert "Load cancelled; the events on screen are unchanged." in messages(app)
        assert table(app).row_count == rows and app.view.event_at(0) is first
        assert app.is_running and len(app.screen_stack) == 1
        server.faults.clear()


@at_midday()
async def test_a_new_load_replaces_a_running_one(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        rows = table(app).row_count
        # slow: the reload's 2 windows, then the 1h load's one (slow enough that a busy
        # machine's settling cannot outlast it)
        server.faults.push(Fault(kind="delay", seconds=3.0, repeat=3))
        await pilot.press("r")
        await wait_for(pilot, lambda: len(server.faults) == 1, "the slow requests")
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("2")  # 1h: replaces the reload, whose cancellation follows
        await settle(pilot, 5)
        assert app.loading and "loading…" in header(app)  # still: the 1h load is running
        await wait_loaded(pilot)
        assert app.time_range.duration == timedelta(hours=1)  # the reload did not win
        assert table(app).row_count == 0 and rows > 0
        # and Esc still reaches a load that replaced another
        server.faults.push(Fault(kind="delay", seconds=2.0, repeat=4))
        await pilot.press("r")
        await pilot.press("r")
        await settle(pilot, 5)
        assert app.loading and "loading…" in header(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not app.loading and "loading" not in header(app)
        assert "Load cancelled; the events on screen are unchanged." in messages(app)
        server.faults.clear()
