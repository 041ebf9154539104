"""Demo events as the JSON bytes the demo server serves: all at once, or as they arrive.

`encode_events` encodes a finished collection into `EncodedEvents`. `GrowingEvents` encodes
a newest-first stream in a daemon thread and answers a range as soon as the stream has gone
past the range's start, byte for byte what `EncodedEvents` would answer for the whole stream.
`gzip_bomb` and `huge_body` make the bodies of the faults of the same names.
"""

from __future__ import annotations

import bisect
import functools
import struct
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

BATCH = 512  # events encoded between two publications (and two looks at the stop flag)
PAUSE = 0.5  # at most this long (per batch) encoding gives way to replies being sent
AHEAD = 2 * 86_400_000_000  # µs encoded beyond the oldest start asked for (2 days)
_EVERYTHING = -(2**63)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def to_micros(value: datetime) -> int:
    """Microseconds since the Unix epoch (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // _ONE_US


def _bounds(neg_micros: list[int], start: datetime | None, end: datetime | None,
            count: int) -> tuple[int, int]:  # fmt: skip
    """The slice of `neg_micros` (ascending) holding start <= timestamp < end."""
    lo = 0 if end is None else bisect.bisect_right(neg_micros, -to_micros(end))
    hi = count if start is None else bisect.bisect_right(neg_micros, -to_micros(start), hi=count)
    return lo, hi


def _body(blobs: list[bytes]) -> bytes:
    return b'{"logs":[' + b",".join(blobs) + b"]}"


@dataclass(frozen=True, slots=True)
class Span:
    """A range's events without copying them: `blobs[lo:hi]` (keys `neg_micros[lo:hi]`,
    ascending) are the dated ones, newest first; `undated` are served in every answer.

    The lists are the store's own: read `[lo:hi]` only (a growing store appends past it).
    """

    neg_micros: list[int]
    blobs: list[bytes]
    lo: int
    hi: int
    undated: list[bytes]


@dataclass(frozen=True, slots=True)
class EncodedEvents:
    """Events as JSON bytes, newest first, with their times for range selection.

    `neg_micros[i]` is minus the timestamp (µs) of `blobs[i]`, so the list ascends.
    `undated` are events whose timestamp is missing or unparseable: served in every answer.
    """

    neg_micros: list[int]
    blobs: list[bytes]
    undated: list[bytes]

    def __len__(self) -> int:
        return len(self.blobs) + len(self.undated)

    def select(self, start: datetime | None = None, end: datetime | None = None) -> list[bytes]:
        """The encoded events with start <= timestamp < end (None: unbounded), newest first."""
        lo, hi = _bounds(self.neg_micros, start, end, len(self.blobs))
        return self.blobs[lo:hi] + self.undated if self.undated else self.blobs[lo:hi]

    def span(self, start: datetime | None = None, end: datetime | None = None) -> Span:
        """Where the range's dated events are (no copy), and the undated ones."""
        lo, hi = _bounds(self.neg_micros, start, end, len(self.blobs))
        return Span(self.neg_micros, self.blobs, lo, hi, self.undated)

    def body(self, start: datetime | None = None, end: datetime | None = None) -> bytes:
        """A `{"logs": [...]}` response body for the range."""
        return _body(self.select(start, end))


