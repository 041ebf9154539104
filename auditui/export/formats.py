"""Writing events out: NDJSON, a JSON array, formula-safe CSV, or the security formats.

`ocsf` and `ecs` write one object per line like NDJSON, made inert the same way: each
event mapped by `export.ocsf` (OCSF API Activity) or `export.ecs` (Elastic Common Schema);
the README's "Security formats (OCSF, ECS)" has the mapping. They are chosen, never guessed
from a file name.

Every field is written, the payload as JSON; with `notes` (uuid → the user's note: the
browser's exports) an event with a note gains a last `note` field (a `note` column in
CSV, empty when none; `auditui open` ignores it). In CSV the payload is a JSON string and any
cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, tab or
carriage return) is neutralised with a leading `'` (`textsafe.neutralize_cell`, undone by
`textsafe.restore_cell` when `auditui open` reads the CSV back). Writers stream: they take an
iterable and a binary file, so a million events never sit in memory twice.

Event text is chosen by whoever made the request, and exports are often `cat`ed to a
terminal, so no writer emits a byte a terminal could act on (ESC, other C0 and C1 controls,
DEL, bidi overrides, invisible format characters):
- NDJSON/JSON stay lossless: such characters are written as JSON escapes (`\u001b`,
  `\u202e`), which decode to the same value. The payload is kept token for token (number
  literals, key order, duplicate keys) but loses the line breaks and tabs between its
  tokens, so a raw line break in it can never split an NDJSON line.
- CSV is for people and spreadsheets: such characters are shown as visible escapes
  (`\x1b`, `\u202e`, as on screen); line feeds and tabs are kept (quoted by the CSV rules).
  The payload cell is the JSON text, escaped the JSON way.

`atomic_output(path)` writes where `path` leads: a new or regular file is replaced atomically
(`paths.atomic_writer`: a temporary file beside it, renamed over it only when the block
succeeds, so a failed or cancelled export never leaves a half-written file behind or clobbers
an existing one); through a symlink, the file it points to is replaced that way and the link
stays; a FIFO or a character device (`/dev/null`, a terminal) is opened and written, never
replaced; a folder, socket or block device is refused. Files are private (0600) unless the
export mode is `"umask"` (0644 less the umask, to share them). A failed write (disk full,
read-only) is a `StorageError`, one line.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, Literal

import msgspec

from auditui.errors import StorageError, UsageError, storage_error
from auditui.events.model import FIELD_NAMES, AuditEvent, encode_event
from auditui.paths import atomic_writer, shared_file_mode, sweep_stale_temps
from auditui.textsafe import json_text_safe, neutralize_cell, visible_keep_layout
from auditui.timespec import format_utc

ExportFormat = Literal["ndjson", "json", "csv", "ocsf", "ecs"]
FORMATS: tuple[ExportFormat, ...] = ("ndjson", "json", "csv", "ocsf", "ecs")
READABLE_FORMATS: tuple[ExportFormat, ...] = ("ndjson", "json", "csv")  # `auditui open` reads
ExportMode = Literal["private", "umask"]
EXPORT_MODES: tuple[ExportMode, ...] = ("private", "umask")
PRIVATE_MODE = 0o600
_JSON_WHITESPACE = b"\t\n\r"


def inert_json(encoded: bytes) -> bytes:
    """Valid JSON bytes with nothing a terminal acts on, decoding to the same value.

    In valid JSON a raw tab, line feed or carriage return can only be whitespace between
    tokens (inside strings they must be escaped), so they are dropped; every other control,
    bidi or invisible character can only sit inside a string and becomes a `\\uXXXX` escape.
    """
    if any(byte in encoded for byte in _JSON_WHITESPACE):
        encoded = encoded.translate(None, _JSON_WHITESPACE)
    if encoded.isascii() and b"\x7f" not in encoded:
        return encoded  # no C1, bidi or invisible character; C0 controls are escaped
    return json_text_safe(encoded.decode()).encode()


def _csv_cell(event: AuditEvent, name: str) -> str:
    value = getattr(event, name)
    if name == "timestamp":
        return format_utc(value)
    if name == "payload":
        return neutralize_cell(inert_json(bytes(value)).decode())
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralize_cell(visible_keep_layout(str(value)))


NOTE_FIELD = "note"  # the user's note on a marked event (`auditui.marks`), when notes are given
Notes = Mapping[str, str]  # event uuid → its note


def _encoded(event: AuditEvent, notes: Notes | None) -> bytes:
    """The event's inert JSON, with its `note` last when it has one."""
    encoded = encode_event(event)
    note = notes.get(event.event_uuid) if notes else None
    if note:  # `encode_event` gives one object: its closing brace is the last byte
        encoded = encoded[:-1] + b',"' + NOTE_FIELD.encode() + b'":' + msgspec.json.encode(note)
        encoded += b"}"
    return inert_json(encoded)


def write_ndjson(events: Iterable[AuditEvent], out: BinaryIO, notes: Notes | None = None) -> int:
    """One compact JSON object per line; returns the number of events written."""
    count = 0
    for event in events:
        out.write(_encoded(event, notes))
        out.write(b"\n")
        count += 1
    return count


def write_json(events: Iterable[AuditEvent], out: BinaryIO, notes: Notes | None = None) -> int:
    """A JSON array, one event per line inside it."""
    count = 0
    out.write(b"[")
    for event in events:
        out.write(b",\n" if count else b"\n")
        out.write(_encoded(event, notes))
        count += 1
    out.write(b"\n]\n" if count else b"]\n")
    return count


