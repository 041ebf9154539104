"""What both evaluation paths share, so that neither imports the other for it (core).

`index.py` (per combination, per event) and `vector.py` (numpy masks over every event)
both import this module; it imports neither:

- `Indices`, the type of a result (store indices);
- `per_text`, a term's test over a field's distinct texts;
- `uuid_part`, how to test the uuid field (a constant, or a part for `index.py`'s loops);
- `at_or_after`, the time bisection over a newest-first index;
- `CACHE_LIMIT`, the size of group whose per-combination hits are kept.
"""

from __future__ import annotations

import re
from array import array
from datetime import datetime
from itertools import repeat
from operator import truth
from typing import TYPE_CHECKING, Any

from auditui.query.engine.search_index import SEPARATOR, SearchIndex
from auditui.query.nodes import TextTest, regex_flags

__all__ = ["CACHE_LIMIT", "Indices", "Part", "at_or_after", "per_text", "uuid_part"]

if TYPE_CHECKING:
    Indices = list[int] | array[int]  # results: many matches come as an array("q")
else:  # array is not subscriptable at run time before Python 3.12
    Indices = list | array
Part = tuple[str, Any, Any]  # a bare word's per-field part, see `index._any_of`

CACHE_LIMIT = 50_000  # cache per-combination hits only for groups this small
# context-dependent regex syntax: lookarounds, \A, \Z, flags turned off (`(?-m:...)`)
_CONTEXT = re.compile(r"\(\?(<?[=!]|[a-zA-Z]*-)|\\[AZ]")


def per_text(node: TextTest, texts: list[str]) -> list[bool]:
    """node's test over distinct texts, at C speed for the common kinds."""
    if node.kind == "contains":
        return list(map(str.__contains__, texts, repeat(node.value)))
    if node.kind == "equals":
        return list(map(node.value.__eq__, texts))
    return list(map(truth, map(node.test, texts)))


def uuid_part(node: TextTest, index: SearchIndex, seq: list[int] | None) -> bool | Part:
    """How to test the uuid field: a constant, or a part for `index._any_of`."""
    uuids = index.uuids
    if node.kind == "contains" and not node.value:
        return True
    literal = node.value if node.kind in ("contains", "equals") else ""
    if node.kind == "glob":
        literal = max(node.segments, key=len)
    if literal and not set(literal) <= index.uuid_chars:
        return False  # no uuid holds a character of the literal
    # a match inside one uuid is also a match in the joined text (`^`/`$` match at the
    # separators with MULTILINE; no lookaround or \A/\Z), so none there means none at all
    if (
        node.kind == "regex"
        and not _CONTEXT.search(node.value)
        and not re.compile(node.value, regex_flags(node.value) | re.MULTILINE).search(
            index.uuid_joined()
        )
    ):
        return False
    few = seq is not None and len(seq) * 8 < index.size
    if len(literal) < 3 or index.uuid_width < 0 or few:
        if node.kind == "contains":
            return ("C", node.value, uuids)
        return ("T", node.test, uuids)
    # find the literal in all uuids at once (they share one width), then check those rows
    joined, found, step = index.uuid_joined(), set(), index.uuid_width + len(SEPARATOR)
    test, position = node.test, joined.find(literal)
    while position >= 0:
        row = position // step
        if test(uuids[row]):
            found.add(row)
        position = joined.find(literal, (row + 1) * step)
    return ("M", found, None) if found else False


def at_or_after(index: SearchIndex, cutoff: datetime) -> int:
    """How many events, from the first, are at or after cutoff (events newest first)."""
    stamps = index.stamps
    low, high = 0, len(stamps)
    while low < high:
        middle = (low + high) // 2
        if stamps[middle] >= cutoff:
            low = middle + 1
        else:
            high = middle
    return low
