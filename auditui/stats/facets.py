"""Facets: the top values and their counts per field over a set of events (core, no Textual).

`compute_facets(store, indices)` counts, for the events at these store indices (all events
when None), the values of user, action, status, source, object type and client IP, and
returns the top N of each with the query term that selects it (`user:maya@acme.com`), and
every value with its count (`Facet.ranked`; `Facet.value(rank)` makes the term of any of
them on demand, so a field of 100,000 IPs costs a sort, not 100,000 terms).

Speed: all six fields live in the search index's *low* group
(`auditui.query.engine.search_index`), where each event carries one combination code.
Counting is one `Counter` over the codes of the selected events (numpy's `bincount` for a
query's many matches), then a pass over the distinct combinations (a few thousand) to add
up each field's values. The index is built on first use (`index_for`): build it in a
worker after a load.

Values are shown with their original spelling (`auditui.query.fields.field_spelling`, the
rules the table's cells use too), but matched case-insensitively like the
query language does (the most frequent spelling stands for the others). A term is
`field:value`, quoted when the value needs it; when the value is also a substring of
another value of that field (`10.0.0.1` in `10.0.0.12`) the term is an anchored regex
(`ip:/^10\\.0\\.0\\.1$/`) so that it selects exactly the counted events. A missing value is
shown as "" and selected with `field:""`.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import weakref
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from auditui.query import MAX_REGEX_LENGTH, SearchIndex, field_spelling, index_for

__all__ = [
    "FACET_FIELDS",
    "Facet",
    "FacetValue",
    "compute_facets",
    "facet_term",
    "quote_value",
]

FACET_FIELDS: tuple[tuple[str, str], ...] = (
    ("user", "User"),
    ("action", "Action"),
    ("status", "Status"),
    ("source", "Source"),
    ("type", "Object type"),
    ("ip", "Client IP"),
)
"""(query field, title) of each facet, in display order."""

DEFAULT_TOP = 10

_PLAIN = re.compile(r"[A-Za-z0-9@._+#%=,;~&!?'-]+")  # a word needing no quotes as a value
_SEPARATOR = "\n"


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet: its text ("" when missing), count and query term."""

    value: str
    count: int
    term: str  # selects exactly these events, e.g. `status:failure`

    @property
    def exclude_term(self) -> str:
        """The negated term, e.g. `-status:failure`."""
        return "-" + self.term


@dataclass(frozen=True, slots=True)
class Facet:
    """The top values of one field over the selected events, and every value's count."""

    field: str
    title: str
    values: tuple[FacetValue, ...]  # the top ones, most frequent first, ties by value
    distinct: int  # how many different values the selection holds
    total: int  # events in the selection
    ranked: tuple[tuple[str, int], ...] = ()  # every (value, count), in the order of `values`
    # per ranked value: its matching text, and every distinct text of the field joined (to
    # tell whether a value is a substring of another: then its term is anchored)
    _texts: tuple[str, ...] = dataclasses.field(default=(), compare=False, repr=False)
    _joined: str = dataclasses.field(default="", compare=False, repr=False)

    @property
    def other(self) -> int:
        """Events whose value is not among `values`."""
        return self.total - sum(value.count for value in self.values)

    def value(self, rank: int) -> FacetValue:
        """The value at `rank` in `ranked` (0: the most frequent) with its term."""
        if rank < len(self.values):
            return self.values[rank]
        value, count = self.ranked[rank]
        return FacetValue(value, count, self._term(value, self._texts[rank]))

    def _term(self, value: str, text: str) -> str:
        exact = bool(text) and _is_ambiguous(self._joined, text)
        return facet_term(self.field, value, exact=exact)


def quote_value(value: str) -> str:
    """`value` as the query language reads it literally: bare when safe, else "quoted".

    In a phrase `\\`, `"` and `*` are escaped (`*` would be a wildcard); see `auditui.query.syntax`.
    """
    if _PLAIN.fullmatch(value) and not value.startswith("-"):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("*", "\\*")
    return f'"{escaped}"'


def _anchored(value: str) -> str | None:
    """An exact-match regex value (`/^v$/`), or None when too long for the language."""
    pattern = "^" + re.escape(value.lower()) + "$"
    if len(pattern) > MAX_REGEX_LENGTH:
        return None
    return "/" + pattern.replace("/", "\\/") + "/"


