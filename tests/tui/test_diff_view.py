"""The diff view of the detail pane: `D` (the event's own before/after), `ctrl+d` (against
the previous event on the same object), Esc and D again, hostile text, from the table."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec

from auditui.tui.app import AuditApp
from auditui.tui.widgets.detail import DiffView
from tests.helpers.app import (
    END,
    MAYA_ON_MONITOR,
    demo_server,
    detail,
    event_dict,
    idle,
    loaded_app,
    screen_text,
    settle,
    table,
    wait_for,
)

MARKUP = "[bold]x[/]"
CLEAR = "\x1b[2J"
RLO = "\u202e"


def make_event(n: int, **fields: Any) -> dict[str, Any]:
    """Event `e<n>`, n minutes before END (lower n is newer), on monitor #193 by maya."""
    return event_dict(n, **{**MAYA_ON_MONITOR, **fields})


UPDATE = make_event(
    1,
    payload={
        "monitor_id": 193,
        "before": {"enabled": True, "threshold": {"min": 1.5, "max": 100.0}, "tags": ["a"],
                   "owner": "bob", "sql": "\n".join(f"select {i}" for i in range(10))},
        "after": {"enabled": False, "threshold": {"min": 6.5, "max": 100.0}, "tags": ["a", "b"],
                  "sql": "\n".join(f"select {i}" for i in range(10)).replace("select 5", "drop 5")},
    },
)  # fmt: skip
CREATE = make_event(30, action="monitor.create", payload={"name": "fresh", "enabled": True})
VIEW = make_event(40, action="monitor.view", object_id=500, payload={"tab": "overview"})
HOSTILE = make_event(
    50,
    object_id=7,
    payload={"before": {MARKUP: f"{RLO}evil", "ansi": "ok"},
             "after": {MARKUP: f"{CLEAR}new", "ansi": f"[red]{CLEAR}"}},
)  # fmt: skip
NO_OBJECT = make_event(60, object_type=None, object_id=None, payload={"x": 1})
EVENTS = [UPDATE, CREATE, VIEW, HOSTILE, NO_OBJECT]


def diff_text(app: AuditApp) -> str:
    return app.query_one(DiffView).plain


async def select(pilot: Any, uuid: str) -> None:
    app = pilot.app
    row = next(i for i in range(len(app.view)) if app.view.event_at(i).event_uuid == uuid)
    table(app).move_cursor(row=row)
    await settle(pilot)
    shown_event = detail(app).event
    assert shown_event is not None and shown_event.event_uuid == uuid


async def shown(pilot: Any, needle: str) -> str:
    app = pilot.app
    await idle(pilot)
    await wait_for(pilot, lambda: needle in diff_text(app), f"{needle!r} in the diff view")
    return diff_text(app)


async def test_d_shows_the_changes_of_the_events_own_before_after() -> None:
    with demo_server(EVENTS) as server:
        async with loaded_app(server) as (app, pilot):
            await select(pilot, "e1")
            await pilot.press("D")
            text = await shown(pilot, "compared: before → after")
            lines = text.split("\n")
            assert lines[0] == "compared: before → after · 3 changed · 1 added · 1 removed"
            assert [line.split()[:2] for line in lines[1:] if line[:1] in "~+-"] == [
                ["~", "enabled"],
                ["~", "threshold.min"],
                ["+", "tags[1]"],
                ["-", "owner"],
                ["~", "sql"],
            ]
            row = next(line for line in lines if line.startswith("~ threshold.min"))
            assert row.split()[2:] == ["1.5", "→", "6.5"]
            assert "    - select 5" in lines and "    + drop 5" in lines
            assert detail(app).view == "diff"
            assert app.query_one(DiffView).display
            await pilot.press("D")  # again: the payload
            await settle(pilot)
            assert detail(app).view == "payload"
            assert not app.query_one(DiffView).display


