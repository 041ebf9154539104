"""The actor view (`a`, `A`) against the demo server: rows, gaps, badges, Enter, Esc, help."""

from __future__ import annotations

from typing import Any

from auditui.demo import DemoServer
from auditui.events import AuditEvent, object_text, user_text
from auditui.stats import format_gap
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.help import HelpScreen
from auditui.tui.dialogs.pivot_by import PivotByDialog
from auditui.tui.screens.actor import ActorScreen
from auditui.tui.widgets.actor_table import ActorTable
from tests.helpers.app import (
    demo_server,
    loaded_app,
    messages,
    screen_text,
    settle,
    submit,
    table,
    wait_for,
)
from tests.helpers.hostile import HOSTILE, hostile_events


async def open_view(pilot: Any, *keys: str) -> ActorScreen:
    """Press `keys` and wait for the actor view to show its rows."""
    app = pilot.app
    await pilot.press(*keys)
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ActorScreen) and app.screen.actor is not None,
        "the actor view",
    )
    await settle(pilot)
    assert isinstance(app.screen, ActorScreen)
    return app.screen


def rows_of(screen: ActorScreen) -> ActorTable:
    return screen.query_one(ActorTable)


def expected_rows(app: AuditApp, key: Any) -> list[int]:
    """Store indices of the events whose `key(event)` matches, the main time order reversed."""
    wanted = key(app.table.cursor_event)
    order = reversed(app.store.time_order())
    return [i for i in order if key(app.store.events[i]).lower() == wanted.lower()]


def user_of(event: AuditEvent) -> str:
    return user_text(event.user_email, event.user_id)


def event_at(screen: ActorScreen, row: int) -> AuditEvent:
    assert screen.actor is not None
    return screen.store.events[screen.actor.indices[row]]


async def test_a_opens_that_users_events_with_gaps_and_first_seen_badges(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("j", "j", "j")
        chosen = app.table.cursor_event
        assert chosen is not None
        wanted = expected_rows(app, user_of)
        screen = await open_view(pilot, "a")
        assert screen.actor is not None
        assert list(screen.actor.indices) == wanted
        assert len(wanted) > 3
        rows = rows_of(screen)
        assert rows.row_count == len(wanted)
        assert event_at(screen, rows.cursor_row) is chosen  # starts on the event we came from
        seen: dict[str, set[str]] = {"ip": set(), "agent": set(), "source": set()}
        for row in range(rows.row_count):
            event = event_at(screen, row)
            _time, gap, badges, *_ = rows.cells(row)
            previous = event_at(screen, row - 1).timestamp if row else None
            assert gap == format_gap(None if previous is None else event.timestamp - previous)
            expected = []
            for name, value in (
                ("IP", event.client_ip),
                ("agent", event.user_agent),
                ("source", event.source),
            ):
                key = {"IP": "ip"}.get(name, name)
                if value and value.lower() not in seen[key]:
                    seen[key].add(value.lower())
                    expected.append(name)
            assert badges == ("new " + ", ".join(expected) if expected else ""), row
        title = screen_text(app).splitlines()[0]
        assert title.startswith(f" Actor {user_of(chosen)} · {len(wanted):,} events · ")
        assert f"{len(seen['ip'])} IP" in title
        assert "first seen looked back to 2026-11-25 12:00:00" in title
        assert "new IP" in screen_text(app)


async def test_enter_closes_and_selects_that_event_in_the_table(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        screen = await open_view(pilot, "a")
        await pilot.press("home", "j", "j")
        target = event_at(screen, 2)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ActorScreen)
        assert table(app).cursor_event is target
        assert table(app).has_focus


async def test_escape_and_q_close_and_keep_the_cursor(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("j", "j")
        before = table(app).cursor_event
        for key in ("escape", "q"):
            screen = await open_view(pilot, "a")
            await pilot.press("end", key)
            await settle(pilot)
            assert not isinstance(app.screen, ActorScreen), key
            assert screen.actor is not None and len(screen.actor) > 1
            assert table(app).cursor_event is before
        assert app.is_running  # q closed the view, not the app


async def test_enter_on_an_event_the_filter_hides_says_so(server: DemoServer) -> None:
    async with loaded_app(server, notifications=True) as (app, pilot):
        event = table(app).cursor_event
        assert event is not None and event.action
        await submit(pilot, f'action:"{event.action}"')
        screen = await open_view(pilot, "a")
        rows = rows_of(screen)
        hidden = next(
            row for row in range(rows.row_count) if event_at(screen, row).action != event.action
        )
        rows.move_cursor(hidden)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ActorScreen)
        assert any("hidden by the filter" in text for text in messages(app))
        assert app.filter_flow.text == f'action:"{event.action}"'  # the filter is kept


async def test_b_jumps_to_the_next_badge(server: DemoServer) -> None:
    async with loaded_app(server) as (_app, pilot):
        screen = await open_view(pilot, "a")
        assert screen.actor is not None
        rows = rows_of(screen)
        await pilot.press("home", "b")
        assert rows.cursor_row == screen.actor.badge_rows[1]
        await pilot.press("B")
        assert rows.cursor_row == 0


async def test_capital_a_picks_client_ip_or_object(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("j")
        chosen = app.table.cursor_event
        assert chosen is not None
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, PivotByDialog), "the dialog")
        wanted = expected_rows(app, lambda event: event.client_ip)
        screen = await open_view(pilot, "2")
        assert screen.subject.kind == "ip" and screen.subject.text == chosen.client_ip
        assert screen.actor is not None and list(screen.actor.indices) == wanted
        assert "new user" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        # by object, with the arrows and Enter this time

        def object_of(event: AuditEvent) -> str | None:
            return object_text(event.object_type, event.object_id)

        wanted = expected_rows(app, object_of)
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, PivotByDialog), "the dialog")
        screen = await open_view(pilot, "down", "down", "enter")
        assert screen.subject.kind == "object" and screen.subject.text == object_of(chosen)
        assert screen.actor is not None and list(screen.actor.indices) == wanted
        assert screen_text(app).startswith(f" Object {object_of(chosen)} · ")


