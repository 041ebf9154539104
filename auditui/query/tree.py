"""The query language's syntax tree: terms, boolean nodes, `Query`, and `QueryError`.

`auditui.query.lexer` makes the terms, `auditui.query.syntax` parses them into a `Query`;
`Query.narrows` says (conservatively) when one query's matches are a subset of another's,
which lets the filter narrow the previous result instead of the whole store.
"""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec.structs import astuple

from auditui.errors import UsageError
from auditui.query.fields import BARE_FIELDS, FIELDS

Kind = Literal["contains", "equals", "exact", "glob", "regex"]


class QueryError(UsageError):
    """An invalid query: one line, plus `position` (0-based) and `length` to highlight."""

    def __init__(self, message: str, position: int, length: int = 1) -> None:
        super().__init__(message)
        self.position = position
        self.length = max(length, 1)


class _Located(msgspec.Struct, frozen=True):
    """A term that knows where it was typed: its last two fields, `position` and `length`,
    which equality and hashing ignore (the same test typed elsewhere is the same term).
    Structs, not dataclasses: a dataclass costs ~0.5 ms to create at import (issue 17)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and astuple(self)[:-2] == astuple(other)[:-2]

    def __hash__(self) -> int:
        return hash((type(self), astuple(self)[:-2]))


def at_column(position: int) -> str:
    """`column N` (1-based) for an error message."""
    return f"column {position + 1}"


class Term(_Located, frozen=True):
    """A text test. `field` None means any shown field (a bare word).

    `value` is lowercase, except for `exact` (as typed: compared with the field's text as
    the events spell it, `auditui.query.fields.field_spelling`); for `glob` it is the
    pattern with `*` wildcards and `\\*`/`\\\\` escapes (`segments` holds the literal parts
    between wildcards); for `regex` the source.
    """

    field: str | None
    kind: Kind
    value: str
    segments: tuple[str, ...] = ()
    position: int = 0
    length: int = 0


class TimeTerm(_Located, frozen=True):
    """`after:WHEN` (timestamp >= WHEN as a start) or `before:WHEN` (< WHEN as an end)."""

    bound: Literal["after", "before"]
    text: str
    relative: bool  # depends on "now" (durations, now, today, yesterday)
    position: int = 0
    length: int = 0


class MarkTerm(_Located, frozen=True):
    """`marked:true|false` (`kind` "marked", value "true"/"false") or `note:WORD` (`kind`
    "note", value lowercase; "" for `note:""`, an event without a note). Matched against
    the marks given to `compile_query`; never narrows (the marks change between queries)."""

    kind: Literal["marked", "note"]
    value: str
    position: int = 0
    length: int = 0


class Not(msgspec.Struct, frozen=True):
    item: Node


class And(msgspec.Struct, frozen=True):
    items: tuple[Node, ...]


class Or(msgspec.Struct, frozen=True):
    items: tuple[Node, ...]


Node = Term | TimeTerm | MarkTerm | Not | And | Or


class Query(msgspec.Struct, frozen=True):
    """A parsed query. `root` None matches everything (empty query)."""

    text: str
    root: Node | None

    @property
    def is_empty(self) -> bool:
        return self.root is None

    @property
    def reads_marks(self) -> bool:
        """True when a `marked:` or `note:` term is in it (its matches change with marks)."""
        return _reads_marks(self.root)

    def narrows(self, previous: Query) -> bool:
        """True when this query's matches are surely a subset of `previous`'s (conservative).

        Holds for the same store generation; relative `after:` terms may be re-resolved
        later (their cutoff only moves forward), relative `before:` terms never narrow.
        """
        if previous.root is None:
            return True
        if self.root is None:
            return False
        return _implies(self.root, previous.root)


def _reads_marks(node: Node | None) -> bool:
    if isinstance(node, MarkTerm):
        return True
    if isinstance(node, Not):
        return _reads_marks(node.item)
    if isinstance(node, And | Or):
        return any(map(_reads_marks, node.items))
    return False


# -- narrowing ----------------------------------------------------------------------------


def _implies(q: Node, p: Node) -> bool:
    """Sound (not complete): every event matching q matches p."""
    if isinstance(p, And):
        return all(_implies(q, item) for item in p.items)
    if isinstance(q, Or):
        return all(_implies(item, p) for item in q.items)
    if isinstance(q, And) and any(_implies(item, p) for item in q.items):
        return True
    if isinstance(p, Or):
        return any(_implies(q, item) for item in p.items)
    if isinstance(q, Not) and isinstance(p, Not):
        return _implies(p.item, q.item)
    if isinstance(q, TimeTerm) and isinstance(p, TimeTerm):
        return q == p and (q.bound == "after" or not q.relative)
    if isinstance(q, Term) and isinstance(p, Term):
        return _term_implies(q, p)
    return False


def _term_implies(q: Term, p: Term) -> bool:
    if q == p:
        return True
    if q.kind == "exact":  # q's field text is known: test p's contains/equals on it
        same_field = q.field == p.field or (p.field is None and q.field in BARE_FIELDS)
        if not same_field or p.kind not in ("contains", "equals"):
            return False
        searched = _searched(q)
        return p.value in searched if p.kind == "contains" else p.value == searched
    if p.kind == "contains":
        same_field = q.field == p.field or (p.field is None and q.field in BARE_FIELDS)
        if not same_field:
            return False
        if q.kind in ("contains", "equals"):
            return p.value in q.value
        if q.kind == "glob":
            return any(p.value in segment for segment in q.segments)
        return False
    if p.kind == "glob" and q.kind == "glob" and q.field == p.field:
        # p = X* and q = X...: whatever q's rest matches, p's trailing * absorbs
        return len(p.segments) > 1 and p.segments[-1] == "" and q.value.startswith(p.value[:-1])
    return False


def _searched(term: Term) -> str:
    """The lowercase search text of a field whose spelling is an exact term's value (as
    `auditui.query.engine.search_index` makes it: uuid and payload texts hold no newline)."""
    text = term.value.lower()
    assert term.field is not None
    return text.replace("\n", " ") if FIELDS[term.field].group in ("uuid", "payload") else text
