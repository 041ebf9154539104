"""The App's other surfaces: help, command palette, column picker, pager/editor hand-off,
the config keymap, the remembered theme and quitting."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, SelectionList

from auditui import memory
from auditui.config.state import load_ui_state
from auditui.demo import DemoServer, Fault
from auditui.errors import AudituiError
from auditui.paths import ui_state_file
from auditui.tui.actions import APP_ACTIONS
from auditui.tui.dialogs.columns import ColumnPicker
from auditui.tui.dialogs.help import HelpScreen, display_keys
from auditui.tui.handoff import run_on_temp_file
from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.facets import FacetsPanel
from auditui.tui.widgets.filter_bar import QueryInput
from auditui.tui.widgets.find_bar import FindInput
from auditui.tui.widgets.table.event_table import EventTable
from auditui.tui.widgets.timeline import Timeline
from tests.helpers.app import (
    NARROW,
    cursor_uuid,
    loaded_app,
    messages,
    screen_text,
    search_palette,
    settle,
    table,
    toast_texts,
    wait_for,
)


def binding_ids() -> list[str]:
    ids = [action.id for action in APP_ACTIONS]
    for widget in (EventTable, DetailPane, QueryInput, FacetsPanel, Timeline, FindInput):
        ids += [binding.id for binding in widget.BINDINGS if binding.id]  # type: ignore[union-attr]
    return ids


# -- 14. help and command palette -----------------------------------------------------------


async def test_help_lists_every_binding_with_its_id(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        grid = app.screen.query_one("#help-table", DataTable)
        rows = [[cell.plain for cell in grid.get_row_at(i)] for i in range(grid.row_count)]
        ids = [row[3] for row in rows]
        assert sorted(ids) == sorted(binding_ids())
        assert ["App", "c", "Copy", "app.copy_event"] in rows
        assert ["Table", "s", "Sort", "table.sort_next"] in rows
        assert ["Table", display_keys("down,j"), "Down", "table.cursor_down"] in rows
        assert ["App", "?", "Help", "app.help"] in rows
        assert "app.copy_event" in screen_text(app)
        grid.move_cursor(row=ids.index("table.sort_next"))  # rows below the fold scroll in
        await settle(pilot)
        assert "table.sort_next" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.screen_stack) == 1 and app.is_running


async def test_command_palette_finds_and_runs_app_commands(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("j")
        uuid = cursor_uuid(app)
        results = await search_palette(pilot, "copy", at_least=2)
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any("App: Copy" in prompt for prompt in prompts), prompts
        assert any("App: Copy value" in prompt for prompt in prompts), prompts
        assert "App: Copy" in screen_text(app)
        # run the first match, "App: Copy": the highlighted event as JSON
        assert "App: Copy" in prompts[0] and "value" not in prompts[0]
        assert results.highlighted == 0
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), "closing")
        await wait_for(pilot, lambda: bool(app.clipboard), "the copy")
        assert json.loads(app.clipboard)["event_uuid"] == uuid


async def test_every_binding_is_a_palette_command(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        wanted = {f"App: {a.title}" for a in APP_ACTIONS} | {
            f"{group}: {binding.description}"  # type: ignore[union-attr]
            for group, widget in (("Table", EventTable), ("Detail", DetailPane))
            for binding in widget.BINDINGS
        }
        assert wanted <= set(commands), wanted - set(commands)
        assert "(c)" in commands["App: Copy"].help
        # table commands act on the table, even from the palette
        results = await search_palette(pilot, "table: last")
        assert results.highlighted == 0
        assert str(results.get_option_at_index(0).prompt).startswith("Table: Last")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), "closing")
        await settle(pilot)
        assert table(app).cursor_row == table(app).row_count - 1


# -- 15. column picker ----------------------------------------------------------------------


async def test_column_picker_hides_a_column(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        before = table(app).columns
        assert before == ("time", "user", "action", "object", "status", "source", "ip")
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ColumnPicker)
        choices = app.screen.query_one("#columns-list", SelectionList)
        assert choices.has_focus and choices.highlighted == 0
        await pilot.press(*["down"] * before.index("source"), "space")
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ColumnPicker)
        assert table(app).columns == ("time", "user", "action", "object", "status", "ip")
        head = screen_text(app).split("\n")[1]
        assert "Source" not in head and "Client IP" in head
        await pilot.press("C")
        await settle(pilot)
        await pilot.press("escape")  # cancel: nothing changes
        await settle(pilot)
        assert table(app).columns == ("time", "user", "action", "object", "status", "ip")


# -- 16. pager / editor ---------------------------------------------------------------------


@pytest.mark.parametrize("key", ["o", "O"])
async def test_pager_and_editor_in_headless_mode_say_so(server: DemoServer, key: str) -> None:
    async with loaded_app(server, size=NARROW, notifications=True) as (app, pilot):
        await pilot.press(key)
        await settle(pilot)
        assert app.is_running and len(app.screen_stack) == 1
        errors = [n for n in app._notifications if n.severity == "error"]
        assert [str(n.message) for n in errors] == [
            "This terminal cannot hand over to another program."
        ]
        assert "This terminal cannot hand over to another program." in toast_texts(app)


def test_run_on_temp_file_hands_a_private_file_to_the_program(tmp_path: Path) -> None:
    out, info = tmp_path / "copy.json", tmp_path / "info.json"
    script = (
        "import json, os, shutil, sys\n"
        "path = sys.argv[1]\n"
        f"shutil.copy(path, {str(out)!r})\n"
        "mode = os.stat(path).st_mode & 0o777\n"
        f"open({str(info)!r}, 'w').write(json.dumps({{'path': path, 'mode': mode}}))\n"
        "sys.exit(3)\n"
    )
    text = '{\n  "a": "\\u001b[2J \u76e3\u67fb"\n}\n'
    code = run_on_temp_file([sys.executable, "-c", script], text)
    assert code == 3
    assert out.read_text(encoding="utf-8") == text
    seen = json.loads(info.read_text(encoding="utf-8"))
    assert seen["mode"] == 0o600
    assert seen["path"].endswith(".json") and os.path.basename(seen["path"]).startswith("auditui-")
    assert not Path(seen["path"]).exists()  # removed afterwards


def test_run_on_temp_file_missing_program_is_a_clear_error() -> None:
    with pytest.raises(AudituiError, match="not found"):
        run_on_temp_file(["auditui-no-such-pager-xyz"], "{}")


# -- 17. keymap -----------------------------------------------------------------------------


async def test_config_keymap_remaps_bindings(server: DemoServer) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "auditui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[keymap]\n"app.copy_event" = "ctrl+y"\n"table.sort_next" = "f6"\n')
    async with loaded_app(server) as (app, pilot):
        await pilot.press("c")  # no longer bound
        await settle(pilot)
        assert app.clipboard == ""
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert json.loads(app.clipboard)["event_uuid"] == cursor_uuid(app)
        await pilot.press("f6")
        await settle(pilot)
        assert app.view.sort_column == "user"
        rows = {row[3]: row[1] for row in app.help_rows()}
        assert rows["app.copy_event"] == "ctrl+y" and rows["table.sort_next"] == "f6"
        await pilot.press("question_mark")
        await settle(pilot)
        assert "^y" in screen_text(app)


# -- 18. theme ------------------------------------------------------------------------------


async def test_theme_is_remembered_for_the_next_start(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        assert app.theme != "nord"
        app.theme = "nord"
        await settle(pilot)
        assert load_ui_state()["theme"] == "nord"
        assert stat.S_IMODE(ui_state_file().stat().st_mode) == 0o600
    async with loaded_app(server, size=NARROW) as (again, pilot):
        assert again.theme == "nord"


async def test_a_damaged_state_file_does_not_stop_the_app(server: DemoServer) -> None:
    path = ui_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("not json", encoding="utf-8")
    async with loaded_app(server, size=NARROW) as (app, pilot):
        assert table(app).row_count > 0
        app.theme = "nord"
        await settle(pilot)
        assert load_ui_state() == {"theme": "nord"}  # replaced


# -- 19. quit -------------------------------------------------------------------------------


async def test_q_quits(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running
    assert app.return_code == 0


async def test_q_quits_during_a_load(server: DemoServer) -> None:
    async with loaded_app(server, size=NARROW) as (app, pilot):
        server.faults.push(Fault(kind="delay", seconds=2.0, repeat=4))
        await pilot.press("r")
        await wait_for(pilot, lambda: app.loading, "the load to start")
        await pilot.press("q")
        await settle(pilot)
        assert not app.is_running
    assert app.return_code == 0
    assert not [m for m in messages(app) if "failed" in m.lower()]
    server.faults.clear()


async def test_the_mmap_threshold_is_set_once_the_app_is_up(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # auditui/memory.py: RSS flat over reloads; set once, after the mount's refresh (issue
    # 17: the first frame needs none of ctypes; test_layering holds the import)
    calls: list[str] = []

    def recording() -> bool:
        calls.append("set")
        return True

    monkeypatch.setattr(memory, "fix_mmap_threshold", recording)
    async with loaded_app(server) as (_app, pilot):
        await pilot.pause()
        assert calls == ["set"]
