"""The detail pane's relative-time rows: the time since the actor's and the object's
previous event, "…" until the neighbours are built (never while a load runs)."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.widgets import OptionList

from auditui.events import EventStore
from auditui.tui.widgets.detail import DetailPane, gap_text
from tests.helpers.app import (
    MAYA_ON_MONITOR,
    demo_server,
    detail,
    event_dict,
    loaded_app,
    settle,
    table,
    wait_for,
)
from tests.helpers.events import decode, raw
from tests.helpers.hosts import DetailApp

MARKUP = "[bold]x[/]"
RLO = "\u202e"


def make_event(n: int, **fields: Any) -> dict[str, Any]:
    """Event `e<n>`, n minutes before END (lower n is newer), on monitor #193 by maya."""
    return event_dict(n, **{**MAYA_ON_MONITOR, **fields})


EVENTS = [
    make_event(1),
    make_event(30),
    make_event(192, object_id=9),  # maya's earlier event, on another monitor
    make_event(300, user_email=None, user_id=None, object_id=None),
    make_event(400, user_email=f"{MARKUP}{RLO}@evil.com", object_type="dataset", object_id=9),
]


def relative(pane: DetailPane) -> dict[str, str]:
    """The relative-time rows: label → value (continuation lines joined)."""
    rows = {}
    for option in pane.query_one("#detail-fields", OptionList).options:
        first, *rest = str(option.prompt).split("\n")
        label = first[:17].strip()
        if label.startswith("since"):
            rows[label] = " ".join([first[18:], *(line.strip() for line in rest)])
    return rows


async def select(pilot: Any, uuid: str) -> DetailPane:
    app = pilot.app
    row = next(i for i in range(len(app.view)) if app.view.event_at(i).event_uuid == uuid)
    table(app).move_cursor(row=row)
    await settle(pilot)
    await wait_for(pilot, lambda: "…" not in relative(detail(app)).values(), "the neighbours")
    return detail(app)


@pytest.mark.parametrize(
    ("gap", "text"),
    [
        (timedelta(minutes=3, seconds=12), "+3m 12s"),
        (timedelta(hours=2), "+2h"),
        (timedelta(hours=2, minutes=42, seconds=5), "+2h 42m"),
        (timedelta(days=1, hours=4, minutes=1), "+1d 4h"),
        (timedelta(seconds=12), "+12s"),
        (timedelta(milliseconds=250), "+0.25s"),
        (timedelta(0), "+0s"),
        (-timedelta(minutes=5), "-5m"),
    ],
)
def test_gap_text(gap: timedelta, text: str) -> None:
    assert gap_text(gap) == text


async def test_rows_under_the_timestamp_say_the_time_since_each_previous_event() -> None:
    with demo_server(EVENTS) as server:
        async with loaded_app(server) as (_app, pilot):
            pane = await select(pilot, "e1")
            labels = [
                str(o.prompt)[:17].strip()
                for o in pane.query_one("#detail-fields", OptionList).options
            ]
            assert labels[:5] == ["timestamp", "(UTC)", "since actor", "since object", "event_uuid"]
            assert relative(pane) == {
                "since actor": "+29m after maya@acme.com's previous event",
                "since object": "+29m after the previous event on monitor #193",
            }
            pane = await select(pilot, "e30")
            assert relative(pane) == {
                "since actor": "+2h 42m after maya@acme.com's previous event",
                "since object": "first in the loaded range",
            }
            pane = await select(pilot, "e300")
            assert relative(pane) == {"since actor": "no actor", "since object": "no object"}
            pane = await select(pilot, "e400")  # monitor #9 is another object than dataset #9
            assert relative(pane) == {
                "since actor": "first in the loaded range",
                "since object": "first in the loaded range",
            }
            assert pane.value_under_cursor() == ("timestamp", "2026-11-26T05:20:00Z")


async def test_hostile_actor_names_are_literal() -> None:
    events = [make_event(1, user_email=f"{MARKUP}{RLO}@evil.com"), EVENTS[4]]
    with demo_server(events) as server:
        async with loaded_app(server) as (_app, pilot):
            pane = await select(pilot, "e1")
            text = relative(pane)["since actor"]
            assert text == "+6h 39m after [bold]x[/]\\u202e@evil.com's previous event"


async def test_pending_while_busy_then_filled_in() -> None:
    events = decode(raw(0, object_id=5), raw(2, object_id=5))
    store = EventStore(events)
    busy = [True]
    app = DetailApp()
    async with app.run_test(size=(110, 50)) as pilot:
        pane = app.pane
        pane.show_event(events[0], utc=True)
        await settle(pilot)
        assert relative(pane) == {}  # a pane that follows no store has no such rows
        pane.follow_store(lambda: store, busy=lambda: busy[0])
        await settle(pilot)
        assert relative(pane) == {"since actor": "…", "since object": "…"}
        await pilot.pause(0.6)  # past a look at the busy store: still busy, still pending
        assert relative(pane) == {"since actor": "…", "since object": "…"}
        busy[0] = False
        pane.store_settled()  # what the App does when a load ends
        await wait_for(pilot, lambda: "…" not in relative(pane).values(), "the rows")
        assert relative(pane) == {
            "since actor": "+2h after maya@acme.com's previous event",
            "since object": "+2h after the previous event on monitor #5",
        }
