"""Reading events from files (`auditui open FILE`), and `FileSource`, their `EventSource`.

Formats are recognised from the content, never the name: NDJSON, a JSON array, an API
body `{"logs": [...]}`, a single JSON event, and auditui's own CSV export, each possibly
gzip-compressed (magic bytes `1f 8b`). Bad lines or items are skipped and counted (one
nested deeper than the decoder goes, too: the rest of its chunk is read line by line); only
a missing, unreadable or empty file, or an unknown format (a first line that is not a CSV
header, say), is an error (`UsageError`).

NDJSON and JSON arrays are read in chunks of `CHUNK` bytes: each chunk's lines become one
JSON array decoded by msgspec in a single call (a malformed line sends only its chunk down
the line-by-line path), then strings are shared and payloads copied out of the chunk, so a
1M-event file never sits in memory whole. A pretty-printed array that does not split
cleanly between items is decoded whole. CSV undoes the export's formula neutralisation
(`textsafe.restore_cell`): a leading `'` is dropped where the export added it. The one
ambiguity of that format: a text value that really began with `'=` reads back as `=`.
"""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import os
import zlib
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import msgspec

from auditui.config.settings import Profile
from auditui.errors import ResponseError, UsageError
from auditui.events.model import (
    FIELD_NAMES,
    MAX_SKIPPED_KEPT,
    NULL_PAYLOAD,
    AuditEvent,
    DecodedLogs,
    SkippedEvent,
    decode_event,
    decode_event_or_reason,
    decode_events,
    decode_logs,
    intern_events,
    to_utc,
)
from auditui.paths import display_path
from auditui.sources.dedupe import SeenEvents, conflict_records, unique_events
from auditui.sources.windows import LoadResult, Progress, WindowBatch
from auditui.textsafe import restore_cell
from auditui.timespec import TimeRange

CHUNK = 8 * 1024 * 1024
CSV_BATCH = 20_000
GZIP_MAGIC = b"\x1f\x8b"
FileFormat = Literal["ndjson", "json", "logs", "csv"]

_events_decoder = msgspec.json.Decoder(list[AuditEvent])
_raws_decoder = msgspec.json.Decoder(list[msgspec.Raw])
_any_decoder = msgspec.json.Decoder()
_REQUIRED = frozenset(("timestamp", "event_uuid", "client_ip", "url"))
NOTE_COLUMN = "note"  # the browser's exports add the user's note (read back: ignored)
_INT_FIELDS = frozenset(("object_id", "user_id"))
_REQUIRED_TEXT = frozenset(("event_uuid", "client_ip", "url"))


@dataclass(frozen=True, slots=True)
class ReadProgress:
    """How far reading a file has come (bytes of the file on disk, compressed or not)."""

    events: int
    malformed: int
    bytes_read: int
    bytes_total: int


class _Restart(Exception):
    """The array does not split between items: decode the document whole instead."""


def _open(path: Path) -> tuple[io.BufferedIOBase, io.BufferedIOBase]:
    """(raw file, decompressed stream); `UsageError` for a missing or unreadable file."""
    shown = display_path(path)
    try:
        raw = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    except FileNotFoundError:
        raise UsageError(f"Cannot open {shown}: no such file.") from None
    except IsADirectoryError:
        raise UsageError(f"Cannot open {shown}: it is a folder, not a file.") from None
    except OSError as exc:
        raise UsageError(f"Cannot open {shown}: {exc.strerror or exc}.") from None
    if raw.read(2) == GZIP_MAGIC:
        raw.seek(0)
        return raw, gzip.GzipFile(fileobj=raw, mode="rb")
    raw.seek(0)
    return raw, raw


def _read(stream: io.BufferedIOBase, size: int, path: Path) -> bytes:
    try:
        return stream.read(size)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise UsageError(f"Cannot read {display_path(path)}: {exc}.") from None


