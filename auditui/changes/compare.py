"""The structural diff of two JSON values: changed, added and removed values by path (core).

`diff_pairs` walks each old/new pair without recursion (a stack of iterators), in key
order: objects by key (the old keys first, then the keys only the new one has), lists by
matching items (difflib over each item's JSON, so an item inserted at the front reads as
one added item, not every item changed), scalars by type and value (`1` and `1.0` and
`true` differ). Long strings carry a line diff. What cannot be compared is said, never
raised: nesting deeper than `MAX_DEPTH` stops at that path, and after `MAX_CHANGES` changes
the walk stops with a note.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from auditui.changes.lines import MAX_LINES, DiffLine, is_long, line_diff
from auditui.changes.shapes import Pair, join_path, key_path

__all__ = ["MAX_CHANGES", "MAX_DEPTH", "Change", "Diff", "Kind", "diff_pairs", "value_text"]

Kind = Literal["changed", "added", "removed"]
MAX_DEPTH = 64
"""Levels of nesting compared; deeper values are reported, not compared."""
MAX_CHANGES = 10_000
"""Changes listed at most; the walk stops after that many."""
MATCHED_ITEMS = 5_000
"""Lists longer than this are compared index by index (no item matching)."""
NOTE_PATH = 120
"""A path in a note is cut after this many characters."""
MISSING: Any = None
"""The `old` of an added value and the `new` of a removed one."""


@dataclass(frozen=True, slots=True)
class Change:
    """One difference: at `path` (`threshold.min`, `tags[0]`, `["a.b"]`), old and new.

    `lines` holds the line diff of two long strings (empty otherwise).
    """

    kind: Kind
    path: str
    old: Any = None
    new: Any = None
    lines: tuple[DiffLine, ...] = ()


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between an old and a new version, and what could not be compared.

    `where` says where the versions were found (`before → after`, `changes`, or the two
    events compared); `notes` are one-line sentences ("not compared: payload is a list").
    `found` is False when there was nothing to compare at all.
    """

    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()
    where: str = ""
    found: bool = True

    def count(self, kind: Kind) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    def summary(self) -> str:
        """`2 changed · 1 added · 0 removed`, or `no differences`."""
        if not self.changes:
            return "no differences" if self.found else "nothing compared"
        parts = (f"{self.count(kind)} {kind}" for kind in ("changed", "added", "removed"))
        return " · ".join(parts)


def value_text(value: Any, limit: int = 200) -> str:
    """A value as compact JSON for people, cut to about `limit` characters (with `…`)."""
    try:
        text = msgspec.json.encode(value).decode("utf-8", "replace")
    except (TypeError, OverflowError, RecursionError):
        text = repr(value)
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def _same_container(a: Any, b: Any) -> bool:
    """Both objects, or both lists: compared item by item."""
    return (isinstance(a, dict) and isinstance(b, dict)) or (
        isinstance(a, list) and isinstance(b, list)
    )


def _same_scalar(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


class _Limit(Exception):
    """Raised inside the walk when `MAX_CHANGES` is reached."""


class _Walk:
    """One diff in progress: the changes found so far and the notes."""

    def __init__(self, max_changes: int, max_depth: int) -> None:
        self.changes: list[Change] = []
        self.notes: list[str] = []
        self.max_changes = max_changes
        self.max_depth = max_depth

    def emit(self, change: Change) -> None:
        if len(self.changes) >= self.max_changes:
            raise _Limit
        self.changes.append(change)

    def run(self, path: str, old: Any, new: Any) -> None:
        stack: list[Iterator[tuple[str, Any, Any, int, Kind]]] = [
            iter([(path, old, new, 0, "changed")])
        ]
        while stack:
            task = next(stack[-1], None)
            if task is None:
                stack.pop()
                continue
            at, a, b, depth, kind = task
            if kind != "changed":
                value = a if kind == "removed" else b
                lines = _whole_lines(kind, value) if is_long(value, "") else ()
                self.emit(Change(kind, at, a, b, lines))
            elif _same_container(a, b):
                if a == b and _exactly_equal(a, b):
                    continue
                if depth >= self.max_depth:
                    where = at if len(at) <= NOTE_PATH else at[:NOTE_PATH] + "…"
                    self.notes.append(f"not compared: depth > {self.max_depth} at {where}")
                    continue
                if isinstance(a, dict):
                    stack.append(_object_items(at, a, b, depth + 1))
                else:
                    stack.append(_list_items(at, a, b, depth + 1))
            elif not _same_scalar(a, b):
                lines = line_diff(a, b) if is_long(a, b) else ()
                self.emit(Change("changed", at, a, b, lines))


def _whole_lines(kind: Kind, text: str) -> tuple[DiffLine, ...]:
    """Every line of an added or removed long string, marked, cut at `MAX_LINES`."""
    marker = "+" if kind == "added" else "-"
    lines = text.split("\n", MAX_LINES)
    shown = [DiffLine(marker, line) for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        more = lines[MAX_LINES].count("\n") + 1
        shown.append(DiffLine("…", f"{more} more lines not shown"))
    return tuple(shown)


def _exactly_equal(a: Any, b: Any) -> bool:
    """Equal as JSON (Python's `==` takes `1`, `1.0` and `true` for one another)."""
    try:
        return msgspec.json.encode(a) == msgspec.json.encode(b)
    except (TypeError, RecursionError):
        return False


def _object_items(
    at: str, a: dict[str, Any], b: dict[str, Any], depth: int
) -> Iterator[tuple[str, Any, Any, int, Kind]]:
    for key, value in a.items():
        path = join_path(at, key_path(key))
        if key in b:
            yield path, value, b[key], depth, "changed"
        else:
            yield path, value, MISSING, depth, "removed"
    for key, value in b.items():
        if key not in a:
            yield join_path(at, key_path(key)), MISSING, value, depth, "added"


def _item_keys(items: list[Any]) -> list[bytes]:
    try:
        return [msgspec.json.encode(item) for item in items]
    except (TypeError, RecursionError):
        return [repr(item).encode() for item in items]


def _list_items(
    at: str, a: list[Any], b: list[Any], depth: int
) -> Iterator[tuple[str, Any, Any, int, Kind]]:
    opcodes: Sequence[tuple[str, int, int, int, int]]
    if len(a) > MATCHED_ITEMS or len(b) > MATCHED_ITEMS:
        opcodes = [("replace", 0, len(a), 0, len(b))]
    else:
        matcher = difflib.SequenceMatcher(None, _item_keys(a), _item_keys(b), autojunk=False)
        opcodes = matcher.get_opcodes()
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        paired = min(i2 - i1, j2 - j1)
        for offset in range(paired):  # replaced items: compare them pairwise
            yield f"{at}[{j1 + offset}]", a[i1 + offset], b[j1 + offset], depth, "changed"
        for i in range(i1 + paired, i2):
            yield f"{at}[{i}]", a[i], MISSING, depth, "removed"
        for j in range(j1 + paired, j2):
            yield f"{at}[{j}]", MISSING, b[j], depth, "added"


def diff_pairs(
    pairs: tuple[Pair, ...] | list[Pair],
    *,
    where: str = "",
    max_changes: int = MAX_CHANGES,
    max_depth: int = MAX_DEPTH,
) -> Diff:
    """Compare each pair in turn; one `Diff` of all their changes."""
    walk = _Walk(max_changes, max_depth)
    try:
        for pair in pairs:
            walk.run(pair.path, pair.old, pair.new)
    except _Limit:
        walk.notes.append(f"more than {max_changes:,} changes: first {max_changes:,} shown")
    return Diff(tuple(walk.changes), tuple(walk.notes), where, True)