async def test_no_event_selected_is_a_warning(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "nosuchvalueanywhere")
        assert table(app).cursor_event is None
        for key in ("a", "A"):
            await pilot.press(key)
            await settle(pilot)
            assert not isinstance(app.screen, ActorScreen | PivotByDialog)
        assert messages(app).count("No event selected.") == 2


async def test_question_mark_lists_the_views_keys(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await open_view(pilot, "a")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        assert isinstance(app.screen, HelpScreen)
        ids = {row[3] for row in app.screen.rows}
        assert {"actor.next_badge", "actor.choose", "actor.close", "actor.cursor_down"} <= ids
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ActorScreen)
        # and the App's help lists `a` and `A`
        await pilot.press("escape", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the App's help")
        assert isinstance(app.screen, HelpScreen)
        assert {"app.actor", "app.actor_by"} <= {row[3] for row in app.screen.rows}


async def test_hostile_values_render_literally() -> None:
    server = demo_server(hostile_events())
    try:
        async with loaded_app(server) as (app, pilot):
            names = list(HOSTILE)
            for name in ("markup_bold", "ansi_clear", "bidi_override"):
                row = names.index(name)  # h1 is the newest: the table's first row
                table(app).move_cursor(row)
                await settle(pilot)
                screen = await open_view(pilot, "a")
                text = screen_text(app)  # fails on any raw escape or bidi character
                assert screen.actor is not None and len(screen.actor) == 1
                shown = {
                    "markup_bold": "[bold]",
                    "ansi_clear": "\\x1b[2J",
                    "bidi_override": "\\u202eevil",
                }
                assert text.startswith(f" Actor {shown[name]} · 1 event · ")
                assert rows_of(screen).cells(0)[3] == shown[name]  # the action cell
                await pilot.press("escape")
                await settle(pilot)
                await pilot.press("A")
                await wait_for(pilot, lambda: isinstance(app.screen, PivotByDialog), "dialog")
                assert f"1  User       {shown[name]}" in screen_text(app)
                await pilot.press("escape")
                await settle(pilot)
    finally:
        server.stop()