async def test_d_on_a_payload_without_before_after_says_so_and_esc_returns() -> None:
    with demo_server(EVENTS) as server:
        async with loaded_app(server) as (app, pilot):
            await select(pilot, "e40")
            await pilot.press("D")
            text = await shown(pilot, "before/after")
            assert text == "! This payload holds no before/after to compare."
            await pilot.press("escape")
            await settle(pilot)
            assert detail(app).view == "payload"
            assert "overview" in screen_text(app)


async def test_ctrl_d_compares_with_the_previous_event_on_the_object() -> None:
    with demo_server(EVENTS) as server:
        async with loaded_app(server) as (app, pilot):
            await select(pilot, "e1")
            await pilot.press("ctrl+d")
            text = await shown(pilot, "compared:")
            when = (END - timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M:%S.000")
            first, *rest = text.split("\n")
            assert first.startswith(f"compared: monitor #193: {when} ")  # the table's clock
            assert first.endswith(" monitor.create → this event · 0 changed · 3 added · 2 removed")
            marks = [line.split()[:2] for line in rest if line[:1] in "~+-"]
            assert marks == [
                ["-", "name"],
                ["-", "enabled"],
                ["+", "monitor_id"],
                ["+", "before"],
                ["+", "after"],
            ]
            assert detail(app).view == "previous"
            await pilot.press("ctrl+d")
            await settle(pilot)
            assert detail(app).view == "payload"


async def test_ctrl_d_without_an_earlier_event_or_an_object_says_so() -> None:
    with demo_server(EVENTS) as server:
        async with loaded_app(server) as (_app, pilot):
            await select(pilot, "e30")  # the oldest event on monitor #193
            await pilot.press("ctrl+d")
            text = await shown(pilot, "No earlier")
            assert text == "! No earlier event on monitor #193 in the loaded range."
            await select(pilot, "e60")  # the view stays: the next event is compared too
            text = await shown(pilot, "no object")
            assert text == "! This event has no object (object_id) to compare with."


async def test_d_from_the_table_opens_a_closed_detail_pane() -> None:
    with demo_server(EVENTS) as server:
        async with loaded_app(server) as (app, pilot):
            await pilot.press("d")  # close the detail pane
            await settle(pilot)
            assert not app.panes.detail_open
            table(app).focus()
            await select(pilot, "e1")
            await pilot.press("D")
            await shown(pilot, "threshold.min")
            assert app.panes.detail_open and detail(app).view == "diff"
            assert table(app).has_focus


async def test_hostile_keys_and_values_are_shown_literally() -> None:
    with demo_server(EVENTS) as server:
        async with loaded_app(server) as (app, pilot):
            await select(pilot, "e50")
            await pilot.press("z", "D")  # zoomed: the whole diff is on screen
            text = await shown(pilot, "ansi")
            assert '~ ["[bold]x[/]"]' in text
            # values are compact JSON (controls escaped), then made visible (bidi escaped)
            assert '"\\u202eevil"' in text and '"\\u001b[2Jnew"' in text
            assert '"[red]\\u001b[2J"' in text
            screen = screen_text(app)  # checks no escape or bidi character reached it
            assert '["[bold]x[/]"]' in screen and "[red]" in screen


async def test_a_seeded_demo_update_diffs_its_before_after(server: Any) -> None:
    async with loaded_app(server) as (app, pilot):
        rows = [app.view.event_at(i) for i in range(len(app.view))]
        update = next(e for e in rows if e.action == "monitor.update")
        value = msgspec.json.decode(update.payload)
        await select(pilot, update.event_uuid)
        await pilot.press("D")
        text = await shown(pilot, "threshold.min")
        before, after = value["before"], value["after"]
        expected = f"{before['threshold']['min']}"
        row = next(line for line in text.split("\n") if line.startswith("~ threshold.min"))
        assert row.split()[2:] == [expected, "→", str(after["threshold"]["min"])]
        assert any(line.startswith("+ tags[1]") and '"tier-1"' in line for line in text.split("\n"))
