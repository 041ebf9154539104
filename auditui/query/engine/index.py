"""Evaluating a compiled query over a store's search index, many events at a time.

This is the fast path behind `Matcher.filter_indices`; `auditui.query.matcher` holds the
reference per-event semantics it must agree with (a hypothesis test checks every path).
When the candidates are many, `select` lets `vector.py` evaluate whole-store numpy masks
first; what that cannot do cheaply, and small candidate lists (a narrowed query, streamed
events), go through the per-combination and per-event evaluation below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache, reduce
from itertools import chain, compress, repeat
from operator import and_, not_, or_, truth
from typing import Any

from auditui.query.engine.common import (
    CACHE_LIMIT,
    Indices,
    Part,
    at_or_after,
    per_text,
    uuid_part,
)
from auditui.query.engine.exact import exact_hits, exact_rows
from auditui.query.engine.marked import marked_rows
from auditui.query.engine.search_index import SearchIndex
from auditui.query.fields import FIELDS
from auditui.query.nodes import (
    Compiled,
    Junction,
    MarkTest,
    Negation,
    TextTest,
    TimeBound,
    contains_test,
    cost,
)

# -- the index path ----------------------------------------------------------------------
#
# A node evaluates to a Mask over the candidates `seq` (None: every store index):
# - a bool constant;
# - (group, hits): hits per combination of one dictionary-encoded group (and/or/not of
#   masks on the same group are folded per combination, never per event);
# - a range or set of store indices (time bounds, uuid search);
# - an iterator of bools aligned with seq (anything else).
# A conjunction first narrows with its cheap parts, then runs the others on the survivors.

Members = range | set[int]
Mask = bool | tuple[str, list[bool]] | Members | Iterator[bool]


def everything(index: SearchIndex, seq: Indices | None) -> Indices:
    """The candidates when every one matches: seq, or all store indices when None."""
    return list(range(index.size)) if seq is None else seq


VECTOR_SHARE = 128  # candidates from which whole-store masks beat testing each: size/128


def select(node: Compiled, index: SearchIndex, seq: Indices | None) -> Indices:
    """The items of seq (all indices when None) that match, in order."""
    if seq is None or len(seq) * VECTOR_SHARE >= index.size:
        # numpy loads on the first query, not at start-up
        from auditui.query.engine import vector as query_vector

        vectorised = query_vector.select(node, index, seq)
        if vectorised is not None:
            found, rest = vectorised
            for item in rest:
                if not found:
                    break
                found = _select_scalar(item, index, _as_list(found))
            return found
    return _select_scalar(node, index, _as_list(seq))


def _as_list(seq: Indices | None) -> list[int] | None:
    """The per-event paths take lists (only ever a few candidates reach them)."""
    return seq if seq is None or isinstance(seq, list) else list(seq)


def _select_scalar(node: Compiled, index: SearchIndex, seq: list[int] | None) -> Indices:
    """`select` without whole-store masks: per combination, per distinct text, per event."""
    if isinstance(node, Junction) and node.conjunction:
        times = [item for item in node.items if isinstance(item, TimeBound)]
        cheap = [item for item in node.items if cost(item) <= 1 and not isinstance(item, TimeBound)]
        rest = sorted((item for item in node.items if cost(item) > 1), key=cost)
        for stage in (times, cheap):  # time bounds first: a contiguous range when sorted
            if stage and (seq is None or seq):
                masks = [_mask(item, index, seq) for item in stage]
                seq = _materialize(_combine(True, masks, index, seq), index, seq)
        for item in rest:
            if seq is not None and not seq:
                break
            seq = _as_list(select(item, index, seq))
        return everything(index, seq)
    if isinstance(node, TextTest) and seq is not None and _few(node, index, seq):
        return _text_few(node, index, seq)
    if isinstance(node, TextTest) and len(node.fields) > 1:
        parts = _text_parts(node, index, seq)
        if isinstance(parts, bool):
            return everything(index, seq) if parts else []
        if parts:
            items = range(index.size) if seq is None else seq
            return _any_of(tuple(kind for kind, _, _ in parts))(items, *_flatten(parts, index))
        return []
    return _materialize(_mask(node, index, seq), index, seq)


def _materialize(mask: Mask, index: SearchIndex, seq: list[int] | None) -> list[int]:
    if mask is True:
        return list(range(index.size)) if seq is None else seq
    if mask is False:
        return []
    if isinstance(mask, range) and seq and mask.start <= min(seq) and max(seq) < mask.stop:
        return seq  # narrowing within the same time bounds: nothing to drop
    if seq is None and isinstance(mask, range):
        return list(mask)
    if seq is None and isinstance(mask, set):
        return sorted(mask)
    return list(compress(range(index.size) if seq is None else seq, _stream(mask, index, seq)))


def _stream(mask: Mask, index: SearchIndex, seq: list[int] | None) -> Iterator[bool]:
    """A mask as one bool per item of seq."""
    if isinstance(mask, bool):
        return repeat(mask, index.size if seq is None else len(seq))
    if isinstance(mask, tuple):
        group, hits = mask
        codes = index.groups[group].codes
        if seq is None:
            return map(hits.__getitem__, codes)
        return map(hits.__getitem__, map(codes.__getitem__, seq))
    if isinstance(mask, range | set):
        if seq is None and isinstance(mask, range):
            size, start, stop = index.size, mask.start, min(mask.stop, index.size)
            return chain(
                repeat(False, start), repeat(True, stop - start), repeat(False, size - stop)
            )
        return map(mask.__contains__, range(index.size) if seq is None else seq)
    return mask


def _combine(
    conjunction: bool, masks: list[Mask], index: SearchIndex, seq: list[int] | None
) -> Mask:
    """AND (or OR) of masks: constants fold, same-group hits merge per combination."""
    absorbing = not conjunction
    op = and_ if conjunction else or_
    groups: dict[str, list[bool]] = {}
    members: list[Members] = []
    streams: list[Iterator[bool]] = []
    for mask in masks:
        if isinstance(mask, bool):
            if mask is absorbing:
                return absorbing
        elif isinstance(mask, tuple):
            group, hits = mask
            known = groups.get(group)
            groups[group] = hits if known is None else list(map(op, known, hits))
        elif isinstance(mask, range | set):
            members.append(mask)
        else:
            streams.append(mask)
    parts: list[Mask] = []
    for group, hits in groups.items():
        folded = _fold(group, hits)
        if folded is absorbing:
            return absorbing
        if folded is not conjunction:  # not the neutral constant
            parts.append(folded)
    if conjunction and len(members) > 1:
        members = [reduce(_intersect, members)]
    parts.extend(members)
    parts.extend(streams)
    if not parts:
        return conjunction
    if len(parts) == 1:
        return parts[0]
    return reduce(lambda a, b: map(op, a, b), (_stream(p, index, seq) for p in parts))


def _intersect(a: Members, b: Members) -> Members:
    if isinstance(a, range) and isinstance(b, range):
        return range(max(a.start, b.start), max(min(a.stop, b.stop), max(a.start, b.start)))
    if isinstance(a, range):
        a, b = b, a
    return {i for i in a if i in b}


def _fold(group: str, hits: list[bool]) -> Mask:
    """(group, hits), or a constant when every combination agrees."""
    if all(hits):
        return True
    if not any(hits):
        return False
    return (group, hits)


def _mask(node: Compiled, index: SearchIndex, seq: list[int] | None) -> Mask:
    if isinstance(node, TextTest):
        return _text_mask(node, index, seq)
    if isinstance(node, TimeBound):
        return _time_mask(node, index, seq)
    if isinstance(node, MarkTest):
        return marked_rows(index, node.uuids, seq)
    if isinstance(node, Negation):
        inner = _mask(node.item, index, seq)
        if isinstance(inner, bool):
            return not inner
        if isinstance(inner, tuple):
            return (inner[0], list(map(not_, inner[1])))
        return map(not_, _stream(inner, index, seq))
    return _combine(node.conjunction, [_mask(i, index, seq) for i in node.items], index, seq)


def _group_hits(node: TextTest, name: str, index: SearchIndex) -> list[bool]:
    """Per combination of the field's group: does the field's text match? [] when none."""
    group_name = FIELDS[name].group
    key = (group_name, name, node.kind, node.value)
    cached = index.hits_cache.get(key)
    if cached is not None:
        return cached
    group = index.groups[group_name]
    by_text = per_text(node, group.texts[name])
    if not any(by_text):
        hits = []
    elif group.identity[name]:
        hits = by_text
    else:
        hits = list(map(by_text.__getitem__, group.field_codes[name]))
    if len(group.counts) <= CACHE_LIMIT:
        if len(index.hits_cache) > 256:
            index.hits_cache.clear()
        index.hits_cache[key] = hits
    return hits


def _few(node: TextTest, index: SearchIndex, seq: list[int]) -> bool:
    """True when testing seq's events one by one beats testing every distinct text."""
    distinct = 0
    for name in node.fields:
        group = FIELDS[name].group
        if group in index.groups:
            distinct += len(index.groups[group].texts[name])
        elif group == "payload" and not index.has_payload_texts:
            distinct += 50 * index.size  # building every payload text costs much more
    return len(seq) * len(node.fields) * 8 < distinct


