"""Where a payload keeps its before and its after: the shapes audit payloads use (core).

A payload that records a change holds the old and the new version in one of a few shapes:
`{"before": …, "after": …}`, `{"old": …, "new": …}`, a `changes` object of such pairs by
field (`{"changes": {"role": {"old": …, "new": …}}}`), a `changes` list of field records
(`{"changes": [{"field": "role", "from": …, "to": …}]}`), or any of these one level down
(`{"diff": {"before": …, "after": …}}`, `{"monitor": {"old": …, "new": …}}`). `find_pairs`
reads which one a payload uses and returns the pairs to compare, each with the path its
changes go under. Nothing here compares (that is `compare`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Pair", "Shape", "find_pairs", "join_path", "key_path"]

PAIR_KEYS: tuple[tuple[str, str], ...] = (("before", "after"), ("old", "new"))
"""Keys of an object that holds the two versions itself."""
FIELD_KEYS = ("field", "path", "key", "name", "attribute", "property")
OLD_KEYS = ("old", "from", "before", "old_value", "previous")
NEW_KEYS = ("new", "to", "after", "new_value", "current")
CHANGES_KEYS = ("changes", "changed", "diff", "delta")
"""Keys under which a payload lists its changes by field."""


@dataclass(frozen=True, slots=True)
class Pair:
    """One old and new version to compare; their changes get paths under `path`."""

    path: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Shape:
    """The pairs found in a payload and, for people, where they were found."""

    pairs: tuple[Pair, ...]
    where: str


def key_path(key: str) -> str:
    """A path segment for an object key: `name`, or `["odd key"]` when it is not a plain
    identifier (dots, brackets, spaces, quotes ...), so a path never reads ambiguously."""
    if key and key.replace("_", "a").replace("-", "a").isalnum() and key.isascii():
        return key
    escaped = key.replace("\\", "\\\\").replace('"', '\\"')
    return f'["{escaped}"]'


def join_path(parent: str, segment: str) -> str:
    """`parent` + a key segment (`key_path`) or an index segment (`[3]`)."""
    if not segment:
        return parent
    if not parent or segment.startswith("["):
        return parent + segment
    return f"{parent}.{segment}"


def _own_pair(value: dict[str, Any]) -> tuple[str, str] | None:
    for old_key, new_key in PAIR_KEYS:
        if old_key in value and new_key in value:
            return old_key, new_key
    return None


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((key for key in keys if key in record), None)


def _record_pair(record: Any) -> tuple[Any, Any, Any] | None:
    """(field, old, new) of a change record like `{"field": f, "from": a, "to": b}`."""
    if not isinstance(record, dict):
        return None
    field_key = _first(record, FIELD_KEYS)
    old_key, new_key = _first(record, OLD_KEYS), _first(record, NEW_KEYS)
    if field_key is None or (old_key is None and new_key is None):
        return None
    old = record[old_key] if old_key is not None else None
    new = record[new_key] if new_key is not None else None
    return record[field_key], old, new


def _changes_pairs(changes: Any, parent: str) -> tuple[Pair, ...] | None:
    """The pairs of a `changes` value: an object of pairs by field or a list of records."""
    pairs: list[Pair] = []
    if isinstance(changes, dict) and changes:
        for field, value in changes.items():
            found = _own_pair(value) if isinstance(value, dict) else None
            if found is None:
                return None
            pairs.append(Pair(join_path(parent, key_path(str(field))), *map(value.get, found)))
        return tuple(pairs)
    if isinstance(changes, list) and changes:
        for record in changes:
            found_record = _record_pair(record)
            if found_record is None:
                return None
            field, old, new = found_record
            pairs.append(Pair(join_path(parent, key_path(str(field))), old, new))
        return tuple(pairs)
    return None


def _shape_at(value: dict[str, Any], parent: str) -> Shape | None:
    """The shape of one object (no looking further down)."""
    found = _own_pair(value)
    if found is not None:
        old_key, new_key = found
        where = f"{join_path(parent, old_key)} → {join_path(parent, new_key)}"
        return Shape((Pair(parent, value[old_key], value[new_key]),), where)
    for key in CHANGES_KEYS:
        if key in value:
            pairs = _changes_pairs(value[key], parent)
            if pairs is not None:
                return Shape(pairs, join_path(parent, key_path(key)))
    return None


def find_pairs(payload: Any) -> Shape | None:
    """The before/after pairs of a payload, or None when it records no change this way.

    Looks at the payload itself, then one level down: one nested pair compares under no
    prefix (`{"diff": {"before": …}}` gives paths like `threshold.min`); several nested pairs
    (`{"monitor": {old, new}, "schedule": {old, new}}`) each compare under their key.
    """
    if not isinstance(payload, dict):
        return None
    shape = _shape_at(payload, "")
    if shape is not None:
        return shape
    nested = [
        (key, found)
        for key, value in payload.items()
        if isinstance(value, dict) and (found := _shape_at(value, "")) is not None
    ]
    if not nested:
        return None
    if len(nested) == 1:
        key, found = nested[0]
        where = " → ".join(join_path(key_path(key), part) for part in found.where.split(" → "))
        return Shape(found.pairs, where)
    pairs = tuple(
        Pair(join_path(key_path(key), pair.path), pair.old, pair.new)
        for key, found in nested
        for pair in found.pairs
    )
    return Shape(pairs, ", ".join(key_path(key) for key, _ in nested))
