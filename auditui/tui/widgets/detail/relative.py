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
    if neighbours is None or index is None:
        actor_text = PENDING if user else "no actor"
        object_text_ = PENDING if thing else "no object"
        return [(ACTOR_LABEL, actor_text), (OBJECT_LABEL, object_text_)]
    events = neighbours.events
    if not user:
        actor_text = "no actor"
    elif (before := neighbours.previous_actor(index)) is None:
        actor_text = FIRST
    else:
        gap = gap_text(event.timestamp - events[before].timestamp)
        actor_text = f"{gap} after {user}'s previous event"
    if not thing:
        object_text_ = "no object"
    elif (before := neighbours.previous_object(index)) is None:
        object_text_ = FIRST
    else:
        gap = gap_text(event.timestamp - events[before].timestamp)
        object_text_ = f"{gap} after the previous event on {thing}"
    return [(ACTOR_LABEL, actor_text), (OBJECT_LABEL, object_text_)]
