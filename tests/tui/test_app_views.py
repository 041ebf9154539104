"""Saved views in the browser: ctrl+s saves the query, columns, sort and range under a name;
the palette opens, renames and deletes them; config.toml's [views] are read-only there;
`--view` (handed over before start) is applied on mount."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import time_machine
from textual.command import CommandPalette
from textual.pilot import Pilot

from auditui.config.settings import load_settings
from auditui.config.views import SavedView, ViewBook, views_file
from auditui.demo import DemoServer
from auditui.sources.files import FileSource
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.view_name import ViewNameDialog
from tests.helpers.app import (
    END,
    RANGE,
    all_events,
    bar,
    event_dict,
    idle,
    loaded_app,
    make_app,
    screen_text,
    search_palette,
    settle,
    submit,
    table,
    toast_texts,
    view_uuids,
    wait_for,
    wait_loaded,
)

COLUMNS = ("time", "status", "user", "action")


def _book() -> ViewBook:
    return ViewBook("default")


def _config(text: str) -> Path:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "auditui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    return config


async def _dialog(pilot: Pilot[Any]) -> ViewNameDialog:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ViewNameDialog), "the name dialog")
    await settle(pilot)
    assert isinstance(app.screen, ViewNameDialog)
    return app.screen


async def _type_name(pilot: Pilot[Any], name: str) -> None:
    await pilot.press("ctrl+a", "ctrl+k", *name, "enter")  # Input: home, kill to end
    await settle(pilot)


async def _palette(pilot: Pilot[Any], text: str, title: str) -> None:
    """Open the palette, search `text`, run the entry titled `title`."""
    app = pilot.app
    results = await search_palette(pilot, text)
    prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
    index = next(i for i, prompt in enumerate(prompts) if prompt.startswith(title))
    results.highlighted = index
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), "closing")
    await idle(pilot)


async def test_ctrl_s_saves_query_columns_sort_and_range(server: DemoServer) -> None:
    async with loaded_app(server, notifications=True) as (app, pilot):
        await submit(pilot, "status:failure")
        table(app).columns = COLUMNS
        table(app).sort_by("user", True)
        await settle(pilot)
        await pilot.press("ctrl+s")
        dialog = await _dialog(pilot)
        assert "query status:failure" in screen_text(app)  # what will be saved
        await _type_name(pilot, "fails")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await settle(pilot)
        assert any("Saved view 'fails'" in text for text in toast_texts(app))
    saved = _book()["fails"]
    assert saved == SavedView(
        name="fails",
        query="status:failure",
        columns=COLUMNS,
        sort="user",
        descending=True,
        start=RANGE.start.isoformat(),  # a fixed range: kept as it is
        end=RANGE.end.isoformat(),
    )
    assert oct(views_file("default").stat().st_mode & 0o777) == "0o600"


async def test_saving_a_relative_range_keeps_it_relative(server: DemoServer) -> None:
    with time_machine.travel(END, tick=True):
        async with loaded_app(server, since="1d") as (_app, pilot):
            await pilot.press("ctrl+s")
            await _dialog(pilot)
            await _type_name(pilot, "day")
            await wait_for(pilot, lambda: "day" in _book(), "the view saved")
    view = _book()["day"]
    assert view.since == "1d" and view.start is None and view.query == ""


async def test_a_bad_name_is_one_line_and_saving_over_a_name_asks(server: DemoServer) -> None:
    _book().save(SavedView(name="fails", query="user:old"))
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:failure")
        await pilot.press("ctrl+s")
        dialog = await _dialog(pilot)
        await _type_name(pilot, "a/b")
        assert app.screen is dialog
        assert "Bad view name 'a/b'" in dialog.problem and "\n" not in dialog.problem
        await _type_name(pilot, "fails")
        assert app.screen is dialog  # asked first
        assert "exists: Enter again replaces it" in dialog.problem
        assert _book()["fails"].query == "user:old"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await idle(pilot)
        assert _book()["fails"].query == "status:failure"
        # Esc cancels: nothing saved
        await pilot.press("ctrl+s")
        dialog = await _dialog(pilot)
        await pilot.press(*"other", "escape")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
    assert _book().names() == ["fails"]


async def test_the_palette_opens_a_view_query_columns_sort_and_range(
    server: DemoServer,
) -> None:
    two_days = (RANGE.start - timedelta(days=1), RANGE.end)
    _book().save(
        SavedView(
            name="fails",
            query="status:failure",
            columns=COLUMNS,
            sort="user",
            descending=False,
            start=two_days[0].isoformat(),
            end=two_days[1].isoformat(),
        )
    )
    async with loaded_app(server) as (app, pilot):
        one_day = len(app.store)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"View: fails", "Rename view: fails", "Delete view: fails"} <= set(titles)
        await _palette(pilot, "view: fails", "View: fails")
        await wait_loaded(pilot)
        assert (app.time_range.start, app.time_range.end) == two_days
        assert app.since is None
        assert len(app.store) > one_day
        assert bar(app).value == "status:failure"
        assert table(app).columns == COLUMNS
        assert (app.view.sort_column, app.view.descending) == ("user", False)
        failures = [e for e in all_events(app) if e.status == "failure"]
        assert failures and len(app.view) == len(failures)
        users = [app.view.event_at(row).user_email or "" for row in range(len(app.view))]
        assert users == sorted(users, key=str.casefold) or users == sorted(users)
        # two back/forward steps: the view over the range shown, then its range
        await pilot.press("backspace")
        await wait_loaded(pilot)
        assert app.time_range == RANGE and bar(app).value == "status:failure"
        await pilot.press("backspace")
        await wait_loaded(pilot)
        assert bar(app).value == "" and app.time_range == RANGE
        assert app.view.sort_column == "time" and table(app).columns == COLUMNS


async def test_opening_a_relative_view_loads_the_last_of_it(server: DemoServer) -> None:
    _book().save(SavedView(name="two", since="2d"))
    with time_machine.travel(END, tick=True):
        async with loaded_app(server) as (app, pilot):
            await _palette(pilot, "view: two", "View: two")
            await wait_loaded(pilot)
            assert app.since == "172800s"
            assert app.time_range.duration == timedelta(days=2)
            shown = app.time_range  # opening it again: no new load (the clock runs on)
            await _palette(pilot, "view: two", "View: two")
            assert not app.loading and app.time_range == shown


async def test_rename_and_delete_from_the_palette(server: DemoServer) -> None:
    _book().save(SavedView(name="fails", query="status:failure"))
    _book().save(SavedView(name="other", query="user:x"))
    async with loaded_app(server, notifications=True) as (app, pilot):
        await _palette(pilot, "rename view: fails", "Rename view: fails")
        dialog = await _dialog(pilot)
        assert dialog.query_one("Input").value == "fails"  # type: ignore[attr-defined]
        await _type_name(pilot, "other")
        assert "exists" in dialog.problem  # asks before replacing
        await _type_name(pilot, "failures")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await idle(pilot)
        assert _book().names() == ["failures", "other"]
        assert _book()["failures"].query == "status:failure"
        assert any("Renamed view 'fails' to 'failures'" in t for t in toast_texts(app))
        await _palette(pilot, "delete view: other", "Delete view: other")
        assert _book().names() == ["failures"]
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "View: other" not in titles and "View: failures" in titles


async def test_config_views_open_but_are_read_only(server: DemoServer) -> None:
    config = _config('[views.cfg]\nquery = "status:failure"\ncolumns = ["time", "status"]\n')
    before = config.read_text()
    async with loaded_app(server, notifications=True) as (app, pilot):
        await _palette(pilot, "view: cfg", "View: cfg")
        assert bar(app).value == "status:failure" and table(app).columns == ("time", "status")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "View: cfg" in titles  # opened, but neither renamed nor deleted here
        assert "Delete view: cfg" not in titles and "Rename view: cfg" not in titles
        # saving under its name is refused in the dialog
        await pilot.press("ctrl+s")
        dialog = await _dialog(pilot)
        await _type_name(pilot, "cfg")
        assert app.screen is dialog and "read-only" in dialog.problem
    assert config.read_text() == before
    assert not views_file("default").exists()


async def test_markup_in_a_saved_query_is_shown_literally(server: DemoServer) -> None:
    _book().save(SavedView(name="odd", query="user:[x] [b]bold"))
    async with loaded_app(server) as (_app, pilot):
        await search_palette(pilot, "view: odd")
        assert "user:[x] [b]bold" in screen_text(pilot.app)
        await pilot.press("escape")


async def test_a_view_handed_over_at_start_is_applied(server: DemoServer) -> None:
    app = make_app(server)
    app.views_flow.start_with(
        SavedView(name="v", query="status:failure", columns=COLUMNS, sort="action")
    )
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_loaded(pilot)
        assert bar(app).value == "status:failure"
        assert table(app).columns == COLUMNS
        assert app.view.sort_column == "action"
        failures = {e.event_uuid for e in all_events(app) if e.status == "failure"}
        assert failures and set(view_uuids(app)) == failures


async def test_a_damaged_views_file_is_kept_aside_with_a_warning(server: DemoServer) -> None:
    path = views_file("default")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"{not json")
    async with loaded_app(server, notifications=True) as (app, pilot):
        await pilot.press("ctrl+s")
        await _dialog(pilot)
        assert any("kept it as default.json.corrupt" in t for t in toast_texts(app))
    assert path.with_name("default.json.corrupt").read_bytes() == b"{not json"


async def test_a_file_keeps_its_span_and_saves_no_range(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_text("".join(json.dumps(event_dict(n)) + "\n" for n in range(1, 40)))
    source = FileSource(str(path), load_settings().profile("default", env={}))
    source.read()
    span = source.span()
    _book().save(SavedView(name="week", query="user:user1", since="7d"))
    app = AuditApp(source, span)
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_loaded(pilot)
        await _palette(pilot, "view: week", "View: week")
        assert not app.loading and app.time_range == span
        assert bar(app).value == "user:user1"
        await pilot.press("ctrl+s")
        await _dialog(pilot)
        await _type_name(pilot, "file")
        await wait_for(pilot, lambda: "file" in _book(), "the view saved")
    saved = _book()["file"]
    assert saved.query == "user:user1"
    assert (saved.since, saved.start, saved.end) == (None, None, None)


async def test_ctrl_s_works_from_the_filter_bar(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("slash")
        await settle(pilot, 1)
        await pilot.press(*"status:failure")
        await idle(pilot)
        assert bar(app).input.has_focus
        await pilot.press("ctrl+s")
        await _dialog(pilot)
        await _type_name(pilot, "typed")
        await wait_for(pilot, lambda: "typed" in _book(), "the view saved")
    assert _book()["typed"].query == "status:failure"
