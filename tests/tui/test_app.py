"""The whole App against the demo server: launch, cursor, sort, UTC, detail layout, copy."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

import json
from typing import Any

import pytest
from textual.widgets import OptionList

from auditui.demo import DemoServer, generate_events
from auditui.events import get_column
from auditui.tui.widgets.json_tree import JsonTree
from auditui.units import human_bytes
from tests.helpers.app import (
    DAYS,
    END,
    EVENTS_PER_DAY,
    NARROW,
    RANGE,
    WIDE,
    cursor_uuid,
    detail,
    header,
    loaded_app,
    messages,
    screen_lines,
    screen_text,
    settle,
    shown_uuid,
    table,
)


@pytest.fixture(scope="module")
def originals() -> dict[str, dict[str, Any]]:
    """The demo server's events as it generated them, by uuid."""
    events = generate_events(end=END, events_per_day=EVENTS_PER_DAY, days=DAYS)
    return {event["event_uuid"]: event for event in events}


def in_range(originals: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    start, end = RANGE.start.isoformat(), RANGE.end.isoformat()
    stamps = [(e["timestamp"].replace("Z", "+00:00"), e) for e in originals.values()]
    return sorted((e for s, e in stamps if start <= s < end), key=lambda e: e["timestamp"])


# -- 1. launch ------------------------------------------------------------------------------


async def test_launch_shows_header_rows_newest_first_and_detail(
    server: DemoServer, originals: dict[str, dict[str, Any]]
) -> None:
    expected = in_range(originals)
    async with loaded_app(server) as (app, _pilot):
        top = header(app)
        assert "default (demo)" in top and "built-in demo server" in top
        assert "2026-11-25 12:00 → 2026-11-26 12:00 UTC" in top
        assert f"{len(expected)} events" in top and "loading" not in top
        assert table(app).row_count == len(app.store) == len(expected) > 50
        newest = expected[-1]
        assert table(app).cursor_row == 0 and cursor_uuid(app) == newest["event_uuid"]
        assert shown_uuid(app) == newest["event_uuid"]
        text = screen_text(app)
        lines = text.split("\n")
        assert "Time (local) ▼" in lines[1]
        assert newest["timestamp"][:19].replace("T", " ") in lines[2]  # first row
        assert newest["event_uuid"] in text  # the detail pane
        second = expected[-2]["timestamp"][:19].replace("T", " ")
        assert second in lines[3]
        assert server.requests and server.requests[0].headers["authorization"].startswith("Key ")


async def test_narrow_header_keeps_the_counts(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        top = screen_text(app).split("\n")[0]
        assert top.startswith(" auditui  default (demo) · ")
        assert top.endswith(f" · {table(app).row_count} events")  # the host made room
        assert "2026-11-25 12:00 → 2026-11-26 12:00 UTC" in top
        await pilot.resize_terminal(72, 20)
        await settle(pilot)
        top = screen_text(app).split("\n")[0]  # the profile's details go before the range
        assert "(demo)" not in top and "2026-11-25 12:00 → 2026-11-26 12:00 UTC" in top
        assert top.endswith(f" · {table(app).row_count} events")
        await pilot.resize_terminal(60, 20)
        await settle(pilot)
        top = screen_text(app).split("\n")[0]
        assert "11-25 12:00 → 11-26 12:00 UTC" in top and "2026" not in top
        assert top.endswith(f" · {table(app).row_count} events")


# -- 2. cursor keys -------------------------------------------------------------------------


async def test_cursor_keys_move_the_cursor_and_the_detail(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        events = table(app)
        last = events.row_count - 1

        async def at(row: int) -> None:
            await settle(pilot, 2)
            assert events.cursor_row == row
            assert events.cursor_event is not None
            assert events.cursor_event is app.view.event_at(row)
            assert shown_uuid(app) == events.cursor_event.event_uuid

        await pilot.press("j")
        await at(1)
        await pilot.press("down", "down")
        await at(3)
        await pilot.press("k")
        await at(2)
        await pilot.press("up")
        await at(1)
        await pilot.press("pagedown")
        page = events.cursor_row - 1
        assert page > 1
        await at(1 + page)
        await pilot.press("pageup")
        await at(1)
        await pilot.press("G")
        await at(last)
        shown_time = app.view.event_at(last).timestamp.strftime("%Y-%m-%d %H:%M:%S")
        assert shown_time in screen_text(app)  # scrolled to it (local time is UTC)
        await pilot.press("g")
        await at(0)
        await pilot.press("end")
        await at(last)
        await pilot.press("home")
        await at(0)
        await pilot.press("k")  # clamped
        await at(0)


# -- 3. sort --------------------------------------------------------------------------------


async def test_sort_keys_and_header_click_keep_the_selection(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        events = table(app)
        await pilot.press("j", "j", "j")
        chosen = cursor_uuid(app)
        assert "Time (local) ▼" in screen_text(app).split("\n")[1]

        await pilot.press("s")
        await settle(pilot)
        assert (app.view.sort_column, app.view.descending) == ("user", False)
        head = screen_text(app).split("\n")[1]
        assert "User ▲" in head and "▼" not in head
        assert cursor_uuid(app) == chosen and shown_uuid(app) == chosen
        users = [app.view.event_at(i).user_email or "" for i in range(events.row_count)]
        named = [u for u in users if u]
        assert named == sorted(named, key=str.casefold)

        await pilot.press("S")
        await settle(pilot)
        assert (app.view.sort_column, app.view.descending) == ("user", True)
        assert "User ▼" in screen_text(app).split("\n")[1]
        assert cursor_uuid(app) == chosen

        await pilot.press("s")  # next: action
        await settle(pilot)
        assert app.view.sort_column == "action"
        assert "Action ▲" in screen_text(app).split("\n")[1]

        # a click on the Source header cell sorts by it
        source = events.columns.index("source")
        x = events._offsets[source] + 2
        assert await pilot.click(events, offset=(x, 0))
        await settle(pilot)
        assert (app.view.sort_column, app.view.descending) == ("source", False)
        assert "Source ▲" in screen_text(app).split("\n")[1]
        assert cursor_uuid(app) == chosen and shown_uuid(app) == chosen
        assert await pilot.click(events, offset=(x, 0))  # again: reversed
        await settle(pilot)
        assert (app.view.sort_column, app.view.descending) == ("source", True)
        assert cursor_uuid(app) == chosen

        for _ in range(len(events.columns) - events.columns.index("source")):
            await pilot.press("s")  # cycles back round to time
        await settle(pilot)
        assert (app.view.sort_column, app.view.descending) == ("time", True)
        assert cursor_uuid(app) == chosen


# -- 4. UTC ---------------------------------------------------------------------------------


def field_text(app: Any) -> list[str]:
    options = detail(app).query_one("#detail-fields", OptionList).options
    return [str(option.prompt) for option in options]


async def test_u_toggles_utc_in_table_and_detail(server: DemoServer, kolkata: None) -> None:
    async with loaded_app(server) as (app, pilot):
        event = table(app).cursor_event
        assert event is not None
        utc_cell = event.timestamp.strftime("%Y-%m-%d %H:%M:%S")
        local_cell = event.timestamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        assert utc_cell != local_cell  # Kolkata is UTC+05:30
        lines = screen_text(app).split("\n")
        assert "Time (local)" in lines[1] and local_cell in lines[2]
        rows = field_text(app)
        assert rows[0].startswith("timestamp") and "IST (+0530)" in rows[0]
        assert rows[1].lstrip().startswith("(UTC)")

        await pilot.press("u")
        await settle(pilot)
        assert table(app).utc
        lines = screen_text(app).split("\n")
        assert "Time (UTC)" in lines[1] and f"{utc_cell}Z" in lines[2]
        rows = field_text(app)
        assert rows[0].endswith(" UTC") and utc_cell in rows[0]
        assert rows[1].lstrip().startswith("(local)") and "+0530" in rows[1]
        assert "Times in UTC" in messages(app)
        assert shown_uuid(app) == event.event_uuid

        await pilot.press("u")
        await settle(pilot)
        assert not table(app).utc
        assert "Time (local)" in screen_text(app).split("\n")[1]
        assert "IST (+0530)" in field_text(app)[0]


# -- 5. detail pane -------------------------------------------------------------------------


async def test_detail_hide_show_enter_and_zoom(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        body = app.query_one("#body")
        pane = detail(app)
        assert pane.display and pane.region.width > 0
        await pilot.press("d")
        await settle(pilot)
        assert body.has_class("-no-detail") and not pane.display
        assert pane.region.width == 0 and table(app).region.width == WIDE[0]
        await pilot.press("j")  # moving while hidden, then showing, shows the new event
        await pilot.press("d")
        await settle(pilot)
        assert pane.display and shown_uuid(app) == cursor_uuid(app)
        assert cursor_uuid(app) is not None and cursor_uuid(app) in screen_text(app)

        await pilot.press("enter")
        await settle(pilot)
        assert not pane.display
        await pilot.press("enter")
        await settle(pilot)
        assert pane.display

        await pilot.press("z")
        await settle(pilot)
        assert app.screen.maximized is pane
        assert not table(app).display or table(app).region.width == 0
        assert pane.region.width == WIDE[0]
        await pilot.press("z")
        await settle(pilot)
        assert app.screen.maximized is None and table(app).region.width > 0
        await pilot.press("z")
        await settle(pilot)
        assert app.screen.maximized is pane
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.maximized is None
        assert not app._exit and app.screen is app.screen_stack[0]


@pytest.mark.parametrize("size", [NARROW, WIDE])
async def test_detail_below_when_narrow_beside_when_wide(
    server: DemoServer, size: tuple[int, int]
) -> None:
    async with loaded_app(server, size=size) as (app, pilot):
        narrow = size == NARROW
        assert app.query_one("#body").has_class("-narrow") is narrow
        events, pane = table(app).region, detail(app).region
        if narrow:
            assert pane.y >= events.bottom and pane.x == events.x
            assert pane.width == events.width == size[0]
        else:
            assert pane.x >= events.right and pane.y == events.y
            assert pane.height == events.height
        await pilot.press("z")  # maximized: the whole screen but the footer, either way
        await settle(pilot)
        assert detail(app).region == (0, 0, size[0], size[1] - 1)
        await pilot.press("z")
        await pilot.resize_terminal(*(WIDE if narrow else NARROW))
        await settle(pilot)
        assert app.query_one("#body").has_class("-narrow") is not narrow
        events, pane = table(app).region, detail(app).region
        assert (pane.y >= events.bottom) is not narrow and (pane.x >= events.right) is narrow


# -- 6. copy --------------------------------------------------------------------------------


async def test_c_copies_the_event_as_pretty_json(
    server: DemoServer, originals: dict[str, dict[str, Any]]
) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("j")
        uuid = cursor_uuid(app)
        assert uuid is not None
        await pilot.press("c")
        await settle(pilot)
        copied = app.clipboard
        assert copied.startswith("{\n  ") and copied.count("\n") > 10  # pretty
        value = json.loads(copied)
        original = originals[uuid]
        for name, sent in original.items():
            assert value[name] == sent, name
        assert set(value) - set(original) <= {  # absent nullable fields come back as null
            name for name in value if value[name] is None
        }
        assert isinstance(value["payload"], dict | type(None))
        toast = f"Copied event {uuid} as JSON ({human_bytes(len(copied.encode()))})"
        assert toast in messages(app)


async def test_y_copies_the_cell_under_the_cursor(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        # a row whose user is cut short on screen ("…"): the copy is the full text
        rows = [app.view.event_at(i) for i in range(table(app).row_count)]
        row = next(i for i, e in enumerate(rows) if len(e.user_email or "") > 32)
        await pilot.press(*["j"] * row)
        await settle(pilot)
        event = table(app).cursor_event
        assert event is not None and event.user_email is not None
        assert f"{event.user_email[:5]}" in screen_text(app)
        table_lines = [line for line in screen_lines(app) if "since actor" not in line]
        assert all(event.user_email not in line for line in table_lines)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == event.timestamp.isoformat()  # ISO 8601 (local time is UTC)
        assert any(m.startswith("Copied Time (") for m in messages(app))
        await pilot.press("l")
        await pilot.press("y")
        assert app.clipboard == event.user_email
        assert f"Copied User ({len(event.user_email)} B)" in messages(app)
        await pilot.press("l", "l")  # object: "type #id", cut short on screen
        await pilot.press("y")
        assert app.clipboard == get_column("object").text(event) != ""
        await pilot.press("h", "h")
        await pilot.press("y")
        assert app.clipboard == event.user_email


async def test_y_in_the_json_tree_copies_the_node_value(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        # the first event with a non-empty object payload
        rows = [app.view.event_at(i) for i in range(table(app).row_count)]
        row = next(i for i, e in enumerate(rows) if json.loads(bytes(e.payload)))
        await pilot.press(*["j"] * row)
        await settle(pilot)
        assert detail(app).event is rows[row]
        payload = json.loads(bytes(rows[row].payload))
        assert isinstance(payload, dict)
        await pilot.press("tab")  # into the detail pane (its field list)
        await settle(pilot)
        assert detail(app).has_focus_within
        await pilot.press("x")  # the payload as a tree
        await settle(pilot)
        assert detail(app).mode == "tree"
        tree = detail(app).query_one(JsonTree)
        tree.focus()
        await pilot.press("down")  # the first key below the root
        await settle(pilot)
        key, first = next(iter(payload.items()))
        await pilot.press("y")
        await settle(pilot)
        expected = first if isinstance(first, str) else json.dumps(first, indent=2)
        assert app.clipboard == expected
        assert any(m.startswith(f"Copied $.{key} (") for m in messages(app)), messages(app)
