"""What a follow asks next and what is new in the answer: poll windows, de-duplication by
`event_uuid`, late events and the server's clock.

Datafold has no stream, so following is polling `[covered - overlap, now)`: `covered` is
how far the polls have read (the end of the last answered window, by the server's clock).
The overlap re-reads the last minutes on every poll, so an event the server stored a little
after its timestamp is still found; events already seen (the uuids of the last
`late_window` + overlap) are dropped, so nothing shows twice. Every `DEEP_EVERY` of server
time one poll reads further back instead (`late_window`, an hour): an event that arrives
later than the overlap is found then, and is *late* (`Poll.late`): it is still new, and the
caller shows or prints it as late, never drops it. An event that arrives after more than
`late_window` is never seen (README: "Late events").

Windows are asked by the server's clock: each answer's `Date` header says how far this
machine's clock is from the server's (`skew`), and the next window's end is now plus the
skew, so a clock ahead of the server's does not make the polls skip minutes. A long gap
(the first poll from `--since`, a laptop that slept) is split into windows of at most
`max_span`, asked one after the other, oldest first; `covered` moves after each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from auditui.events import AuditEvent, SkippedEvent
from auditui.timespec import TimeRange

OVERLAP = timedelta(minutes=5)
LATE_WINDOW = timedelta(hours=1)
DEEP_EVERY = timedelta(minutes=5)
SKEW_NOISE = timedelta(seconds=2)  # `Date` has whole seconds: less than this is no skew
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch (the form the state file keeps times in)."""
    return (moment - _EPOCH) // _US


def from_micros(value: int) -> datetime:
    return _EPOCH + timedelta(microseconds=value)


@dataclass(frozen=True, slots=True)
class Poll:
    """One answered window of a follow: what it asked and what was new."""

    window: TimeRange  # by the server's clock
    new: list[AuditEvent]  # events not seen before, oldest first
    late: list[AuditEvent]  # among `new`: older than the overlap when they arrived
    malformed: int = 0
    skipped: list[SkippedEvent] = field(default_factory=list)
    bytes: int = 0
    last: bool = True  # the poll's last window (a long gap is asked in several)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a window's request returned (an `AuditClient.fetch_window` result's parts)."""

    events: list[AuditEvent]
    malformed: int = 0
    skipped: list[SkippedEvent] = field(default_factory=list)
    bytes: int = 0
    server_date: datetime | None = None


class Poller:
    """The windows to ask next and the de-duplication of what comes back (no I/O)."""

    def __init__(
        self,
        origin: datetime,
        *,
        covered: datetime | None = None,
        recent: Mapping[str, int] | None = None,
        skew: timedelta = timedelta(0),
        overlap: timedelta = OVERLAP,
        late_window: timedelta = LATE_WINDOW,
        deep_every: timedelta = DEEP_EVERY,
    ) -> None:
        self.origin = origin  # nothing before this is ever asked (`--since`)
        self.covered = covered if covered is not None else origin
        self.recent: dict[str, int] = dict(recent or {})  # uuid → timestamp (µs)
        self.skew = skew  # the server's clock minus this machine's
        self.overlap = overlap
        self.late_window = late_window
        self.deep_every = deep_every
        self._deep_at = self.covered  # the end of the last poll that read as far back as it can
        self._deep_end: datetime | None = None  # the planned poll's end when it reads that far
        self._late_before = self.covered - overlap

    def server_now(self, now: datetime) -> datetime:
        """This machine's `now` by the server's clock."""
        return now + self.skew

    def plan(self, now: datetime, max_span: timedelta) -> list[TimeRange]:
        """The windows of the next poll, oldest first: from `covered` less the overlap (or
        the late window, once every `deep_every`) to now by the server's clock."""
        deep = self.covered - self._deep_at >= self.deep_every
        start = max(self.origin, self.covered - (self.late_window if deep else self.overlap))
        end = max(self.server_now(now), start + _US)
        reaches_back = start <= max(self.origin, self.covered - self.late_window)
        self._deep_end = end if reaches_back else None  # a deep read once it is answered
        self._late_before = self.covered - self.overlap
        windows = []
        while end - start > max_span:
            windows.append(TimeRange(start, start + max_span))
            start += max_span
        windows.append(TimeRange(start, end))
        return windows

    def accept(
        self, window: TimeRange, answer: Answer, *, received: datetime, last: bool = True
    ) -> Poll:
        """The new events of one answered window (oldest first); moves `covered` to its end
        and forgets the uuids no later window can return again."""
        late_before = micros(self._late_before)
        start, end = micros(window.start), micros(window.end)
        recent = self.recent
        new: list[AuditEvent] = []
        for event in answer.events:
            uuid = event.event_uuid
            if uuid in recent:
                continue
            stamp = micros(event.timestamp)
            if not start <= stamp < end:
                continue  # outside what was asked: a proxy ignored the range; never counted
            recent[uuid] = stamp
            new.append(event)
        new.sort(key=_timestamp)
        late = [event for event in new if micros(event.timestamp) < late_before]
        reached = window.end
        if answer.server_date is not None:
            self._measure_skew(answer.server_date, received)
            reached = min(reached, answer.server_date)  # nothing is stored past its now
        self.covered = max(self.covered, reached)
        if last and self._deep_end is not None:  # a failed deep read is tried again next
            self._deep_at, self._deep_end = self._deep_end, None
        if last:
            self._forget()
        return Poll(window, new, late, answer.malformed, list(answer.skipped), answer.bytes,
                    last)  # fmt: skip

    def _measure_skew(self, server_date: datetime, received: datetime) -> None:
        measured = server_date - received
        self.skew = measured if abs(measured) >= SKEW_NOISE else timedelta(0)

    def _forget(self) -> None:
        """Drop the uuids older than anything a later poll can ask for."""
        floor = micros(self.covered - self.late_window - self.overlap)
        if any(stamp < floor for stamp in self.recent.values()):
            self.recent = {uuid: stamp for uuid, stamp in self.recent.items() if stamp >= floor}


def _timestamp(event: AuditEvent) -> datetime:
    return event.timestamp
