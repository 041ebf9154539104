"""The filter query language: parse a query, compile it, match events (core, no Textual).

This package owns what a query means and how it runs: the fields it knows (`fields`), the
syntax tree (`syntax`), compiled nodes (`nodes`), the per-event reference matcher
(`matcher`), the fast evaluation over a store's search index (`engine`) and the filter
state that narrows from the last query (`narrowing`). Callers outside import from here.

Examples: `admin`, `"data diff"`, `status:failure user:*@datafold.com`, `-source:ci`,
`NOT action:monitor.* OR (support:true after:7d)`, `user:/^ad.*@/`, `payload:"dry_run"`,
`after:2026-11-02 before:2026-11-03T12:00Z`.

- A bare word, "phrase" or /regex/ matches when any *shown field* matches (see
  `auditui.query.fields` for the fields and their text: every field a column or the
  detail pane shows, not the payload). Matching is case-insensitive.
- `field:value` matches one field; field names are case-insensitive. Without `*` a value is
  a substring; with `*` wildcards it must match the whole field (`user:*@datafold.com`).
  `id:` and `support:` compare whole values (`id:12` is not `id:123`; `id:12*` is a prefix);
  `field:""` matches events where the field is empty or missing.
- `field:="value"` (or `field:=word`) is exact: the field's whole text as the events spell
  it, case-sensitive, `*` a plain star (what a pivot makes: `auditui.query.pivot`).
- `-term`, `NOT term`, `a OR b`, `a AND b` (or just `a b`), parentheses; NOT > AND > OR.
- `marked:true|false` and `note:WORD` (or `note:"a phrase"`; `note:""`: no note) test
  the marks and notes given to `compile_query(…, marks=)` (uuid → note), none when not
  given; such queries never narrow from the last one (the marks change in between).
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
    Matcher.preparation(store) -> Preparation | None   # slow first-time work, for a worker
    Filterer(store).apply(text) -> FilterResult        # narrows from the last query
    add_term(query, term) -> str                       # AND a term to a whole query
    pivot_query(event, name, *, exclude=False) -> str | None   # `user:="maya@acme.com"`
    pivot_term(field, text, *, exclude=False) -> str   # an exact term for any text
    PIVOT_FIELDS                                       # column id / attribute → query field
    replace_time_terms(query, terms) -> str            # the timeline's after:/before: swapped
    index_for(store), prepare_index(store)             # the store's search index
    warm_index(store)                                  # grown and warmed again (a follow)

Importing this package is cheap: numpy loads with the first query that needs it.
"""

from auditui.query.engine import SearchIndex, index_for, index_ready
from auditui.query.fields import BARE_FIELDS, FIELDS, KNOWN_FIELDS, field_spelling
from auditui.query.matcher import (
    ASYNC_INDEX_FROM,
    Matcher,
    Preparation,
    compile_query,
    prepare_index,
    warm_index,
)
from auditui.query.narrowing import (
    Filterer,
    FilterResult,
    add_term,
    replace_time_terms,
    top_time_terms,
    without_time_terms,
)
from auditui.query.pivot import PIVOT_FIELDS, pivot_query, pivot_term, time_pivot
from auditui.query.syntax import (
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    MAX_REGEX_LENGTH,
    And,
    MarkTerm,
    Node,
    Not,
    Or,
    Query,
    QueryError,
    Term,
    TimeTerm,
    parse,
)

__all__ = [
    "ASYNC_INDEX_FROM",
    "BARE_FIELDS",
    "FIELDS",
    "KNOWN_FIELDS",
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "MAX_REGEX_LENGTH",
    "PIVOT_FIELDS",
    "And",
    "FilterResult",
    "Filterer",
    "MarkTerm",
    "Matcher",
    "Node",
    "Not",
    "Or",
    "Preparation",
    "Query",
    "QueryError",
    "SearchIndex",
    "Term",
    "TimeTerm",
    "add_term",
    "compile_query",
    "field_spelling",
    "index_for",
    "index_ready",
    "parse",
    "pivot_query",
    "pivot_term",
    "prepare_index",
    "replace_time_terms",
    "time_pivot",
    "top_time_terms",
    "warm_index",
    "without_time_terms",
]