def _text_few(node: TextTest, index: SearchIndex, seq: list[int]) -> list[int]:
    getter = index.spelling_getter if node.kind == "exact" else index.text_getter
    getters = [getter(name) for name in node.fields]
    test = node.test
    if len(getters) == 1:
        get = getters[0]
        return [i for i in seq if test(get(i))]
    return [i for i in seq if any(test(get(i)) for get in getters)]


def _text_parts(node: TextTest, index: SearchIndex, seq: list[int] | None) -> bool | list[Part]:
    """The per-field parts of a text test (any may match), or a constant."""
    if node.kind == "exact":
        return _exact_parts(node, index)
    groups: dict[str, list[bool]] = {}
    for name in node.fields:
        group = FIELDS[name].group
        if group in index.groups:
            hits = _group_hits(node, name, index)
            if hits:
                known = groups.get(group)
                hits = hits if known is None else list(map(or_, known, hits))
                if all(hits):
                    return True  # every event matches: skip the other fields
                groups[group] = hits
    parts: list[tuple[float, Part]] = []
    for group, hits in groups.items():
        counts = index.groups[group].counts
        share = sum(compress(counts, hits))
        if share == index.size:
            return True
        parts.append((-share, ("G", hits, group)))
    parts.sort(key=lambda item: item[0])  # likeliest first: `or` stops early
    result = [part for _, part in parts]
    if "uuid" in node.fields:
        part = uuid_part(node, index, seq)
        if part is True:
            return True
        if part is not False:
            result.append(part)
    if "payload" in node.fields:
        result.append(("T", node.test, index.payload_texts()))
    return result


