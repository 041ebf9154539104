"""What changed: before/after shapes, paths, changed/added/removed, line diffs and limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from auditui.changes import (
    MAX_BYTES,
    Change,
    Diff,
    compare_payloads,
    compare_values,
    diff_payload,
    diff_value,
    find_pairs,
    key_path,
    line_diff,
    value_text,
)
from auditui.demo import DemoServer
from auditui.events import AuditEvent
from tests.helpers.demo import client_for, stamp


def event(payload: Any = None, *, raw: bytes | None = None) -> AuditEvent:
    body = raw if raw is not None else msgspec.json.encode(payload)
    moment = datetime(2026, 11, 26, 9, tzinfo=UTC)
    return AuditEvent(moment, "uuid-1", "10.0.0.1", "/api", payload=msgspec.Raw(body))


def triples(diff: Diff) -> list[tuple[str, str, Any, Any]]:
    return [(c.kind, c.path, c.old, c.new) for c in diff.changes]


MONITOR = {
    "monitor_id": 193,
    "before": {"enabled": True, "threshold": {"min": 1.0, "max": 100.0}, "tags": ["finance"]},
    "after": {"enabled": False, "threshold": {"min": 6.0, "max": 95.0},
              "tags": ["finance", "tier-1"]},
}  # fmt: skip


def test_before_after_gives_changed_and_added_with_paths() -> None:
    diff = diff_value(MONITOR)
    assert diff.found and diff.where == "before → after"
    assert triples(diff) == [
        ("changed", "enabled", True, False),
        ("changed", "threshold.min", 1.0, 6.0),
        ("changed", "threshold.max", 100.0, 95.0),
        ("added", "tags[1]", None, "tier-1"),
    ]
    assert diff.summary() == "3 changed · 1 added · 0 removed"


def test_old_new_and_removed_keys() -> None:
    diff = diff_value({"old": {"a": 1, "b": {"c": [1, 2]}}, "new": {"a": 1, "b": {}}})
    assert diff.where == "old → new"
    assert triples(diff) == [("removed", "b.c", [1, 2], None)]


@pytest.mark.parametrize(
    "payload",
    [
        {"changes": {"role": {"before": "editor", "after": "admin"}}},
        {"changes": {"role": {"old": "editor", "new": "admin"}}},
        {"changes": [{"field": "role", "old": "editor", "new": "admin"}]},
        {"changes": [{"path": "role", "from": "editor", "to": "admin"}]},
        {"changes": [{"key": "role", "before": "editor", "after": "admin"}]},
    ],
)
def test_changes_by_field_as_object_or_list(payload: dict[str, Any]) -> None:
    diff = diff_value(payload)
    assert diff.where == "changes"
    assert triples(diff) == [("changed", "role", "editor", "admin")]


def test_a_change_record_without_the_old_value_reads_it_as_null() -> None:
    diff = diff_value({"changes": [{"field": "note", "to": "hello"}]})
    assert triples(diff) == [("changed", "note", None, "hello")]


def test_nested_one_level_under_any_key() -> None:
    one = diff_value({"diff": {"before": {"x": 1}, "after": {"x": 2}}, "id": 4})
    assert one.where == "diff.before → diff.after"
    assert triples(one) == [("changed", "x", 1, 2)]
    two = diff_value({"monitor": {"old": {"x": 1}, "new": {"x": 1}},
                      "schedule": {"old": "0 * * * *", "new": "*/5 * * * *"}})  # fmt: skip
    assert two.where == "monitor, schedule"
    assert triples(two) == [("changed", "schedule", "0 * * * *", "*/5 * * * *")]


def test_two_levels_down_is_not_a_shape() -> None:
    assert find_pairs({"a": {"b": {"before": 1, "after": 2}}}) is None
    diff = diff_value({"a": {"b": {"before": 1, "after": 2}}})
    assert not diff.found and diff.notes == ("This payload holds no before/after to compare.",)


def test_odd_keys_get_quoted_paths_and_lists_match_items() -> None:
    old = {"a.b": 1, "x y": {"[0]": "p"}, "list": ["a", "b", "c"]}
    new = {"a.b": 2, "x y": {"[0]": "q"}, "list": ["z", "a", "b", "c"]}
    diff = compare_values(old, new)
    assert triples(diff) == [
        ("changed", '["a.b"]', 1, 2),
        ("changed", '["x y"]["[0]"]', "p", "q"),
        ("added", "list[0]", None, "z"),  # one inserted item, not four changed
    ]
    assert key_path('say "hi"') == '["say \\"hi\\""]'


def test_types_differ_even_when_python_calls_them_equal() -> None:
    diff = compare_values({"a": 1, "b": [True]}, {"a": 1.0, "b": [1]})
    assert triples(diff) == [("changed", "a", 1, 1.0), ("changed", "b[0]", True, 1)]
    assert compare_values({"a": {"b": 1}}, {"a": {"b": 1}}).changes == ()
    assert compare_values({"a": {"b": 1}}, {"a": {"b": 1}}).summary() == "no differences"


def test_long_strings_are_diffed_by_line() -> None:
    old = "\n".join(f"line {i}" for i in range(30))
    new = old.replace("line 15", "line fifteen")
    (change,) = compare_values({"sql": old}, {"sql": new}).changes
    marks = [(line.marker, line.text) for line in change.lines]
    assert ("-", "line 15") in marks and ("+", "line fifteen") in marks
    assert marks[0] == ("…", "13 unchanged lines")
    assert marks[-1] == ("…", "12 unchanged lines")
    assert [m for m, _ in marks].count(" ") == 4  # two lines of context either side
    long_old, long_new = "x" * 100, "y" * 100
    (single,) = compare_values({"s": long_old}, {"s": long_new}).changes
    assert [(line.marker, line.text) for line in single.lines] == [
        ("-", long_old),
        ("+", long_new),
    ]
    (short,) = compare_values({"s": "a"}, {"s": "b"}).changes
    assert short.lines == ()


def test_huge_line_counts_fall_back_to_common_ends() -> None:
    old = "\n".join(str(i) for i in range(5000))
    new = old.replace("\n2500\n", "\nchanged\n")
    lines = line_diff(old, new)
    assert [(line.marker, line.text) for line in lines if line.marker in "+-"] == [
        ("-", "2500"),
        ("+", "changed"),
    ]


def test_added_long_string_shows_its_lines() -> None:
    (change,) = compare_values({}, {"doc": "a\nb"}).changes
    assert change.kind == "added"
    assert [(line.marker, line.text) for line in change.lines] == [("+", "a"), ("+", "b")]


@pytest.mark.parametrize(
    ("payload", "note"),
    [
        ([1, 2], "not compared: payload is a list"),
        ("text", "not compared: payload is a string"),
        (None, "not compared: payload is null"),
        (3, "not compared: payload is a number"),
    ],
)
def test_payloads_that_are_not_objects_say_so(payload: Any, note: str) -> None:
    diff = diff_payload(event(payload))
    assert not diff.found and diff.notes == (note,)
    assert diff.summary() == "nothing compared"


def test_compare_says_which_side_is_not_an_object() -> None:
    diff = compare_payloads(event({"a": 1}), event([1]))
    assert diff.notes == ("not compared: this payload is a list",)
    diff = compare_payloads(event(None), event({"a": 1}))
    assert diff.notes == ("not compared: the earlier payload is null",)


def test_depth_beyond_the_bound_is_reported_with_its_path() -> None:
    deep_old: Any = 1
    deep_new: Any = 2
    for _ in range(100):
        deep_old, deep_new = {"k": deep_old}, {"k": deep_new}
    diff = compare_values({"top": deep_old, "x": 1}, {"top": deep_new, "x": 2})
    assert triples(diff) == [("changed", "x", 1, 2)]
    (note,) = diff.notes
    assert note.startswith("not compared: depth > 64 at top." + "k." * 10)


def test_nesting_too_deep_to_decode_and_invalid_json_say_so() -> None:
    deep = b'{"before":' + b"[" * 30_000 + b"]" * 30_000 + b',"after":1}'
    diff = diff_payload(event(raw=deep))
    assert not diff.found
    assert diff.notes == ("not compared: the payload is nested too deeply to decode",)
    broken = diff_payload(event(raw=b'{"before": '))
    assert broken.notes[0].startswith("not compared: the payload is not valid JSON")


def test_huge_payloads_are_not_decoded() -> None:
    huge = b'{"before": "' + b"x" * MAX_BYTES + b'", "after": 1}'
    diff = diff_payload(event(raw=huge))
    assert not diff.found
    assert diff.notes == ("not compared: the payload is 8.0 MiB (the limit is 8.0 MiB)",)


def test_more_changes_than_the_limit_stop_with_a_note() -> None:
    old = {f"k{i}": i for i in range(50)}
    new = {f"k{i}": -i - 1 for i in range(50)}
    diff = compare_values(old, new, max_changes=10)
    assert len(diff.changes) == 10
    assert diff.notes == ("more than 10 changes: first 10 shown",)
    big = compare_values({"a": list(range(12_000))}, {"a": [-1 - i for i in range(12_000)]})
    assert len(big.changes) == 10_000
    assert big.notes == ("more than 10,000 changes: first 10,000 shown",)


def test_value_text_is_compact_json_cut_with_an_ellipsis() -> None:
    assert value_text({"a": [1, "x"]}) == '{"a":[1,"x"]}'
    assert value_text("y" * 50, limit=10) == '"yyyyyyyy…'
    assert value_text(None) == "null"


async def test_every_before_after_payload_of_the_demo_server_diffs(
    demo_server: DemoServer, demo_events: list[dict[str, Any]]
) -> None:
    end = max(stamp(e) for e in demo_events) + timedelta(seconds=1)
    async with client_for(demo_server) as client:
        result = await client.fetch_window(end - timedelta(days=30), end)
    with_pairs = [e for e in result.events if b'"before"' in bytes(e.payload)]
    assert len(with_pairs) > 20
    kinds: set[str] = set()
    for found in with_pairs:
        diff = diff_payload(found)
        value = msgspec.json.decode(found.payload)
        assert diff.found and diff.where == "before → after", found.action
        assert diff.changes or value["before"] == value["after"]
        for change in diff.changes:
            assert isinstance(change, Change) and change.path
            kinds.add(change.kind)
    assert {"changed", "added"} <= kinds
    others = [e for e in result.events if b'"before"' not in bytes(e.payload)]
    assert others and all(not diff_payload(e).found for e in others[:200])