def detect_format(head: bytes) -> FileFormat | None:
    """The format of a file from its first bytes (decompressed), or None."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        first = text.split(b"\n", 1)[0]
        try:
            value = _any_decoder.decode(first)
        except msgspec.DecodeError:
            return "logs"  # a pretty-printed object: an API body (or one event)
        except RecursionError:  # nested too deep to look at: an event the reader will skip
            return "logs" if first[1:].lstrip().startswith(b'"logs"') else "ndjson"
        return "logs" if isinstance(value, dict) and "logs" in value else "ndjson"
    line = text.split(b"\n", 1)[0].decode("utf-8", "replace")
    try:
        header = next(csv.reader([line]), [])
    except csv.Error:  # e.g. a carriage return inside an unquoted field: not our CSV
        return None
    if set(header) >= _REQUIRED and set(header) <= {*FIELD_NAMES, NOTE_COLUMN}:
        return "csv"
    return None


def iter_file(path: str | os.PathLike[str]) -> Iterator[tuple[DecodedLogs, int, int]]:
    """Yield the file's events in batches as read: (batch, bytes read so far, file size).

    Strings are shared across batches and payloads own their bytes. Raises `UsageError`
    (before the first batch) for a missing, unreadable or empty file or an unknown format.
    """
    path = Path(path)
    raw, stream = _open(path)
    with raw, stream:
        total = os.fstat(raw.fileno()).st_size
        head = _read(stream, CHUNK, path)
        if not head.strip():
            raise UsageError(f"{display_path(path)} is empty.")
        fmt = detect_format(head)
        if fmt is None:
            raise UsageError(
                f'{display_path(path)} is not NDJSON, a JSON array, a {{"logs": [...]}} body '
                "or an auditui CSV export (gzip-compressed or not)."
            )
        table: dict[Any, Any] = {}
        if fmt == "csv":
            batches = _csv_batches(head, stream)
        elif fmt == "logs":
            batches = iter([_whole(head + _read(stream, -1, path))])
        else:
            batches = _json_batches(head, stream, path, fmt)
        for batch in batches:
            intern_events(batch.events, table)
            yield batch, raw.tell(), total


def read_events(
    path: str | os.PathLike[str], on_progress: Callable[[ReadProgress], None] | None = None
) -> DecodedLogs:
    """Every event of a file (in file order) and how many bad lines or items were skipped."""
    events: list[AuditEvent] = []
    malformed = 0
    skipped: list[SkippedEvent] = []  # the first bad items, to show
    for batch, done, total in iter_file(path):
        events.extend(batch.events)
        malformed += batch.malformed
        skipped.extend(batch.skipped[: MAX_SKIPPED_KEPT - len(skipped)])
        if on_progress is not None:
            on_progress(ReadProgress(len(events), malformed, done, total))
    return DecodedLogs(events, malformed, skipped)


def _json_batches(
    head: bytes, stream: io.BufferedIOBase, path: Path, fmt: FileFormat
) -> Iterator[DecodedLogs]:
    """NDJSON or a one-item-per-line array, in chunks cut at line ends."""
    rest = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if fmt == "json":
        rest = rest[1:]  # the opening bracket
    pending: list[bytes] = [rest]
    started = False
    while True:
        more = _read(stream, CHUNK, path)
        if more:
            cut = more.rfind(b"\n")
            if cut < 0:
                pending.append(more)
                continue
            pending.append(more[:cut])
            block, pending = b"".join(pending), [more[cut + 1 :]]
        else:
            block, pending = b"".join(pending), []
        if fmt == "ndjson":
            yield _ndjson_block(block)
        else:
            try:
                batch = _array_block(block)
            except _Restart:
                if not started:  # pretty-printed: items span lines
                    stream.seek(0)
                    yield _whole(_read(stream, -1, path))
                    return
                batch = _array_lines(block)  # e.g. cut short: keep the items that are whole
            started = True
            yield batch
        if not more:
            return


def _ndjson_block(block: bytes) -> DecodedLogs:
    try:
        return DecodedLogs(_events_decoder.decode(b"[" + block.replace(b"\n", b",") + b"]"))
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        pass  # a blank, broken, malformed or too deep line somewhere: take them one by one
    return _lines(block.split(b"\n"))


def _lines(lines: Iterable[bytes]) -> DecodedLogs:
    decoded = DecodedLogs([])
    for line in lines:
        if not line.strip():
            continue
        event = decode_event_or_reason(line)
        if isinstance(event, AuditEvent):
            decoded.events.append(event)
        else:
            decoded.skip(event, line)
    return decoded


def _array_body(block: bytes) -> bytes:
    body = block.strip()
    if body.endswith(b"]"):
        body = body[:-1].rstrip()
    return body.removesuffix(b",")


def _array_block(block: bytes) -> DecodedLogs:
    body = _array_body(block)
    if not body:
        return DecodedLogs([])
    wrapped = b"[" + body + b"]"
    try:
        return DecodedLogs(_events_decoder.decode(wrapped))
    except msgspec.ValidationError:
        pass
    except msgspec.DecodeError:
        raise _Restart from None
    except RecursionError:  # an item nested too deep: decode line by line, skipping it
        return _array_lines(block)
    try:
        return decode_events(_raws_decoder.decode(wrapped))
    except RecursionError:
        return _array_lines(block)


def _array_lines(block: bytes) -> DecodedLogs:
    return _lines(_array_body(line) for line in block.split(b"\n"))


def _whole(document: bytes) -> DecodedLogs:
    """A whole document: an API body, a JSON array, or one event."""
    document = document.removeprefix(b"\xef\xbb\xbf")
    try:
        return decode_logs(document)
    except ResponseError:
        pass
    try:
        return decode_events(_raws_decoder.decode(document))
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        pass
    try:
        event = decode_event(document)
    except msgspec.DecodeError:
        event = None
    return DecodedLogs([event]) if event is not None else DecodedLogs([], 1)


def _csv_batches(head: bytes, stream: io.BufferedIOBase) -> Iterator[DecodedLogs]:
    csv.field_size_limit(2**31 - 1)  # payloads may be megabytes
    joined = io.BufferedReader(_Prefixed(head, stream), buffer_size=CHUNK)
    text = io.TextIOWrapper(joined, encoding="utf-8-sig", errors="replace", newline="")
    events: list[AuditEvent] = []
    malformed = 0
    try:
        rows = csv.reader(text)
        names = next(rows)
        for row in rows:
            event = _csv_event(names, row) if len(row) == len(names) else None
            if event is None:
                malformed += 1 if any(cell.strip() for cell in row) else 0
                continue
            events.append(event)
            if len(events) >= CSV_BATCH:
                yield DecodedLogs(events, malformed)
                events, malformed = [], 0
        yield DecodedLogs(events, malformed)
    except csv.Error:  # e.g. a NUL byte: keep what was read, count the rest as one
        yield DecodedLogs(events, malformed + 1)
    finally:
        text.detach()


def _csv_event(names: Sequence[str], row: Sequence[str]) -> AuditEvent | None:
    fields: dict[str, Any] = {}
    try:
        for name, cell in zip(names, row, strict=True):
            if name == NOTE_COLUMN:
                continue
            if name == "timestamp":
                fields[name] = to_utc(datetime.fromisoformat(cell.strip()))
            elif name == "payload":
                text = restore_cell(cell).encode()
                fields[name] = msgspec.json.decode(text, type=msgspec.Raw) if text else NULL_PAYLOAD
            elif name in _REQUIRED_TEXT:
                fields[name] = restore_cell(cell)
            elif cell == "":
                fields[name] = None
            elif name in _INT_FIELDS:
                fields[name] = int(restore_cell(cell))
            elif name == "is_support_user":
                fields[name] = {"true": True, "false": False}[cell]
            else:
                fields[name] = restore_cell(cell)
    except (ValueError, KeyError, msgspec.DecodeError):
        return None
    return AuditEvent(**fields)


class _Prefixed(io.RawIOBase):
    """The bytes already read (`head`) followed by the rest of the stream."""

    def __init__(self, head: bytes, stream: io.BufferedIOBase) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class FileSource:
    """Events from a file: an `EventSource` (`auditui.sources.protocol`).

    It needs no key and has no API: `credential` is None and `offline` True (the App must
    not start the login flow for it). `load` reads the file once (again only if it changed)
    and answers any range from the events in memory.
    """

    demo = False
    offline = True
    credential = None
    prefetched = False

    def __init__(self, path: str | os.PathLike[str], profile: Profile) -> None:
        self.path = Path(path)
        self.profile = profile
        self.host = display_path(self.path.absolute())
        self.malformed = 0
        self.skipped: list[SkippedEvent] = []  # the first bad items, to show
        self._events: list[AuditEvent] | None = None
        self._stamp: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"FileSource({str(self.path)!r})"

    def read(self, on_progress: Callable[[ReadProgress], None] | None = None) -> list[AuditEvent]:
        """The file's events, newest first (read again only when the file has changed)."""
        try:
            info = self.path.stat()
            stamp = (info.st_mtime_ns, info.st_size)
        except OSError:
            stamp = None
        if self._events is None or stamp != self._stamp:
            decoded = read_events(self.path, on_progress)
            decoded.events.sort(key=_timestamp, reverse=True)
            self._events, self.malformed, self._stamp = decoded.events, decoded.malformed, stamp
            self.skipped = decoded.skipped
        return self._events

    def span(self) -> TimeRange:
        """The range the file's events cover (read first); `UsageError` if it has none."""
        events = self.read()
        if not events:
            bad = f" ({self.malformed:,} bad lines or items skipped)" if self.malformed else ""
            raise UsageError(f"{self.host} holds no readable events{bad}.")
        return TimeRange(events[-1].timestamp, events[0].timestamp + timedelta(microseconds=1))

    def hold_prefetched(self) -> Callable[[], None]:
        """Nothing is prefetched from a file: nothing to hold."""
        return lambda: None

    def default_range(self) -> TimeRange:
        return self.span()

    async def load(
        self, time_range: TimeRange, on_progress: Callable[[Progress], None] | None = None
    ) -> LoadResult:
        events = await asyncio.to_thread(self.read)
        inside = [event for event in events if time_range.contains(event.timestamp)]
        conflicting: list[AuditEvent] = []
        fresh, duplicates = unique_events(inside, SeenEvents(), conflicting)
        result = LoadResult(fresh, self.malformed, len(events) - len(inside), duplicates,
                            windows=1, conflicts=len(conflicting),
                            skipped=self.skipped + conflict_records(conflicting))  # fmt: skip
        if on_progress is not None:
            on_progress(Progress(1, 1, len(result.events), 0, self.malformed))
        return result

    async def stream(
        self,
        time_range: TimeRange,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        windows: Sequence[TimeRange] | None = None,
        seen: set[str] | None = None,
    ) -> AsyncGenerator[WindowBatch, None]:
        """One batch with the events of `time_range` (the same call as `Connection.stream`)."""
        result = await self.load(time_range, on_progress)
        batch = WindowBatch(time_range, 0, result.events, result.malformed,
                            result.out_of_range, result.duplicates, conflicts=result.conflicts,
                            skipped=result.skipped)  # fmt: skip
        if seen is not None:
            conflicting: list[AuditEvent] = []
            batch.events, dropped = unique_events(batch.events, seen, conflicting)
            batch.duplicates += dropped
            batch.conflicts += len(conflicting)
            batch.skipped += conflict_records(conflicting)
        yield batch


def _timestamp(event: AuditEvent) -> datetime:
    return event.timestamp
