"""One actor's events: the actor view's rows, gaps and "first seen" badges (core, no Textual).

`actor_events(store, subject)` answers "what else did this user (IP, object) do": the
subject's events over the whole store (the loaded range, whatever the filter shows), oldest
first, with the gap to the previous one and badges on the first event of each value of the
subject's badge dimensions (`BADGES`): a user's first event from each client IP, user
agent and source; an IP's first of each user and user agent; an object's first of each
user and action. "First" means first within the events at hand: the result says which span
that was (`looked_from`, `looked_to`).

A subject is a field's text as the query language reads it (`auditui.query.fields`): the
user (`user_text`: the e-mail, else `user:<id>`, as for an API key or a service account
without one), the client IP, or the object (`object_text` of type and id). Values are
compared as the query language compares them, case-insensitively, so the view holds
exactly the events `user:"maya@acme.com"` (anchored) would select; a missing value (no IP,
no agent) is never a "new" value and is not counted. An event without an `object_id` has
no object (a type alone names no one object).

Order: oldest first, and events at the same moment in the reverse of the order the main
table's newest-first time order gives them, so the actor view reads as the main table read
upwards.

Speed: no Python loop over the store. The subject's text is found once among the distinct
texts of its field in the search index (`index_for(store)`; user and IP in the *low*
group, objects in the *high* one), lifted to the group's combinations, then to the events
through their combination codes as a numpy mask; badges are `np.unique(..., return_index)`
over the low-group codes of the selected events. Build the index in a worker (the first
call builds it when a load has not). numpy is imported by the call, not by this module.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from operator import sub
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from auditui.events import AuditEvent, object_text, user_text
from auditui.query import SearchIndex, index_for

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "BADGES",
    "BADGE_LABELS",
    "SUBJECT_KINDS",
    "ActorEvents",
    "Subject",
    "SubjectKind",
    "actor_events",
    "actor_subject",
    "format_gap",
]

SubjectKind = Literal["user", "ip", "object"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("user", "ip", "object")

BADGES: dict[SubjectKind, tuple[str, ...]] = {
    "user": ("ip", "agent", "source"),
    "ip": ("user", "agent"),
    "object": ("user", "action"),
}
"""Per subject kind, the query fields whose first value gets a "first seen" badge."""

BADGE_LABELS: dict[str, str] = {
    "ip": "new IP",
    "agent": "new agent",
    "source": "new source",
    "user": "new user",
    "action": "new action",
}
"""The badge shown on a row, per badge field."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_GROUP = {"user": "low", "ip": "low", "object": "high"}


class Subject(msgspec.Struct, frozen=True):
    """Whose (or what's) events: a kind and its text as the table shows it."""

    kind: SubjectKind
    text: str  # `maya@acme.com`, `user:17`, `10.0.0.1`, `monitor #193`

    @property
    def title(self) -> str:
        return {"user": "Actor", "ip": "IP", "object": "Object"}[self.kind]


def actor_subject(event: AuditEvent, kind: SubjectKind = "user") -> Subject | None:
    """The subject of `kind` of this event, or None when the event has no such value."""
    if kind == "user":
        text = user_text(event.user_email, event.user_id)
    elif kind == "ip":
        text = event.client_ip or ""
    elif event.object_id is None:  # a type alone names no one object
        return None
    else:
        text = object_text(event.object_type, event.object_id)
    return Subject(kind, text) if text else None


class ActorEvents(msgspec.Struct, frozen=True):
    """A subject's events over a store, oldest first, with gaps and first-seen badges."""

    subject: Subject
    indices: Sequence[int]  # store indices, oldest first (an array("q") when many)
    stamps: list[datetime]  # each row's timestamp
    badges: dict[int, tuple[str, ...]]  # row -> badge fields (of `BADGES[kind]`), in order
    distinct: dict[str, int]  # per badge field: how many different (non-empty) values
    looked_from: datetime | None  # the oldest event of the store looked at (None: empty)
    looked_to: datetime | None  # ... and the newest
    store_size: int  # events looked at
    badge_rows: tuple[int, ...] = ()  # rows with a badge, ascending

    def __len__(self) -> int:
        return len(self.indices)

    def gap(self, row: int) -> timedelta | None:
        """The time since the previous row's event (None for the first row)."""
        if row <= 0 or row >= len(self.stamps):
            return None
        return self.stamps[row] - self.stamps[row - 1]

    def gaps(self) -> list[timedelta | None]:
        """Every row's `gap` (None first)."""
        if not self.stamps:
            return []
        return [None, *map(sub, self.stamps[1:], self.stamps[:-1])]

    def labels(self, row: int) -> tuple[str, ...]:
        """The badges of a row as shown ("new IP", ...)."""
        return tuple(BADGE_LABELS[name] for name in self.badges.get(row, ()))

    def row_of(self, store_index: int) -> int | None:
        """The row of a store index, or None when it is not the subject's."""
        import numpy as np

        found = np.flatnonzero(_as_numpy(self.indices) == store_index)
        return int(found[0]) if found.size else None

    def next_badge(self, row: int, step: int = 1) -> int | None:
        """The next row after `row` (step -1: before it) with a badge, or None."""
        from bisect import bisect_left, bisect_right

        rows = self.badge_rows
        if step > 0:
            at = bisect_right(rows, row)
            return rows[at] if at < len(rows) else None
        at = bisect_left(rows, row)
        return rows[at - 1] if at > 0 else None


