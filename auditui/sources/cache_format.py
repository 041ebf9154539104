"""The cache's window file: its layout and checks (see `auditui.sources.cache`).

A file is a fixed header (magic, version, flags, window start/end in µs since the epoch,
event and malformed counts, raw and compressed lengths of the two sections), two sections
compressed with zlib level 1, and a footer: a blake2b-128 digest of header + sections, then
an end magic. `read_window_file` refuses anything short, padded, altered or foreign
(`CorruptWindow`), and files of another version (`StaleWindow`, e.g. written by an older
auditui).

The layout is made for reading back fast, without decoding every event from JSON again:

- columns (msgpack): the distinct values of the fields that repeat (`SHARED_TEXTS`, and
  `SHARED_NUMBERS` as JSON text, so ids of any size survive), one little-endian uint32
  column of indexes into them per field (0 is null), and the other fields as lists
  (timestamps as msgpack timestamps);
- payloads (JSON): one array of the events' payloads, verbatim.

Reading shares each distinct value once per load (`table`, as `intern_events` does) and
builds the events from the columns with the struct's own constructor (no Python loop per
event; `AuditEvent.__post_init__` still runs), which holds the GIL for less time than
decoding the same events from JSON and sharing their strings, and decompresses fewer bytes
(figures in benchmarks/README.md). Payloads are `msgspec.Raw` views into the payload
section, which holds nothing else: no copy per event, and no memory kept for the other
fields.
"""

from __future__ import annotations

import hashlib
import struct
import sys
import zlib
from array import array
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import starmap
from operator import attrgetter
from typing import Any

import msgspec

from auditui.events.model import INTERNED_FIELDS, AuditEvent
from auditui.timespec import TimeRange

MAGIC = b"AUDWIN\x00\x01"
END_MAGIC = b"NIWDUA\x00\x01"
VERSION = 2  # version 1 held the events as one JSON array: such files are a miss (StaleWindow)
_PREFIX = struct.Struct("<8sH")  # magic, version: the part every version shares
HEADER = struct.Struct("<8sHHqqQQQQQQ")  # magic, version, flags, start, end, events,
_DIGEST_SIZE = 16  # malformed, then raw and compressed length of columns, of payloads
_FOOTER_SIZE = _DIGEST_SIZE + len(END_MAGIC)
_SUFFIX = ".win"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

SHARED_TEXTS: tuple[str, ...] = INTERNED_FIELDS
SHARED_NUMBERS: tuple[str, ...] = ("user_id", "object_id")
_OWN = ("timestamp", "event_uuid", "is_support_user", "log_entry")
_FIELDS: tuple[str, ...] = AuditEvent.__struct_fields__  # the constructor's argument order
if {*SHARED_TEXTS, *SHARED_NUMBERS, *_OWN, "payload"} != set(_FIELDS):
    raise RuntimeError("cache_file does not store every AuditEvent field; update its layout")

_U32 = "I" if array("I").itemsize == 4 else "L"
_SWAP = sys.byteorder != "little"  # columns are little-endian on disk


class _Columns(msgspec.Struct, array_like=True, gc=False):
    """The columns section (see the module docstring)."""

    texts: list[str]
    numbers: bytes  # JSON list[int]
    shared: list[bytes]  # SHARED_TEXTS then SHARED_NUMBERS
    timestamp: list[datetime]
    event_uuid: list[str]
    is_support_user: list[bool | None]
    log_entry: list[str | None]


_columns_encoder = msgspec.msgpack.Encoder()
_columns_decoder = msgspec.msgpack.Decoder(_Columns)
_json_encoder = msgspec.json.Encoder()
_numbers_decoder = msgspec.json.Decoder(list[int])
_payloads_decoder = msgspec.json.Decoder(list[msgspec.Raw])


class CorruptWindow(Exception):
    """A cache file that is short, damaged or not ours (never shown as data)."""


class StaleWindow(CorruptWindow):
    """An intact auditui window file of another version: a miss, discarded like a corrupt one."""


class WindowHeader(msgspec.Struct, frozen=True):
    start: datetime
    end: datetime
    events: int
    malformed: int


def micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


def from_micros(value: int) -> datetime:
    return _EPOCH + value * _US


def _index_column(values: list[Any], table: dict[Any, int]) -> bytes:
    """`values` as uint32 indexes into `table` (which gains the new ones; None is 0)."""
    for value in dict.fromkeys(values):
        table.setdefault(value, len(table))
    column = array(_U32, map(table.__getitem__, values))
    if _SWAP:
        column.byteswap()
    return column.tobytes()


def encode_window_file(window: TimeRange, events: list[AuditEvent], malformed: int = 0) -> bytes:
    """The bytes of one cache file (see the module docstring for the layout)."""
    texts: dict[str | None, int] = {None: 0}
    numbers: dict[int | None, int] = {None: 0}
    shared = [_index_column(list(map(attrgetter(name), events)), texts) for name in SHARED_TEXTS]
    shared += [_index_column(list(map(attrgetter(name), events)), numbers)
               for name in SHARED_NUMBERS]  # fmt: skip
    own = [list(map(attrgetter(name), events)) for name in _OWN]
    distinct_texts = [text for text in texts if text is not None]  # in index order, from 1
    distinct_numbers = _json_encoder.encode([number for number in numbers if number is not None])
    columns = _Columns(distinct_texts, distinct_numbers, shared, *own)
    raw_columns = _columns_encoder.encode(columns)
    raw_payloads = _json_encoder.encode(list(map(attrgetter("payload"), events)))
    body_columns, body_payloads = zlib.compress(raw_columns, 1), zlib.compress(raw_payloads, 1)
    header = HEADER.pack(MAGIC, VERSION, 0, micros(window.start), micros(window.end),
                         len(events), malformed, len(raw_columns), len(body_columns),
                         len(raw_payloads), len(body_payloads))  # fmt: skip
    digest = hashlib.blake2b(header, digest_size=_DIGEST_SIZE)
    digest.update(body_columns)
    digest.update(body_payloads)
    return b"".join((header, body_columns, body_payloads, digest.digest(), END_MAGIC))


