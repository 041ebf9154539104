"""Exact terms (`field:="value"`) over a store's search index, without a loop per event.

An exact term compares a field's text as the events spell it (case-sensitive) with its
value. The index keeps lowercase texts, so equal spellings have equal lowercase texts: the
one distinct lowercase text equal to the value's lowercase form names the only candidates,
and only those are spelled and compared:

- a grouped field (user, action, object, url, entry, ...): the combinations of its group
  whose field text is that one, each spelled from its raw tuple (`exact_hits`, per
  combination, then lifted to the events by code like any other grouped term);
- uuid: the events whose uuid text is the value's (one search of the joined uuids when they
  share one width), then their own uuid compared (`exact_rows`);
- payload: the events whose raw JSON bytes are the value's UTF-8 (a comparison per event at
  C speed; a value holding U+FFFD or a lone surrogate, which invalid UTF-8 may decode to or
  no bytes encode, compares decoded payloads instead).

Both evaluation paths (`index.py`, `vector.py`) call this; `matcher.py` holds the reference.
"""

from __future__ import annotations

from itertools import compress

from auditui.query.engine.search_index import SEPARATOR, SearchIndex, uuid_text
from auditui.query.fields import FIELDS, field_spelling

__all__ = ["exact_codes", "exact_hits", "exact_rows"]

_HITS_KEPT = 256  # per-combination hits kept per index (by field and value)


def exact_codes(index: SearchIndex, name: str, value: str) -> list[int]:
    """The combination codes of the field's group whose field is spelled exactly `value`."""
    group = index.groups[FIELDS[name].group]
    text_id = group.text_id(name, value.lower())
    if text_id is None:
        return []
    if group.identity[name]:
        candidates = [text_id]
    else:
        field_codes, candidates, at = group.field_codes[name], [], 0
        while True:  # array.index scans at C speed
            try:
                at = field_codes.index(text_id, at)
            except ValueError:
                break
            candidates.append(at)
            at += 1
    spell = field_spelling(name)
    return [code for code in candidates if spell(group.raw(code)) == value]


def exact_hits(index: SearchIndex, name: str, value: str) -> list[bool]:
    """Per combination of the field's group: is the field spelled exactly `value`?"""
    key = ("exact", name, value)
    group = index.groups[FIELDS[name].group]
    cached: list[bool] | None = index.derived.get(key)
    if cached is not None and len(cached) == len(group.counts):
        return cached
    hits = [False] * len(group.counts)
    for code in exact_codes(index, name, value):
        hits[code] = True
    kept = sum(1 for item in index.derived if isinstance(item, tuple) and item[0] == "exact")
    if kept < _HITS_KEPT:
        index.derived[key] = hits
    return hits


def exact_rows(index: SearchIndex, name: str, value: str) -> list[int]:
    """The store indices (ascending) of the events whose uuid or payload is exactly `value`."""
    if FIELDS[name].group == "uuid":
        return _uuid_rows(index, value)
    if "\ufffd" in value or any("\ud800" <= char <= "\udfff" for char in value):
        spell = index.spelling_getter(name)
        return [i for i in range(index.size) if spell(i) == value]
    return index.payload_equal(value.encode("utf-8"))


def _uuid_rows(index: SearchIndex, value: str) -> list[int]:
    literal, uuids, width = uuid_text(value), index.uuids, index.uuid_width
    if literal and not set(literal) <= index.uuid_chars:
        return []
    if literal and width >= 0:
        if len(literal) != width:
            return []
        # every uuid has this width and the literal holds no separator: a hit is a whole uuid
        joined, step, rows = index.uuid_joined(), width + len(SEPARATOR), []
        position = joined.find(literal)
        while position >= 0:
            rows.append(position // step)
            position = joined.find(literal, position + 1)
    else:
        rows = list(compress(range(len(uuids)), map(literal.__eq__, uuids)))
    spell = index.spelling_getter(name="uuid")
    return [row for row in rows if spell(row) == value]
