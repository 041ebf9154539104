"""Compiled query nodes: what `query_parser`'s syntax tree becomes before matching.

Each term turns into a test function over a field's lowercase text (substring, glob or
regex) or a time bound; `query.py` evaluates them per event and `query_index.py` over a
store's search index.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditui.query.engine.search_index import (
    BARE_FIELDS,
)
from auditui.query.syntax import (
    And,
    Node,
    Not,
    Term,
    TimeTerm,
)
from auditui.timespec import parse_when

# context-dependent regex syntax: lookarounds, \A, \Z, flags turned off (`(?-m:...)`)
_CONTEXT = re.compile(r"\(\?(<?[=!]|[a-zA-Z]*-)|\\[AZ]")
_ESCAPE = re.compile(r"\\.")
_CACHE_LIMIT = 50_000  # cache per-combination hits only for groups this small


@dataclass(frozen=True, slots=True)
class _Text:
    """A compiled `Term`: a test over the texts of some fields."""

    fields: tuple[str, ...]
    kind: str
    value: str
    segments: tuple[str, ...]  # a glob's literal parts
    test: Callable[[str], Any]  # truthy when a text matches
    cost: int


@dataclass(frozen=True, slots=True)
class _Time:
    after: bool
    cutoff: datetime


@dataclass(frozen=True, slots=True)
class _Not:
    item: _Node
    cost: int


@dataclass(frozen=True, slots=True)
class _Junction:
    conjunction: bool
    items: tuple[_Node, ...]
    cost: int


_Node = _Text | _Time | _Not | _Junction


def _glob_test(segments: tuple[str, ...]) -> Callable[[str], Any]:
    if len(segments) == 2 and segments[0] == "":
        return _endswith(segments[1])  # "*x" (and "*": every text ends with "")
    if len(segments) == 2:
        return _startswith(segments[0]) if segments[1] == "" else _glob_regex(segments)
    if len(segments) == 3 and segments[0] == segments[2] == "":
        return _contains(segments[1])
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


def _contains(needle: str) -> Callable[[str], bool]:
    return lambda text: needle in text


def _compile_term(term: Term) -> _Text:
    fields = BARE_FIELDS if term.field is None else (term.field,)
    test: Callable[[str], Any]
    if term.kind == "contains":
        test = _contains(term.value)
    elif term.kind == "equals":
        test = term.value.__eq__
    elif term.kind == "glob":
        test = _glob_test(term.segments)
    else:
        test = re.compile(term.value, regex_flags(term.value)).search
    per_event = "payload" in fields or ("uuid" in fields and term.kind in ("glob", "regex"))
    cost = 3 if per_event else 2 if "uuid" in fields else 1
    return _Text(fields, term.kind, term.value, term.segments, test, cost)


def _compile(node: Node, now: datetime) -> _Node:
    if isinstance(node, Term):
        return _compile_term(node)
    if isinstance(node, TimeTerm):
        after = node.bound == "after"
        return _Time(after, parse_when(node.text, role="start" if after else "end", now=now))
    if isinstance(node, Not):
        item = _compile(node.item, now)
        return _Not(item, _cost(item))
    items = tuple(_compile(item, now) for item in node.items)
    return _Junction(isinstance(node, And), items, max(map(_cost, items)))


def _cost(node: _Node) -> int:
    return 1 if isinstance(node, _Time) else node.cost
