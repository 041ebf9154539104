"""Issue 15 item 8: the table fits the width there is, its widths hold while filtering, and
the columns and the detail pane's state and size are remembered per profile.

Every App here loads from the demo server over loopback HTTP (`server` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from rich.cells import cell_len

from auditui import paths
from auditui.demo import DemoServer
from auditui.events import get_column
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.columns import ColumnPicker
from auditui.tui.widgets.table.event_table import EventTable
from auditui.tui.widgets.table.layout import fit, header_title, layout
from tests.helpers.app import (
    END,
    at_midday,
    detail,
    loaded_app,
    screen_text,
    served,
    settle,
    table,
    wait_for,
)

SIZES = [(80, 24), (120, 35), (200, 50)]


def check_fits(grid: EventTable) -> None:
    """Every header title whole or ending in "…"; every row as wide as the table, no
    sideways scrolling, and each cell (the last one too) its whole text or cut with "…"."""
    width = grid.scrollable_content_region.width
    assert grid.virtual_size.width == width  # uses the width there is, and no more
    gutter = grid.mark_width  # the mark column, first
    assert gutter + sum(w + 2 for w in grid.column_widths) == width
    header = grid.render_line(0).text
    x = gutter
    for column_id, cell_width in zip(grid.columns, grid.column_widths, strict=True):
        title = header_title(get_column(column_id), grid.utc)
        shown = header[x + 1 : x + 1 + cell_width].rstrip(" ▲▼")
        assert shown.rstrip() == title or (shown.endswith("…") and title.startswith(shown[:-1]))
        x += cell_width + 2
    for y in range(1, min(grid.row_count, grid.scrollable_content_region.height - 1) + 1):
        row = round(grid.scroll_offset.y) + y - 1
        event = grid.view.event_at(row) if grid.view is not None else None
        assert event is not None
        line = grid.render_line(y).text
        assert cell_len(line) == width
        x = gutter
        for column_id, cell_width in zip(grid.columns, grid.column_widths, strict=True):
            cell = line[x : x + cell_width + 2]
            assert cell == f" {fit(get_column(column_id).text(event, grid.tz), cell_width)} "
            x += cell_width + 2


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_every_column_fits_the_screen(server: DemoServer, size: tuple[int, int]) -> None:
    with at_midday():
        async with loaded_app(server, size) as (app, pilot):
            grid = table(app)
            assert grid.columns[-1] == "ip"
            check_fits(grid)
            text = screen_text(app)
            assert "Client IP" in text.split("\n")[1] and "Status" in text
            if size[0] > 80:
                assert "203.0.113.20" in text  # the IP column shows whole addresses
            pane = detail(app)
            if size[0] >= 180:  # side by side: table and pane share the width
                assert grid.outer_size.width + pane.outer_size.width == size[0]
                assert pane.outer_size.width < size[0] // 2
            else:  # the pane below the table, a third of the body: not half the screen
                assert grid.outer_size.width == size[0]
                assert pane.outer_size.height < grid.outer_size.height
            await pilot.press("d")  # no pane: the table takes the whole width
            await settle(pilot)
            assert not pane.display and grid.outer_size.width == size[0]
            check_fits(grid)


def test_layout_shrinks_the_widest_columns_first() -> None:
    widths, offsets = layout([19, 32, 19, 18, 8, 9, 18], 118, floors=[19, 7, 7, 7, 7, 7, 7])
    assert offsets[-1] == 118 and widths[0] == 19  # the time is never cut
    assert widths[4:6] == [8, 9]  # short columns keep their width
    assert widths[1] == max(widths[1:])  # the e-mail gave way, but stays the widest
    widths, offsets = layout([19, 32, 19, 18, 8, 9, 18], 200, floors=[19, 7, 7, 7, 7, 7, 7])
    assert offsets[-1] == 200 and widths[-1] == 18 + 200 - 137  # room: the last stretches


LONG_ACTION = "monitor.notification_channel.update"
EVENTS = [  # 701 events, 2 minutes apart, and only the one in the middle has a long action
    {
        "timestamp": (END - timedelta(minutes=2 * (n + 1))).isoformat(),
        "event_uuid": f"00000000-0000-4000-8000-{n:012d}",
        "action": LONG_ACTION if n == 350 else "user.login",
        "user_email": f"user{n:03d}@acme.com",
        "status": "success",
        "source": "web",
        "client_ip": "10.0.0.1",
        "url": "https://app.datafold.com/api/v1/login",
    }
    for n in range(701)
]


@pytest.fixture
def long_tail() -> Iterator[DemoServer]:
    """A server whose one long action is 350 rows from either end (widths used to come
    from the first 300 rows of the view, then grow with the rows a filter shows)."""
    yield from served(events=EVENTS)


async def test_widths_hold_while_a_filter_is_typed(long_tail: DemoServer) -> None:
    with at_midday():
        async with loaded_app(long_tail, (200, 50)) as (app, pilot):
            grid = table(app)
            before = grid.column_widths
            action = get_column("action")  # measured over the whole store: up to its cap
            assert before[grid.columns.index("action")] == action.max_width < len(LONG_ACTION)
            await pilot.press("slash")
            for key in "action:monitor":  # (the last column takes the scrollbar's cells
                await pilot.press(key)  # when a short view needs no scrollbar)
                await settle(pilot, 1)
                assert grid.column_widths[:-1] == before[:-1], key
            await wait_for(pilot, lambda: len(app.view) == 1, "the filter")
            assert grid.column_widths[:-1] == before[:-1]
            await pilot.press("enter", "ctrl+u")
            await wait_for(pilot, lambda: len(app.view) == 701, "the filter cleared")
            assert grid.column_widths == before


async def choose_columns(pilot: Any, app: AuditApp) -> None:
    """`C`, untick the first column (time), move the second (user) down one, Enter."""
    await pilot.press("C")
    await wait_for(pilot, lambda: isinstance(app.screen, ColumnPicker), "the column picker")
    await settle(pilot)
    await pilot.press("space", "down", "J", "enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ColumnPicker), "the picker closed")
    await settle(pilot)


async def test_a_restart_remembers_columns_and_the_detail_pane(server: DemoServer) -> None:
    with at_midday():
        async with loaded_app(server, (200, 50)) as (app, pilot):
            await choose_columns(pilot, app)
            chosen = table(app).columns
            assert chosen == ("action", "user", "object", "status", "source", "ip")
            width = detail(app).outer_size.width
            await pilot.press("minus", "minus")  # a narrower pane (10% of 200 cells)
            await settle(pilot)
            assert detail(app).outer_size.width == width - 20
            await pilot.press("d")
            await settle(pilot)
            assert not detail(app).display
        assert paths.ui_state_file().stat().st_mode & 0o777 == 0o600
        async with loaded_app(server, (200, 50)) as (app, pilot):
            assert table(app).columns == chosen
            assert not detail(app).display and table(app).outer_size.width == 200
            await pilot.press("d")
            await settle(pilot)
            assert detail(app).outer_size.width == width - 20
            check_fits(table(app))


async def test_remembered_columns_that_no_longer_exist_are_dropped(server: DemoServer) -> None:
    path = paths.ui_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ["user", "gone", "user", "action"]
    path.write_text(json.dumps({"profiles": {"default": {"columns": columns}}}), "utf-8")
    with at_midday():
        async with loaded_app(server, (120, 35)) as (app, _):
            assert table(app).columns == ("user", "action")
            check_fits(table(app))
