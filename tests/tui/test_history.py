"""Back and forward (issue 12): every change of filter, sort or range is a step; Backspace
goes back (filter, sort, range and the selected event restored), shift+Backspace forward;
the header shows the depth (`◀ 3`).

Pilot against the seeded demo server over loopback HTTP: going back to a range still
kept makes no request (the server's request log says so).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from auditui.demo import DemoServer
from auditui.demo.faults import Fault
from auditui.timespec import TimeRange
from auditui.tui import session as session_module
from auditui.tui.app import AuditApp
from tests.helpers.app import (
    END,
    NARROW,
    RANGE,
    bar,
    cursor_uuid,
    header,
    idle,
    loaded_app,
    messages,
    search_palette,
    settle,
    submit,
    table,
    view_uuids,
    wait_for,
    wait_loaded,
)

DAY_BEFORE = TimeRange(END - timedelta(days=2), END - timedelta(days=1))
TWO_DAYS_BEFORE = TimeRange(END - timedelta(days=3), END - timedelta(days=1))  # 2 windows


def depth(app: Any) -> tuple[int, int]:
    place: tuple[int, int] = app.history_flow.depth
    return place


async def select_row(pilot: Any, app: Any, row: int) -> str:
    table(app).focus()
    table(app).move_cursor(row)
    await settle(pilot)
    uuid = cursor_uuid(app)
    assert uuid is not None
    return uuid


async def test_back_and_forward_over_filter_steps_restore_the_selection(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        first = await select_row(pilot, app, 7)
        everything = view_uuids(app)
        await submit(pilot, "status:failure")
        failures = view_uuids(app)
        assert depth(app) == (1, 0) and len(failures) < len(everything)
        second = await select_row(pilot, app, 2)
        await pilot.press("l", "equals_sign")  # pivot on the user of the second event
        await idle(pilot)
        pivoted = app.filter_flow.text
        assert depth(app) == (2, 0) and "◀ 2" in header(app)
        third = await select_row(pilot, app, 0)

        await pilot.press("backspace")
        await idle(pilot)
        assert app.filter_flow.text == "status:failure" == bar(app).value
        assert view_uuids(app) == failures and cursor_uuid(app) == second
        assert depth(app) == (1, 1) and "◀ 1 ▶ 1" in header(app)

        await pilot.press("backspace")
        await idle(pilot)
        assert app.filter_flow.text == "" and view_uuids(app) == everything
        assert cursor_uuid(app) == first
        assert depth(app) == (0, 2) and "▶ 2" in header(app) and "◀" not in header(app)
        await pilot.press("backspace")  # nothing before the first step
        await idle(pilot)
        assert depth(app) == (0, 2) and "Nothing to go back to." in messages(app)

        await pilot.press("shift+backspace", "shift+backspace")
        await idle(pilot)
        assert app.filter_flow.text == pivoted and cursor_uuid(app) == third
        assert depth(app) == (2, 0)


async def test_a_new_step_after_going_back_drops_the_forward_steps(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:failure")
        await submit(pilot, "source:web")
        await pilot.press("backspace", "backspace")
        await idle(pilot)
        assert depth(app) == (0, 2)
        await submit(pilot, "admin")
        assert depth(app) == (1, 0)
        assert [s.place.query for s in app.history_flow.history.steps] == ["", "admin"]


async def test_typing_in_the_bar_is_one_step_and_backspace_there_edits(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"status:failurex")
        await idle(pilot)
        assert depth(app) == (0, 0)  # the table narrowed as typed, no step yet
        await pilot.press("backspace")  # deletes a character, does not go back
        await idle(pilot)
        assert bar(app).value == "status:failure" and bar(app).is_open
        assert app.filter_flow.text == "status:failure"
        assert depth(app) == (0, 0)
        await pilot.press("enter")
        await idle(pilot)
        assert depth(app) == (1, 0)
        assert [s.place.query for s in app.history_flow.history.steps] == ["", "status:failure"]


async def test_closing_the_bar_on_a_changed_query_is_a_step(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press(*"admin")
        await idle(pilot)
        await pilot.press("escape")  # closes the bar, keeping the filter
        await idle(pilot)
        assert depth(app) == (1, 0) and app.filter_flow.text == "admin"
        await pilot.press("escape")  # the bar closed: clears the filter, another step
        await idle(pilot)
        assert depth(app) == (2, 0) and app.filter_flow.text == ""
        await pilot.press("backspace")
        await idle(pilot)
        assert app.filter_flow.text == "admin"


async def test_sort_steps(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        chosen = await select_row(pilot, app, 5)
        await pilot.press("s")
        await idle(pilot)
        sorted_by = (app.view.sort_column, app.view.descending)
        assert sorted_by != ("time", True) and depth(app) == (1, 0)
        await pilot.press("S")
        await idle(pilot)
        assert depth(app) == (2, 0)
        await pilot.press("backspace")
        await idle(pilot)
        assert (app.view.sort_column, app.view.descending) == sorted_by
        await pilot.press("backspace")
        await idle(pilot)
        assert (app.view.sort_column, app.view.descending) == ("time", True)
        assert cursor_uuid(app) == chosen
        assert depth(app) == (0, 2)


async def choose_range(pilot: Any, app: Any, time_range: TimeRange) -> None:
    """What the range dialog (`t`) does with the range picked."""
    app.start_load(time_range, chosen=True)
    await wait_loaded(pilot)


async def test_going_back_to_a_kept_range_fetches_nothing(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:success")
        chosen = await select_row(pilot, app, 4)
        shown = view_uuids(app)
        await choose_range(pilot, app, DAY_BEFORE)
        assert app.time_range == DAY_BEFORE and depth(app) == (2, 0)
        assert app.filter_flow.text == "status:success"  # the filter stays across ranges
        other = await select_row(pilot, app, 1)
        requests = len(server.requests)

        await pilot.press("backspace")
        await idle(pilot)
        assert app.time_range == RANGE and not app.loading
        assert view_uuids(app) == shown and cursor_uuid(app) == chosen
        assert RANGE.label() not in " ".join(messages(app))
        await pilot.press("shift+backspace")
        await idle(pilot)
        assert app.time_range == DAY_BEFORE and cursor_uuid(app) == other
        assert len(server.requests) == requests  # no load either way


async def test_a_range_no_longer_kept_is_loaded_again(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "RESTORE_LIMIT", 10)  # the day's 120 are not kept
    said: list[str] = []  # every toast, also one expired by the time the load ends
    notify = AuditApp.notify

    def recorded(app: AuditApp, message: str, **options: Any) -> None:
        said.append(message)
        notify(app, message, **options)

    monkeypatch.setattr(AuditApp, "notify", recorded)  # before the flows bind it
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:success")
        chosen = await select_row(pilot, app, 3)
        await choose_range(pilot, app, DAY_BEFORE)
        requests = len(server.requests)
        await pilot.press("backspace")
        await wait_loaded(pilot)
        await idle(pilot)
        assert len(server.requests) > requests
        assert any("again" in m for m in said)
        assert app.time_range == RANGE and app.filter_flow.text == "status:success"
        assert cursor_uuid(app) == chosen
        assert depth(app) == (1, 1)


async def test_going_back_selects_the_event_when_its_window_comes_last(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "RESTORE_LIMIT", 10)  # the day's 120 are not kept
    async with loaded_app(server) as (app, pilot):
        chosen = await select_row(pilot, app, table(app).row_count - 1)  # the older window
        await choose_range(pilot, app, DAY_BEFORE)
        # loaded again: the first request the server takes is slow, so one window of the
        # range's 2 comes in well after the other (the cursor's, at times: then it waits)
        server.faults.push(Fault(kind="delay", seconds=1.5))
        await pilot.press("backspace")
        await wait_loaded(pilot)
        await idle(pilot)
        server.faults.clear()
        assert app.time_range == RANGE and cursor_uuid(app) == chosen
        assert depth(app) == (0, 1)


async def test_a_reload_is_not_a_step(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "admin")
        await pilot.press("r")
        await wait_loaded(pilot)
        assert depth(app) == (1, 0)


async def test_a_load_cancelled_with_esc_leaves_no_step(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:success")
        before = view_uuids(app)
        # its newest window answers at once, the other one is slow: Esc once it shows
        server.faults.push(Fault(kind="delay", seconds=0.0), Fault(kind="delay", seconds=3.0))
        app.start_load(TWO_DAYS_BEFORE, chosen=True)
        await wait_for(pilot, lambda: app.time_range == TWO_DAYS_BEFORE, "the first window")
        assert app.loading and depth(app) == (2, 0)
        await pilot.press("escape")
        await idle(pilot)
        server.faults.clear()
        assert app.time_range == RANGE and view_uuids(app) == before
        assert depth(app) == (1, 0) and "◀ 1" in header(app)


async def test_back_during_a_load_to_another_range_cancels_it(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        server.faults.push(Fault(kind="delay", seconds=0.0), Fault(kind="delay", seconds=3.0))
        app.start_load(TWO_DAYS_BEFORE, chosen=True)
        await wait_for(pilot, lambda: app.time_range == TWO_DAYS_BEFORE, "the first window")
        table(app).focus()
        await pilot.press("backspace")
        await idle(pilot)
        server.faults.clear()
        assert not app.loading and app.time_range == RANGE
        assert depth(app) == (0, 0)


async def test_the_narrow_header_keeps_the_depth(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        await submit(pilot, "status:failure")
        await submit(pilot, "admin")
        await submit(pilot, "user:a")
        await pilot.press("backspace")
        await idle(pilot)
        assert "◀ 2 ▶ 1" in header(app)


async def test_back_and_forward_are_listed(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        rows = app.help_rows()
        assert ("App", "backspace", "Back", "app.back") in rows
        assert ("App", "shift+backspace", "Forward", "app.forward") in rows
        results = await search_palette(pilot, "forward")
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any("App: Forward" in prompt for prompt in prompts)
