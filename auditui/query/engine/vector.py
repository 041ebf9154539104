"""Evaluating a compiled query for every event at once, as numpy masks (core, no Textual).

`index.select` tries this first whenever the candidates are many (all events, or a
large share of them when a query narrows the last one): each term becomes one bool per
event, built without a Python loop over events:

- a field of a dictionary-encoded group (user, action, url, entry, ...): the term is tested
  once per distinct text (`TextColumn.contains` for substrings over many texts), lifted to
  the group's combinations, then gathered by each event's combination code;
- uuid and payload substrings: `TextColumn.contains` over the per-event texts;
- time bounds over a newest-first store: a prefix or suffix;
- NOT, AND, OR: numpy's logical operations.

Terms this cannot do cheaply (a uuid glob or regex, a payload glob, regex or exact value,
time bounds over unsorted events) return None; a conjunction evaluates the rest here and
leaves those to `index.py` over the survivors. numpy is imported only when a query runs
(never at start-up), and `warm(index)` builds the arrays in a worker after a load.
"""

from __future__ import annotations

import threading
from array import array
from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np
import numpy.typing as npt

from auditui.query.engine.common import CACHE_LIMIT, Indices, at_or_after, per_text, uuid_part
from auditui.query.engine.exact import exact_codes, exact_rows
from auditui.query.engine.marked import marked_rows, uuid_table
from auditui.query.engine.search_index import SearchIndex, uuid_text
from auditui.query.engine.text_column import BoolArray, TextColumn, encode
from auditui.query.fields import FIELDS
from auditui.query.nodes import Compiled, Junction, MarkTest, Negation, TextTest, TimeBound, cost

Codes = npt.NDArray[np.int32]
_COLUMN_MIN = 20_000  # distinct texts from which a TextColumn beats a per-text loop
ARRAY_FROM = 10_000  # matches from which a result is an array("q"), not a list
PREBUILT_PAYLOAD_EVENTS = 250_000  # `warm` builds the payload column up to this size
ASYNC_PAYLOAD_FROM = 100_000  # from this size the TUI builds payload text in a worker
_PAYLOAD_LOCK = threading.Lock()


def select(
    node: Compiled, index: SearchIndex, seq: Indices | None
) -> tuple[Indices, list[Compiled]] | None:
    """(matches of the vectorisable part, the terms left to test on them) or None.

    The left terms are parts of a top-level conjunction, cheapest first; None when nothing
    of the node can be vectorised.
    """
    items = list(node.items) if isinstance(node, Junction) and node.conjunction else [node]
    masks: list[BoolArray] = []
    rest: list[Compiled] = []
    size = index.size  # the index only grows meanwhile: every mask covers these events
    for item in items:
        mask = mask_of(item, index)
        if mask is None:
            rest.append(item)
        else:
            masks.append(mask[:size])
    if not masks:
        return None
    return _indices(index, reduce(np.logical_and, masks), seq), sorted(rest, key=cost)


def _indices(index: SearchIndex, mask: BoolArray, seq: Indices | None) -> Indices:
    """The items of seq (all indices when None) where mask is set, in seq's order.

    The mask of the last result made here is remembered: when seq is that very list,
    unchanged (a query narrowing the last one), a mask AND replaces a gather through seq.
    """
    last = index.derived.get("last")
    if seq is not None and last is not None and last[0] is seq and last[1] == len(seq):
        mask = np.logical_and(mask, last[2])
        seq = None
    if seq is None:
        found = _result(np.flatnonzero(mask))
        index.derived["last"] = (found, len(found), mask)
        return found
    if isinstance(seq, array):
        items = np.frombuffer(seq, dtype=np.int64)
    else:
        items = np.fromiter(seq, dtype=np.int64, count=len(seq))
    return _result(items[mask[items]])


def _result(positions: npt.NDArray[np.intp]) -> Indices:
    """Store indices for the caller: many as an `array("q")` (8 bytes each, copied at C
    speed; a list would make an int object per match), few as a list."""
    if len(positions) >= ARRAY_FROM:
        return array("q", positions.astype(np.int64, copy=False).tobytes())
    found: list[int] = positions.tolist()
    return found


