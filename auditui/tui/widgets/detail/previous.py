"""The diff of an event against the previous event on the same object (no Textual).

`previous_diff` finds the previous event on the event's `object_type` + `object_id` in the
loaded store (`auditui.stats` neighbours, built here if needed: call it from a worker) and
compares the two payloads; when there is none, the `Diff` says so in a note.
"""

from __future__ import annotations

from auditui.changes import Diff, compare_payloads
from auditui.events import AuditEvent, EventStore, object_text
from auditui.stats import neighbours_for
from auditui.tui.widgets.detail.rows import format_time

__all__ = ["previous_diff"]


def previous_diff(event: AuditEvent, store: EventStore | None, *, utc: bool) -> Diff:
    """`event`'s payload compared with the previous event's on its object."""
    if event.object_id is None:
        return Diff(notes=("This event has no object (object_id) to compare with.",), found=False)
    thing = object_text(event.object_type, event.object_id)
    neighbours = None if store is None else neighbours_for(store)
    index = None if neighbours is None else neighbours.index_of(event)
    before = None
    if neighbours is not None and index is not None:
        before = neighbours.previous_object(index)
    if neighbours is None or before is None:
        return Diff(notes=(f"No earlier event on {thing} in the loaded range.",), found=False)
    earlier = neighbours.events[before]
    when = format_time(earlier.timestamp, utc=utc)
    where = f"{thing}: {when} {earlier.action or '(no action)'} → this event"
    return compare_payloads(earlier, event, where=where)
