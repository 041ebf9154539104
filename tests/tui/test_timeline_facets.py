"""The timeline and the facets panel in the whole App against the demo server (issue 15,
items 5, 11, 12): a bucket replaces the query's time terms and the timeline stays usable;
the timeline has a time axis and a caption (span and count of the bucket under the
cursor, in the table's zone); the facets list every value with its count, long values cut
only to the panel's width, and Esc closes the panel.
"""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

from auditui.demo import DemoServer
from auditui.query import top_time_terms
from auditui.stats import time_terms
from auditui.timespec import TimeRange
from auditui.tui.widgets.facets import FIRST_ROWS, FacetsPanel
from auditui.tui.widgets.timeline import Timeline
from tests.helpers.app import (
    DAYS,
    END,
    RANGE,
    all_events,
    bar,
    demo_server,
    idle,
    loaded_app,
    screen_text,
    settle,
    submit,
    table,
    view_uuids,
    wait_for,
)
from tests.helpers.events import raw


def cursor_bucket(timeline: Timeline) -> tuple[TimeRange, int]:
    """The span and count of the bucket under the timeline's cursor."""
    shown, cursor = timeline.shown, timeline.cursor
    assert shown is not None and cursor is not None
    return shown.bucket_range(cursor), shown.counts[cursor]


async def focus_timeline(pilot: Any) -> Timeline:
    timeline: Timeline = pilot.app.query_one(Timeline)
    timeline.focus()
    await settle(pilot)
    assert timeline.has_focus
    return timeline


# -- 15.5: a second bucket replaces the first ---------------------------------------------


async def test_a_second_bucket_replaces_the_time_terms(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "-status:denied")
        others = [e for e in all_events(app) if e.status != "denied"]
        assert len(app.view) == len(others)
        timeline = await focus_timeline(pilot)
        await pilot.press("end", "left", "left")  # a bucket near the end of the range
        first, _ = cursor_bucket(timeline)
        await pilot.press("enter")
        await idle(pilot)
        assert bar(app).value == f"-status:denied {time_terms(first)}"

        # the timeline still shows the whole range and can pick another bucket
        assert timeline.shown is not None and timeline.shown.total == len(others)
        assert timeline.selection == first
        await pilot.press("left", "left", "left")
        second, count = cursor_bucket(timeline)
        assert count > 0
        await pilot.press("enter")
        await idle(pilot)

        query = bar(app).value
        assert query == f"-status:denied {time_terms(second)}"
        assert query.count("after:") == 1 and query.count("before:") == 1
        inside = [e for e in others if second.start <= e.timestamp < second.end]
        assert len(app.view) == len(inside) == count
        assert set(view_uuids(app)) == {e.event_uuid for e in inside}
        assert timeline.selection == second and timeline.selected == count
        assert timeline.shown.total == len(others)

        # Backspace on the timeline: back to the whole range, the other terms kept
        await pilot.press("backspace")
        await idle(pilot)
        assert bar(app).value == "-status:denied"
        assert top_time_terms(bar(app).value) == ()
        assert len(app.view) == len(others)
        assert timeline.selection is None


async def test_a_bucket_replaces_typed_time_terms_too(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "after:2026-11-26T00:00Z source:ci before:2026-11-26T06:00Z")
        timeline = await focus_timeline(pilot)
        await pilot.press("home")  # outside the typed span: still there to pick
        chosen, _ = cursor_bucket(timeline)
        await pilot.press("enter")
        await idle(pilot)
        assert bar(app).value == f"source:ci {time_terms(chosen)}"


# -- 15.12: axis and caption ----------------------------------------------------------------


def timeline_lines(app: Any) -> list[str]:
    """The timeline's three lines as the screen shows them."""
    timeline = app.query_one(Timeline)
    lines = screen_text(app).splitlines()
    top = timeline.region.y
    return lines[top : top + 3]


async def test_the_timeline_has_a_caption_and_a_time_axis(server: DemoServer) -> None:
    async with loaded_app(server, size=(120, 35)) as (app, pilot):
        timeline = app.query_one(Timeline)
        caption, bars, axis = timeline_lines(app)
        # the whole range in the caption while no bucket is under the cursor
        whole = f"Nov 25 12:00 → Nov 26 12:00 · {len(app.store)} events (local time)"
        assert caption.startswith(whole), caption
        assert bars.strip()
        labels = re.findall(r"\d\d:\d\d|Nov \d\d", axis)
        assert len(labels) >= 3, axis
        assert "Nov 26" in labels  # midnight reads as the day
        assert re.search(r"\d\d:00", axis), axis

        await focus_timeline(pilot)
        await pilot.press("end")
        await settle(pilot)
        span, count = cursor_bucket(timeline)
        caption = timeline_lines(app)[0]
        noun = "event" if count == 1 else "events"
        start = f"{span.start:%b %d %H:%M}"
        assert caption.startswith(f"{start} → {span.end:%H:%M} · {count} {noun}"), caption

        # `u` on the table: the axis and caption follow the table's zone
        table(app).focus()
        await pilot.press("u")
        await settle(pilot)
        assert timeline.utc == table(app).utc
        assert "(UTC)" in timeline_lines(app)[0]


