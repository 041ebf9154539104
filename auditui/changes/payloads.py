"""The diff of an event's own before/after, and of two events' payloads (core).

`diff_payload` decodes one payload, finds its before/after (`shapes.find_pairs`) and
compares them; `compare_payloads` compares two whole payloads (an event with the previous
event on the same object). Both answer with a `Diff` and never raise for what they are
given: a payload that is too big, not JSON, nested too deeply to decode or not an object
gives a `Diff` whose note says what was not compared.
"""

from __future__ import annotations

from typing import Any

import msgspec

from auditui.changes.compare import MAX_CHANGES, MAX_DEPTH, Diff, diff_pairs
from auditui.changes.shapes import Pair, find_pairs
from auditui.events import AuditEvent, payload_value
from auditui.units import human_bytes

__all__ = ["MAX_BYTES", "compare_payloads", "compare_values", "diff_payload", "diff_value"]

MAX_BYTES = 8 * 1024 * 1024
"""Payloads bigger than this (raw JSON) are not decoded for a diff."""


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    return "an object"


def _decoded(event: AuditEvent, name: str) -> tuple[Any, str | None]:
    """(value, None), or (None, why it was not decoded)."""
    size = len(event.payload)
    if size > MAX_BYTES:
        limit = human_bytes(MAX_BYTES)
        return None, f"not compared: {name} is {human_bytes(size)} (the limit is {limit})"
    try:
        return payload_value(event), None
    except RecursionError:
        return None, f"not compared: {name} is nested too deeply to decode"
    except msgspec.DecodeError as exc:
        return None, f"not compared: {name} is not valid JSON ({exc})"


def diff_value(payload: Any, *, max_changes: int = MAX_CHANGES, max_depth: int = MAX_DEPTH) -> Diff:
    """The changes between the before and after that a decoded payload holds."""
    if not isinstance(payload, dict):
        return Diff(notes=(f"not compared: payload is {_kind(payload)}",), found=False)
    shape = find_pairs(payload)
    if shape is None:
        return Diff(notes=("This payload holds no before/after to compare.",), found=False)
    return diff_pairs(shape.pairs, where=shape.where, max_changes=max_changes, max_depth=max_depth)


def diff_payload(event: AuditEvent) -> Diff:
    """The changes between the before and after in the event's own payload."""
    value, problem = _decoded(event, "the payload")
    if problem is not None:
        return Diff(notes=(problem,), found=False)
    return diff_value(value)


def compare_values(
    old: Any,
    new: Any,
    *,
    where: str = "",
    max_changes: int = MAX_CHANGES,
    max_depth: int = MAX_DEPTH,
) -> Diff:
    """The changes from one decoded payload to another (both must be objects)."""
    for name, value in (("the earlier payload", old), ("this payload", new)):
        if not isinstance(value, dict):
            note = f"not compared: {name} is {_kind(value)}"
            return Diff(notes=(note,), where=where, found=False)
    pairs = (Pair("", old, new),)
    return diff_pairs(pairs, where=where, max_changes=max_changes, max_depth=max_depth)


def compare_payloads(old: AuditEvent, new: AuditEvent, *, where: str = "") -> Diff:
    """The changes from `old`'s payload to `new`'s."""
    old_value, problem = _decoded(old, "the earlier payload")
    if problem is None:
        new_value, problem = _decoded(new, "this payload")
    if problem is not None:
        return Diff(notes=(problem,), where=where, found=False)
    return compare_values(old_value, new_value, where=where)