def parse_header(data: bytes) -> tuple[WindowHeader, tuple[int, int, int, int]]:
    """The header and the (raw, compressed) lengths of both sections.

    `StaleWindow` for a window file of another version, `CorruptWindow` if not a header.
    """
    if len(data) >= _PREFIX.size:
        magic, version = _PREFIX.unpack_from(data)
        if magic == MAGIC and version != VERSION:
            raise StaleWindow(f"a window file of version {version}, not {VERSION}")
    if len(data) < HEADER.size:
        raise CorruptWindow("shorter than a header")
    magic, version, _, start, end, count, malformed, *lengths = HEADER.unpack_from(data)
    if magic != MAGIC or end <= start:
        raise CorruptWindow("not an auditui window file")
    try:
        header = WindowHeader(from_micros(start), from_micros(end), count, malformed)
    except OverflowError:  # a damaged time: no datetime holds it
        raise CorruptWindow("not an auditui window file") from None
    return header, (lengths[0], lengths[1], lengths[2], lengths[3])


def read_window_file(
    data: bytes, table: dict[Any, Any] | None = None
) -> tuple[WindowHeader, list[AuditEvent]]:
    """Check and decode one cache file.

    Repeated values are shared through `table` (a per-load dict, as for `intern_events`;
    within this window only when None). Payloads are views into the payload section.
    """
    header, (raw_columns, columns_len, raw_payloads, payloads_len) = parse_header(data)
    body_end = HEADER.size + columns_len + payloads_len
    if len(data) != body_end + _FOOTER_SIZE:
        raise CorruptWindow("truncated or padded")
    if data[body_end + _DIGEST_SIZE :] != END_MAGIC:
        raise CorruptWindow("no end marker")
    view = memoryview(data)
    digest = hashlib.blake2b(view[:body_end], digest_size=_DIGEST_SIZE).digest()
    if digest != data[body_end : body_end + _DIGEST_SIZE]:
        raise CorruptWindow("checksum mismatch")
    split = HEADER.size + columns_len
    try:
        columns_data = zlib.decompress(view[HEADER.size : split], bufsize=max(raw_columns, 1))
        payloads_data = zlib.decompress(view[split:body_end], bufsize=max(raw_payloads, 1))
        if (len(columns_data), len(payloads_data)) != (raw_columns, raw_payloads):
            raise CorruptWindow("length mismatch")
        columns = _columns_decoder.decode(columns_data)
        numbers = _numbers_decoder.decode(columns.numbers)
        payloads = _payloads_decoder.decode(payloads_data)
    except (zlib.error, msgspec.DecodeError) as exc:
        raise CorruptWindow(f"undecodable: {exc}") from None
    return header, _build(columns, numbers, payloads, header.events, table)


def _build(columns: _Columns, numbers: list[int], payloads: list[msgspec.Raw], count: int,
           table: dict[Any, Any] | None) -> list[AuditEvent]:  # fmt: skip
    """The events, from checked columns (`CorruptWindow` if they do not fit together)."""
    share = ({} if table is None else table).setdefault
    texts: list[Any] = [None, *map(share, columns.texts, columns.texts)]
    ids: list[Any] = [None, *map(share, numbers, numbers)]
    distinct = [texts] * len(SHARED_TEXTS) + [ids] * len(SHARED_NUMBERS)
    if len(columns.shared) != len(distinct):
        raise CorruptWindow("wrong number of columns")
    values: dict[str, Sequence[Any]] = {"payload": payloads}
    values.update((name, getattr(columns, name)) for name in _OWN)
    names = SHARED_TEXTS + SHARED_NUMBERS
    for name, known, data in zip(names, distinct, columns.shared, strict=True):
        values[name] = _resolve(known, data)
    if any(len(column) != count for column in values.values()):
        raise CorruptWindow("columns of different lengths")
    return list(starmap(AuditEvent, zip(*(values[name] for name in _FIELDS), strict=True)))


def _resolve(known: list[Any], data: bytes) -> list[Any]:
    """A column of little-endian uint32 indexes into `known`, as the values."""
    if len(data) % 4:
        raise CorruptWindow("a column of partial items")
    indexes = array(_U32)
    indexes.frombytes(data)
    if _SWAP:
        indexes.byteswap()
    try:
        return list(map(known.__getitem__, indexes))
    except IndexError:
        raise CorruptWindow("an index beyond its values") from None


def file_name(window: TimeRange) -> str:
    fmt = "%Y%m%dT%H%M%S.%fZ"
    return f"{window.start.strftime(fmt)}_{window.end.strftime(fmt)}{_SUFFIX}"


def scope_name(profile: str, host: str, identity: str = "") -> str:
    """The folder of one profile + host + key: readable profile, hashed host, then the key's
    identity (`cache_identity.key_identity`, never the key). Folders of the older layout
    (no identity) never match one of these names."""
    host_hash = hashlib.sha256(host.encode()).hexdigest()[:16]
    return f"{profile}-{host_hash}-{identity or 'none'}"
