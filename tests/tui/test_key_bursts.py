"""Keys that arrive in one burst (SSH, a paste into the terminal) reach the input or dialog
the earlier keys opened, in order (`auditui/tui/key_order.py`).

Pilot waits for the App to be idle after every key, which hides the defect: a burst is
posted here as the terminal driver does, every key event queued before the App handles
the first one.
"""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable"

from __future__ import annotations

from typing import Any

from textual import events
from textual.command import CommandPalette
from textual.widgets import Input

from auditui.demo import DemoServer
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.export import ExportDialog
from auditui.tui.dialogs.range import RangeDialog
from tests.helpers.app import at_midday, bar, idle, loaded_app, table, wait_for

_NAMES = {"/": "slash", ":": "colon", " ": "space", "-": "minus", ".": "full_stop"}


def burst(app: AuditApp, *keys: str) -> None:
    """Queue every key at once, as a terminal read of several bytes does.

    One character stands for itself; longer names (`tab`, `enter`, `ctrl+u`) are keys.
    """
    for key in keys:
        if len(key) == 1:
            app.post_message(events.Key(_NAMES.get(key, key), key))
        else:
            app.post_message(events.Key(key, "\r" if key == "enter" else None))


async def settled(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.key_order.waiting == 0, "the held keys")
    await idle(pilot)


async def test_a_query_typed_in_one_burst_reaches_the_filter_bar(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        utc = table(app).utc
        order = (app.view.sort_column, app.view.descending)
        burst(app, *"/status:failure")
        await settled(pilot)
        assert bar(app).is_open and bar(app).input.has_focus
        assert bar(app).value == "status:failure"
        # none of the letters went to the table or the App: no sort, no range dialog, no UTC
        assert not isinstance(app.screen, RangeDialog)
        assert table(app).utc == utc
        assert (app.view.sort_column, app.view.descending) == order


async def test_enter_in_a_burst_applies_and_the_next_keys_move_the_table(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        burst(app, *"/status:failure", "enter", "j", "j")
        await settled(pilot)
        assert not bar(app).is_open
        assert app.filter_flow.active
        assert len(app.view) < len(app.store)
        assert table(app).has_focus
        assert table(app).cursor_row == 2


async def test_a_paste_after_slash_reaches_the_bar(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        burst(app, "/")
        app.post_message(events.Paste("user:alice"))
        await settled(pilot)
        assert bar(app).value == "user:alice"


async def test_tab_and_text_in_the_range_dialog_reach_the_from_input(
    server: DemoServer,
) -> None:
    with at_midday():
        async with loaded_app(server) as (app, pilot):
            burst(app, "t", "tab", "ctrl+a", "ctrl+k", *"today")
            await settled(pilot)
            assert isinstance(app.screen, RangeDialog)
            from_input = app.screen.query_one("#range-from", Input)
            assert from_input.has_focus
            assert from_input.value == "today"


async def test_esc_right_after_t_closes_the_range_dialog_cleanly(server: DemoServer) -> None:
    """Once a dialog was dismissed by a queued Esc before it had mounted (`NoMatches:
    '#range-error'` from its `on_mount`)."""
    async with loaded_app(server) as (app, pilot):
        burst(app, "t", "escape", "j")
        await settled(pilot)
        assert not isinstance(app.screen, RangeDialog)
        assert table(app).has_focus
        assert table(app).cursor_row == 1
        assert app.return_code is None  # no exception ended the app


async def test_text_after_e_reaches_the_export_path(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        burst(app, "e", "ctrl+a", "ctrl+k", *"out.csv")
        await settled(pilot)
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.path_text == "out.csv"
        assert app.screen.format == "csv"


async def test_text_after_ctrl_p_reaches_the_palette(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        burst(app, "ctrl+p", *"zoom")
        await settled(pilot)
        assert isinstance(app.screen, CommandPalette)
        assert app.screen.query_one(Input).value == "zoom"
