"""Which events a changed `events.csv` no longer shows as written, by uuid and row.

`events.csv` has no digest per row; when it fails its digest while `events.ndjson` still
matches, the CSV the NDJSON implies is rendered again (the same writer as the export) and
compared row by row, keyed by `event_uuid`: a changed, missing or added row names its
event. Row N is the N-th data row (the header is not counted), as line N of events.ndjson.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Literal

from auditui.events import decode_logs
from auditui.events.model import FIELD_NAMES
from auditui.export.formats import write_events

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