def mask_of(node: Compiled, index: SearchIndex) -> BoolArray | None:
    """One bool per event, or None when the node is cheaper to test per event."""
    if isinstance(node, TextTest):
        return _text_mask(node, index)
    if isinstance(node, TimeBound):
        return _time_mask(node, index)
    if isinstance(node, MarkTest):
        marked = np.zeros(index.size, dtype=np.bool_)
        marked[sorted(marked_rows(index, node.uuids))] = True
        return marked
    if isinstance(node, Negation):
        inner = mask_of(node.item, index)
        return None if inner is None else np.logical_not(inner)
    masks = [mask_of(item, index) for item in node.items]
    if any(mask is None for mask in masks):
        return None
    op = np.logical_and if node.conjunction else np.logical_or
    return reduce(op, masks)  # type: ignore[arg-type]


def _time_mask(node: TimeBound, index: SearchIndex) -> BoolArray | None:
    if not index.descending:
        return None
    low = at_or_after(index, node.cutoff)  # newest first: the events before `low` match after:
    mask = np.zeros(index.size, dtype=np.bool_)
    if node.after:
        mask[:low] = True
    else:
        mask[low:] = True
    return mask


def _text_mask(node: TextTest, index: SearchIndex) -> BoolArray | None:
    if node.kind == "exact":
        return _exact_mask(node, index)
    masks: list[BoolArray] = []
    for name in node.fields:  # the per-event fields first: they may give up
        if name in ("uuid", "payload"):
            special = _uuid_mask(node, index) if name == "uuid" else _payload_mask(node, index)
            if special is None:
                return None
            masks.append(special)
    per_group: dict[str, BoolArray] = {}
    for name in node.fields:
        group = FIELDS[name].group
        if group in index.groups:
            hits = _combination_hits(node, name, index)
            known = per_group.get(group)
            per_group[group] = hits if known is None else np.logical_or(known, hits)
    for group, hits in per_group.items():
        if hits.any():
            masks.append(hits[_codes(index, group)])
    if not masks:
        return np.zeros(index.size, dtype=np.bool_)
    return reduce(np.logical_or, masks)


def _exact_mask(node: TextTest, index: SearchIndex) -> BoolArray:
    """An exact term's mask: per combination for a grouped field, else the matching rows."""
    (name,) = node.fields
    group = FIELDS[name].group
    if group in index.groups:
        codes = exact_codes(index, name, node.value)
        if not codes:
            return np.zeros(index.size, dtype=np.bool_)
        if len(codes) == 1:
            one: BoolArray = _codes(index, group) == codes[0]
            return one
        hits = np.zeros(len(index.groups[group].counts), dtype=np.bool_)
        hits[codes] = True
        return hits[_codes(index, group)]
    mask = np.zeros(index.size, dtype=np.bool_)
    literal = uuid_text(node.value)
    if group == "uuid" and literal and set(literal) <= index.uuid_chars:
        # the uuid column `warm` built: the rows holding the value's text, then compared
        spell, uuids = index.spelling_getter(name), index.uuids
        found = _column(index, "uuids", uuids).contains(encode(literal))
        rows = [row for row in np.flatnonzero(found).tolist() if uuids[row] == literal]
        mask[[row for row in rows if spell(row) == node.value]] = True
    else:
        mask[exact_rows(index, name, node.value)] = True
    return mask


def _combination_hits(node: TextTest, name: str, index: SearchIndex) -> BoolArray:
    """Per combination of the field's group: does the field's text match?"""
    group_name = FIELDS[name].group
    key = ("hits", group_name, name, node.kind, node.value)
    group = index.groups[group_name]
    cached: BoolArray | None = index.derived.get(key)
    if cached is not None and len(cached) == len(group.counts):
        return cached
    texts = group.texts[name]
    by_text: BoolArray
    if node.kind == "contains" and len(texts) >= _COLUMN_MIN:
        column = _column(index, ("column", group_name, name), texts)
        by_text = column.contains(encode(node.value))
    else:
        by_text = np.array(per_text(node, texts), dtype=np.bool_)
    hits = by_text if group.identity[name] else by_text[_field_codes(index, group_name, name)]
    if len(hits) <= CACHE_LIMIT and len(index.derived) < 512:
        index.derived[key] = hits
    return hits


def _uuid_mask(node: TextTest, index: SearchIndex) -> BoolArray | None:
    literal = _literal(node)
    if literal is None:  # a regex: often no uuid matches at all (one search says so)
        part = uuid_part(node, index, None)
        return np.full(index.size, part, dtype=np.bool_) if isinstance(part, bool) else None
    if not set(literal) <= index.uuid_chars:
        return np.zeros(index.size, dtype=np.bool_)  # no uuid holds a character of it
    return _confirm(node, _column(index, "uuids", index.uuids), literal)


