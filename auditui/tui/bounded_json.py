"""JSON text for people, in bounded time and memory: indented when that stays small.

Indenting JSON costs one line per value and, per line, two spaces per level of nesting:
a 37 KB payload nested 19,000 deep indents to 722 MB. Before anything is indented,
`pretty_bound` reads the shape of the compact text (strings removed, containers, commas
and colons counted, the deepest nesting found) and gives an upper bound of the indented
size without building it; `readable_json` indents only when that bound fits its budget,
and otherwise returns the compact text, which is the same JSON value. `json_lines` counts
the lines the indented form has, exactly, without building it either. No Textual here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PRETTY_BUDGET = 16 * 1024 * 1024
"""Indented JSON larger than this (bytes) is handed out compact instead."""

MAX_CONTAINERS = 200_000
"""Above this many objects and arrays the shape is not measured (compact it is)."""

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_BRACKETS = frozenset(b"[{")
_NOT_BRACKETS = bytes(code for code in range(256) if code not in b"[]{}")


class Shape:
    """What the indented size of a compact JSON text depends on."""

    __slots__ = ("colons", "commas", "containers", "depth", "empty", "size")

    def __init__(self, compact: bytes) -> None:
        bare = _STRING.sub(b'""', compact)  # every string left as "" (no brackets inside)
        self.size = len(compact)
        self.containers = bare.count(b"[") + bare.count(b"{")
        self.empty = bare.count(b"[]") + bare.count(b"{}")
        self.commas = bare.count(b",")
        self.colons = bare.count(b":")
        self.depth = -1  # unknown: too many containers to walk
        if self.containers <= MAX_CONTAINERS:
            self.depth = _max_depth(bare.translate(None, _NOT_BRACKETS))

    @property
    def lines(self) -> int:
        """Lines of the indented form: one per value, two per non-empty container."""
        return 1 + self.commas + 2 * (self.containers - self.empty)

    def pretty_bound(self, indent: int = 2) -> int | None:
        """An upper bound of the indented size in bytes (None: not measured)."""
        if self.depth < 0:
            return None
        return self.size + self.colons + (self.lines - 1) * (1 + indent * self.depth)


def _max_depth(brackets: bytes) -> int:
    depth = deepest = 0
    for code in brackets:
        if code in _BRACKETS:
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def pretty_bound(compact: bytes, indent: int = 2) -> int | None:
    """An upper bound of the size of `compact` JSON once indented (None: too big to say)."""
    return Shape(compact).pretty_bound(indent)


def json_lines(compact: bytes) -> int:
    """How many lines `compact` JSON has once indented."""
    return Shape(compact).lines


def fits(compact: bytes, budget: int = PRETTY_BUDGET, indent: int = 2) -> bool:
    """True when indenting `compact` JSON stays within `budget` bytes."""
    bound = pretty_bound(compact, indent)
    return bound is not None and bound <= budget


def readable_json(
    compact: bytes,
    indent_with: Callable[[], str],
    *,
    budget: int = PRETTY_BUDGET,
) -> str:
    """`indent_with()` (the indented text) when it fits `budget`, else `compact` as text.

    `indent_with` builds the indented form (e.g. `events.event_to_pretty_json`); it is
    called only when the bound says the result is small enough, and a RecursionError
    (nesting beyond what the decoder allows) falls back to the compact text too.
    """
    if fits(compact, budget):
        try:
            return indent_with()
        except RecursionError:
            pass
    return compact.decode("utf-8", "replace")
