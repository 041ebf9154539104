"""The widgets hidden at start are mounted the first time they are shown (issue 17):
the filter bar, the find bar, the facets, the JSON tree, the diff view and the export's
progress line are not in the DOM (nor their modules imported with the App) until then;
the first use of each works as every later one does, in its compose-time place."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable"

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from auditui.demo import DemoServer
from auditui.tui.app import AuditApp
from auditui.tui.widgets.facets import FacetsPanel
from auditui.tui.widgets.filter_bar import FilterBar
from auditui.tui.widgets.find_bar import FindBar
from auditui.tui.widgets.json_tree import JsonTree
from tests.helpers.app import (
    bar,
    detail,
    idle,
    loaded_app,
    messages,
    search_palette,
    settle,
    table,
    wait_for,
)

HIDDEN = ("#filter-bar", "#find-bar", "#facets", "#export-progress", "#detail-tree", "#detail-diff")


def lines_order(app: AuditApp) -> list[str]:
    """The ids of the screen's children, in DOM order."""
    return [child.id or type(child).__name__ for child in app.screen.children]


def test_the_app_module_does_not_import_the_hidden_widgets() -> None:
    code = (
        "import sys, auditui.tui.app\n"
        "names = ('filter_bar', 'find_bar', 'facets', 'json_tree')\n"
        "print([n for n in names if f'auditui.tui.widgets.{n}' in sys.modules])"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


def test_a_loaded_app_has_not_imported_the_json_tree() -> None:
    # its module loads with the first tree shown, not with the detail pane's first event
    code = (
        "import asyncio, sys\n"
        "from tests.helpers.app import demo_server, make_app, wait_loaded\n"
        "async def main():\n"
        "    server = demo_server()\n"
        "    async with make_app(server).run_test(size=(120, 35)) as pilot:\n"
        "        await wait_loaded(pilot)\n"
        "        shown = pilot.app.detail.event\n"
        "    server.stop()\n"
        "    print(shown is not None, 'auditui.tui.widgets.json_tree' in sys.modules)\n"
        "asyncio.run(main())\n"
    )
    root = Path(__file__).resolve().parents[2]
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    ).stdout
    assert found.split() == ["True", "False"]  # an event shown, its tree not imported


async def test_none_is_in_the_dom_at_start(server: DemoServer) -> None:
    async with loaded_app(server) as (app, _pilot):
        for selector in HIDDEN:
            assert not app.query(selector), selector
        assert lines_order(app)[-2:] == ["progress", "Footer"]


