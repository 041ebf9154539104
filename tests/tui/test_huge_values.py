"""Huge values in bounded time and memory (issue 16, item 7).

Hostile events are served over loopback HTTP by the demo server: a payload nested 5,000
levels deep (only 30 KB, but 50 MB once indented: indenting grows with the square of the
depth), a 2 MB user agent, an event whose JSON is more than a terminal clipboard takes and
one big enough that `c` prepares it in a worker. What is checked is the size of what the
App builds: the lines the detail pane holds, the nodes of the tree, what `c` and `y` put
on the clipboard. Nothing here measures time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from textual.widgets import OptionList

from auditui.demo import DemoServer
from auditui.events import decode_logs, encode_event, payload_value
from auditui.textsafe import json_text_safe
from auditui.tui.bounded_json import Shape, fits, json_lines, readable_json
from auditui.tui.handoff import CLIPBOARD_MAX, SYNC_COPY_BYTES
from auditui.tui.widgets.detail import FIELD_CHARS, TEXT_CHARS, PayloadText
from auditui.tui.widgets.json_tree import MAX_DEPTH, JsonTree, json_text, value_text
from tests.helpers.app import (
    detail,
    loaded_app,
    messages,
    settle,
    table,
    wait_for,
)
from tests.helpers.hostile import body_of, encoded, raw_event_json

DEPTH = 5_000
DEEP = '{"a":' * DEPTH + '"QUFBQUFB"' + "}" * DEPTH
AGENT = "Mozilla/5.0 " + "A" * (2 * 1024 * 1024)
TOO_BIG = "B" * (CLIPBOARD_MAX + 1024)
WORKER_SIZED = "C" * (SYNC_COPY_BYTES + 1024)
HUGE = {
    1: raw_event_json(1, payload=DEEP),
    2: raw_event_json(2, payload='{"ua": "long"}', user_agent=AGENT),
    3: raw_event_json(3, payload=msgspec.json.encode({"blob": TOO_BIG}).decode()),
    4: raw_event_json(4, payload=msgspec.json.encode({"blob": WORKER_SIZED}).decode()),
}


@pytest.fixture(scope="module")
def huge_server() -> Iterator[DemoServer]:
    server = DemoServer(encoded(list(HUGE.items()))).start()
    try:
        yield server
    finally:
        server.stop()


async def goto(pilot: Any, uuid: str) -> None:
    app = pilot.app
    row = next(r for r in range(len(app.view)) if app.view.event_at(r).event_uuid == uuid)
    table(app).move_cursor(row)
    await wait_for(pilot, lambda: detail(app).event is table(app).cursor_event, "the detail")
    await settle(pilot, 2)


# -- the bound itself --------------------------------------------------------------------------


def test_the_bound_is_exact_in_lines_and_above_the_indented_size() -> None:
    samples = [
        b'{"a":[],"b":{},"c":[1,2],"d":"x[{,:\\"]"}',
        b'[[1,2],[3,{"k":[4]}]]',
        b"[]",
        b'"just a string"',
        ('{"a":' * 300 + "1" + "}" * 300).encode(),
    ]
    for compact in samples:
        indented = msgspec.json.format(compact, indent=2)
        shape = Shape(compact)
        assert shape.lines == indented.count(b"\n") + 1 == json_lines(compact)
        bound = shape.pretty_bound()
        assert bound is not None and bound >= len(indented)


def test_a_deep_value_is_never_indented() -> None:
    compact = DEEP.encode()
    assert not fits(compact)  # 50 MB once indented
    built: list[str] = []

    def indent() -> str:
        built.append("indented")
        return ""

    assert readable_json(compact, indent) == DEEP and built == []
    [event] = decode_logs(body_of(HUGE[1])).events
    assert json_text(payload_value(event)) == DEEP  # what `y` copies from the tree


def test_a_long_string_label_is_cut_before_it_is_escaped() -> None:
    label = value_text("\x1b" * 2_000_000).plain
    assert len(label) < 2_000 and "MiB more" in label and "\x1b" not in label


# -- the App -----------------------------------------------------------------------------------


async def test_a_deep_payload_shows_expands_and_copies_within_bounds(
    huge_server: DemoServer,
) -> None:
    async with loaded_app(huge_server, notifications=True) as (app, pilot):
        await goto(pilot, "raw1")
        pane = detail(app)
        event = pane.event
        assert event is not None
        compact = encode_event(event).decode()
        # text view: the raw JSON, cut, not 50 MB of indentation
        pane.set_mode("text")
        await settle(pilot)
        text = pane.query_one("#detail-payload-text", PayloadText).plain
        assert "nested too deeply to indent" in text and len(text) < TEXT_CHARS + 1_000
        # tree view, expand all: no more nodes than the depth cap allows
        pane.action_toggle_tree()  # x
        await settle(pilot)
        assert pane.mode == "tree"
        tree = pane.query_one(JsonTree)
        tree.expand_all()
        await settle(pilot)
        assert len(tree._tree_nodes) <= MAX_DEPTH + 2
        # `c`: the event's JSON, compact (the same value), not indented to 50 MB
        table(app).focus()
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard == json_text_safe(compact)
        # `y` on the tree's root: the payload, compact
        tree.focus()
        tree.move_cursor(tree.root)
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == DEEP
        assert app.is_running


async def test_a_two_megabyte_user_agent_is_cut_in_the_detail_with_a_note(
    huge_server: DemoServer,
) -> None:
    async with loaded_app(huge_server) as (app, pilot):
        await goto(pilot, "raw2")
        fields = detail(app).query_one("#detail-fields", OptionList)
        rows = [str(option.prompt) for option in fields.options]
        agent = next(row for row in rows if row.startswith("user_agent"))
        assert len(agent) < FIELD_CHARS * 2  # cut (then wrapped), not 2 MB of lines
        assert agent.count("A") > 1_000 and "2.0 MiB more" in agent
        # `y` on the field still copies all of it
        fields.focus()
        fields.highlighted = next(i for i, row in enumerate(rows) if row.startswith("user_agent"))
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == AGENT


async def test_an_event_too_big_for_the_clipboard_is_refused_with_a_toast(
    huge_server: DemoServer,
) -> None:
    async with loaded_app(huge_server, notifications=True) as (app, pilot):
        await goto(pilot, "raw3")
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard == ""
        [refused] = [m for m in messages(app) if m.startswith("Not copied")]
        assert "more than a terminal clipboard takes" in refused and "o opens it" in refused
        assert app.is_running


async def test_a_big_copy_runs_in_a_worker_and_q_still_quits(huge_server: DemoServer) -> None:
    async with loaded_app(huge_server, notifications=True) as (app, pilot):
        await goto(pilot, "raw4")
        await pilot.press("c")
        await wait_for(pilot, lambda: bool(app.clipboard), "the copy")
        assert WORKER_SIZED in app.clipboard
        await goto(pilot, "raw4")
        await pilot.press("c", "q")  # quit while the copy is prepared
        await wait_for(pilot, lambda: app._exit, "the App to exit")