def parse_micros(value: object) -> int | None:
    """An event's `timestamp` text as µs since the epoch; None when missing or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return to_micros(datetime.fromisoformat(value))
    except ValueError:
        return None


def encode_events(events: Iterable[dict[str, Any]]) -> EncodedEvents:
    """Encode each event once (msgspec) and order them newest first (stable for ties)."""
    encode = msgspec.json.Encoder().encode
    keys: list[int] = []
    blobs: list[bytes] = []
    undated: list[bytes] = []
    for event in events:
        micros = parse_micros(event.get("timestamp"))
        if micros is None:
            undated.append(encode(event))
        else:
            keys.append(-micros)
            blobs.append(encode(event))
    if any(keys[i] > keys[i + 1] for i in range(len(keys) - 1)):
        order = sorted(range(len(keys)), key=keys.__getitem__)
        keys = [keys[i] for i in order]
        blobs = [blobs[i] for i in order]
    return EncodedEvents(keys, blobs, undated)


class IncompleteEvents(RuntimeError):
    """A range cannot be answered: the stream failed or was stopped before reaching it."""


class GrowingEvents:
    """Events encoded newest first by a background thread, served while they arrive.

    The stream must be dated, newest first (ties allowed) and before `top`. Every event at or
    after `covered` µs has been published, so `select(start, end)` waits only until `start`
    is covered (a range without a start waits for the whole stream) and then answers exactly
    what `encode_events` of the whole stream would. `close()` stops the thread within a batch.
    Inside `priority()` encoding pauses: a reply then goes out without fighting it for the GIL.
    Encoding is driven by demand: it runs `AHEAD` past the oldest start asked for so far (at
    first: the newest two days), then waits, so a demo that only shows the last day never
    pays for its 90 days and the UI never competes with it for the GIL.
    """

    def __init__(self, events: Iterable[dict[str, Any]], *, top: datetime,
                 batch: int | None = None) -> None:  # fmt: skip
        self._neg_micros: list[int] = []
        self._blobs: list[bytes] = []
        self._covered = to_micros(top)  # nothing at or after `top`
        self._wanted = self._covered - AHEAD  # encode until `covered` reaches this
        self._complete = False  # the whole stream is in
        self._finished = False  # the stream ended: complete, failed or stopped
        self._stopping = False
        self._holds = 0  # replies being sent (see `priority`)
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._thread = threading.Thread(
            target=self._fill,
            args=(events, batch or BATCH),
            name="auditui-demo-events",
            daemon=True,
        )
        self._thread.start()

    def __len__(self) -> int:
        """The events published so far."""
        with self._changed:
            return len(self._blobs)

    @property
    def ready(self) -> bool:
        """Whether the whole stream has been encoded."""
        with self._changed:
            return self._complete

    @property
    def error(self) -> BaseException | None:
        """Why the stream failed, if it did."""
        return self._error

    def _demand(self, floor: int | None) -> None:
        """Ask the encoder to cover `floor` µs (None: everything); call with the lock held."""
        wanted = _EVERYTHING if floor is None else floor - AHEAD
        if wanted < self._wanted:
            self._wanted = wanted
            self._changed.notify_all()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the stream ends (at most `timeout` seconds); whether it is complete."""
        with self._changed:
            self._demand(None)
            self._changed.wait_for(lambda: self._finished, timeout)
            return self._complete

    def close(self, timeout: float | None = None) -> None:
        """Stop encoding and wake every waiting reader; wait for the thread (next batch)."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @contextmanager
    def priority(self) -> Iterator[None]:
        """Pause encoding while inside (after each batch, for at most `PAUSE` seconds)."""
        with self._changed:
            self._holds += 1
        try:
            yield
        finally:
            with self._changed:
                self._holds -= 1
                self._changed.notify_all()

    def select(self, start: datetime | None = None, end: datetime | None = None) -> list[bytes]:
        """The encoded events with start <= timestamp < end, newest first, once all are in.

        Raises `IncompleteEvents` if the stream fails or is stopped before covering `start`.
        """
        found = self.span(start, end)
        return found.blobs[found.lo : found.hi]

    def span(self, start: datetime | None = None, end: datetime | None = None) -> Span:
        """Where the range's events are (no copy), once all are in; waits as `select` does."""
        floor = None if start is None else to_micros(start)

        def answerable() -> bool:
            return self._complete or (floor is not None and floor >= self._covered)

        with self._changed:
            self._demand(floor)
            self._changed.wait_for(lambda: answerable() or self._finished or self._stopping)
            if not answerable():
                raise IncompleteEvents(f"demo events unavailable: {self._error or 'stopped'}")
            lo, hi = _bounds(self._neg_micros, start, end, len(self._blobs))
            return Span(self._neg_micros, self._blobs, lo, hi, [])

    def body(self, start: datetime | None = None, end: datetime | None = None) -> bytes:
        """A `{"logs": [...]}` response body for the range (waiting as `select` does)."""
        return _body(self.select(start, end))

    def _publish(self, keys: list[int], blobs: list[bytes], covered: int, *,
                 last: bool = False) -> bool:  # fmt: skip
        with self._changed:
            if self._stopping:
                return False
            self._neg_micros += keys
            self._blobs += blobs
            self._covered = covered
            self._complete = last
            self._changed.notify_all()
            if self._holds and not last:
                self._changed.wait_for(lambda: not self._holds or self._stopping, PAUSE)
            if not last:
                self._changed.wait_for(lambda: self._covered > self._wanted or self._stopping)
            return not self._stopping

    def _fill(self, events: Iterable[dict[str, Any]], batch: int) -> None:
        encode = msgspec.json.Encoder().encode
        keys: list[int] = []
        blobs: list[bytes] = []
        bound = self._covered  # the next event must be before this
        try:
            for event in events:
                micros = parse_micros(event.get("timestamp"))
                if micros is None or micros >= bound:
                    raise ValueError(f"not newest first or undated: {event.get('timestamp')!r}")
                bound = micros + 1
                keys.append(-micros)
                blobs.append(encode(event))
                if len(blobs) >= batch:
                    if not self._publish(keys, blobs, bound):
                        return
                    keys, blobs = [], []
            self._publish(keys, blobs, bound, last=True)
        except Exception as exc:  # noqa: BLE001 - kept for `error`; readers get IncompleteEvents
            self._error = exc
        finally:
            with self._changed:
                self._finished = True
                self._changed.notify_all()


