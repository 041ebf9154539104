"""Writing events out: NDJSON, a JSON array, or formula-safe CSV.

Every field is written, the payload as JSON. In CSV the payload is a JSON string and any
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

`atomic_output(path)` (`paths.atomic_writer`) opens a temporary file beside `path` and
renames it over `path` only when the block succeeds (mode 0644 less the umask), so a failed
or cancelled export never leaves a half-written file behind or clobbers an existing one.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Literal

from auditui.errors import UsageError
from auditui.events.model import FIELD_NAMES, AuditEvent, encode_event
from auditui.paths import atomic_writer, shared_file_mode
from auditui.textsafe import json_text_safe, neutralize_cell, visible_keep_layout
from auditui.timespec import format_utc

ExportFormat = Literal["ndjson", "json", "csv"]
FORMATS: tuple[ExportFormat, ...] = ("ndjson", "json", "csv")
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


def write_ndjson(events: Iterable[AuditEvent], out: BinaryIO) -> int:
    """One compact JSON object per line; returns the number of events written."""
    count = 0
    for event in events:
        out.write(inert_json(encode_event(event)))
        out.write(b"\n")
        count += 1
    return count


def write_json(events: Iterable[AuditEvent], out: BinaryIO) -> int:
    """A JSON array, one event per line inside it."""
    count = 0
    out.write(b"[")
    for event in events:
        out.write(b",\n" if count else b"\n")
        out.write(inert_json(encode_event(event)))
        count += 1
    out.write(b"\n]\n" if count else b"]\n")
    return count


def write_csv(events: Iterable[AuditEvent], out: BinaryIO) -> int:
    """CSV with a header row of field names; formula-looking cells neutralised, text inert."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(FIELD_NAMES)
        count = 0
        for event in events:
            writer.writerow([_csv_cell(event, name) for name in FIELD_NAMES])
            count += 1
        text.flush()
    finally:
        text.detach()
    return count


_WRITERS = {"ndjson": write_ndjson, "json": write_json, "csv": write_csv}


def write_events(events: Iterable[AuditEvent], out: BinaryIO, fmt: ExportFormat) -> int:
    """Write events in the given format; returns how many were written."""
    return _WRITERS[fmt](events, out)


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


def atomic_output(path: str | os.PathLike[str]) -> contextlib.AbstractContextManager[BinaryIO]:
    """A binary file that replaces `path` only if the block completes without an exception.

    `paths.atomic_writer` with the mode of a shared file (0644 less the umask). Raises
    `UsageError` when the folder does not exist. The temporary file beside the target is
    removed on failure.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise UsageError(f"Cannot write {target}: folder {directory} does not exist.")
    return atomic_writer(target, mode=shared_file_mode())