def facet_term(field: str, value: str, *, exact: bool = False) -> str:
    """The term selecting `field` = `value` (`exact`: anchor it, as a substring is not enough).

    `value` "" selects events where the field is empty or missing (`field:""`).
    """
    if not value:
        return f'{field}:""'
    if exact:
        anchored = _anchored(value)
        if anchored is not None:
            return f"{field}:{anchored}"
    return f"{field}:{quote_value(value)}"


class _Spellings:
    """Per index: each combination's raw tuple, and each field's distinct texts joined.

    Grown lazily as the index grows (the index only appends combinations).
    """

    def __init__(self) -> None:
        self.raws: list[tuple[Any, ...]] = []
        self.joined: dict[str, tuple[int, str]] = {}
        self.lock = threading.Lock()

    def sync(self, index: SearchIndex) -> list[tuple[Any, ...]]:
        combos = index.groups["low"].combos
        with self.lock:
            if len(self.raws) < len(combos):
                self.raws = list(combos)  # insertion order is code order
            return self.raws

    def texts_joined(self, index: SearchIndex, field: str) -> str:
        texts = index.groups["low"].texts[field]
        with self.lock:
            known = self.joined.get(field)
            if known is None or known[0] != len(texts):
                known = (len(texts), _SEPARATOR + _SEPARATOR.join(texts) + _SEPARATOR)
                self.joined[field] = known
            return known[1]


_spellings: weakref.WeakKeyDictionary[SearchIndex, _Spellings] = weakref.WeakKeyDictionary()
_spellings_lock = threading.Lock()


def _spellings_for(index: SearchIndex) -> _Spellings:
    with _spellings_lock:
        found = _spellings.get(index)
        if found is None:
            found = _spellings[index] = _Spellings()
        return found


def _is_ambiguous(joined: str, text: str) -> bool:
    """True when `text` is a substring of some other distinct text (or twice in its own)."""
    return joined.count(text) > 1


def _count_codes(index: SearchIndex, indices: array[int]) -> dict[int, int]:
    """Events per combination code of the low group, for an array("q") of store indices."""
    import numpy as np

    # numpy is loaded already (a query's array results come from it)
    from auditui.query.engine.vector import low_codes

    counts = np.bincount(low_codes(index)[np.frombuffer(indices, dtype=np.int64)])
    return {code: count for code, count in enumerate(counts.tolist()) if count}


def compute_facets(
    store: Any,
    indices: Sequence[int] | None = None,
    *,
    top: int = DEFAULT_TOP,
    fields: Sequence[tuple[str, str]] = FACET_FIELDS,
) -> list[Facet]:
    """The top `top` values of each field over the events at `indices` (None: all events),
    with every value's count in `Facet.ranked`.

    `store` is an `EventStore` (its search index is built on first use) or a `SearchIndex`.
    Safe to call from a worker thread.
    """
    index = store if isinstance(store, SearchIndex) else index_for(store)
    group = index.groups["low"]
    codes = group.codes
    if indices is None:
        per_combo: dict[int, int] = dict(enumerate(group.counts))
        total = index.size
    elif isinstance(indices, array):  # many matches (a query's array): count with numpy
        per_combo = _count_codes(index, indices)
        total = len(indices)
    else:
        per_combo = Counter(map(codes.__getitem__, indices))
        total = len(indices)
    spellings = _spellings_for(index)
    raws = spellings.sync(index)
    present = [(code, count) for code, count in per_combo.items() if count]
    facets = []
    for field, title in fields:
        raw_text = field_spelling(field)
        field_codes = group.field_codes[field]
        counts: dict[int, int] = {}
        best: dict[int, tuple[int, str]] = {}  # text id -> (count, spelling) of its top spelling
        for code, count in present:
            text_id = field_codes[code]
            counts[text_id] = counts.get(text_id, 0) + count
            known = best.get(text_id)
            if known is None or count > known[0]:
                best[text_id] = (count, raw_text(raws[code]))
        ranked = sorted(counts.items(), key=lambda item: (-item[1], best[item[0]][1]))
        texts = group.texts[field]
        joined = spellings.texts_joined(index, field) if ranked else ""
        facet = Facet(
            field,
            title,
            (),
            len(counts),
            total,
            tuple((best[text_id][1], count) for text_id, count in ranked),
            tuple(texts[text_id] for text_id, _ in ranked),
            joined,
        )
        top_values = tuple(facet.value(rank) for rank in range(min(top, len(ranked))))
        facets.append(dataclasses.replace(facet, values=top_values))
    return facets