# -- bodies that outgrow memory (the `gzip_bomb` and `huge` faults) ---------------------------

_BLOCK = 1 << 20
_BOMB_HEAD = b'{"logs":['
_HUGE_EVENT = msgspec.json.encode(
    {
        "timestamp": "2026-11-02T13:04:05.123456Z",
        "event_uuid": "0f6c1e2a-huge-4d7b-9c3e-000000000000",
        "client_ip": "203.0.113.7",
        "url": "https://app.datafold.com/api/v1/datasets/41",
        "action": "dataset.view",
        "user_email": "ann@example.com",
        "user_id": 42,
        "status": "success",
        "payload": {"note": "one of very many copies"},
    }
)


@functools.lru_cache(maxsize=4)
def gzip_bomb(size: int) -> bytes:
    """A valid gzip stream (about size/1000 bytes) of `{"logs":[` and then spaces: `size` in all.

    Built without compressing `size` bytes: after a full flush deflate starts afresh, so every
    1 MiB block of spaces compresses to the same bytes, which are repeated. The trailer's
    CRC-32 still reads every byte once, so results are cached.
    """
    spaces = max(size - len(_BOMB_HEAD), 0)
    full, rest = divmod(spaces, _BLOCK)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [deflate.compress(_BOMB_HEAD[:size]) + deflate.flush(zlib.Z_FULL_FLUSH)]
    block = b" " * _BLOCK
    crc = zlib.crc32(_BOMB_HEAD[:size])
    if full:
        unit = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
        parts.append(unit * full)
        for _ in range(full):
            crc = zlib.crc32(block, crc)
    parts.append(deflate.compress(b" " * rest) + deflate.flush(zlib.Z_FINISH))
    crc = zlib.crc32(b" " * rest, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"  # gzip, deflate, no name, unix
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)
    return header + b"".join(parts) + trailer


def huge_body(size: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
    """About `size` bytes of `{"logs":[...]}`, valid JSON, in chunks of about `chunk` bytes.

    One event repeated: generated as it is sent, so the server never holds more than a chunk.
    """
    per_chunk = max(chunk // (len(_HUGE_EVENT) + 1), 1)
    piece = (_HUGE_EVENT + b",") * per_chunk
    sent = len(_BOMB_HEAD)
    yield _BOMB_HEAD
    last = _HUGE_EVENT + b"]}"
    while sent + len(piece) + len(last) <= size:
        yield piece
        sent += len(piece)
    single = _HUGE_EVENT + b","
    yield single * max((size - sent - len(last)) // len(single), 0) + last
