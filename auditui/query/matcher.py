"""Compiled queries: `compile_query` and `Matcher`, the per-event reference semantics (core).

`Matcher.matches(event)` evaluates the compiled nodes (`auditui.query.nodes`) on one event,
reading each field's text with `field_text` (an exact term's with `spelling`): this is
what the query language means.
`Matcher.filter_indices(store, candidates=None)` gives the same answer for many events at
once through the store's `SearchIndex` (`auditui.query.engine`, built on first use),
returning matching store indices in `candidates` order (ascending when None): a list, or an
`array("q")` for many matches. When `new.query.narrows(old.query)` and the store is
unchanged, pass the old result as `candidates` to search only within it.
`Matcher.preparation(store)` names the slow one-time work (index, payload text) a query
would start with, for a worker thread to do first.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from auditui.events.model import AuditEvent
from auditui.query.engine.common import Indices
from auditui.query.engine.index import everything, select
from auditui.query.engine.marked import uuid_table
from auditui.query.engine.search_index import (
    SearchIndex,
    field_text,
    index_built,
    index_for,
    index_ready,
    spelling,
)
from auditui.query.nodes import (
    Compiled,
    Junction,
    MarkTest,
    Negation,
    TextTest,
    TimeBound,
    compile_node,
)
from auditui.query.syntax import Query, parse
from auditui.timespec import utcnow

__all__ = [
    "ASYNC_INDEX_FROM",
    "Matcher",
    "Preparation",
    "compile_query",
    "prepare_index",
    "warm_index",
]


class Matcher:
    """A compiled query: `matches(event)` for one event, `filter_indices` for a store."""

    def __init__(self, query: Query, now: datetime, marks: Mapping[str, str] | None = None) -> None:
        self.query = query
        self.now = now
        self._root = None if query.root is None else compile_node(query.root, now, marks)

    def __repr__(self) -> str:
        return f"Matcher({self.query.text!r})"

    # -- one event at a time -----------------------------------------------------------

    def matches(self, event: AuditEvent) -> bool:
        """True when the event matches (the reference semantics; `filter_indices` agrees)."""
        return self._root is None or _match(self._root, event)

    def filter_events(self, events: Iterable[AuditEvent]) -> list[AuditEvent]:
        return [event for event in events if self.matches(event)]

    # -- many events through the index -------------------------------------------------

    def preparation(self, store: Any) -> Preparation | None:
        """Slow one-time work this query would start with on a large store, to run in a
        worker before `filter_indices`; None when there is none. That is: the store's
        search index when a load has not built it yet, or the payload search text for
        `payload:` terms (both slow on a large store; figures: benchmarks/README.md)."""
        if self._root is None:
            return None
        kinds = _payload_kinds(self._root)
        if not isinstance(store, SearchIndex) and not index_ready(store):
            if len(store) < ASYNC_INDEX_FROM:
                return None

            def build() -> None:
                index = prepare_index(store)
                payload = _payload_preparation(index, kinds)
                if payload is not None:
                    payload.run()

            return Preparation("indexing events…", build)
        if not kinds:
            return None
        index = store if isinstance(store, SearchIndex) else index_for(store)
        return _payload_preparation(index, kinds)

    def filter_indices(self, store: Any, candidates: Sequence[int] | None = None) -> Indices:
        """Matching store indices, in `candidates` order (all, ascending, when None).

        `store` is an `EventStore` (its index is built on first use) or a `SearchIndex`.
        A list, or for many matches an `array("q")` (8 bytes per match, no int objects).
        """
        if (
            self._root is not None
            and candidates is not None
            and len(candidates) <= FEW_CANDIDATES
            and not isinstance(store, SearchIndex)
            and not index_ready(store)
        ):  # a few new events (a follow's poll): never grow the index on the UI thread
            events, root = store.events, self._root
            return [index for index in candidates if _match(root, events[index])]
        index = store if isinstance(store, SearchIndex) else index_for(store)
        seq: Indices | None
        if isinstance(candidates, range) and candidates == range(len(index)):
            seq = None  # every event, in order
        elif candidates is None or isinstance(candidates, list | array):
            seq = candidates
        else:
            seq = list(candidates)
        if self._root is None:
            return everything(index, seq)
        return select(self._root, index, seq)


ASYNC_INDEX_FROM = 100_000  # events from which a missing index is built in a worker first
FEW_CANDIDATES = 1_000  # fewer candidates than this are matched one by one when the index
# lags behind the store (the same answer: `matches` is the reference the index agrees with)


class Preparation(msgspec.Struct, frozen=True):
    """One-time work a query needs first (see `Matcher.preparation`)."""

    label: str  # what the user is told meanwhile, e.g. "indexing payloads…"
    run: Callable[[], object]  # call it in a worker thread


def _payload_preparation(index: SearchIndex, kinds: set[str]) -> Preparation | None:
    if not kinds:
        return None
    from auditui.query.engine import vector as query_vector  # numpy loads here, never at start-up

    build = query_vector.payload_preparation(index, kinds)
    return None if build is None else Preparation("indexing payloads…", build)


def _payload_kinds(node: Compiled | None) -> set[str]:
    """The kinds of the terms that search the payload (see `Matcher.preparation`)."""
    if isinstance(node, TextTest):
        return {node.kind} if "payload" in node.fields else set()
    if isinstance(node, Negation):
        return _payload_kinds(node.item)
    if isinstance(node, Junction):
        return set().union(*map(_payload_kinds, node.items))
    return set()


def prepare_index(store: Any) -> SearchIndex:
    """The store's search index, with what queries derive from it built too (numpy masks,
    text columns; see `auditui.query.engine.vector.warm`), so the next keystroke waits for
    none of it; then what only growing needs is dropped (`SearchIndex.settle`) and the
    store's uuid lookup is compacted (`EventStore.compact`): less memory kept.

    Slow on a large store: call it in a worker thread after a load.
    """
    from auditui.query.engine import vector as query_vector  # numpy loads here, never at start-up

    index = index_for(store)
    query_vector.warm(index)
    index.settle()
    store.compact(uuid_table(index) if index.uuids_verbatim else None)  # one table for both
    return index


def warm_index(store: Any) -> None:
    """Grow the store's search index (when it has one) to the store's events and build
    again what queries derive from it, so the next keystroke waits for none of it. After
    a follow's poll, in a worker thread; it never drops what growing needs (`settle`)."""
    from auditui.query.engine import vector as query_vector

    if not index_built(store):
        return
    query_vector.warm(index_for(store))


def compile_query(
    query: str | Query, *, now: datetime | None = None, marks: Mapping[str, str] | None = None
) -> Matcher:
    """Parse (if needed) and compile; relative times count back from `now` (default: now);
    `marked:`/`note:` terms read `marks` (uuid → note, "" when none; None: none marked)."""
    parsed = parse(query) if isinstance(query, str) else query
    return Matcher(parsed, now or utcnow(), marks)


# -- the per-event path ------------------------------------------------------------------


def _match(node: Compiled, event: AuditEvent) -> bool:
    if isinstance(node, TextTest):
        test, text = node.test, spelling if node.kind == "exact" else field_text
        return any(test(text(event, name)) for name in node.fields)
    if isinstance(node, TimeBound):
        return event.timestamp >= node.cutoff if node.after else event.timestamp < node.cutoff
    if isinstance(node, MarkTest):
        return event.event_uuid in node.uuids
    if isinstance(node, Negation):
        return not _match(node.item, event)
    if node.conjunction:
        return all(_match(item, event) for item in node.items)
    return any(_match(item, event) for item in node.items)
