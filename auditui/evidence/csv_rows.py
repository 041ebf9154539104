"""Which events a changed `events.csv` no longer shows as written, by uuid and row.

`events.csv` has no digest per row; when it fails its digest while `events.ndjson` still
matches, the CSV the NDJSON implies is rendered again (the same writer as the export) and
compared row by row, keyed by `event_uuid`: a changed, missing or added row names its
event. Row N is the N-th data row (the header is not counted), as line N of events.ndjson.

`first_disagreement` is the cheap cross-check made even when every digest holds (a bundle
whose manifest and SHA256SUMS were rewritten to match an edited file): the CSV must hold
the same events as the NDJSON, the same event_uuid on row N as on line N, as many rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import zip_longest
from typing import Literal

import msgspec

from auditui.events import decode_logs
from auditui.events.model import FIELD_NAMES
from auditui.export.formats import write_events
from auditui.textsafe import visible

RowKind = Literal["changed", "missing", "added", "header"]
_UUID = FIELD_NAMES.index("event_uuid")


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline="")))


def expected_csv(ndjson_lines: Iterable[bytes]) -> bytes:
    """The CSV that `write_bundle` writes for these NDJSON lines."""
    body = b'{"logs":[' + b",".join(line.rstrip(b"\n") for line in ndjson_lines) + b"]}"
    out = io.BytesIO()
    write_events(decode_logs(body).events, out, "csv")
    return out.getvalue()


def csv_differences(expected: bytes, actual: bytes) -> list[tuple[RowKind, str, int]]:
    """(kind, event uuid, row) for each row of `actual` that differs from `expected`;
    ("header", "", 0) when the header row changed."""
    want, have = _rows(expected), _rows(actual)
    found: list[tuple[RowKind, str, int]] = []
    if not have or not want or have[0] != want[0]:
        found.append(("header", "", 0))
    by_uuid = {row[_UUID]: (number, row) for number, row in enumerate(want[1:], 1)}
    seen: set[str] = set()
    for number, row in enumerate(have[1:], 1):
        uuid = row[_UUID] if len(row) > _UUID else ""
        if uuid in seen or uuid not in by_uuid:
            found.append(("added", uuid, number))
            continue
        seen.add(uuid)
        if row != by_uuid[uuid][1]:
            found.append(("changed", uuid, number))
    for uuid, (number, _) in by_uuid.items():
        if uuid not in seen:
            found.append(("missing", uuid, number))
    return found


class _UuidOnly(msgspec.Struct):
    event_uuid: str


_uuid_decoder = msgspec.json.Decoder(_UuidOnly)


def _ndjson_uuids(lines: Iterable[bytes]) -> Iterator[str]:
    for line in lines:
        try:
            yield _uuid_decoder.decode(line).event_uuid
        except (msgspec.DecodeError, msgspec.ValidationError):
            yield "?"


def first_disagreement(ndjson_lines: Iterable[bytes], csv_lines: Iterable[bytes]) -> str | None:
    """Where events.csv first stops showing the events of events.ndjson, in a few words
    (the row named), or None when every row holds the uuid of its line, as many of them."""
    rows = csv.reader(line.decode("utf-8", "replace") for line in csv_lines)
    header = next(rows, None)
    if header is None or "event_uuid" not in header:
        return "its header row names no event_uuid column"
    column = header.index("event_uuid")
    pairs = zip_longest(_ndjson_uuids(ndjson_lines), rows)
    for number, (uuid, row) in enumerate(pairs, 1):
        found = row[column] if row is not None and len(row) > column else None
        if found == uuid:
            continue
        if row is None:
            shown = visible(uuid or "?")
            return f"it ends at row {number - 1}; line {number} of events.ndjson is event {shown}"
        if uuid is None:
            return f"row {number} (event {visible(found or '?')}) has no line in events.ndjson"
        return (
            f"row {number} holds event {visible(found or '?')}, line {number} of "
            f"events.ndjson event {visible(uuid)}"
        )
    return None
