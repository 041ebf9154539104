"""Long strings compared line by line (core): what a unified diff shows, in bounded time.

A changed string that spans lines or is long (a SQL query, a YAML config) reads better as
the lines that changed, with a little context, than as two walls of text. `line_diff`
uses difflib on the lines; when the two texts have so many lines that difflib could take
quadratic time, it keeps the common start and end and shows the middle as removed, then
added. Output is capped at `MAX_LINES` lines (the last line says how many more).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from itertools import takewhile

__all__ = ["LONG_STRING", "MAX_LINES", "DiffLine", "is_long", "line_diff"]

LONG_STRING = 80
"""Strings longer than this (characters), or spanning lines, are compared by line."""
MAX_LINES = 2_000
"""Lines of one string's diff shown at most."""
CONTEXT = 2
"""Unchanged lines shown around each change."""
MATCH_BUDGET = 4_000_000
"""Above this product of line counts the texts are compared by common start and end only."""


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a line diff: `marker` is " " (same), "-" (removed), "+" (added) or "…"
    (a gap of unchanged lines, or the note that the diff was cut short)."""

    marker: str
    text: str


def is_long(old: object, new: object) -> bool:
    """True when two values are strings best compared by line."""
    if not isinstance(old, str) or not isinstance(new, str):
        return False
    return any(len(s) > LONG_STRING or "\n" in s for s in (old, new))


def _trimmed(a: list[str], b: list[str]) -> list[DiffLine]:
    """Common start and end as context, everything between as removed then added."""
    start = sum(1 for _ in takewhile(lambda pair: pair[0] == pair[1], zip(a, b, strict=False)))
    limit = min(len(a), len(b)) - start
    end = sum(
        1
        for _ in takewhile(
            lambda pair: pair[0] == pair[1], zip(reversed(a), reversed(b), strict=False)
        )
    )
    end = min(end, limit)
    out: list[DiffLine] = []
    if start > CONTEXT:
        out.append(DiffLine("…", f"{start - CONTEXT} unchanged lines"))
    out += [DiffLine(" ", line) for line in a[max(0, start - CONTEXT) : start]]
    out += [DiffLine("-", line) for line in a[start : len(a) - end]]
    out += [DiffLine("+", line) for line in b[start : len(b) - end]]
    out += [DiffLine(" ", line) for line in a[len(a) - end : len(a) - end + CONTEXT]]
    if end > CONTEXT:
        out.append(DiffLine("…", f"{end - CONTEXT} unchanged lines"))
    return out


def _matched(a: list[str], b: list[str]) -> list[DiffLine]:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[DiffLine] = []
    shown_to = 0  # lines of `a` up to here are shown or counted
    for group in matcher.get_grouped_opcodes(CONTEXT):
        first = group[0][1]
        if first > shown_to:
            out.append(DiffLine("…", f"{first - shown_to} unchanged lines"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [DiffLine(" ", line) for line in a[i1:i2]]
                continue
            out += [DiffLine("-", line) for line in a[i1:i2]]
            out += [DiffLine("+", line) for line in b[j1:j2]]
        shown_to = group[-1][2]
    if out and shown_to < len(a):
        out.append(DiffLine("…", f"{len(a) - shown_to} unchanged lines"))
    return out


def line_diff(old: str, new: str) -> tuple[DiffLine, ...]:
    """The lines of `old` and `new` that differ, with `CONTEXT` lines around each change."""
    a, b = old.split("\n"), new.split("\n")
    out = _trimmed(a, b) if len(a) * len(b) > MATCH_BUDGET else _matched(a, b)
    if len(out) > MAX_LINES:
        more = len(out) - MAX_LINES
        out = [*out[:MAX_LINES], DiffLine("…", f"{more} more lines not shown")]
    return tuple(out)
