"""The archive's one schema: every API field with a real type, plus `fetched_at` and `host`.

Parquet column types (as DuckDB writes them): `timestamp` and `fetched_at` are UTC
timestamps in microseconds (`TIMESTAMPTZ`), the ids `BIGINT` (int64), `is_support_user`
`BOOLEAN`, `payload` the event's JSON text (`VARCHAR`), the rest `VARCHAR`; every column
but `timestamp`, `event_uuid`, `fetched_at` and `host` may be null. The `date` column comes
from the folder name (Hive partitioning), not from the file. Each file carries the schema's
version in its key-value metadata (`auditui_schema`); a reader refuses a newer one.

`event_columns` turns events into the columns DuckDB scans (numpy arrays, no Python loop
per event beyond an attribute read); `events_from_columns` builds `AuditEvent`s back from
what DuckDB returns, sharing repeated strings through a per-load table as the cache does.
An id that does not fit in int64 cannot be stored: such an event is left out and counted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import starmap
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import msgspec

from auditui.events.model import FIELD_NAMES, AuditEvent

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = 1
SCHEMA_KEY = "auditui_schema"  # the Parquet key-value metadata naming SCHEMA_VERSION

_TEXT = "VARCHAR"
_TYPES: dict[str, str] = {
    "timestamp": "TIMESTAMPTZ",
    "user_id": "BIGINT",
    "is_support_user": "BOOLEAN",
    "object_id": "BIGINT",
}
# (name, DuckDB type) in file order: the API's fields as people read them, then ours.
COLUMNS: tuple[tuple[str, str], ...] = (
    *((name, _TYPES.get(name, _TEXT)) for name in FIELD_NAMES),
    ("fetched_at", "TIMESTAMPTZ"),
    ("host", _TEXT),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)
_INT64 = (-(1 << 63), (1 << 63) - 1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_FIELDS: tuple[str, ...] = AuditEvent.__struct_fields__  # the constructor's argument order
_ID_FIELDS = ("user_id", "object_id")


def micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


def _fits(value: int | None) -> bool:
    return value is None or _INT64[0] <= value <= _INT64[1]


def storable(events: Sequence[AuditEvent]) -> tuple[list[AuditEvent], int]:
    """The events whose ids fit in int64, and how many were left out."""
    kept = [e for e in events if _fits(e.user_id) and _fits(e.object_id)]
    return kept, len(events) - len(kept)


def _payload_text(raw: msgspec.Raw) -> str:
    return bytes(raw).decode("utf-8", "replace")


def event_columns(
    events: Sequence[AuditEvent], host: str, fetched_at: datetime
) -> dict[str, np.ndarray[Any, Any]]:
    """The events (ids already `storable`) as columns for `select_list` to scan.

    Timestamps are int64 µs since the epoch (`ts_us`, `fetched_us`), ids and booleans object
    arrays with None for null, payloads JSON text.
    """
    import numpy as np

    count = len(events)
    columns: dict[str, np.ndarray[Any, Any]] = {
        "ts_us": np.fromiter(map(micros, map(attrgetter("timestamp"), events)), np.int64, count),
        "fetched_us": np.full(count, micros(fetched_at), dtype=np.int64),
        "host": np.full(count, host, dtype=object),
    }
    for name in FIELD_NAMES:
        if name == "timestamp":
            continue
        values = map(attrgetter(name), events)
        if name == "payload":
            values = map(_payload_text, values)
        column = np.empty(count, dtype=object)
        column[:] = list(values)
        columns[name] = column
    return columns


def select_list() -> str:
    """The SELECT list that turns `event_columns`' arrays into the schema's typed columns."""
    parts = []
    for name, kind in COLUMNS:
        if name == "timestamp":
            parts.append('make_timestamptz("ts_us") AS "timestamp"')
        elif name == "fetched_at":
            parts.append('make_timestamptz("fetched_us") AS "fetched_at"')
        else:
            parts.append(f'CAST("{name}" AS {kind}) AS "{name}"')
    return ", ".join(parts)


def read_list() -> str:
    """The SELECT list that reads the API's fields back for `events_from_columns`."""
    parts = []
    for name in _FIELDS:
        if name == "timestamp":
            parts.append('epoch_us("timestamp") AS "timestamp"')
        elif name == "payload":
            parts.append('encode("payload") AS "payload"')
        else:
            parts.append(f'"{name}"')
    return ", ".join(parts)


def _timestamps(column: Any) -> list[Any]:
    """int64 µs → naive UTC datetimes (the event makes them aware)."""
    return list(column.astype("datetime64[us]").tolist())


def events_from_columns(
    columns: Mapping[str, Any], table: dict[Any, Any] | None = None
) -> list[AuditEvent]:
    """Events from DuckDB's `fetchnumpy()` of `read_list()`; repeated values shared through
    `table` (a per-load dict, as `intern_events` uses)."""
    share = ({} if table is None else table).setdefault
    values: list[list[Any]] = []
    for name in _FIELDS:
        column = columns[name]
        if name == "timestamp":
            values.append(_timestamps(column))
        elif name == "payload":
            values.append([msgspec.Raw(b"null" if v is None else v) for v in column.tolist()])
        elif name in ("event_uuid", "log_entry", "is_support_user"):
            values.append(column.tolist())
        else:
            items = column.tolist()
            values.append(list(map(share, items, items)))
    return list(starmap(AuditEvent, zip(*values, strict=True)))