def _exact_parts(node: TextTest, index: SearchIndex) -> bool | list[Part]:
    """An exact term's one part (it names one field), or False when nothing matches."""
    (name,) = node.fields
    group = FIELDS[name].group
    if group in index.groups:
        hits = exact_hits(index, name, node.value)
        return [("G", hits, group)] if any(hits) else False
    rows = exact_rows(index, name, node.value)
    return [("M", set(rows), None)] if rows else False


def _text_mask(node: TextTest, index: SearchIndex, seq: list[int] | None) -> Mask:
    parts = _text_parts(node, index, seq)
    if isinstance(parts, bool):
        return parts
    masks: list[Mask] = []
    for kind, first, second in parts:
        if kind == "G":
            masks.append((second, first))
        elif kind == "M":
            masks.append(first)
        else:
            items = second if seq is None else map(second.__getitem__, seq)
            test = contains_test(first) if kind == "C" else first
            masks.append(map(truth, map(test, items)))
    return _combine(False, masks, index, seq)


def _flatten(parts: list[Part], index: SearchIndex) -> list[Any]:
    """The arguments of `_any_of(kinds)` for these parts."""
    values: list[Any] = []
    for kind, first, second in parts:
        if kind == "G":
            values += [first, index.groups[second].codes]
        elif kind == "M":
            values.append(first)
        else:
            values += [first, second]
    return values


@lru_cache(maxsize=64)
def _any_of(kinds: tuple[str, ...]) -> Callable[..., list[int]]:
    """A list comprehension keeping items where any part matches (`or` stops early).

    Built from fixed templates (never from query text), one per shape of parts:
    G (hits, codes): hits[codes[i]]; M (members): i in members; C (needle, texts):
    needle in texts[i]; T (test, texts): test(texts[i]).
    """
    args, tests = [], []
    for k, kind in enumerate(kinds):
        if kind == "G":
            args += [f"h{k}", f"c{k}"]
            tests.append(f"h{k}[c{k}[i]]")
        elif kind == "M":
            args.append(f"m{k}")
            tests.append(f"i in m{k}")
        elif kind == "C":
            args += [f"n{k}", f"x{k}"]
            tests.append(f"n{k} in x{k}[i]")
        else:
            args += [f"t{k}", f"x{k}"]
            tests.append(f"t{k}(x{k}[i])")
    source = f"lambda items, {', '.join(args)}: [i for i in items if {' or '.join(tests)}]"
    function: Callable[..., list[int]] = eval(source, {})  # a fixed template, see above
    return function


def _time_mask(node: TimeBound, index: SearchIndex, seq: list[int] | None) -> Mask:
    stamps, cutoff = index.stamps, node.cutoff
    if index.descending:  # events newest first: a prefix is at or after the cutoff
        low = at_or_after(index, cutoff)
        if low in (0, index.size):
            return (low == index.size) is node.after
        return range(low) if node.after else range(low, index.size)
    items = stamps if seq is None else map(stamps.__getitem__, seq)
    return map(cutoff.__le__, items) if node.after else map(cutoff.__gt__, items)
