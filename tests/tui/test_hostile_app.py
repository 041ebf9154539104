"""The App shown issue 6's hostile corpus, served over HTTP by the demo server.

Every string field and payload key/value of the events holds one hostile string (see
`HOSTILE` in tests/helpers/hostile.py); others carry a 1 MB user agent, duplicate keys, a
10**400 number literal and deep nesting. Every surface must show them inert: the table
(each line exactly the table's width, each cell exactly its column's width, escapes
visible), the detail pane and JSON tree, toasts, dialogs and the clipboard (the event's
JSON, which decodes back to the original values, and never a raw control byte).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from rich.cells import cell_len
from textual.widgets import OptionList

from auditui.demo import DemoServer, Fault
from auditui.events import KNOWN_COLUMNS, AuditEvent, decode_logs, event_to_pretty_json
from auditui.textsafe import visible
from auditui.tui.widgets.detail import PayloadText
from auditui.tui.widgets.json_tree import JsonTree
from auditui.tui.widgets.table.layout import fit
from tests.helpers.app import (
    WIDE,
    detail,
    loaded_app,
    make_app,
    messages,
    screen_text,
    settle,
    table,
    wait_for,
    wait_loaded,
)
from tests.helpers.hostile import (
    BIG_AGENT,
    DEEP_ARRAYS,
    DEEP_OBJECTS,
    DUPLICATE_KEYS,
    HOSTILE,
    HUGE_NUMBER,
    STRING_FIELDS,
    body_of,
    dangerous_in,
    encoded,
    hostile_events,
    raw_event_json,
)
from tests.helpers.hosts import DetailApp

EVENTS = hostile_events()
RAW = {
    101: raw_event_json(101, payload=DUPLICATE_KEYS),
    102: raw_event_json(102, payload=f'{{"big": {HUGE_NUMBER}, "neg": -{HUGE_NUMBER}}}'),
    103: raw_event_json(103, payload='{"ua": "long"}', user_agent=BIG_AGENT),
}


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[DemoServer]:
    blobs = [(n, msgspec.json.encode(event)) for n, event in enumerate(EVENTS, 1)]
    server = DemoServer(encoded([*blobs, *RAW.items()])).start()
    try:
        yield server
    finally:
        server.stop()


def row_of(app: Any, uuid: str) -> int:
    row = next(r for r in range(len(app.view)) if app.view.event_at(r).event_uuid == uuid)
    return int(row)


async def goto(pilot: Any, uuid: str) -> None:
    app = pilot.app
    table(app).move_cursor(row_of(app, uuid))
    await wait_for(pilot, lambda: detail(app).event is table(app).cursor_event, "the detail")
    await settle(pilot, 2)


def walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from walk(child)


async def test_every_table_line_is_exactly_as_wide_as_the_table(
    hostile_server: DemoServer,
) -> None:
    async with loaded_app(hostile_server) as (app, pilot):
        assert len(app.view) == len(EVENTS) + len(RAW) and app.load_flow.counts.skipped == 0
        grid = table(app)
        grid.columns = tuple(KNOWN_COLUMNS)  # every column, the long ones included
        await settle(pilot)
        width = grid.scrollable_content_region.width
        seen_rows = 0
        for top in range(0, len(app.view), 10):
            grid.scroll_to(y=top, animate=False)
            await settle(pilot, 2)
            for y in range(grid.scrollable_content_region.height):
                strip = grid.render_line(y)
                assert strip.cell_length == width, y
                assert dangerous_in(strip.text) == [], strip.text
                row = round(grid.scroll_offset.y) + y - 1
                if y == 0 or not 0 <= row < len(app.view):
                    continue
                seen_rows += 1
                event = app.view.event_at(row)
                # one Strip per cell, by cell x (after the mark column)
                texts = [piece.text for piece in strip.divide(grid._offsets[1:])]
                gutter = grid.mark_width if round(grid.scroll_offset.x) == 0 else 0
                assert texts[0][:gutter] == " " * gutter  # nothing marked
                texts[0] = texts[0][gutter:]
                for column, text, cell_width in zip(
                    grid._columns, texts, grid._widths, strict=False
                ):
                    expected = f" {fit(column.text(event, grid.tz), cell_width)} "
                    if round(grid.scroll_offset.x) == 0:
                        assert text == expected, column.id
                    assert cell_len(text) == cell_width + 2
        assert seen_rows >= len(app.view)
        grid.columns = ("time", "action")  # 13 columns share the width: each is cut short
        grid.scroll_to(y=0, animate=False)
        await settle(pilot, 2)
        text = screen_text(app)  # the real screen (asserts no raw ESC/RLO in the SVG)
        assert "[@click=app.quit]" in text and "\\x1b[2J" in text


async def test_a_megabyte_user_agent_is_cut_in_its_cell_and_shown_in_the_detail(
    hostile_server: DemoServer,
) -> None:
    async with loaded_app(hostile_server) as (app, pilot):
        grid = table(app)
        grid.columns = ("time", "user_agent", "user")
        await goto(pilot, "raw103")
        line = grid.render_line(grid.cursor_row - round(grid.scroll_offset.y) + 1).text
        cell = line[grid._offsets[1] : grid._offsets[2]]
        assert cell.strip().startswith("Mozilla/5.0 AAAA") and cell.strip().endswith("…")
        assert cell_len(line) == grid.scrollable_content_region.width
        fields = detail(app).query_one("#detail-fields", OptionList)
        shown = [str(option.prompt) for option in fields.options]
        agent_row = next(row for row in shown if row.startswith("user_agent"))
        assert agent_row.count("A") > 1000  # wrapped, not lost
        await pilot.press("c")
        await settle(pilot)
        assert json.loads(app.clipboard)["user_agent"] == BIG_AGENT
        assert app.is_running


async def test_detail_tree_toast_and_clipboard_are_inert(hostile_server: DemoServer) -> None:
    async with loaded_app(hostile_server, notifications=True) as (_app, pilot):
        for name, text in HOSTILE.items():
            await check_event_surfaces(pilot, name, text)


async def check_event_surfaces(pilot: Any, name: str, text: str) -> None:
    app = pilot.app
    original = next(e for e in EVENTS if e["payload"]["kind"] == name)
    table(app).focus()
    detail(app).set_mode("text")
    await goto(pilot, original["event_uuid"])
    pane = detail(app)
    # the detail pane: every string field, shown escaped and never as markup
    fields = pane.query_one("#detail-fields", OptionList)
    prompts = [str(option.prompt) for option in fields.options]
    for row in prompts:
        assert dangerous_in(row, allow_newline=True) == [], row
    joined = " ".join("".join(p.split()) for p in prompts)
    compact = "".join(visible(text).split())
    assert joined.count(compact) >= len(STRING_FIELDS), name
    payload = pane.query_one("#detail-payload-text", PayloadText).plain
    assert dangerous_in(payload, allow_newline=True) == []
    # the JSON tree: keys and values escaped, all labels inert
    pane.set_mode("tree")
    await settle(pilot)
    tree = pane.query_one(JsonTree)
    tree.expand_all()
    await settle(pilot)
    labels = [node.label.plain for node in walk(tree.root)]
    assert len(labels) > 5 and any(visible(text) in label for label in labels)
    rendered = [tree.render_line(y).text for y in range(tree.size.height)]
    for label in [*labels, *rendered]:
        assert dangerous_in(label) == [], label
    screen = screen_text(app)
    assert "pwned" not in screen or "\\x1b]0;pwned" in screen
    # the clipboard: the event's JSON, inert, decoding to the original values
    table(app).focus()
    await pilot.press("c")
    await settle(pilot)
    copied = app.clipboard
    assert dangerous_in(copied, allow_newline=True) == []
    value = json.loads(copied)
    for field in (*STRING_FIELDS, "payload"):
        assert value[field] == original[field], field
    toast = f"Copied event {visible(original['event_uuid'])} as JSON"
    assert any(message.startswith(toast) for message in messages(app)), messages(app)
    for message in messages(app):
        assert dangerous_in(message) == []
    # `y` on a cell: the cell's value, inert
    table(app).cursor_column = table(app).columns.index("action")
    await pilot.press("y")
    await settle(pilot)
    assert dangerous_in(app.clipboard, allow_newline=True) == []
    assert app.is_running and not app._exit


async def test_duplicate_keys_and_huge_numbers_are_shown_and_copied_verbatim(
    hostile_server: DemoServer,
) -> None:
    async with loaded_app(hostile_server, notifications=True) as (app, pilot):
        await goto(pilot, "raw101")
        payload = detail(app).query_one("#detail-payload-text", PayloadText).plain
        assert '"role": "viewer"' in payload and '"role": "admin"' in payload  # as sent
        await pilot.press("c")
        await settle(pilot)
        assert '"role": "viewer"' in app.clipboard  # the JSON as received, both keys
        assert json.loads(app.clipboard)["payload"] == {"role": "admin", "n": 2}
        detail(app).set_mode("tree")
        await settle(pilot)
        tree = detail(app).query_one(JsonTree)
        assert [child.label.plain for child in tree.root.children] == [  # type: ignore[union-attr]
            'role: "admin"',
            "n: 2",
        ]
        await goto(pilot, "raw102")
        detail(app).set_mode("text")
        await settle(pilot)
        payload = detail(app).query_one("#detail-payload-text", PayloadText).plain
        assert HUGE_NUMBER in payload and f"-{HUGE_NUMBER}" in payload
        await pilot.press("c")
        await settle(pilot)
        assert json.loads(app.clipboard)["payload"]["big"] == 10**400
        detail(app).set_mode("tree")
        await settle(pilot)
        labels = [c.label.plain for c in detail(app).query_one(JsonTree).root.children]  # type: ignore[union-attr]
        assert labels[0] == f"big: {HUGE_NUMBER}"
        assert app.is_running


# -- deep nesting (depth 1,000) ----------------------------------------------------------------


def decode_event_or_fail(blob: bytes) -> AuditEvent:
    [event] = decode_logs(body_of(blob)).events
    return event


def test_a_payload_nested_1000_deep_does_not_break_decoding() -> None:
    decoded = decode_logs(body_of(raw_event_json(1, payload=DEEP_ARRAYS)))
    assert len(decoded.events) == 1 and decoded.malformed == 0


def test_a_deep_payload_can_be_formatted_for_the_clipboard() -> None:
    event = decode_event_or_fail(raw_event_json(1, payload="{}"))
    event.payload = msgspec.Raw(DEEP_OBJECTS.encode())
    assert json.loads(event_to_pretty_json(event))["event_uuid"] == "raw1"


async def test_the_detail_pane_shows_a_deep_payload() -> None:
    event = decode_event_or_fail(raw_event_json(1, payload="{}"))
    event.payload = msgspec.Raw(DEEP_OBJECTS.encode())
    app = DetailApp()
    async with app.run_test(size=WIDE) as pilot:
        app.pane.show_event(event, utc=True)
        await settle(pilot)
        app.pane.set_mode("text")
        await settle(pilot)
        text = app.pane.query_one("#detail-payload-text", PayloadText).plain
        assert '"a": {' in text and "nested too deeply" not in text
        assert app.is_running


async def test_the_detail_pane_shows_a_too_deep_payload_as_raw_text() -> None:
    event = decode_event_or_fail(raw_event_json(1, payload="{}"))
    event.payload = msgspec.Raw(('{"a":' * 25_000 + "1" + "}" * 25_000).encode())
    app = DetailApp()
    async with app.run_test(size=WIDE) as pilot:
        app.pane.show_event(event, utc=True)
        await settle(pilot)
        text = app.pane.query_one("#detail-payload-text", PayloadText).plain
        assert "nested too deeply" in text and '{"a":{"a":' in text
        app.pane.set_mode("tree" if app.pane.mode == "text" else "text")
        await settle(pilot)
        text = app.pane.query_one("#detail-payload-text", PayloadText).plain
        assert "nested too deeply" in text
        assert app.is_running


async def test_a_load_with_a_deep_payload_finishes() -> None:
    blobs = [(1, raw_event_json(1, payload="{}")), (2, raw_event_json(2, payload=DEEP_ARRAYS))]
    with DemoServer(encoded(blobs)) as server:
        app = make_app(server)
        async with app.run_test(size=WIDE, notifications=True) as pilot:
            await wait_for(pilot, lambda: not app.loading, "the load to end")
            assert len(app.store) == 2 and app.load_flow.counts.skipped == 0


async def test_a_hostile_422_is_an_inert_toast(hostile_server: DemoServer) -> None:
    detail_list = [{"loc": ["body", "\x1b]0;pwned\x07"], "msg": "[@click=app.quit] \x1b[2J\u202e"}]
    async with loaded_app(hostile_server, notifications=True) as (app, pilot):
        rows = table(app).row_count
        body = json.dumps({"detail": detail_list}).encode()
        hostile_server.faults.push(Fault("raw", status=422, body=body, repeat=4))
        await pilot.press("r")
        await wait_loaded(pilot)
        hostile_server.faults.clear()
        [error] = [m for m in messages(app) if "HTTP 422" in m]
        assert "body.\\x1b]0;pwned\\x07: [@click=app.quit] \\x1b[2J\\u202e" in error
        assert dangerous_in(error) == []
        assert "\\x1b]0;pwned" in screen_text(app)  # the toast on screen, literally
        assert table(app).row_count == rows and app.is_running  # nothing on screen was lost
