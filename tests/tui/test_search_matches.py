"""Search without narrowing (issue 15, "Also expected"): ctrl+f opens a find bar taking the
filter language; Enter and `n`/`N` move the cursor between the matching rows of the table
as shown (filtered and sorted), wrapping at the ends, and the bar says "match 3 of 41";
nothing is filtered. The bindings are in the help and the palette; Esc clears the search.
"""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

from typing import Any

from auditui.demo import DemoServer
from auditui.tui.app import AuditApp
from auditui.tui.flows.find import matching_rows
from auditui.tui.widgets.find_bar import FindBar
from tests.helpers.app import (
    idle,
    loaded_app,
    screen_text,
    search_palette,
    settle,
    submit,
    table,
    wait_for,
)


def find_bar(app: AuditApp) -> FindBar:
    return app.query_one(FindBar)


def status(app: AuditApp) -> str:
    return str(app.query_one("#find-status").render())


def failure_rows(app: AuditApp) -> list[int]:
    view = app.view
    return [row for row in range(len(view)) if view.event_at(row).status == "failure"]


async def find(pilot: Any, text: str) -> None:
    app = pilot.app
    await pilot.press("ctrl+f")
    await wait_for(pilot, lambda: find_bar(app).input.has_focus, "the find bar")
    await pilot.press(*text)
    await pilot.press("enter")
    await idle(pilot)


async def test_n_and_shift_n_walk_the_matches_without_filtering(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        total = len(app.view)
        rows = failure_rows(app)
        assert len(rows) >= 3
        await find(pilot, "status:failure")
        assert len(app.view) == total  # nothing filtered
        assert table(app).has_focus
        assert table(app).cursor_row == rows[0]  # the first match at or after the cursor
        assert status(app).startswith(f"match 1 of {len(rows)}")
        assert f"match 1 of {len(rows)}" in screen_text(app)

        await pilot.press("greater_than_sign", "greater_than_sign")
        await settle(pilot)
        assert table(app).cursor_row == rows[2]
        assert status(app).startswith(f"match 3 of {len(rows)}")
        await pilot.press("less_than_sign")
        await settle(pilot)
        assert table(app).cursor_row == rows[1]

        await pilot.press("less_than_sign", "less_than_sign")  # before the first: wraps to the last
        await settle(pilot)
        assert table(app).cursor_row == rows[-1]
        assert status(app).startswith(f"match {len(rows)} of {len(rows)}")
        await pilot.press("greater_than_sign")  # after the last: wraps to the first
        await settle(pilot)
        assert table(app).cursor_row == rows[0]


async def test_the_matches_follow_the_table_as_shown(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await find(pilot, "status:failure")
        before = status(app)
        assert before.startswith("match 1 of")
        await submit(pilot, "source:web")  # a filter: the search keeps going over it
        assert status(app) == ">/<: next/previous match"  # the old count is not kept
        table(app).focus()
        await settle(pilot)
        await pilot.press("s")  # and a sort
        await idle(pilot)
        table(app).move_cursor(0)
        await settle(pilot)
        rows = failure_rows(app)
        assert rows and all(app.view.event_at(r).source == "web" for r in rows)
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert table(app).cursor_row == (rows[0] if rows[0] > 0 else rows[1 % len(rows)])
        event = table(app).cursor_event
        assert event is not None and event.status == "failure"
        assert status(app).startswith(
            f"match {rows.index(table(app).cursor_row) + 1} of {len(rows)}"
        )


async def test_a_plain_word_and_an_invalid_query(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        event = app.view.event_at(5)
        assert event.user_email
        await find(pilot, f'"{event.user_email}"')
        found = table(app).cursor_event
        assert found is not None and found.user_email == event.user_email

        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: find_bar(app).input.has_focus, "the find bar")
        await pilot.press("ctrl+u", *"status:(")
        await wait_for(pilot, lambda: "✗" in status(app), "the error")
        await pilot.press("escape")  # clears the search and hides the bar
        await settle(pilot)
        assert not find_bar(app).is_shown and table(app).has_focus
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert len(app.view) == len(app.store)


async def test_find_keys_are_in_the_help_and_the_palette(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        rows = {(keys, title) for _, keys, title, _ in app.help_rows()}
        assert {
            ("ctrl+f", "Find"),
            ("greater_than_sign", "Next match"),
            ("less_than_sign", "Previous match"),
        } <= rows
        ids = {binding_id for *_, binding_id in app.help_rows()}
        assert {"app.find", "app.find_next", "app.find_previous", "find.clear"} <= ids
        results = await search_palette(pilot, "next match")
        assert "Next match" in str(results.get_option_at_index(0).prompt)


def test_matching_rows_small_and_large() -> None:
    order = [5, 3, 9, 1, 7]
    assert matching_rows(order, [1, 5, 8]) == [0, 3]
    big = list(range(100_000, 0, -1))
    assert matching_rows(big, [1, 100_000, 50]) == [0, 99_950, 99_999]
