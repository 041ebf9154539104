"""Compiled query nodes: what the syntax tree (`auditui.query.syntax`) becomes before matching.

Each term turns into a test function over a field's lowercase text (substring, glob or
regex; an exact term's over the text as the events spell it) or a time bound;
`auditui.query.matcher` evaluates them per event and `auditui.query.engine` over a store's
search index. `cost` orders a conjunction's parts
(time bounds and grouped fields first, per-event uuid and payload tests last).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import msgspec

from auditui.query.fields import BARE_FIELDS
from auditui.query.syntax import And, MarkTerm, Node, Not, Term, TimeTerm
from auditui.timespec import parse_when

_ESCAPE = re.compile(r"\\.")


class TextTest(msgspec.Struct, frozen=True):
    """A compiled `Term`: a test over the texts of some fields."""

    fields: tuple[str, ...]
    kind: str
    value: str
    segments: tuple[str, ...]  # a glob's literal parts
    test: Callable[[str], Any]  # truthy when a text matches
    cost: int


class TimeBound(msgspec.Struct, frozen=True):
    """A compiled `TimeTerm`: at or after `cutoff` (`after`), else before it."""

    after: bool
    cutoff: datetime


class MarkTest(msgspec.Struct, frozen=True):
    """A compiled `MarkTerm`: the uuids (as events spell them) of the marked events it
    selects, read from the marks when the query was compiled."""

    uuids: frozenset[str]
    cost: int = 1


class Negation(msgspec.Struct, frozen=True):
    """A compiled `Not`."""

    item: Compiled
    cost: int


class Junction(msgspec.Struct, frozen=True):
    """A compiled `And` (`conjunction`) or `Or`."""

    conjunction: bool
    items: tuple[Compiled, ...]
    cost: int


Compiled = TextTest | TimeBound | MarkTest | Negation | Junction


def _glob_test(segments: tuple[str, ...]) -> Callable[[str], Any]:
    if len(segments) == 2 and segments[0] == "":
        return _endswith(segments[1])  # "*x" (and "*": every text ends with "")
    if len(segments) == 2:
        return _startswith(segments[0]) if segments[1] == "" else _glob_regex(segments)
    if len(segments) == 3 and segments[0] == segments[2] == "":
        return contains_test(segments[1])
    return _glob_regex(segments)


def _endswith(suffix: str) -> Callable[[str], bool]:
    return lambda text: text.endswith(suffix)


def _startswith(prefix: str) -> Callable[[str], bool]:
    return lambda text: text.startswith(prefix)


def _glob_regex(segments: tuple[str, ...]) -> Callable[[str], Any]:
    pattern = ".*".join(map(re.escape, segments))
    return re.compile(pattern, re.DOTALL).fullmatch


def regex_flags(pattern: str) -> re.RegexFlag:
    """IGNORECASE only when the pattern has capitals outside escapes (`\\S`, `\\D` stay).

    Texts are already lowercase, so a lowercase pattern needs no IGNORECASE, and without
    it `re` can use its fast literal-prefix search (several times faster).
    """
    return re.IGNORECASE if any(map(str.isupper, _ESCAPE.sub("", pattern))) else re.NOFLAG


def contains_test(needle: str) -> Callable[[str], bool]:
    """A test: does a text contain needle?"""
    return lambda text: needle in text


def _compile_term(term: Term) -> TextTest:
    fields = BARE_FIELDS if term.field is None else (term.field,)
    test: Callable[[str], Any]
    if term.kind == "contains":
        test = contains_test(term.value)
    elif term.kind in ("equals", "exact"):  # exact: over the spelling, not the lowercase text
        test = term.value.__eq__
    elif term.kind == "glob":
        test = _glob_test(term.segments)
    else:
        test = re.compile(term.value, regex_flags(term.value)).search
    per_event = "payload" in fields or ("uuid" in fields and term.kind in ("glob", "regex"))
    weight = 3 if per_event else 2 if "uuid" in fields else 1
    return TextTest(fields, term.kind, term.value, term.segments, test, weight)


def _compile_mark(node: MarkTerm, marks: Mapping[str, str]) -> Compiled:
    """`marked:true` → the marked uuids; `marked:false` and `note:""` → NOT those;
    `note:WORD` → the uuids whose note (lowercase) contains WORD."""
    if node.kind == "marked":
        marked = MarkTest(frozenset(marks))
        return marked if node.value == "true" else Negation(marked, 1)
    if node.value == "":
        return Negation(MarkTest(frozenset(u for u, note in marks.items() if note)), 1)
    value = node.value
    return MarkTest(frozenset(u for u, note in marks.items() if value in note.lower()))


def compile_node(node: Node, now: datetime, marks: Mapping[str, str] | None = None) -> Compiled:
    """The compiled form of a syntax node; relative times count back from `now`; mark terms
    read `marks` (event uuid → its note, "" when none; None: nothing is marked)."""
    if isinstance(node, MarkTerm):
        return _compile_mark(node, marks or {})
    if isinstance(node, Term):
        return _compile_term(node)
    if isinstance(node, TimeTerm):
        after = node.bound == "after"
        return TimeBound(after, parse_when(node.text, role="start" if after else "end", now=now))
    if isinstance(node, Not):
        item = compile_node(node.item, now, marks)
        return Negation(item, cost(item))
    items = tuple(compile_node(item, now, marks) for item in node.items)
    return Junction(isinstance(node, And), items, max(map(cost, items)))


def cost(node: Compiled) -> int:
    """How dear a node is to test: 1 (time bounds, grouped fields) to 3 (per event)."""
    return 1 if isinstance(node, TimeBound) else node.cost
