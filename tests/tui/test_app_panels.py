"""The side panels and memory of the filter in the whole App against the demo server: query
history across restarts, facets (Enter/`-` add terms), the timeline (a bucket narrows the
filter) and saved queries as palette commands.
"""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual.command import CommandPalette

from auditui.config.history import history_file
from auditui.demo import DemoServer
from auditui.stats import time_terms
from auditui.tui.widgets.facets import FacetsPanel
from auditui.tui.widgets.timeline import Timeline
from tests.helpers.app import (
    all_events,
    bar,
    idle,
    loaded_app,
    screen_text,
    search_palette,
    settle,
    submit,
    table,
    view_uuids,
    wait_for,
)

# -- history --------------------------------------------------------------------------------


async def test_history_walks_with_up_and_down_across_restarts(server: DemoServer) -> None:
    async with loaded_app(server) as (_app, pilot):
        await submit(pilot, "status:failure")  # Enter records
        await pilot.press("slash", "ctrl+u", *"source:ci")
        await pilot.press("escape")  # closing with a valid query records it too
        await idle(pilot)
        await pilot.press("slash", "ctrl+u", *"status:(")  # invalid: never recorded
        await pilot.press("escape")
        await idle(pilot)
    path = history_file("default")
    assert path.is_file() and str(path).startswith(os.environ["XDG_STATE_HOME"])

    async with loaded_app(server) as (again, pilot):
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press("ctrl+u", *"draft")
        await pilot.press("up")
        assert bar(again).value == "source:ci"
        await pilot.press("up")
        assert bar(again).value == "status:failure"
        await pilot.press("up")  # the oldest: stays
        assert bar(again).value == "status:failure"
        await pilot.press("down")
        assert bar(again).value == "source:ci"
        await wait_for(pilot, lambda: again.filter_flow.text == "source:ci", "the filter")
        assert {again.view.event_at(i).source for i in range(len(again.view))} == {"ci"}
        await pilot.press("down")
        assert bar(again).value == "draft"


# -- facets ---------------------------------------------------------------------------------


async def highlight(pilot: Any, panel: FacetsPanel, field: str, value: str) -> None:
    """Home, then ↓ (headers are skipped) until the panel highlights `field` = `value`."""
    await pilot.press("home")
    for _ in range(panel.option_count):
        current = panel.highlighted_value
        if current is not None and current.term.startswith(f"{field}:") and current.value == value:
            return
        await pilot.press("down")
    raise AssertionError(f"{field}={value} is not listed")


async def test_facets_enter_and_minus_add_terms(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        events = all_events(app)
        assert not app.query(FacetsPanel)  # mounted when first shown
        await pilot.press("f")
        await idle(pilot)
        panel = app.query_one(FacetsPanel)
        assert panel.display and panel.has_focus and panel.region.width > 0
        assert panel.region.right <= table(app).region.x  # beside the table, on its left
        by_field = {facet.field: facet for facet in panel.facets}
        assert list(by_field) == ["user", "action", "status", "source", "type", "ip"]
        assert by_field["status"].total == len(events)
        counts = {v.value: v.count for v in by_field["status"].values}
        assert counts == {s: sum(e.status == s for e in events) for s in {e.status for e in events}}
        assert "Status" in screen_text(app)

        # Enter on source "web" → source:web
        await highlight(pilot, panel, "source", "web")
        assert panel.highlighted_value is not None
        assert panel.highlighted_value.value == "web"
        await pilot.press("enter")
        await idle(pilot)
        assert bar(app).value == "source:web" and panel.has_focus
        web = [e for e in events if e.source == "web"]
        assert set(view_uuids(app)) == {e.event_uuid for e in web}
        # the facets now count the matches only
        status = next(f for f in panel.facets if f.field == "status")
        assert status.total == len(web)

        # `-` on status "success" → -status:success, ANDed to the query
        await highlight(pilot, panel, "status", "success")
        assert panel.highlighted_value is not None
        assert panel.highlighted_value.value == "success"
        await pilot.press("minus")
        await idle(pilot)
        assert bar(app).value == "source:web -status:success"
        expected = {e.event_uuid for e in web if e.status != "success"}
        assert expected and set(view_uuids(app)) == expected

        await pilot.press("f")  # hides the panel, back to the table
        await settle(pilot)
        assert not panel.display and table(app).has_focus


async def test_facet_term_on_an_or_query_is_parenthesised(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:failure OR status:denied")
        await pilot.press("f")
        await idle(pilot)
        panel = app.query_one(FacetsPanel)
        source = next(f for f in panel.facets if f.field == "source")
        top = source.values[0]
        await highlight(pilot, panel, "source", top.value)
        await pilot.press("enter")
        await idle(pilot)
        assert bar(app).value == f"(status:failure OR status:denied) {top.term}"
        assert len(app.view) == top.count


# -- timeline -------------------------------------------------------------------------------


async def test_timeline_marks_the_selection_and_enter_narrows_to_a_bucket(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        timeline = app.query_one(Timeline)
        assert timeline.shown is not None and timeline.shown.total == len(app.store)
        assert timeline.region.y > table(app).region.bottom - 1  # under the table
        event = table(app).cursor_event
        assert event is not None and timeline.marked == event.timestamp
        newest_bucket = timeline.marked_bucket
        assert newest_bucket is not None
        await pilot.press("G")  # the oldest event: the mark moves
        await settle(pilot)
        assert timeline.marked_bucket is not None and timeline.marked_bucket < newest_bucket

        await pilot.press("shift+tab")  # the timeline is before the table in focus order
        await settle(pilot)
        assert timeline.has_focus
        await pilot.press("right")  # the cursor starts on the marked bucket
        assert timeline.cursor == timeline.marked_bucket
        await pilot.press("right")
        chosen = timeline.shown.bucket_range(timeline.cursor)
        count = timeline.shown.counts[timeline.cursor]
        await pilot.press("enter")
        await idle(pilot)
        assert bar(app).value == time_terms(chosen)
        inside = [e for e in all_events(app) if chosen.start <= e.timestamp < chosen.end]
        assert len(app.view) == len(inside) == count
        assert set(view_uuids(app)) == {e.event_uuid for e in inside}
        # the histogram still counts the whole range (the query without its time terms),
        # the chosen bucket is the selected span
        assert timeline.shown.total == len(app.store)
        assert timeline.selection == chosen and timeline.selected == count

        # filtered: the sparkline follows the filter
        await submit(pilot, "status:failure")
        failures = sum(e.status == "failure" for e in all_events(app))
        assert timeline.shown.total == failures


# -- saved queries --------------------------------------------------------------------------


async def test_saved_queries_are_palette_commands(server: DemoServer) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "auditui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[queries]\n"support failures" = "support:true OR status:failure"\n'
        'odd = "user:[x] [b]bold"\n'
    )
    async with loaded_app(server) as (app, pilot):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Query: support failures" in titles
        results = await search_palette(pilot, "query: support")
        first = str(results.get_option_at_index(0).prompt)
        assert first.startswith("Query: support failures"), first
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), "closing")
        await idle(pilot)
        assert bar(app).value == "support:true OR status:failure"
        expected = {
            e.event_uuid for e in all_events(app) if e.is_support_user or e.status == "failure"
        }
        assert expected and set(view_uuids(app)) == expected
        # a saved query with markup-like text is shown literally in the palette
        results = await search_palette(pilot, "query: odd")
        assert "user:[x] [b]bold" in screen_text(app)
        await pilot.press("escape")
