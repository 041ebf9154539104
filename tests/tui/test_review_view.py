"""The support-access review view (Pilot): palette and `R` open it, Enter narrows the table
to a session's events (a history step), Esc leaves the browser as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable

from auditui.demo import DemoServer
from auditui.tui.screens.review import ReviewScreen
from tests.helpers.app import (
    bar,
    demo_server,
    event_dict,
    idle,
    loaded_app,
    screen_text,
    search_palette,
    support_event,
    view_uuids,
    wait_for,
)

EVENTS = [
    support_event(
        300, "ana@datafold.com", action="monitor.view", object_type="monitor", object_id=1
    ),
    support_event(
        280, "ana@datafold.com", action="monitor.update", object_type="monitor", object_id=1
    ),
    support_event(251, "ana@datafold.com", action="user.update", status="denied"),
    support_event(200, "ana@datafold.com"),
    support_event(100, "bo[b]x\x1b[31m@datafold.com", action="dataset.view"),
    event_dict(280, event_uuid="same-time-not-support", user_email="ana@datafold.com"),
    event_dict(150),
]


@pytest.fixture
def review_server() -> Iterator[DemoServer]:
    server = demo_server(EVENTS)
    try:
        yield server
    finally:
        server.stop()


async def open_review(pilot: Any, *, palette: bool) -> ReviewScreen:
    app = pilot.app
    if palette:
        results = await search_palette(pilot, "support-access")
        assert str(results.get_option_at_index(0).prompt).startswith("App: Support-access review")
        await pilot.press("enter")
    else:
        await pilot.press("R")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ReviewScreen) and app.screen.sessions is not None,
        "the review view",
    )
    screen = app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


async def test_palette_opens_the_view_and_enter_narrows_the_table(
    review_server: DemoServer,
) -> None:
    async with loaded_app(review_server) as (app, pilot):
        assert len(view_uuids(app)) == 7
        screen = await open_review(pilot, palette=True)
        assert screen.sessions is not None
        assert [(s.actor, s.events) for s in screen.sessions] == [
            ("ana@datafold.com", 3),
            ("ana@datafold.com", 1),
            ("bo[b]x\x1b[31m@datafold.com", 1),
        ]
        assert screen.query_one(DataTable).row_count == 3
        text = screen_text(app)
        assert "3 sessions · 5 events · 2 actors · 1 failed or denied" in text
        assert "bo[b]x\\x1b[31m@datafold.com" in text  # literal, escape made visible
        assert "monitor.update ×1, monitor.view ×1, … +1 more" in text
        await pilot.press("enter")  # the first session
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen), "closing")
        await idle(pilot)
        assert bar(app).value.startswith('user:="ana@datafold.com" support:true after:')
        assert sorted(view_uuids(app)) == ["e251", "e280", "e300"]
        await pilot.press("backspace")  # a history step: back to every event
        await idle(pilot)
        assert bar(app).value == "" and len(view_uuids(app)) == 7


async def test_r_key_opens_it_and_enter_on_another_row(review_server: DemoServer) -> None:
    async with loaded_app(review_server) as (app, pilot):
        await open_review(pilot, palette=False)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen), "closing")
        await idle(pilot)
        assert view_uuids(app) == ["e100"]


@pytest.mark.parametrize("key", ["escape", "q"])
async def test_closing_keeps_the_browser_as_it_was(review_server: DemoServer, key: str) -> None:
    async with loaded_app(review_server) as (app, pilot):
        await open_review(pilot, palette=False)
        await pilot.press(key)
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen), "closing")
        await idle(pilot)
        assert bar(app).value == "" and len(view_uuids(app)) == 7


async def test_no_support_events() -> None:
    plain = demo_server([event_dict(10), event_dict(20)])
    try:
        async with loaded_app(plain) as (app, pilot):
            screen = await open_review(pilot, palette=False)
            assert screen.sessions == []
            assert "no support-user events in the loaded range" in screen_text(app)
            await pilot.press("enter")  # nothing to choose: the view stays
            await idle(pilot)
            assert isinstance(app.screen, ReviewScreen)
    finally:
        plain.stop()


async def test_help_lists_the_views_keys(review_server: DemoServer) -> None:
    async with loaded_app(review_server) as (app, pilot):
        await open_review(pilot, palette=False)
        await pilot.press("question_mark")
        await idle(pilot)
        text = screen_text(app)
        assert "review.close" in text and "review.help" in text
        await pilot.press("escape")
        await idle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert not isinstance(app.screen, CommandPalette)
