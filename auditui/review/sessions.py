"""Support users' events grouped into sessions (core, no Textual).

A session is a run of events with `is_support_user` true by one actor in which each event
follows the previous one by less than `gap` (30 minutes unless configured): a gap of `gap`
or more starts a new session. An actor is a user id when the event has one (so the events
of one account that carry only its id, `user:88`, join those that carry its e-mail), else
the e-mail; it is named by its e-mail (the most frequent), else `user:<id>`, and a session
keeps every spelling its events use (`spellings`), which its query selects. Events are
taken in time order whatever order they come in; sessions come oldest first (then by
actor).

Speed: one pass at C speed picks the support events out of the store (`compress` over the
flags); only those (a small share of an audit log) are looked at in Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from itertools import compress
from operator import attrgetter

import msgspec

from auditui.errors import UsageError
from auditui.events import AuditEvent, EventStore, object_text, user_text
from auditui.query import pivot_term
from auditui.timespec import format_utc, parse_duration

__all__ = [
    "DEFAULT_GAP",
    "FAILED_STATUSES",
    "SUPPORT_QUERY",
    "SupportSession",
    "format_gap",
    "grouping_rule",
    "parse_gap",
    "session_query",
    "support_sessions",
]

DEFAULT_GAP = timedelta(minutes=30)
FAILED_STATUSES = frozenset({"failure", "denied"})
SUPPORT_QUERY = "support:true"
"""The query that selects the events a review looks at."""

_support = attrgetter("is_support_user")
_MICRO = timedelta(microseconds=1)


class SupportSession(msgspec.Struct, frozen=True, kw_only=True):
    """One support actor's run of events with no gap of `gap` or more between two."""

    actor: str  # `ana@datafold.com`, `user:88`, or "" when the events name no user
    spellings: tuple[str, ...]  # the user texts of its events (`ana@…`, `user:88`), sorted
    start: datetime  # the first event's time (UTC)
    end: datetime  # the last event's time (UTC)
    indices: tuple[int, ...]  # store (or input) indices of its events, oldest first
    actions: tuple[tuple[str, int], ...]  # (action, events), most first, then by name
    objects: tuple[tuple[str, int], ...]  # (object text, events), most first, then by name
    ips: tuple[str, ...]  # client IPs, in the order first seen
    failures: int  # events whose status is failure or denied
    failed_actions: tuple[tuple[str, int], ...]  # (action, failed events), most first

    @property
    def events(self) -> int:
        """How many events the session holds."""
        return len(self.indices)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def parse_gap(text: str) -> timedelta:
    """`30m`, `2h`, `90s`, `1d` → a positive duration; `UsageError` (one line) otherwise."""
    gap = parse_duration(text)
    if gap is None or gap <= timedelta(0):
        raise UsageError(
            f"{text!r} is not a session gap; use a positive duration such as 30m, 2h or 90s."
        )
    return gap


def format_gap(gap: timedelta) -> str:
    """A gap as `parse_gap` reads it back, in its largest whole unit: `30m`, `2h`, `90s`."""
    seconds = int(gap.total_seconds())
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def grouping_rule(gap: timedelta) -> str:
    """How events were grouped, in words (for reports and the view's title)."""
    return f"grouped by actor (user:=); a gap of {format_gap(gap)} or more starts a new session"


def _ranked(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _actor_key(event: AuditEvent) -> str:
    if event.user_id is not None:
        return f"id:{event.user_id}"
    return "email:" + (event.user_email or "")


def _actor_name(events: Sequence[AuditEvent], indices: list[int]) -> str:
    """The actor's e-mail (the most frequent; ties: the first in order), else `user:<id>`."""
    emails = Counter(events[i].user_email for i in indices if events[i].user_email)
    if emails:
        return emails.most_common(1)[0][0] or ""
    first = events[indices[0]]
    return user_text(first.user_email, first.user_id)


def _session(actor: str, events: Sequence[AuditEvent], run: list[int]) -> SupportSession:
    picked = [events[i] for i in run]
    spellings = sorted({user_text(e.user_email, e.user_id) for e in picked})
    actions = Counter(event.action or "" for event in picked)
    objects = Counter(
        text for text in (object_text(e.object_type, e.object_id) for e in picked) if text
    )
    failed = Counter(e.action or "" for e in picked if e.status in FAILED_STATUSES)
    ips = dict.fromkeys(e.client_ip for e in picked if e.client_ip)
    return SupportSession(
        actor=actor,
        spellings=tuple(spellings),
        start=picked[0].timestamp,
        end=picked[-1].timestamp,
        indices=tuple(run),
        actions=_ranked(actions),
        objects=_ranked(objects),
        ips=tuple(ips),
        failures=sum(failed.values()),
        failed_actions=_ranked(failed),
    )


def support_sessions(
    source: EventStore | Sequence[AuditEvent] | Iterable[AuditEvent],
    gap: timedelta = DEFAULT_GAP,
) -> list[SupportSession]:
    """The support sessions of `source` (an `EventStore` or events), oldest first.

    Indices in the sessions are positions in `source` (store indices for a store). Any
    thread: it only reads the events.
    """
    if gap <= timedelta(0):
        raise ValueError("the session gap must be positive")
    if isinstance(source, EventStore):
        events: Sequence[AuditEvent] = source.events
    elif isinstance(source, Sequence):
        events = source
    else:
        events = list(source)
    by_actor: dict[str, list[int]] = {}
    for index in compress(range(len(events)), map(_support, events)):
        event = events[index]
        by_actor.setdefault(_actor_key(event), []).append(index)
    sessions: list[SupportSession] = []
    for indices in by_actor.values():
        indices.sort(key=lambda i: events[i].timestamp)  # stable: ties keep input order
        actor = _actor_name(events, indices)
        run = [indices[0]]
        last = events[indices[0]].timestamp
        for index in indices[1:]:
            stamp = events[index].timestamp
            if stamp - last >= gap:
                sessions.append(_session(actor, events, run))
                run = []
            run.append(index)
            last = stamp
        sessions.append(_session(actor, events, run))
    sessions.sort(key=lambda s: (s.start, s.actor))
    return sessions


def session_query(session: SupportSession) -> str:
    """The query that selects exactly the session's events among the support events:
    the actor's exact term (each spelling its events use, ORed), `support:true` and
    `after:`/`before:` bounds of its span (the end bound one microsecond past the last
    event: `before:` excludes its own time)."""
    end = (session.end + _MICRO).astimezone(UTC)
    terms = [pivot_term("user", spelling) for spelling in session.spellings or (session.actor,)]
    who = terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"
    return f"{who} {SUPPORT_QUERY} after:{format_utc(session.start)} before:{format_utc(end)}"
