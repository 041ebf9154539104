"""The filter query language: compile a query and match events (core, no Textual).

Examples: `admin`, `"data diff"`, `status:failure user:*@datafold.com`, `-source:ci`,
`NOT action:monitor.* OR (support:true after:7d)`, `user:/^ad.*@/`, `payload:"dry_run"`,
`after:2026-11-02 before:2026-11-03T12:00Z`.

- A bare word, "phrase" or /regex/ matches when any *shown field* matches (see
  `auditui.query.engine.search_index` for the fields and their text: every field a column or
  the detail pane shows, not the payload). Matching is case-insensitive.
- `field:value` matches one field; field names are case-insensitive. Without `*` a value is
  a substring; with `*` wildcards it must match the whole field (`user:*@datafold.com`).
  `id:` and `support:` compare whole values (`id:12` is not `id:123`; `id:12*` is a prefix);
  `field:""` matches events where the field is empty or missing.
- `-term`, `NOT term`, `a OR b`, `a AND b` (or just `a b`), parentheses; NOT > AND > OR.
- `after:WHEN` keeps events at or after WHEN (WHEN as a range start) and `before:WHEN`
  those before it (as a range end: `before:2026-11-02` includes that day). Relative WHENs
  (`2h`, `today`) count back from the `now` given to `compile_query`.

API:

    parse(text) -> Query                      # QueryError(UsageError): .position, .length
    Query.narrows(previous) -> bool           # matches surely a subset of previous's
    compile_query(text | Query, *, now=None) -> Matcher
    Matcher.matches(event) -> bool            # one event (e.g. `auditui fetch --query`)
    Matcher.filter_events(events) -> list[AuditEvent]
    Matcher.filter_indices(store, candidates=None) -> list[int] | array('q') (many matches)

`filter_indices` uses the store's `SearchIndex` (`search_index.index_for`, built on first
use) and returns matching store indices in `candidates` order (ascending when None). When
`new.query.narrows(old.query)` and the store is unchanged, pass the old result as
`candidates` to search only within it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditui.events.model import AuditEvent
from auditui.query.engine.index import Indices, _everything, _select
from auditui.query.engine.search_index import (
    SearchIndex,
    field_text,
    index_for,
    index_ready,
)
from auditui.query.nodes import _compile, _Junction, _Node, _Not, _Text, _Time
from auditui.query.syntax import (
    KNOWN_FIELDS,
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    MAX_REGEX_LENGTH,
    Query,
    QueryError,
    parse,
)
from auditui.timespec import utcnow

__all__ = [
    "KNOWN_FIELDS",
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "MAX_REGEX_LENGTH",
    "Matcher",
    "Preparation",
    "Query",
    "QueryError",
    "compile_query",
    "parse",
    "prepare_index",
]


class Matcher:
    """A compiled query: `matches(event)` for one event, `filter_indices` for a store."""

    def __init__(self, query: Query, now: datetime) -> None:
        self.query = query
        self.now = now
        self._root = None if query.root is None else _compile(query.root, now)

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
        search index when a load has not built it yet (seconds at a million events), or
        the payload search text for `payload:` terms (~1 s at a million events)."""
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
        index = store if isinstance(store, SearchIndex) else index_for(store)
        seq: Indices | None
        if isinstance(candidates, range) and candidates == range(len(index)):
            seq = None  # every event, in order
        elif candidates is None or isinstance(candidates, list | array):
            seq = candidates
        else:
            seq = list(candidates)
        if self._root is None:
            return _everything(index, seq)
        return _select(self._root, index, seq)


ASYNC_INDEX_FROM = 100_000  # events from which a missing index is built in a worker first


@dataclass(frozen=True, slots=True)
class Preparation:
    """One-time work a query needs first (see `Matcher.preparation`)."""

    label: str  # what the user is told meanwhile, e.g. "indexing payloads…"
    run: Callable[[], object]  # call it in a worker thread


def _payload_preparation(index: SearchIndex, kinds: set[str]) -> Preparation | None:
    if not kinds:
        return None
    from auditui.query.engine import vector as query_vector  # numpy loads here, never at start-up

    build = query_vector.payload_preparation(index, kinds)
    return None if build is None else Preparation("indexing payloads…", build)


def _payload_kinds(node: _Node | None) -> set[str]:
    """The kinds of the terms that search the payload (see `Matcher.preparation`)."""
    if isinstance(node, _Text):
        return {node.kind} if "payload" in node.fields else set()
    if isinstance(node, _Not):
        return _payload_kinds(node.item)
    if isinstance(node, _Junction):
        return set().union(*map(_payload_kinds, node.items))
    return set()


def prepare_index(store: Any) -> SearchIndex:
    """The store's search index, with what queries derive from it built too (numpy masks,
    text columns; see `query_vector.warm`), so the next keystroke waits for none of it.

    Slow (seconds at a million events): call it in a worker thread after a load.
    """
    from auditui.query.engine import vector as query_vector  # numpy loads here, never at start-up

    index = index_for(store)
    query_vector.warm(index)
    return index


def compile_query(query: str | Query, *, now: datetime | None = None) -> Matcher:
    """Parse (if needed) and compile; relative times count back from `now` (default: now)."""
    parsed = parse(query) if isinstance(query, str) else query
    return Matcher(parsed, now or utcnow())


# -- the per-event path ------------------------------------------------------------------


def _match(node: _Node, event: AuditEvent) -> bool:
    if isinstance(node, _Text):
        test = node.test
        return any(test(field_text(event, name)) for name in node.fields)
    if isinstance(node, _Time):
        return event.timestamp >= node.cutoff if node.after else event.timestamp < node.cutoff
    if isinstance(node, _Not):
        return not _match(node.item, event)
    if node.conjunction:
        return all(_match(item, event) for item in node.items)
    return any(_match(item, event) for item in node.items)