async def test_the_axis_follows_local_time(server: DemoServer, kolkata: None) -> None:
    async with loaded_app(server, size=(120, 35)) as (app, _pilot):
        caption = timeline_lines(app)[0]
        # RANGE in India: 17:30 to 17:30 the next day
        assert RANGE.start.hour == 12
        assert caption.startswith("Nov 25 17:30 → Nov 26 17:30"), caption


# -- 15.11: every facet value, whole names, Esc -------------------------------------------


async def open_facets(pilot: Any) -> FacetsPanel:
    app = pilot.app
    await pilot.press("f")
    await idle(pilot)
    panel: FacetsPanel = app.query_one(FacetsPanel)
    assert panel.display and panel.has_focus
    await wait_for(pilot, lambda: bool(panel.facets), "the facets")
    return panel


def listed(panel: FacetsPanel, field: str) -> list[str]:
    """The values of `field` the panel lists."""
    values = []
    for index in range(panel.option_count):
        option_id = panel.get_option_at_index(index).id or ""
        if option_id.startswith(f"v:{field}\x00"):
            values.append(option_id.split("\x00", 1)[1])
    return values


def option_index(panel: FacetsPanel, option_id: str) -> int:
    return next(
        i for i in range(panel.option_count) if panel.get_option_at_index(i).id == option_id
    )


async def test_every_facet_value_is_reachable(server: DemoServer) -> None:
    three_days = TimeRange(END - timedelta(days=DAYS), END)
    async with loaded_app(server, time_range=three_days) as (app, pilot):
        panel = await open_facets(pilot)
        action = next(f for f in panel.facets if f.field == "action")
        counts = Counter(e.action or "" for e in all_events(app))
        assert action.distinct == len(counts) > FIRST_ROWS
        assert dict(action.ranked) == dict(counts)  # every value with its count
        rarest, rarest_count = action.ranked[-1]
        assert rarest not in listed(panel, "action")
        more = f"{len(counts) - FIRST_ROWS} more values"
        assert more in screen_text(app)

        panel.highlighted = option_index(panel, "m:action")
        await pilot.press("enter")  # lists the rest
        await settle(pilot)
        assert listed(panel, "action") == [value for value, _ in action.ranked]
        assert more not in screen_text(app)

        panel.highlighted = option_index(panel, f"v:action\x00{rarest}")
        await settle(pilot)
        await pilot.press("enter")
        await idle(pilot)
        assert len(app.view) == rarest_count
        assert all(e.action == rarest for e in map(app.view.event_at, range(len(app.view))))
        assert listed(panel, "action")  # the field stays open while the filter changes

        await pilot.press("escape")  # closes the panel, the table has the focus
        await settle(pilot)
        assert not panel.display
        assert table(app).has_focus
        assert len(app.view) == rarest_count  # Esc on the panel kept the filter


LONG_USER = "a-service-account-with-a-rather-long-name-0123456789@automation.acme-analytics.com"


async def test_long_facet_values_are_cut_to_the_panel_and_shown_whole() -> None:
    entries = [raw(n, user_email=LONG_USER if n % 2 else "maya@acme.com") for n in range(6)]
    with_server = demo_server(entries)
    try:
        async with loaded_app(with_server) as (app, pilot):
            panel = await open_facets(pilot)
            panel.highlighted = option_index(panel, "v:user\x00maya@acme.com")
            await settle(pilot)
            width = panel.scrollable_content_region.width
            rows = screen_text(app).splitlines()
            cut = next(line for line in rows if "a-service-account" in line)
            shown = cut[panel.region.x : panel.region.x + width]
            # cut with "…" to the panel's width, far beyond the old 20 characters
            assert "…" in shown and len(shown.split("…")[0].strip()) > 30, shown
            assert LONG_USER not in "".join(rows)

            panel.highlighted = option_index(panel, f"v:user\x00{LONG_USER}")
            await settle(pilot)
            lines = screen_text(app).splitlines()
            joined = "".join(
                line[panel.region.x : panel.region.x + width].strip() for line in lines
            )
            assert LONG_USER in joined  # the highlighted value is shown whole
            assert str(panel.tooltip) == LONG_USER
    finally:
        with_server.stop()
