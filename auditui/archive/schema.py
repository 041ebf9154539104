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
Reading is built for a million events: the repeated text columns (`KEYED`) come as keys
(DuckDB's `hash`) with each distinct value once (`values_query`, `keyed_values`; a hash
collision falls back to the text), timestamps become aware datetimes through msgspec, and
rows are ordered in numpy rather than by DuckDB (its ORDER BY doubled the read).
An id that does not fit in int64 cannot be stored: such an event is left out and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import starmap
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import msgspec

from auditui.events.model import FIELD_NAMES, INTERNED_FIELDS, AuditEvent

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


# Text columns whose values repeat: read as keys (DuckDB's `hash`) and their distinct values
# once (`values_query`), so that a million events make thousands of strings, not millions.
KEYED: tuple[str, ...] = tuple(name for name in _FIELDS if name in INTERNED_FIELDS)
VALUES = "__values__"  # the key of `events_from_columns`' columns holding `keyed_values`


def read_list(*, keyed: bool = True) -> str:
    """The SELECT list that reads the API's fields back for `events_from_columns` (the
    `KEYED` columns as keys unless `keyed` is False)."""
    parts = []
    for name in _FIELDS:
        if name == "timestamp":
            parts.append('epoch_us("timestamp") AS "timestamp"')
        elif name == "payload":
            parts.append('encode("payload") AS "payload"')
        elif keyed and name in KEYED:
            parts.append(f'hash("{name}") AS "{name}"')
        else:
            parts.append(f'"{name}"')
    return ", ".join(parts)


def values_query(source: str) -> str:
    """Each `KEYED` column's distinct values in `source` (a FROM item) with their keys:
    rows of (column, value, key)."""
    return " UNION ALL ".join(
        f"SELECT '{name}', value, hash(value) FROM (SELECT DISTINCT \"{name}\" AS value "
        f"FROM {source})"
        for name in KEYED
    )


def keyed_values(rows: Iterable[tuple[str, str | None, int]], table: dict[Any, Any] | None
                 ) -> dict[str, dict[int, str | None]] | None:  # fmt: skip
    """`values_query`'s rows as column → key → value (values shared through `table`); None
    when two values of a column have one key (a hash collision: read them as text)."""
    share = ({} if table is None else table).setdefault
    found: dict[str, dict[int, str | None]] = {name: {} for name in KEYED}
    for name, value, key in rows:
        known = found[name]
        if key in known and known[key] != value:
            return None
        known[key] = value if value is None else share(value, value)
    return found


def _timestamps(column: Any) -> list[datetime]:
    """int64 µs since the epoch → aware UTC datetimes, made at C speed: the values are laid
    out as msgpack timestamps (ext -1, the 96-bit form: nanoseconds, then seconds) and
    decoded by msgspec, which gives aware UTC datetimes (no per-event Python work)."""
    import numpy as np

    micro = np.asarray(column, dtype=np.int64)
    seconds, rest = np.divmod(micro, 1_000_000)  # floor: `rest` is never negative
    layout = np.dtype([("head", "u1", (3,)), ("nanoseconds", ">u4"), ("seconds", ">i8")])
    items = np.empty(len(micro), dtype=layout)
    items["head"] = (0xC7, 12, 0xFF)  # ext 8, 12 bytes, type -1
    items["nanoseconds"] = rest * 1000
    items["seconds"] = seconds
    data = b"\xdd" + len(micro).to_bytes(4, "big") + items.tobytes()  # array 32
    return _stamps_decoder.decode(data)


_stamps_decoder = msgspec.msgpack.Decoder(list[datetime])


def _payloads(column: Any) -> list[msgspec.Raw]:
    items = column.tolist()
    if None in items:
        return [msgspec.Raw(b"null" if item is None else item) for item in items]
    return list(map(msgspec.Raw, items))


def events_from_columns(
    columns: Mapping[str, Any], table: dict[Any, Any] | None = None
) -> list[AuditEvent]:
    """Events from DuckDB's `fetchnumpy()` of `read_list()`, newest first (in any order, and
    ties as they come); repeated values shared through `table` (a per-load dict, as
    `intern_events` uses). Keyed columns take their values from `columns[VALUES]`
    (`keyed_values`); text columns are read as they are."""
    import numpy as np

    share = ({} if table is None else table).setdefault
    known: dict[str, dict[int, str | None]] = columns.get(VALUES) or {}
    stamps = np.asarray(columns["timestamp"], dtype=np.int64)
    ascending = bool(np.all(stamps[:-1] <= stamps[1:]))  # as files are written: one reverse
    order = None if ascending else np.argsort(stamps, kind="stable")
    values: list[list[Any]] = []
    for name in _FIELDS:
        column = columns[name] if order is None else columns[name][order]
        if name == "timestamp":
            values.append(_timestamps(column))
        elif name == "payload":
            values.append(_payloads(column))
        elif name in ("event_uuid", "log_entry", "is_support_user"):
            values.append(column.tolist())
        elif column.dtype.kind == "u":  # keys (`read_list(keyed=True)`)
            values.append(list(map(known[name].__getitem__, column.tolist())))
        else:
            items = column.tolist()
            values.append(list(map(share, items, items)))
    events = list(starmap(AuditEvent, zip(*values, strict=True)))
    events.reverse()
    return events
