"""The detail pane's relative-time rows: how long after the actor's and the object's
previous event the shown event came (`+3m 12s after maya@acme.com's previous event`).

The previous events come from `auditui.stats` neighbours (built in a worker); until they
are built the rows say "…". Texts quote event fields: the pane renders them literally.
"""

from __future__ import annotations

from datetime import timedelta

from auditui.events import AuditEvent, object_text, user_text
from auditui.stats import Neighbours, format_gap

__all__ = ["ACTOR_LABEL", "FIRST", "OBJECT_LABEL", "PENDING", "gap_text", "relative_rows"]

ACTOR_LABEL = "  since actor"
OBJECT_LABEL = "  since object"
PENDING = "…"
FIRST = "first in the loaded range"


def gap_text(gap: timedelta) -> str:
    """`+3m 12s`, `+2h`, `+1d 4h`, `+12s`, `+0.25s`: the two largest units that are set."""
    return format_gap(gap, sep=" ")


def relative_rows(event: AuditEvent, neighbours: Neighbours | None) -> list[tuple[str, str]]:
    """(label, text) for the actor row and the object row; "…" while not known yet."""
    user = user_text(event.user_email, event.user_id)
    thing = object_text(event.object_type, event.object_id) if event.object_id is not None else ""
    index = None if neighbours is None else neighbours.index_of(event)
    actor: int | None = None
    on_object: int | None = None
    known = neighbours is not None and index is not None
    if neighbours is not None and index is not None:
        actor, on_object = neighbours.previous_actor(index), neighbours.previous_object(index)
    events = () if neighbours is None else neighbours.events

    def since(name: str, before: int | None, after_what: str, missing: str) -> str:
        if not name:
            return missing
        if not known:
            return PENDING
        if before is None:
            return FIRST
        return f"{gap_text(event.timestamp - events[before].timestamp)} {after_what}"

    actor_row = since(user, actor, f"after {user}'s previous event", "no actor")
    object_row = since(thing, on_object, f"after the previous event on {thing}", "no object")
    return [(ACTOR_LABEL, actor_row), (OBJECT_LABEL, object_row)]