def write_csv(events: Iterable[AuditEvent], out: BinaryIO, notes: Notes | None = None) -> int:
    """CSV with a header row of field names; formula-looking cells neutralised, text inert.
    With `notes`, a last `note` column (empty for events without one)."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(FIELD_NAMES if notes is None else (*FIELD_NAMES, NOTE_FIELD))
        count = 0
        for event in events:
            row = [_csv_cell(event, name) for name in FIELD_NAMES]
            if notes is not None:
                note = notes.get(event.event_uuid, "")
                row.append(neutralize_cell(visible_keep_layout(note)) if note else "")
            writer.writerow(row)
            count += 1
        text.flush()
    finally:
        text.detach()
    return count


def _write_records(
    events: Iterable[AuditEvent],
    out: BinaryIO,
    notes: Notes | None,
    record: Callable[[AuditEvent, str | None], dict[str, Any]],
) -> int:
    """One inert JSON object per line, each `record(event, its note)`."""
    encode = msgspec.json.Encoder().encode
    count = 0
    for event in events:
        note = notes.get(event.event_uuid) if notes else None
        out.write(inert_json(encode(record(event, note))))
        out.write(b"\n")
        count += 1
    return count


def write_ocsf(events: Iterable[AuditEvent], out: BinaryIO, notes: Notes | None = None) -> int:
    """One OCSF API Activity object per line (`export.ocsf`); a note as `unmapped.note`."""
    from auditui.export.ocsf import ocsf_record

    return _write_records(events, out, notes, ocsf_record)


def write_ecs(events: Iterable[AuditEvent], out: BinaryIO, notes: Notes | None = None) -> int:
    """One ECS document per line (`export.ecs`); a note as `datafold.audit.note`."""
    from auditui.export.ecs import ecs_record

    return _write_records(events, out, notes, ecs_record)


_WRITERS = {
    "ndjson": write_ndjson,
    "json": write_json,
    "csv": write_csv,
    "ocsf": write_ocsf,
    "ecs": write_ecs,
}


def write_events(
    events: Iterable[AuditEvent], out: BinaryIO, fmt: ExportFormat, notes: Notes | None = None
) -> int:
    """Write events in the given format; returns how many were written. With `notes` (the
    browser's exports), each event with a note carries it as a `note` field (column)."""
    return _WRITERS[fmt](events, out, notes)


def format_for_path(path: str, default: ExportFormat = "ndjson") -> ExportFormat:
    """Guess the format from a file name's extension (`.csv`, `.json`, `.ndjson`/`.jsonl`)."""
    lowered = path.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    if lowered.endswith(".json"):
        return "json"
    return default


def file_mode(mode: ExportMode = "private") -> int:
    """The permissions of an exported file: 0600, or with `"umask"` 0644 less the umask."""
    return PRIVATE_MODE if mode == "private" else shared_file_mode()


def describe_mode(bits: int) -> str:
    """`0600 (private)`, or e.g. `0644` for a file others may read."""
    return f"{bits:04o}" + (" (private)" if not bits & 0o077 else "")


# Errors a write to a file can end with; other OSErrors in the block are not ours to name.
_WRITE_ERRNOS = frozenset(
    (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO, errno.EACCES, errno.EPERM)
)
_REFUSED = {stat.S_IFDIR: "a folder", stat.S_IFSOCK: "a socket", stat.S_IFBLK: "a block device"}


def output_target(path: str | os.PathLike[str]) -> tuple[Path, bool]:
    """Where writing `path` really goes: (the path, symlinks resolved; True to stream to it).

    Streamed: a FIFO or a character device, opened and written (never renamed over).
    Otherwise a regular file that may not exist yet, replaced atomically. Raises
    `UsageError` for a folder, socket or block device, or a missing folder, and
    `StorageError` when the path cannot be looked at.
    """
    given = Path(path)
    shown = str(given)
    resolved = Path(os.path.realpath(given))
    try:
        info = os.stat(resolved)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise storage_error("write", shown, exc) from None
    if info is None or stat.S_ISREG(info.st_mode):
        directory = resolved.parent
        if not directory.is_dir():
            folder = given.parent if str(given.parent) else Path(".")
            raise UsageError(f"Cannot write {shown}: folder {folder} does not exist.")
        return resolved, False
    if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
        return resolved, True
    what = _REFUSED.get(stat.S_IFMT(info.st_mode), "not a regular file")
    hint = "; name a file inside it" if stat.S_ISDIR(info.st_mode) else "; name a regular file"
    raise UsageError(f"Cannot write {shown}: it is {what}{hint}.")


@contextlib.contextmanager
def _streamed(path: Path) -> Iterator[BinaryIO]:
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "wb") as out:
        yield out


@contextlib.contextmanager
def atomic_output(
    path: str | os.PathLike[str], *, mode: ExportMode = "private"
) -> Iterator[BinaryIO]:
    """A binary file for an export to `path`; see the module's docstring for each kind.

    A regular file appears (or is replaced) only if the block completes without an
    exception, with `file_mode(mode)`; the temporary file beside it is removed on failure
    (and temp files of this target that a killed run left, over an hour old, are swept).
    Raises `UsageError` (a missing folder, a target that is not a file) and `StorageError`
    (disk full, read-only file system, permissions), both one line.
    """
    shown = str(path)
    target, stream = output_target(path)
    if not stream:  # what a killed run left beside this file (over an hour old, ours only)
        sweep_stale_temps(target.parent, target=target.name)
    opened = False
    try:
        writer = _streamed(target) if stream else atomic_writer(target, mode=file_mode(mode))
        with writer as out:
            opened = True
            yield out
    except StorageError:
        raise
    except OSError as exc:
        if opened and exc.errno not in _WRITE_ERRNOS:
            raise  # from the block, not from the file
        raise storage_error("write", shown, exc) from None
