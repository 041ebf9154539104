"""What the demo server shows at a moment: its clock, live mode, late events, added events.

`LiveEvents` wraps the server's encoded events (`EncodedEvents` or `GrowingEvents`). Live, it
shows only events stamped at or before the server's now, and a deterministic share of them
(by a hash of the uuid, `late` rules) only some minutes after their timestamp, as a real API
does when events arrive late. `add` inserts events at runtime (thread-safe), optionally
hidden until a `visible_at` of the server clock. A range is still found by bisection: only
the recent slice (stamped within the largest late delay of now) and the added events are
looked at one by one, so a million events answer as fast as without live mode.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from auditui.demo.encoding import EncodedEvents, GrowingEvents, Span, parse_micros, to_micros

Clock = Callable[[], datetime]
LateRule = tuple[float, timedelta]
"""(share of events, delay): that share of events becomes visible `delay` after its time."""

DEMO_LATE: tuple[LateRule, ...] = ((0.02, timedelta(minutes=2)), (0.002, timedelta(minutes=12)))
"""The demo's late arrivals: 2% two minutes late (within a 5-minute poll overlap), 0.2%
twelve minutes late (beyond it)."""

_NEVER = 2**63  # a visible_at later than any clock
_HASH_SPAN = float(2**64)


class _Uuid(msgspec.Struct):
    event_uuid: object = None


_read_uuid = msgspec.json.Decoder(_Uuid).decode


def late_share(identity: bytes) -> float:
    """Where an event falls in [0, 1), from a hash of its identity (stable across runs)."""
    digest = hashlib.blake2b(identity, digest_size=8, person=b"auditui-late").digest()
    return int.from_bytes(digest, "big") / _HASH_SPAN


def late_delay(blob: bytes, rules: Sequence[LateRule]) -> int:
    """How late (µs) the encoded event `blob` becomes visible under `rules` (0: on time).

    The rules take consecutive slices of [0, 1): (0.02, 2 min), (0.002, 12 min) make 2% of
    events two minutes late and the next 0.2% twelve. The slice is picked by a hash of the
    event's uuid (of the whole event when it has none).
    """
    try:
        uuid = _read_uuid(blob).event_uuid
    except msgspec.DecodeError:
        uuid = None
    at = late_share(uuid.encode() if isinstance(uuid, str) else blob)
    floor = 0.0
    for share, delay in rules:
        floor += share
        if at < floor:
            return delay // timedelta(microseconds=1)
    return 0


def check_late_rules(rules: Iterable[LateRule]) -> tuple[LateRule, ...]:
    """The rules as a tuple; ValueError unless shares are in [0, 1] (summing to at most 1)
    and delays are not negative."""
    checked = tuple((float(share), delay) for share, delay in rules)
    if any(not 0 <= share <= 1 for share, _ in checked) or sum(s for s, _ in checked) > 1:
        raise ValueError("late shares must be within 0..1 and sum to at most 1")
    if any(delay < timedelta(0) for _, delay in checked):
        raise ValueError("late delays must not be negative")
    return checked


@dataclass(frozen=True, slots=True)
class _Added:
    """An event added at runtime: its key (minus µs), blob and visible-from time (µs)."""

    key: int
    serial: int
    blob: bytes
    visible_us: int


class LiveEvents:
    """The server's events as seen at the server's now (see the module docstring).

    Not live, without added events, `body` is exactly the wrapped events' answer.
    """

    def __init__(self, base: EncodedEvents | GrowingEvents, *, now: Clock, live: bool,
                 late: Iterable[LateRule] = ()) -> None:  # fmt: skip
        self.base = base
        self.live = live
        self.late = check_late_rules(late)
        self._now = now
        longest = max((delay for share, delay in self.late if share > 0), default=timedelta(0))
        self._max_late_us = longest // timedelta(microseconds=1)  # the recent slice's depth
        self._lock = threading.Lock()
        self._keys: list[tuple[int, int]] = []  # (key, serial) ascending: newest first
        self._added: list[_Added] = []  # in the order of `_keys`
        self._undated: list[_Added] = []
        self._serial = 0
        self._encode = msgspec.json.Encoder().encode

    def __len__(self) -> int:
        with self._lock:
            return len(self.base) + len(self._added) + len(self._undated)

    @property
    def added(self) -> int:
        """How many events `add` inserted."""
        with self._lock:
            return len(self._added) + len(self._undated)

    def add(self, events: Iterable[dict[str, Any]], *, visible_at: datetime | None = None) -> int:
        """Insert `events` (any timestamps; undated ones go with every answer); how many.

        With `visible_at` (server clock) they are hidden until then.
        """
        visible_us = -_NEVER if visible_at is None else to_micros(visible_at)
        encoded = [(parse_micros(event.get("timestamp")), self._encode(event)) for event in events]
        with self._lock:
            for micros, blob in encoded:
                self._serial += 1
                if micros is None:
                    self._undated.append(_Added(0, self._serial, blob, visible_us))
                    continue
                entry = _Added(-micros, self._serial, blob, visible_us)
                at = bisect.bisect_right(self._keys, (entry.key, entry.serial))
                self._keys.insert(at, (entry.key, entry.serial))
                self._added.insert(at, entry)
        return len(encoded)

    def body(self, start: datetime | None = None, end: datetime | None = None) -> bytes:
        """A `{"logs": [...]}` body of what the range shows now, newest first."""
        return b'{"logs":[' + b",".join(self.select(start, end)) + b"]}"

    def select(self, start: datetime | None = None, end: datetime | None = None) -> list[bytes]:
        """The events with start <= timestamp < end visible now, newest first."""
        with self._lock:
            plain = not self.live and not self._added and not self._undated
        if plain:
            return self.base.select(start, end)
        now_us = to_micros(self._now())
        start_us = None if start is None else to_micros(start)
        end_us = None if end is None else to_micros(end)
        if self.live and (end_us is None or end_us > now_us + 1):
            end_us = now_us + 1  # timestamp <= now
        found = self._base_span(start_us, end_us)
        hidden = self._late_hidden(found, now_us) if self.live and self._max_late_us else set()
        extra, extra_undated = self._visible_added(start_us, end_us, now_us)
        if not hidden and not extra:
            return found.blobs[found.lo : found.hi] + found.undated + extra_undated
        out: list[bytes] = []
        pos = found.lo
        for key, blob in extra:  # newest first: splice each in after the base's equal keys
            at = bisect.bisect_right(found.neg_micros, key, pos, found.hi)
            _extend(out, found, pos, at, hidden)
            out.append(blob)
            pos = at
        _extend(out, found, pos, found.hi, hidden)
        out += found.undated
        out += extra_undated
        return out

    def _base_span(self, start_us: int | None, end_us: int | None) -> Span:
        if start_us is not None and end_us is not None and end_us <= start_us:
            undated = self.base.undated if isinstance(self.base, EncodedEvents) else []
            return Span([], [], 0, 0, undated)
        start = None if start_us is None else _from_micros(start_us)
        end = None if end_us is None else _from_micros(end_us)
        return self.base.span(start, end)

    def _late_hidden(self, found: Span, now_us: int) -> set[int]:
        """The indices of the recent slice whose late delay keeps them hidden now."""
        recent = bisect.bisect_left(
            found.neg_micros, -(now_us - self._max_late_us), found.lo, found.hi
        )
        hidden = set()
        for i in range(found.lo, recent):
            if -found.neg_micros[i] + late_delay(found.blobs[i], self.late) > now_us:
                hidden.add(i)
        return hidden

    def _visible_added(self, start_us: int | None, end_us: int | None,
                       now_us: int) -> tuple[list[tuple[int, bytes]], list[bytes]]:  # fmt: skip
        with self._lock:
            lo = 0 if end_us is None else bisect.bisect_right(self._keys, (-end_us, _NEVER))
            hi = len(self._keys)
            if start_us is not None:
                hi = bisect.bisect_right(self._keys, (-start_us, _NEVER))
            extra = [(a.key, a.blob) for a in self._added[lo:hi] if a.visible_us <= now_us]
            undated = [a.blob for a in self._undated if a.visible_us <= now_us]
        return extra, undated


def _extend(out: list[bytes], found: Span, lo: int, hi: int, hidden: set[int]) -> None:
    """Append `blobs[lo:hi]` but the hidden ones (all in the recent slice, so only up to the
    last hidden index is looked at one by one)."""
    upto = min(hi, max(hidden) + 1) if hidden else lo
    if upto > lo:
        out += [found.blobs[i] for i in range(lo, upto) if i not in hidden]
    out += found.blobs[max(lo, upto) : hi]


def _from_micros(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