def format_gap(gap: timedelta | None, *, sep: str = "") -> str:
    """A gap in its two largest units that are set: `+3m12s`, `+2d4h`, `+2h`, `+0s`; "" for
    None; under a second `+0.25s`. `sep` goes between the units (the detail pane: `+3m 12s`).
    """
    if gap is None:
        return ""
    sign = "+" if gap >= timedelta(0) else "-"
    gap = abs(gap)
    seconds = int(gap.total_seconds())
    if seconds == 0:
        fraction = gap.microseconds / 1_000_000
        return f"{sign}{fraction:.2f}s" if fraction >= 0.005 else f"{sign}0s"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")]
    first = next(i for i, (amount, _) in enumerate(parts) if amount)
    return sign + sep.join(f"{n}{unit}" for n, unit in parts[first : first + 2] if n)


def _as_numpy(indices: Sequence[int]) -> npt.NDArray[np.int64]:
    import numpy as np

    if isinstance(indices, array):
        return np.frombuffer(indices, dtype=np.int64)
    return np.asarray(indices, dtype=np.int64)


def _int32(values: array[int]) -> npt.NDArray[np.int32]:
    """A numpy copy of an index's code array (a copy: the array may still grow)."""
    import numpy as np

    return np.frombuffer(values, dtype=np.int32).copy()


def _codes(index: SearchIndex, group: str, size: int) -> npt.NDArray[np.int32]:
    """The per-event combination codes of a group (cached in the index's `derived`)."""
    key = ("actor codes", group)
    codes: npt.NDArray[np.int32] | None = index.derived.get(key)
    if codes is None or len(codes) < size:
        codes = _int32(index.groups[group].codes)
        index.derived[key] = codes
    return codes[:size]


def _text_id(texts: list[str], text: str) -> int | None:
    try:
        return texts.index(text)
    except ValueError:
        return None


def _subject_rows(index: SearchIndex, subject: Subject, size: int) -> npt.NDArray[np.int64]:
    """The store indices (ascending) of the subject's events among the first `size`."""
    import numpy as np

    group = index.groups[_GROUP[subject.kind]]
    text_id = _text_id(group.texts[subject.kind], subject.text.lower())
    if text_id is None:
        return np.zeros(0, dtype=np.int64)
    hits = _int32(group.field_codes[subject.kind]) == text_id  # per combination
    codes = _codes(index, _GROUP[subject.kind], size)
    return np.flatnonzero(hits[codes]).astype(np.int64, copy=False)


def _time_ordered(index: SearchIndex, rows: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """`rows` oldest first; ties in reverse store order (the main table's order, reversed)."""
    import numpy as np

    if index.descending:  # the store is newest first (as loaded): reverse it
        return rows[::-1].copy()
    stamps = index.stamps
    micros = np.fromiter(
        ((stamps[i] - _EPOCH) // _MICRO for i in rows.tolist()), dtype=np.int64, count=len(rows)
    )
    return rows[np.lexsort((-rows, micros))]


def _badges(
    index: SearchIndex, kind: SubjectKind, low: npt.NDArray[np.int32]
) -> tuple[dict[int, tuple[str, ...]], dict[str, int]]:
    """Rows with badges and the distinct count per badge field, given each row's low code."""
    import numpy as np

    group = index.groups["low"]
    per_row: dict[int, list[str]] = {}
    distinct: dict[str, int] = {}
    for name in BADGES[kind]:
        texts = group.texts[name]
        values = _int32(group.field_codes[name])[low]  # each row's text id
        unique, first = np.unique(values, return_index=True)
        missing = _text_id(texts, "")
        if missing is not None:
            keep = unique != missing
            unique, first = unique[keep], first[keep]
        distinct[name] = len(unique)
        for row in first.tolist():
            per_row.setdefault(row, []).append(name)
    return {row: tuple(names) for row, names in per_row.items()}, distinct


def _span(index: SearchIndex, size: int) -> tuple[datetime | None, datetime | None]:
    stamps = index.stamps
    if not size:
        return None, None
    if index.descending:
        return stamps[size - 1], stamps[0]
    looked = stamps[:size]
    return min(looked), max(looked)


def actor_events(store: Any, subject: Subject) -> ActorEvents:
    """The subject's events over `store` (an `EventStore`, or its `SearchIndex`), oldest
    first, with gaps, first-seen badges and distinct counts. Any thread (a worker)."""
    import numpy as np

    index = store if isinstance(store, SearchIndex) else index_for(store)
    size = index.size  # the index only grows meanwhile: look at these events
    rows = _time_ordered(index, _subject_rows(index, subject, size))
    stamps = list(map(index.stamps.__getitem__, rows.tolist()))
    low = _codes(index, "low", size)[rows]
    badges, distinct = _badges(index, subject.kind, low)
    looked_from, looked_to = _span(index, size)
    indices: Sequence[int] = array("q", rows.astype(np.int64, copy=False).tobytes())
    return ActorEvents(
        subject,
        indices,
        stamps,
        badges,
        distinct,
        looked_from,
        looked_to,
        size,
        tuple(sorted(badges)),
    )
