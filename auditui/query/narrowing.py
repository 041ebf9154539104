"""Applying filter queries to a store, narrowing when it can (core, no Textual).

`Filterer` keeps the last query and its matches for one `EventStore`. `apply(text)` parses
and compiles the new query and, when it surely narrows the last one (`Query.narrows`) and
the store has not changed since (same `generation` and size), searches only within the
last matches; otherwise it searches all events. An invalid query raises `QueryError` and
leaves the state as it was (the table keeps showing the last good result). The TUI's filter
bar and `auditui fetch --query` share this, so both read a query the same way.

`add_term(query, term)` appends a term (from a facet or the timeline) so that it applies to
the whole query: `a OR b` + `c` becomes `(a OR b) c`. `replace_time_terms(query, terms)`
does the same for the timeline's `after:`/`before:` terms but first drops the query's
top-level time terms (`without_time_terms`), so picking one bucket after another keeps one
`after:` and one `before:`; `top_time_terms(query)` are those terms (the span it selects).
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from auditui.gc_pause import gc_paused
from auditui.query.matcher import Matcher, compile_query
from auditui.query.syntax import And, Or, Query, QueryError, TimeTerm, parse

__all__ = [
    "FilterResult",
    "Filterer",
    "add_term",
    "replace_time_terms",
    "top_time_terms",
    "without_time_terms",
]

_AND_BEFORE = re.compile(r"(?:^|\s)AND\s*$")
_AND_AFTER = re.compile(r"^\s*AND(?=\s|$|\()")
_EMPTY_PARENS = re.compile(r"\(\s*\)")


class FilterResult(msgspec.Struct, frozen=True):
    """The outcome of one query: matching store indices, ascending (arrival order)."""

    query: Query
    indices: Sequence[int]  # a list; `range(len(store))` when the query is empty
    narrowed: bool  # searched within the previous matches only
    generation: int  # the store generation the indices belong to

    @property
    def is_empty(self) -> bool:
        """True for an empty (blank) query: no filter."""
        return self.query.is_empty

    @property
    def view_filter(self) -> Sequence[int] | None:
        """What to pass to `EventView.set_filter`: None (no filter) for an empty query."""
        return None if self.query.is_empty else self.indices


class Filterer:
    """The current filter over one store; see the module doc.

    `marks`, when set, gives the marks `marked:`/`note:` terms read (uuid → note) as each
    query is compiled; a query with such terms never narrows from the last one.
    """

    marks: Callable[[], Mapping[str, str] | None] | None = None

    def __init__(self, store: Any) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._last: FilterResult | None = None
        self._size = -1

    @property
    def last(self) -> FilterResult | None:
        """The last successful result (None before the first query or after `clear`)."""
        return self._last

    @property
    def text(self) -> str:
        """The text of the current query ("" when none)."""
        return "" if self._last is None else self._last.query.text

    def clear(self) -> None:
        """Forget the current query (the next `apply` searches all events)."""
        with self._lock:
            self._last = None

    def _current(self) -> bool:
        last = self._last
        return (
            last is not None
            and last.generation == self.store.generation
            and self._size == len(self.store)
        )

    def apply(self, text: str, *, now: datetime | None = None) -> FilterResult:
        """Run a query (raises `QueryError` and changes nothing when it is invalid)."""
        matcher = compile_query(parse(text), now=now, marks=self._marks())
        return self.apply_matcher(matcher)

    def _marks(self) -> Mapping[str, str] | None:
        return None if self.marks is None else self.marks()

    def apply_matcher(self, matcher: Matcher) -> FilterResult:
        """Run a compiled query, narrowing from the last result when that is sound."""
        store = self.store
        with self._lock:
            generation, size = store.generation, len(store)
            last = self._last if self._current() else None
        # narrowing from "no filter" would only walk every index: search all events instead
        narrowed = last is not None and not last.is_empty and matcher.query.narrows(last.query)
        with gc_paused():  # no full collection in the middle of a keystroke
            if matcher.query.is_empty:
                indices: Sequence[int] = range(size)
            elif narrowed and last is not None:
                indices = matcher.filter_indices(store, last.indices)
            else:
                indices = matcher.filter_indices(store)
        result = FilterResult(matcher.query, indices, narrowed, generation)
        with self._lock:
            if store.generation == generation and len(store) == size:
                self._last, self._size = result, size
            else:  # the store changed meanwhile: do not narrow from this result next time
                self._last = None
        return result

    def restore(self, result: FilterResult) -> bool:
        """Make an earlier result of this store the current one again, without matching
        (going back to a query); False, changing nothing, when the store changed since."""
        with self._lock:
            if result.generation != self.store.generation:
                return False
            self._last, self._size = result, len(self.store)
        return True

    def add_events(self, events: Sequence[Any]) -> FilterResult | None:
        """Append events to the store, matching only them against the current query.

        O(len(events)): the current result gains the new matches, as if the query had just
        run. None when there is no current non-empty result (nothing was applied, or the
        store changed since): then apply the query again (`text`) if there is one.
        """
        store = self.store
        with self._lock:
            last = self._last if self._current() else None
        start = len(store)
        store.add(events)
        if last is None or last.is_empty:
            return None
        matcher = compile_query(last.query, marks=self._marks())
        fresh = matcher.filter_indices(store, range(start, len(store)))
        indices = array("q", last.indices)  # a copy: the last result may be in use
        indices.extend(fresh)
        result = FilterResult(last.query, indices, False, store.generation)
        with self._lock:
            self._last, self._size = result, len(store)
        return result

    def refresh(self, *, now: datetime | None = None) -> FilterResult | None:
        """Run the current query again from scratch (after a reload); None when there is none."""
        with self._lock:
            last, self._last = self._last, None
        if last is None:
            return None
        return self.apply(last.query.text, now=now)


def add_term(query: str, term: str) -> str:
    """`query` with `term` ANDed to the whole of it (parenthesised when it has a top-level OR).

    An invalid `query` is kept as it is, with the term appended (its error still shows).
    """
    text = query.strip()
    if not text:
        return term
    try:
        root = parse(text).root
    except QueryError:
        return f"{text} {term}"
    if isinstance(root, Or):
        return f"({text}) {term}"
    return f"{text} {term}"


def top_time_terms(query: str) -> tuple[TimeTerm, ...]:
    """The `after:`/`before:` terms ANDed to the whole query (none for an invalid query).

    Time terms inside an OR or a negation are not counted: they do not bound the result.
    """
    try:
        root = parse(query).root
    except QueryError:
        return ()
    if isinstance(root, TimeTerm):
        return (root,)
    if isinstance(root, And):
        return tuple(item for item in root.items if isinstance(item, TimeTerm))
    return ()


def without_time_terms(query: str) -> str:
    """`query` without its top-level time terms (`top_time_terms`), other terms as typed.

    The query is returned as it is when it has none, or when taking them out would not
    leave a valid query that keeps every other term.
    """
    try:
        root = parse(query).root
    except QueryError:
        return query
    terms = top_time_terms(query)
    if not terms or root is None:
        return query
    items = root.items if isinstance(root, And) else (root,)
    keep = tuple(item for item in items if not isinstance(item, TimeTerm))
    text = query
    for term in sorted(terms, key=lambda t: t.position, reverse=True):
        start, end = term.position, term.position + term.length
        before = _AND_BEFORE.search(text, 0, start)
        if before is not None:  # `x AND after:…`: the AND goes too
            start = before.start()
        else:
            after = _AND_AFTER.match(text[end:])
            if after is not None:  # `after:… AND x`
                end += after.end()
        # cuts fall between tokens: the whitespace there is never inside a phrase
        text = (text[:start].rstrip() + " " + text[end:].lstrip()).strip()
    if _keeps(text, keep):
        return text
    while True:  # `(after:… before:…) x` leaves `() x`
        cleaned = _EMPTY_PARENS.sub(" ", text)
        if cleaned == text:
            break
        text = cleaned
    text = text.strip()
    return text if _keeps(text, keep) else query


def _keeps(text: str, items: tuple[object, ...]) -> bool:
    """True when `text` parses to exactly these AND-ed items."""
    try:
        root = parse(text).root
    except QueryError:
        return False
    if root is None:
        return items == ()
    got = root.items if isinstance(root, And) else (root,)
    return got == items


def replace_time_terms(query: str, terms: str) -> str:
    """`query` with its top-level time terms replaced by `terms` (ANDed to the rest)."""
    rest = without_time_terms(query)
    if rest.startswith("(") and rest.endswith(")"):  # `(a OR b)` left by a previous add_term
        inner = rest[1:-1]
        try:
            if parse(inner).root == parse(rest).root:
                rest = inner  # add_term puts the parentheses back
        except QueryError:  # `(a) OR (b)`: the outer pair is not one
            pass
    return add_term(rest, terms)
