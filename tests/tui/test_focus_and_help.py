"""Focus and keys: Enter in the export dialog, zoom and back, the help screen and palette,
check boxes that read without colour, the "Filter cleared." note (issue 15: 6, 7, 15, 17)."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Checkbox, RadioSet

from auditui.demo import DemoServer
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.columns import ColumnPicker
from auditui.tui.dialogs.export import ExportDialog, ExportRequest
from auditui.tui.dialogs.help import HelpScreen, KeysTable
from auditui.tui.widgets.checks import Check, CheckList, Choice
from tests.helpers.app import (
    detail,
    idle,
    loaded_app,
    screen_text,
    search_palette,
    settle,
    submit,
    table,
)
from tests.helpers.hosts import NOT_YET, DialogHost

SIZE = (100, 40)

# -- the export dialog: Enter exports from any focus ---------------------------------------


async def test_enter_on_the_format_list_exports_the_picked_format(tmp_path: Path) -> None:
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("tab", "down", "space")  # the format list: JSON
        assert app.dialog.query_one(RadioSet).has_focus
        assert app.dialog.format == "json"
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == ExportRequest(tmp_path / "auditui-events.json", "json", False)


async def test_tab_after_the_format_list_reaches_export_not_cancel(tmp_path: Path) -> None:
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("tab", "down", "down", "space", "tab")
        assert app.dialog.focused is app.dialog.query_one("#export-apply", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == ExportRequest(tmp_path / "auditui-events.csv", "csv", False)


async def test_enter_on_a_focused_cancel_cancels_and_says_so(tmp_path: Path) -> None:
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("tab", "tab", "tab")
        assert app.dialog.focused is app.dialog.query_one("#export-cancel", Button)
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is None
        assert any("nothing was written" in str(n.message) for n in app._notifications)


async def test_enter_on_the_overwrite_box_exports(tmp_path: Path) -> None:
    (tmp_path / "taken.csv").write_text("old")
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"taken.csv", "enter")  # refused: exists
        box = app.dialog.query_one("#export-overwrite", Checkbox)
        assert app.result is NOT_YET and box.has_focus
        await pilot.press("space", "enter")
        await pilot.pause()
        assert app.result == ExportRequest(tmp_path / "taken.csv", "csv", True)


# -- zoom: the focus goes to the payload, and back to the table ---------------------------


async def show_longest_text_payload(app: AuditApp, pilot: Any) -> None:
    """Put the cursor on the event with the longest payload shown as text (not a tree)."""
    sizes = [len(bytes(app.view.event_at(row).payload)) for row in range(len(app.view))]
    for row in sorted(range(len(sizes)), key=sizes.__getitem__, reverse=True):
        table(app).move_cursor(row)
        await settle(pilot)
        if detail(app).mode == "text":
            return
    raise AssertionError("no payload shown as text")


async def test_zoom_focuses_the_payload_and_j_scrolls_it(server: DemoServer) -> None:
    async with loaded_app(server, size=(80, 14)) as (app, pilot):
        await show_longest_text_payload(app, pilot)
        await pilot.press("z")
        await settle(pilot)
        payload = detail(app).query_one("#detail-payload-text")
        assert app.screen.maximized is detail(app)
        assert app.focused is payload
        assert "Narrow to bucket" not in screen_text(app)  # not the hidden timeline's keys
        assert payload.max_scroll_y > 0
        await pilot.press("j", "j")
        await settle(pilot)
        assert payload.scroll_y == 2
        await pilot.press("k")
        await settle(pilot)
        assert payload.scroll_y == 1


@pytest.mark.parametrize("unzoom", ["z", "escape"])
async def test_unzoom_gives_the_focus_back_to_the_table(server: DemoServer, unzoom: str) -> None:
    async with loaded_app(server, size=(80, 24)) as (app, pilot):
        await pilot.press("z")
        await settle(pilot)
        await pilot.press(unzoom)
        await settle(pilot)
        assert app.screen.maximized is None
        assert table(app).has_focus
        await pilot.press("j")
        assert table(app).cursor_row == 1


# -- the help screen and the palette ------------------------------------------------------


async def test_help_lists_shift_tab_and_the_palette_and_scrolls(server: DemoServer) -> None:
    async with loaded_app(server, size=(100, 30)) as (app, pilot):
        rows = {(group, keys) for group, keys, _, _ in app.help_rows()}
        assert ("App", "shift+tab") in rows and ("App", "ctrl+p") in rows
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one(KeysTable)
        assert keys.has_focus and keys.row_count == len(rows)
        text = screen_text(app)
        assert "^p" in text  # the palette key, as the footer writes it
        await pilot.press("end")
        assert keys.cursor_row == keys.row_count - 1
        assert keys.scroll_y == keys.max_scroll_y > 0
        await pilot.press("home")
        assert keys.cursor_row == 0 and keys.scroll_y == 0
        await pilot.press("j", "j", "k", "down")
        assert keys.cursor_row == 2
        await pilot.press("G")
        assert keys.cursor_row == keys.row_count - 1
        await pilot.press("g")
        assert keys.cursor_row == 0


async def test_the_palette_shows_keys_as_typed(server: DemoServer) -> None:
    async with loaded_app(server, size=(100, 30)) as (app, pilot):
        helps = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert helps["App: Filter"].endswith("(/)")
        assert helps["App: Help"].endswith("(?)")
        assert helps["App: Previous pane"].endswith("(shift+tab)")
        assert not any("slash" in text or "question_mark" in text for text in helps.values())
        assert helps["App: palette"].endswith("(^p)")
        results = await search_palette(pilot, "Filter")
        assert results.option_count >= 1


async def test_clearing_the_filter_leaves_the_counter_uncovered(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with loaded_app(server) as (app, pilot):
        told: list[str] = []  # every toast, however short-lived
        notify = app.notify

        def recorded(text: str, **options: Any) -> None:
            told.append(text)
            notify(text, **options)

        monkeypatch.setattr(app, "notify", recorded)
        await submit(pilot, "status:failure")
        assert len(app.view) < len(app.store)
        await pilot.press("ctrl+u")
        await idle(pilot)
        assert len(app.view) == len(app.store)
        assert not any("Filter cleared" in text for text in told)


# -- check boxes, radio buttons and lists read without colour ------------------------------


async def test_the_column_list_shows_ticks_and_the_cursor_in_characters() -> None:
    picker = ColumnPicker(
        ["time", "user"], columns=[("time", "Time"), ("user", "User"), ("ip", "IP")]
    )
    app = DialogHost(picker)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        checks = picker.query_one(CheckList)
        lines = [checks.render_line(y).text for y in range(3)]
        assert lines[0].startswith("›[x] Time")  # the cursor, ticked
        assert lines[1].startswith(" [x] User")
        assert lines[2].startswith(" [ ] IP")  # not ticked: other characters, not a colour
        await pilot.press("down", "down", "space")
        lines = [checks.render_line(y).text for y in range(3)]
        assert lines[1].startswith(" [x] User") and lines[2].startswith("›[x] IP")
        assert picker.chosen() == ("time", "user", "ip")


async def test_export_toggles_show_their_state_in_characters(tmp_path: Path) -> None:
    (tmp_path / "taken.csv").write_text("old")
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dialog = app.dialog
        options = [dialog.query_one(f"#export-{fmt}", Choice) for fmt in ("ndjson", "json", "csv")]
        assert [option.render().plain[:4] for option in options] == [" (•)", " ( )", " ( )"]
        await pilot.press("tab", "down")  # the cursor on JSON, NDJSON still chosen
        assert [option.render().plain[:4] for option in options] == [" (•)", "›( )", " ( )"]
        assert "›( ) JSON array" in screen_text(app)
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k", *"taken.csv")
        assert "›" not in screen_text(app)  # the cursor shows only in the focused list
        box = dialog.query_one("#export-overwrite", Check)
        assert box.render().plain.startswith("[ ] Overwrite")
        box.value = True
        await pilot.pause()
        assert box.render().plain.startswith("[x] Overwrite")


async def test_ticks_read_with_no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    picker = ColumnPicker(["time"], columns=[("time", "Time"), ("user", "User")])
    app = DialogHost(picker)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "›[x] Time" in text and " [ ] User" in text
