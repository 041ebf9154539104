"""The detail pane and the JSON tree, driven through Textual's Pilot in tiny host apps."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList

from auditui.events import AuditEvent
from auditui.tui.widgets import json_tree
from auditui.tui.widgets.detail import DetailPane, Mode, PayloadText
from auditui.tui.widgets.json_tree import JsonNodeData, JsonTree, child_path
from tests.helpers.hosts import DetailApp, TreeApp
from tests.helpers.pilot import screen_text

HOSTILE = "[bold]x[/] \x1b]52;c;QUFB\x07 \u202eevil \x85end"
SIZE = (110, 50)


def make_event(payload: Any = None, *, raw: bytes | None = None, **fields: Any) -> AuditEvent:
    body = raw if raw is not None else msgspec.json.encode(payload)
    base: dict[str, Any] = {
        "timestamp": datetime(2026, 11, 2, 13, 4, 5, tzinfo=UTC),
        "event_uuid": "0b0e-uuid-1",
        "client_ip": "10.1.2.3",
        "url": "/api/v1/datasets",
        "action": "dataset.update",
        "user_email": "ann@example.com",
        "user_id": 42,
    }
    base.update(fields)
    return AuditEvent(payload=msgspec.Raw(body), **base)


def field_rows(pane: DetailPane) -> list[str]:
    """`label=value` for each field row (continuation lines joined)."""
    rows = []
    for option in pane.query_one("#detail-fields", OptionList).options:
        first, *rest = str(option.prompt).split("\n")
        value = " ".join([first[18:], *(line.strip() for line in rest)])
        rows.append(f"{first[:17].rstrip()}={value}")
    return rows


def payload_plain(pane: DetailPane) -> str:
    return pane.query_one("#detail-payload-text", PayloadText).plain


# -- detail pane ----------------------------------------------------------------------------


async def test_empty_state() -> None:
    app = DetailApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No event selected" in screen_text(app)
        assert app.pane.value_under_cursor() is None
        app.pane.show_event(make_event({"a": 1}), utc=True)
        await pilot.pause()
        app.pane.show_event(None, utc=True)
        await pilot.pause()
        assert "No event selected" in screen_text(app)


async def test_fields_in_order_with_nulls_and_both_times() -> None:
    app = DetailApp()
    async with app.run_test(size=SIZE) as pilot:
        app.pane.show_event(make_event({"b": 2}, status=None, is_support_user=False), utc=True)
        await pilot.pause()
        rows = field_rows(app.pane)
        labels = [row.split("=", 1)[0].strip() for row in rows]
        assert labels[:3] == ["timestamp", "(local)", "event_uuid"]
        assert labels[-1] == "log_entry"
        assert "payload" not in labels
        assert "timestamp=2026-11-02 13:04:05.000 UTC" in rows
        assert "status=null" in rows
        assert "is_support_user=false" in rows
        assert "user_id=42" in rows
        text = screen_text(app)
        assert "dataset.update" in text and "ann@example.com" in text
        assert '"b": 2' in text
        # local time first when not in UTC mode
        app.pane.show_event(app.pane.event, utc=False)
        await pilot.pause()
        assert field_rows(app.pane)[1].startswith("  (UTC)=2026-11-02 13:04:05.000 UTC")


async def test_hostile_strings_are_shown_literally() -> None:
    app = DetailApp()
    payload = {HOSTILE: HOSTILE, "nested": {"k[red]": [HOSTILE]}}
    async with app.run_test(size=SIZE) as pilot:
        app.pane.show_event(make_event(payload, user_agent=HOSTILE, url=HOSTILE), utc=True)
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]x[/]" in text
        assert "\\x1b]52;c;QUFB\\x07" in text  # the user_agent field, escaped
        assert "\\u001b]52;c;QUFB\\u0007" in text  # msgspec's escape inside the JSON text
        assert "\\u202eevil" in text and "\\x85end" in text
        assert "k[red]" in text
        plain = payload_plain(app.pane)
        assert "\x1b" not in plain and "\u202e" not in plain and "\x85" not in plain
        # the same payload as a tree
        await pilot.press("x")
        await pilot.pause()
        assert app.pane.mode == "tree"
        tree = app.pane.query_one(JsonTree)
        labels = [node.label.plain for node in tree.root.children]  # type: ignore[union-attr]
        assert any(label.startswith("[bold]x[/] \\x1b]52") for label in labels)
        assert all("\x1b" not in label and "\u202e" not in label for label in labels)
        text = screen_text(app)
        assert "[bold]x[/]" in text and "\\u202eevil" in text


async def test_null_payload_and_value_under_cursor_for_fields() -> None:
    app = DetailApp()
    async with app.run_test(size=SIZE) as pilot:
        app.pane.show_event(make_event(None, referer=None), utc=True)
        await pilot.pause()
        assert payload_plain(app.pane) == "null"
        app.pane.query_one("#detail-fields").focus()
        await pilot.pause()
        assert app.pane.value_under_cursor() == ("timestamp", "2026-11-02T13:04:05Z")
        await pilot.press("down", "down")
        assert app.pane.value_under_cursor() == ("event_uuid", "0b0e-uuid-1")


async def test_toggle_text_and_tree_and_copy_tree_value() -> None:
    app = DetailApp()
    payload = {"user": {"id": 7, "roles": ["admin", "viewer"]}, "ok": True}
    async with app.run_test(size=SIZE) as pilot:
        app.pane.show_event(make_event(payload), utc=True)
        await pilot.pause()
        assert app.pane.mode == "text"
        assert '"roles": [' in payload_plain(app.pane)
        app.pane.query_one("#detail-payload-text").focus()
        await pilot.pause()
        assert app.pane.value_under_cursor() == (
            "payload",
            msgspec.json.format(msgspec.json.encode(payload), indent=2).decode(),
        )
        await pilot.press("x")
        await pilot.pause()
        tree = app.pane.query_one(JsonTree)
        assert app.pane.mode == "tree" and tree.display and tree.has_focus
        await pilot.press("down")  # root -> "user"
        assert app.pane.value_under_cursor() == (
            "$.user",
            '{\n  "id": 7,\n  "roles": [\n    "admin",\n    "viewer"\n  ]\n}',
        )
        await pilot.press("space", "down", "down", "space", "down")  # open user, roles -> [0]
        assert app.pane.value_under_cursor() == ("$.user.roles[0]", "admin")  # strings as-is
        await pilot.press("x")
        await pilot.pause()
        assert app.pane.mode == "text" and not tree.display


async def test_hidden_pane_renders_when_shown_again() -> None:
    class HidingApp(App[None]):
        def compose(self) -> ComposeResult:
            with Vertical(id="body"):
                yield DetailPane()

    app = HidingApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DetailPane)
        body = app.query_one("#body")
        pane.show_event(make_event({"first": 1}), utc=True)
        await pilot.pause()
        pane.display = False
        pane.show_event(make_event({"second": 2}), utc=True)
        await pilot.pause()
        assert '"first": 1' in payload_plain(pane)  # not decoded while hidden
        pane.display = True
        await pilot.pause()
        assert '"second": 2' in payload_plain(pane)
        body.display = False  # hidden through an ancestor also defers nothing wrong
        pane.show_event(make_event({"third": 3}), utc=True)
        body.display = True
        await pilot.pause()
        assert '"third": 3' in payload_plain(pane)


async def test_expand_and_collapse_all_keys() -> None:
    app = DetailApp()
    payload = {"a": {"b": {"c": [1, 2, {"d": "deep"}]}}}
    async with app.run_test(size=SIZE) as pilot:
        app.pane.show_event(make_event(payload), utc=True)
        await pilot.pause()
        app.pane.query_one("#detail-payload-text").focus()
        await pilot.pause()
        await pilot.press("asterisk")  # switches to the tree and expands everything
        await pilot.pause()
        assert app.pane.mode == "tree"
        text = screen_text(app)
        assert 'd: "deep"' in text
        app.pane.query_one(JsonTree).focus()
        await pilot.pause()
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert 'd: "deep"' not in screen_text(app)


async def test_big_payload_opens_as_tree_quickly() -> None:
    items = [{"i": i, "name": f"item {i}", "tags": ["x", "y"]} for i in range(12_000)]
    event = make_event({"items": items})
    assert len(bytes(event.payload)) > 500_000
    app = DetailApp()
    async with app.run_test(size=SIZE) as pilot:
        app.pane.show_event(event, utc=True)
        await pilot.pause()
        assert app.pane.mode == "tree"
        tree = app.pane.query_one(JsonTree)
        assert len(tree._tree_nodes) < 10  # lazily loaded: only the first level exists
        assert "items: […] (12,000 items)" in screen_text(app)
        # text view of a big payload is cut short and never highlighted
        await pilot.press("x")
        await pilot.pause()
        plain = payload_plain(app.pane)
        assert "cut at 256.0 KiB" in plain
        assert len(plain) < 300_000


async def test_many_lines_open_as_tree() -> None:
    app = DetailApp()
    async with app.run_test(size=SIZE) as pilot:
        app.pane.show_event(make_event({"list": list(range(300))}), utc=True)
        await pilot.pause()
        assert app.pane.mode == "tree"
        app.pane.show_event(make_event({"list": list(range(10))}), utc=True)
        await pilot.pause()
        assert app.pane.mode == "text"


@pytest.mark.parametrize("mode", ["text", "tree"])
async def test_too_deep_payload_shows_message_and_raw_text(mode: Mode) -> None:
    raw = b"[" * 25_000 + b"]" * 25_000  # beyond models.MAX_DEPTH
    app = DetailApp()
    async with app.run_test(size=SIZE) as pilot:
        app.pane.set_mode(mode)
        app.pane.show_event(make_event(raw=raw), utc=True)
        await pilot.pause()
        plain = payload_plain(app.pane)
        assert "nested too deeply" in plain
        assert "[[[[[[" in plain
        assert app.pane.query_one("#detail-payload-text").display


async def test_invalid_payload_bytes_show_raw_text() -> None:
    app = DetailApp()
    async with app.run_test(size=SIZE) as pilot:
        app.pane.show_event(make_event(raw=b'{"a": \x1b[31m'), utc=True)
        await pilot.pause()
        plain = payload_plain(app.pane)
        assert "not valid JSON" in plain
        assert "\\x1b[31m" in plain and "\x1b" not in plain


# -- JSON tree ------------------------------------------------------------------------------


def test_child_path() -> None:
    assert child_path("$", "a") == "$.a"
    assert child_path("$.a", 3) == "$.a[3]"
    assert child_path("$", "b c") == '$["b c"]'
    assert child_path("$", 'q"') == '$["q\\""]'


async def test_tree_labels_lazy_children_and_paths() -> None:
    value = {"a": {"b": [10, {"c": None}]}, "s": "text", "n": 1.5, "t": False}
    app = TreeApp(value)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.json
        labels = [node.label.plain for node in tree.root.children]  # type: ignore[union-attr]
        assert labels == ["a: {…} (1 key)", 's: "text"', "n: 1.5", "t: false"]
        node_a = tree.root.children[0]
        assert len(node_a.children) == 0  # nothing loaded before expansion
        node_a.expand()
        await pilot.pause()
        node_b = node_a.children[0]
        assert node_b.label.plain == "b: […] (2 items)"  # type: ignore[union-attr]
        node_b.expand()
        await pilot.pause()
        node_c_parent = node_b.children[1]
        assert isinstance(node_c_parent.data, JsonNodeData)
        assert node_c_parent.data.path == "$.a.b[1]"
        assert tree.node_value_text(node_c_parent) == '{\n  "c": null\n}'
        assert tree.node_value_text(node_b.children[0]) == "10"
        assert tree.node_value_text(tree.root.children[1]) == '"text"'
        assert tree.node_path(node_c_parent) == "$.a.b[1]"


async def test_tree_keyboard_expand_collapse() -> None:
    app = TreeApp({"outer": {"inner": 1}})
    async with app.run_test(size=SIZE) as pilot:
        tree = app.json
        tree.focus()
        await pilot.press("down", "space")
        await pilot.pause()
        outer = tree.root.children[0]
        assert outer.is_expanded and outer.children[0].label.plain == "inner: 1"  # type: ignore[union-attr]
        await pilot.press("space")
        assert not outer.is_expanded


async def test_tree_expand_all_and_collapse_all() -> None:
    value = {"a": {"b": {"c": {"d": [1, 2, 3]}}}, "e": [{"f": 1}]}
    app = TreeApp(value)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.json
        shown = tree.expand_all()
        await pilot.pause()
        assert shown == 10
        paths = [line.node.data.path for line in tree._tree_lines if line.node.data]
        assert "$.a.b.c.d[2]" in paths and "$.e[0].f" in paths
        tree.collapse_all()
        await pilot.pause()
        assert tree.last_line == 2  # root + its two children
        assert tree.root.is_expanded


async def test_tree_expand_all_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_tree, "EXPAND_ALL_LIMIT", 50)
    app = TreeApp({"small": [1, 2], "big": list(range(200))})
    async with app.run_test(size=SIZE) as pilot:
        tree = app.json
        shown = tree.expand_all()
        await pilot.pause()
        assert shown == 4  # root's 2 + small's 2; big (200) would pass the limit
        assert not tree.root.children[1].is_expanded
        assert any("too large" in (n.title or "") for n in app._notifications)


async def test_huge_array_loads_in_pages() -> None:
    app = TreeApp(list(range(json_tree.PAGE_SIZE * 2 + 5)))
    async with app.run_test(size=SIZE) as pilot:
        tree = app.json
        children = tree.root.children
        assert len(children) == json_tree.PAGE_SIZE + 1
        more = children[-1]
        assert "more" in more.label.plain  # type: ignore[union-attr]
        tree.focus()
        tree.move_cursor(more)
        await pilot.press("enter")
        await pilot.pause()
        assert len(tree.root.children) == json_tree.PAGE_SIZE * 2 + 1
        assert tree.root.children[json_tree.PAGE_SIZE].data.path == f"$[{json_tree.PAGE_SIZE}]"  # type: ignore[union-attr]


async def test_deep_but_decodable_value_stops_expanding() -> None:
    value: Any = "leaf"
    for _ in range(300):
        value = [value]
    app = TreeApp(value)
    async with app.run_test(size=SIZE) as pilot:
        tree = app.json
        tree.expand_all()
        await pilot.pause()
        nodes = [line.node for line in tree._tree_lines]
        deepest = max(nodes, key=lambda node: node.data.depth if node.data else 0)
        assert deepest.data is not None and deepest.data.depth == json_tree.MAX_DEPTH
        assert not deepest.allow_expand
        assert "nested too deeply" in deepest.label.plain  # type: ignore[union-attr]
        assert tree.node_value_text(deepest).count("[") == 300 - json_tree.MAX_DEPTH