def _payload_mask(node: TextTest, index: SearchIndex) -> BoolArray | None:
    literal = _literal(node)
    if literal is None:
        return None
    return _confirm(node, _payload_column(index), literal)


def _payload_column(index: SearchIndex) -> TextColumn:
    """The payload column, built once (a second caller waits for the first)."""
    with _PAYLOAD_LOCK:
        column = _current_payload(index)
        if column is None:
            column = TextColumn(*index.payload_data())
            index.derived["payload"] = column
        return column


def _current_payload(index: SearchIndex) -> TextColumn | None:
    """The payload column when it covers every event, else None."""
    column: TextColumn | None = index.derived.get("payload")
    return column if column is not None and len(column) >= index.size else None


def payload_preparation(index: SearchIndex, kinds: set[str]) -> Callable[[], object] | None:
    """The slow one-time work payload terms of these kinds need before they can run on a
    large index (its payload column, or per-event payload texts for `=`/regex), as a
    function for a worker thread; None when it is done or quick (small indexes)."""
    if index.size < ASYNC_PAYLOAD_FROM:
        return None
    need_column = bool(kinds & {"contains", "glob"}) and _current_payload(index) is None
    need_texts = bool(kinds & {"equals", "regex"}) and not index.has_payload_texts
    if not (need_column or need_texts):
        return None

    def build() -> None:
        if need_column:
            _payload_column(index)
        if need_texts:
            index.payload_texts()

    return build


def _literal(node: TextTest) -> str | None:
    """A substring every match contains (a glob's longest part), or None for other kinds."""
    if node.kind == "contains":
        return node.value
    if node.kind == "glob":
        return max(node.segments, key=len)
    return None


def _confirm(node: TextTest, column: TextColumn, literal: str) -> BoolArray:
    """Texts containing literal; for a glob, those of them its full test accepts."""
    mask = column.contains(encode(literal))
    if node.kind != "contains":
        mask = mask.copy()  # the column may keep the array it returned
        test, text = node.test, column.text
        for row in np.flatnonzero(mask).tolist():
            if not test(text(row)):
                mask[row] = False
    return mask


def _column(index: SearchIndex, key: Any, texts: list[str]) -> TextColumn:
    column: TextColumn | None = index.derived.get(key)
    if column is None or len(column) != len(texts):
        column = TextColumn.of_texts(texts)
        index.derived[key] = column
    return column


def low_codes(index: SearchIndex) -> Codes:
    """The per-event combination codes of the index's low group (users, actions, ...)."""
    return _codes(index, "low")


def _codes(index: SearchIndex, group: str) -> Codes:
    return _int32_copy(index, ("codes", group), index.groups[group].codes)


def _field_codes(index: SearchIndex, group: str, name: str) -> Codes:
    return _int32_copy(index, ("field codes", group, name), index.groups[group].field_codes[name])


def _int32_copy(index: SearchIndex, key: Any, values: array[int]) -> Codes:
    """A numpy copy of an index's code array, kept in `index.derived` under key."""
    codes: Codes | None = index.derived.get(key)
    if codes is None or len(codes) != len(values):
        codes = np.frombuffer(values, dtype=np.int32).copy()  # a copy: `values` still grows
        index.derived[key] = codes
    return codes


def warm(index: SearchIndex) -> None:
    """Build what the first query would (codes, large text columns, uuids; payloads up to
    `PREBUILT_PAYLOAD_EVENTS` events), so it does not wait for them. Any thread."""
    for name, group in index.groups.items():
        _codes(index, name)
        for field, texts in group.texts.items():
            if not group.identity[field]:
                _field_codes(index, name, field)
            if len(texts) >= _COLUMN_MIN:
                _column(index, ("column", name, field), texts)
    uuids = _column(index, "uuids", index.uuids)
    uuid_table(index)  # `marked:` and `note:` terms look uuids up
    for char in sorted(index.uuid_chars & set("0123456789abcdef-")):
        uuids.contains(encode(char))  # kept: a word's first keystroke then costs nothing here
    if index.size <= PREBUILT_PAYLOAD_EVENTS:
        _payload_column(index)