async def test_the_first_slash_mounts_the_bar_and_the_keys_after_it_reach_it(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        total = len(app.view)
        await pilot.press("slash", *"status:failure")  # one burst, as over SSH
        await wait_for(pilot, lambda: bar(app).value == "status:failure", "the typed query")
        widget = app.query_one(FilterBar)
        assert widget.is_open and widget.input.has_focus
        await pilot.press("enter")
        await idle(pilot)
        assert table(app).has_focus and not widget.is_open
        assert 0 < len(app.view) < total
        assert str(widget.query_one("#filter-count").render()).startswith(f"{len(app.view):,} of")
        assert lines_order(app)[-3:] == ["progress", "filter-bar", "Footer"]


async def test_a_query_applied_before_the_bar_exists_is_in_it_when_opened(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        assert app.filter_flow.set_query("source:web")  # a facet, a pivot, a saved view
        await idle(pilot)
        assert not app.query(FilterBar) and bar(app).value == "source:web"
        await pilot.press("slash")
        await wait_for(pilot, lambda: bar(app).input.has_focus, "the bar")
        widget = app.query_one(FilterBar)
        assert widget.value == "source:web" and widget.is_open
        counted = str(widget.query_one("#filter-count").render())
        assert counted == f"{len(app.view):,} of {len(app.store):,} events"


async def test_an_invalid_query_opens_the_bar_with_its_error(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        assert not app.filter_flow.set_query("status:(")  # e.g. a saved view's query
        await wait_for(pilot, lambda: app.on_demand.filter_bar.widget is not None, "the bar")
        widget = app.query_one(FilterBar)
        await wait_for(pilot, lambda: widget.input.has_focus, "the focus")
        assert widget.is_open and widget.error is not None and widget.has_class("-error")
        assert str(widget.query_one("#filter-error").render()).startswith("✗ ")
        assert widget.value == "status:("


async def test_the_first_find_mounts_the_bar_below_the_filter_bar(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("slash", "escape")  # the filter bar exists first
        await idle(pilot)
        await pilot.press("ctrl+f", *"status:failure", "enter")
        await wait_for(pilot, lambda: bool(app.query(FindBar)), "the find bar")
        find = app.query_one(FindBar)
        await wait_for(pilot, lambda: "match 1 of" in str(find.query_one("#find-status").render()),
                       "the first match")  # fmt: skip
        assert find.is_shown and table(app).has_focus
        assert app.view.event_at(table(app).cursor_row).status == "failure"
        assert lines_order(app)[-4:] == ["progress", "filter-bar", "find-bar", "Footer"]


async def test_the_first_f_mounts_the_facets_beside_the_table(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("f")
        await idle(pilot)
        panel = app.query_one(FacetsPanel)
        assert panel.display and panel.has_focus
        assert [child.id for child in app.query_one("#main").children] == ["facets", "events"]
        await wait_for(pilot, lambda: bool(panel.facets), "the facets")
        await pilot.press("f")
        await idle(pilot)
        assert not panel.display and table(app).has_focus
        assert app.query(FacetsPanel).first() is panel  # kept, not mounted again


async def test_x_mounts_the_json_tree_and_d_the_diff_view(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        pane = detail(app)
        mode: str = pane.mode
        assert pane.event is not None and mode == "text"
        await pilot.press("tab")  # into the detail pane (its field list)
        await settle(pilot)
        assert pane.has_focus_within
        pane.query_one("#detail-payload-text").focus()
        await settle(pilot)
        await pilot.press("x")  # the tree, mounted now, takes the payload's focus
        await idle(pilot)
        tree = pane.query_one("#detail-tree", JsonTree)
        assert tree.display and pane.mode == "tree" and tree.root.data is not None
        assert tree.has_focus and tree.cursor_line == 0
        await pilot.press("x")  # back to the text, the focus kept on the payload
        await idle(pilot)
        assert not tree.display and pane.query_one("#detail-payload-text").has_focus
        await pilot.press("D")
        await wait_for(pilot, lambda: bool(pane.query("#detail-diff")), "the diff view")
        changes = pane.query_one("#detail-diff")
        await wait_for(pilot, lambda: "comparing" not in str(getattr(changes, "plain", "")),
                       "the diff")  # fmt: skip
        assert changes.display and not tree.display
        ids = [child.id for child in pane.children]
        assert ids[-3:] == ["detail-payload-text", "detail-tree", "detail-diff"]
        await pilot.press("escape")
        await idle(pilot)
        assert not changes.display


async def test_the_first_export_mounts_its_progress_line(server: DemoServer, workdir: Path) -> None:
    from auditui.tui.dialogs.export import ExportDialog

    async with loaded_app(server) as (app, pilot):
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(m.startswith("Wrote ") for m in messages(app)), "done")
        await idle(pilot)
        line: Any = app.query_one("#export-progress")
        assert not line.has_class("-active")
        assert lines_order(app)[-3:] == ["progress", "export-progress", "Footer"]
        assert list(workdir.iterdir())


async def test_a_palette_entry_of_a_bar_not_mounted_yet_mounts_it_and_runs(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        assert app.filter_flow.set_query("source:web")
        await idle(pilot)
        total = len(app.store)
        assert not app.query(FilterBar) and len(app.view) < total
        results = await search_palette(pilot, "filter bar: clear filter")
        assert "Filter bar: Clear filter" in str(results.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(app.view) == total, "the filter cleared")
        widget = app.query_one(FilterBar)  # mounted for the entry, hidden as it was
        assert not widget.is_open and widget.value == "" and app.filter_flow.text == ""
