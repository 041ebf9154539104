"""Pivot keys (issue 12): `=` narrows the filter to the value under the cursor, `!` leaves
it out, from a table cell or from a field of the detail pane (hidden ones included).

Pilot against the seeded demo server over loopback HTTP; every check reads the events the
view holds, not only the bar's text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import pytest
from textual.widgets import OptionList

from auditui.demo import DemoServer
from auditui.events import AuditEvent
from auditui.events.fields import object_text, user_text
from tests.helpers.app import (
    all_events,
    bar,
    cursor_uuid,
    detail,
    header,
    idle,
    loaded_app,
    messages,
    search_palette,
    settle,
    table,
    view_uuids,
)

VALUES: dict[str, Callable[[AuditEvent], object]] = {
    "user": lambda e: user_text(e.user_email, e.user_id),
    "action": lambda e: e.action,
    "ip": lambda e: e.client_ip,
    "object": lambda e: object_text(e.object_type, e.object_id),
    "time": lambda e: e.timestamp.astimezone(UTC).replace(second=0, microsecond=0),
}


async def to_column(pilot, app, column: str) -> None:  # type: ignore[no-untyped-def]
    """Move the table's cell cursor to `column` with h/l."""
    grid = table(app)
    grid.focus()
    await pilot.press(*["h"] * len(grid.columns))
    await pilot.press(*["l"] * grid.columns.index(column))
    await settle(pilot)
    assert grid.current_column == column


async def to_row_with_values(pilot, app) -> AuditEvent:  # type: ignore[no-untyped-def]
    """Put the cursor on a row (not the first) whose pivoted fields all have a value and
    whose user has other events too."""
    users = [VALUES["user"](e) for e in all_events(app)]
    for row in range(3, len(app.view)):
        event = app.view.event_at(row)
        if all(VALUES[name](event) not in (None, "") for name in VALUES) and (
            users.count(VALUES["user"](event)) > 1
        ):
            table(app).move_cursor(row)
            await settle(pilot)
            found: AuditEvent = event
            return found
    raise AssertionError("no row with every pivoted field set")


def expected(app, name: str, event: AuditEvent, *, exclude: bool = False) -> set[str]:  # type: ignore[no-untyped-def]
    value = VALUES[name](event)
    return {e.event_uuid for e in all_events(app) if (VALUES[name](e) == value) != exclude}


@pytest.mark.parametrize("column", ["user", "action", "ip", "object", "time"])
async def test_equals_selects_exactly_the_events_with_the_cell_value(
    server: DemoServer, column: str
) -> None:
    async with loaded_app(server) as (app, pilot):
        event = await to_row_with_values(pilot, app)
        await to_column(pilot, app, column)
        await pilot.press("equals_sign")
        await idle(pilot)
        want = expected(app, column, event)
        assert 0 < len(want) < len(app.store)
        assert set(view_uuids(app)) == want
        assert cursor_uuid(app) == event.event_uuid  # the pivoted event stays selected
        query = app.filter_flow.text
        assert query and bar(app).value == query
        assert f"filter: {query}"[:40] in header(app)
        assert f"Filter: {query}"[:60] in " ".join(messages(app))


@pytest.mark.parametrize("column", ["user", "action", "ip"])
async def test_bang_leaves_the_cell_value_out(server: DemoServer, column: str) -> None:
    async with loaded_app(server) as (app, pilot):
        event = await to_row_with_values(pilot, app)
        await to_column(pilot, app, column)
        await pilot.press("exclamation_mark")
        await idle(pilot)
        want = expected(app, column, event, exclude=True)
        assert 0 < len(want) < len(app.store)
        assert set(view_uuids(app)) == want
        assert event.event_uuid not in view_uuids(app)
        assert app.filter_flow.text.startswith("-")


async def test_pivots_add_up_with_the_filter_applied(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        event = await to_row_with_values(pilot, app)
        await to_column(pilot, app, "user")
        await pilot.press("equals_sign")
        await idle(pilot)
        await to_column(pilot, app, "action")
        await pilot.press("exclamation_mark")
        await idle(pilot)
        user, action = VALUES["user"](event), VALUES["action"](event)
        want = {
            e.event_uuid
            for e in all_events(app)
            if VALUES["user"](e) == user and VALUES["action"](e) != action
        }
        assert set(view_uuids(app)) == want


async def highlight_field(pilot, app, name: str) -> None:  # type: ignore[no-untyped-def]
    """Focus the detail pane's field list and highlight the field `name`."""
    pane = detail(app)
    fields = pane.query_one("#detail-fields", OptionList)
    fields.focus()
    await settle(pilot)
    fields.highlighted = 0
    for _ in range(fields.option_count):
        found = pane.value_under_cursor()
        if found is not None and found[0] == name:
            return
        await pilot.press("down")
        await settle(pilot, 1)
    raise AssertionError(f"no field {name} in the detail pane")


@pytest.mark.parametrize(
    ("field", "value"),
    [("user_agent", lambda e: e.user_agent), ("log_entry", lambda e: e.log_entry)],
)
async def test_equals_on_a_detail_field_not_in_the_table(
    server: DemoServer, field: str, value: Callable[[AuditEvent], object]
) -> None:
    async with loaded_app(server) as (app, pilot):
        assert field not in table(app).columns
        event = await to_row_with_values(pilot, app)
        await highlight_field(pilot, app, field)
        await pilot.press("equals_sign")
        await idle(pilot)
        want = {e.event_uuid for e in all_events(app) if value(e) == value(event)}
        assert 0 < len(want) < len(app.store)
        assert set(view_uuids(app)) == want


async def test_the_detail_time_row_pivots_to_that_minute(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        event = await to_row_with_values(pilot, app)
        await highlight_field(pilot, app, "time (UTC)")
        await pilot.press("exclamation_mark")
        await idle(pilot)
        assert set(view_uuids(app)) == expected(app, "time", event, exclude=True)


async def test_the_payload_has_no_pivot_and_says_what_to_type(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await to_row_with_values(pilot, app)
        detail(app).query_one("#detail-payload-text").focus()
        await settle(pilot)
        before = view_uuids(app)
        await pilot.press("equals_sign")
        await idle(pilot)
        assert view_uuids(app) == before and app.filter_flow.text == ""
        note = [m for m in messages(app) if "payload" in m]
        assert note and "\n" not in note[-1] and 'payload:"' in note[-1]


async def test_keys_help_and_palette(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        rows = app.help_rows()
        assert ("App", "equals_sign", "Pivot", "app.pivot") in rows
        assert ("App", "exclamation_mark", "Pivot out", "app.pivot_out") in rows
        assert ("App", "L", "Skipped events", "app.skipped") in rows
        assert ("App", "plus", "Detail bigger", "app.detail_bigger") in rows
        results = await search_palette(pilot, "pivot out")
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any("App: Pivot out" in prompt for prompt in prompts)
