"""The cache's window file: layout, checks and atomic private writes (see `auditui.cache`).

A file is a fixed header (magic, version, flags, window start/end in µs since the epoch,
event and malformed counts, raw and compressed lengths), the events as one compact JSON
array compressed with zlib level 1, and a footer: a blake2b-128 digest of header + body,
then an end magic. `read_window_file` refuses anything short, padded, altered or foreign.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from auditui.models import AuditEvent
from auditui.timespec import TimeRange

MAGIC = b"AUDWIN\x00\x01"
END_MAGIC = b"NIWDUA\x00\x01"
VERSION = 1
HEADER = struct.Struct("<8sHHqqQQQQ")  # magic, version, flags, start, end, events,
_DIGEST_SIZE = 16  #                      malformed, raw length, compressed length
_FOOTER_SIZE = _DIGEST_SIZE + len(END_MAGIC)
_SUFFIX = ".win"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

_events_decoder = msgspec.json.Decoder(list[AuditEvent])
_encoder = msgspec.json.Encoder()


class CorruptWindow(Exception):
    """A cache file that is short, damaged or not ours (never shown as data)."""


@dataclass(frozen=True, slots=True)
class WindowHeader:
    start: datetime
    end: datetime
    events: int
    malformed: int


def micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


def from_micros(value: int) -> datetime:
    return _EPOCH + value * _US


def encode_window_file(window: TimeRange, events: list[AuditEvent], malformed: int = 0) -> bytes:
    """The bytes of one cache file (see the module docstring for the layout)."""
    raw = _encoder.encode(events)
    body = zlib.compress(raw, 1)
    header = HEADER.pack(MAGIC, VERSION, 0, micros(window.start), micros(window.end),
                          len(events), malformed, len(raw), len(body))  # fmt: skip
    digest = hashlib.blake2b(header, digest_size=_DIGEST_SIZE)
    digest.update(body)
    return b"".join((header, body, digest.digest(), END_MAGIC))


def parse_header(data: bytes) -> tuple[WindowHeader, int, int]:
    """The header, raw length and compressed length; `CorruptWindow` if not a header."""
    if len(data) < HEADER.size:
        raise CorruptWindow("shorter than a header")
    magic, version, _, start, end, count, malformed, raw_len, body_len = HEADER.unpack_from(data)
    if magic != MAGIC or version != VERSION or end <= start:
        raise CorruptWindow("not an auditui window file of this version")
    return WindowHeader(from_micros(start), from_micros(end), count, malformed), raw_len, body_len


def read_window_file(data: bytes) -> tuple[WindowHeader, list[AuditEvent]]:
    """Check and decode one cache file. Payloads are views into the decompressed buffer."""
    header, raw_len, body_len = parse_header(data)
    if len(data) != HEADER.size + body_len + _FOOTER_SIZE:
        raise CorruptWindow("truncated or padded")
    body_end = HEADER.size + body_len
    if data[body_end + _DIGEST_SIZE :] != END_MAGIC:
        raise CorruptWindow("no end marker")
    digest = hashlib.blake2b(memoryview(data)[:body_end], digest_size=_DIGEST_SIZE).digest()
    if digest != data[body_end : body_end + _DIGEST_SIZE]:
        raise CorruptWindow("checksum mismatch")
    try:
        raw = zlib.decompress(memoryview(data)[HEADER.size : body_end])
        events = _events_decoder.decode(raw)
    except (zlib.error, msgspec.DecodeError) as exc:
        raise CorruptWindow(f"undecodable: {exc}") from None
    if len(raw) != raw_len or len(events) != header.events:
        raise CorruptWindow("length mismatch")
    return header, events


def file_name(window: TimeRange) -> str:
    fmt = "%Y%m%dT%H%M%S.%fZ"
    return f"{window.start.strftime(fmt)}_{window.end.strftime(fmt)}{_SUFFIX}"


def scope_name(profile: str, host: str) -> str:
    """The folder of one profile + host: readable profile, hashed host (no key, ever)."""
    return f"{profile}-{hashlib.sha256(host.encode()).hexdigest()[:16]}"


def write_private(path: Path, data: bytes) -> None:
    """Temp file (0600, O_EXCL) then rename: readers see the old file or the new one.

    No fsync: a file cut short by a crash fails its checksum and is fetched again.
    """
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
