"""The layout is the contract: an archive auditui wrote, read by plain DuckDB, not by auditui.

Whatever engine a user points at the folder (DuckDB, Spark, Athena, BigQuery) sees what
`read_parquet('<root>/*/*.parquet', hive_partitioning = true)` sees here: the columns and
their types (logical and physical), nulls where the event had none, `date` from the folder,
and every event's values as the API gave them. Two archives are checked: one written by the
test helper (the core's writer) from hand-made edge cases, one synced from the demo server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import msgspec
import pytest

from auditui.archive import ArchivePaths, open_archive, read_manifest
from auditui.archive.sync import sync_archive
from auditui.config.credentials import Credential
from auditui.config.settings import Profile, load_settings
from auditui.demo import DEMO_KEY, DemoServer, generate_events
from auditui.events import AuditEvent
from auditui.paths import temp_name
from auditui.sources.api import AuditClient
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
from tests.helpers.archive import as_events, make_archive

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
HOST = "https://app.datafold.com"
MAX64, MIN64 = (1 << 63) - 1, -(1 << 63)

EXPECTED_TYPES = {
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "event_uuid": "VARCHAR",
    "user_email": "VARCHAR",
    "user_id": "BIGINT",
    "is_support_user": "BOOLEAN",
    "action": "VARCHAR",
    "status": "VARCHAR",
    "object_type": "VARCHAR",
    "object_id": "BIGINT",
    "source": "VARCHAR",
    "request_type": "VARCHAR",
    "client_ip": "VARCHAR",
    "url": "VARCHAR",
    "referer": "VARCHAR",
    "user_agent": "VARCHAR",
    "log_entry": "VARCHAR",
    "payload": "VARCHAR",
    "fetched_at": "TIMESTAMP WITH TIME ZONE",
    "host": "VARCHAR",
    "date": "DATE",
}
API_FIELDS = [name for name in EXPECTED_TYPES if name not in ("fetched_at", "host", "date")]
NULLABLE = [f for f in API_FIELDS if f not in ("timestamp", "event_uuid", "client_ip", "url")]


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def edge_events() -> list[dict[str, Any]]:
    """Every field set, only the required ones, explicit nulls, extreme ids, odd payloads,
    offsets that move an event to another UTC day, text a terminal would act on."""
    required = {"client_ip": "10.0.0.1", "url": "https://app.datafold.com/api/v1/x"}
    return [
        {
            **required,
            "timestamp": "2026-11-24T10:00:00.123456Z",
            "event_uuid": _uuid(1),
            "user_email": "zoë@acme.com",
            "user_id": 42,
            "is_support_user": True,
            "action": "monitor.create",
            "status": "success",
            "object_type": "monitor",
            "object_id": 193,
            "source": "web",
            "request_type": "POST",
            "referer": "https://app.datafold.com/monitors",
            "user_agent": "Mozilla/5.0 \u202e\x1b[31m",
            "log_entry": "Created monitor #193 «nightly»",
            "payload": {"a": [1, 2.5, None, True], "b": {"c": "日本"}, "n": -0.0},
        },
        {**required, "timestamp": "2026-11-24T23:59:59.999999Z", "event_uuid": _uuid(2)},
        {
            **required,
            "timestamp": "2026-11-25T01:30:00+02:00",  # 2026-11-24 23:30 UTC
            "event_uuid": _uuid(3),
            **dict.fromkeys(NULLABLE, None),
        },
        {
            **required,
            "timestamp": "2026-11-24T22:30:00-02:00",  # 2026-11-25 00:30 UTC
            "event_uuid": _uuid(4),
            "user_id": MAX64,
            "object_id": MIN64,
            "is_support_user": False,
            "payload": "just text",
        },
        {**required, "timestamp": "2026-11-26T00:00:00Z", "event_uuid": _uuid(5), "payload": 7},
        {**required, "timestamp": "2026-11-26T09:00:00Z", "event_uuid": _uuid(6), "payload": []},
    ]


def read_plainly(root: Path) -> duckdb.DuckDBPyConnection:
    """Plain DuckDB over the folder by glob, as the README tells other people to read it."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    glob = str(root / "*" / "*.parquet").replace("'", "''")
    connection.execute(
        f"CREATE VIEW logs AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)"
    )
    return connection


def rows_by_uuid(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cursor = connection.execute("SELECT * FROM logs")
    names = [item[0] for item in cursor.description]
    return {
        row["event_uuid"]: row
        for row in (dict(zip(names, r, strict=True)) for r in cursor.fetchall())
    }


def check_contract(root: Path, events: list[AuditEvent], host: str, fetched_at: datetime) -> None:
    """The whole contract for one archive folder holding exactly `events`."""
    connection = read_plainly(root)
    described = connection.execute("DESCRIBE logs").fetchall()
    assert {name: kind for name, kind, *_ in described} == EXPECTED_TYPES
    assert [name for name, *_ in described] == list(EXPECTED_TYPES)  # the file's column order

    # Physical Parquet types: what Spark, Athena or BigQuery see.
    schema = {
        name: (kind, converted, logical)
        for name, kind, converted, logical in connection.execute(
            "SELECT DISTINCT name, type, converted_type, logical_type FROM parquet_schema(?) "
            "WHERE name <> 'duckdb_schema'",
            [str(root / "*" / "*.parquet")],
        ).fetchall()
    }
    assert len(schema) == len(EXPECTED_TYPES) - 1  # one physical type per column, no `date`
    for name in ("timestamp", "fetched_at"):
        kind, converted, logical = schema[name]
        assert (kind, converted) == ("INT64", "TIMESTAMP_MICROS")
        assert "isAdjustedToUTC=1" in logical and "MICROS=MicroSeconds()" in logical
    assert schema["user_id"][:2] == schema["object_id"][:2] == ("INT64", "INT_64")
    assert schema["is_support_user"][0] == "BOOLEAN"
    for name in ("event_uuid", "payload", "host", "user_email"):
        assert schema[name][:2] == ("BYTE_ARRAY", "UTF8")

    versions = connection.execute(
        "SELECT DISTINCT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = "
        "'auditui_schema'",
        [str(root / "*" / "*.parquet")],
    ).fetchall()
    assert versions == [("1",)]

    # The folders and files are what the manifest lists, nothing else.
    manifest = read_manifest(ArchivePaths(root))
    assert manifest is not None
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.glob("*/*.parquet"))
    assert on_disk == sorted(entry.name for entry in manifest.files())
    for name in on_disk:
        folder, file = name.split("/")
        assert folder.startswith("date=") and file.startswith("part-")
        assert date.fromisoformat(folder.removeprefix("date="))

    rows = rows_by_uuid(connection)
    assert len(rows) == len(events) == manifest.events()
    assert connection.execute("SELECT count(*) FROM logs").fetchone() == (len(events),)
    for event in events:
        row = rows[event.event_uuid]
        assert row["timestamp"] == event.timestamp and row["timestamp"].utcoffset().seconds == 0
        assert row["date"] == event.timestamp.astimezone(UTC).date()
        assert (row["fetched_at"], row["host"]) == (fetched_at, host)
        assert json.loads(row["payload"]) == json.loads(bytes(event.payload))
        for name in API_FIELDS:
            if name not in ("timestamp", "payload"):
                assert row[name] == getattr(event, name), name
                assert type(row[name]) is type(getattr(event, name)), name
    per_day = dict(connection.execute("SELECT date, count(*) FROM logs GROUP BY 1").fetchall())
    assert {d.isoformat(): n for d, n in per_day.items()} == {
        key: day.events for key, day in manifest.days.items()
    }


def test_an_archive_written_by_auditui_reads_plainly_with_duckdb(tmp_path: Path) -> None:
    events = as_events(edge_events())
    make_archive(tmp_path, events, host=HOST, now=NOW)
    # A sync's temp file (dot-named, never `.parquet`) lies in a day folder: not read.
    temp = tmp_path / "date=2026-11-24" / temp_name("part-20261126T000000Z-0.parquet")
    assert temp.name.startswith(".") and not temp.name.endswith(".parquet")
    temp.write_bytes(b"half a file")
    check_contract(tmp_path, events, HOST, NOW)
    rows = rows_by_uuid(read_plainly(tmp_path))
    assert all(rows[_uuid(3)][name] is None for name in NULLABLE if name != "payload")
    assert all(rows[_uuid(2)][name] is None for name in NULLABLE if name != "payload")
    assert rows[_uuid(2)]["payload"] == rows[_uuid(3)]["payload"] == "null"
    assert (rows[_uuid(4)]["user_id"], rows[_uuid(4)]["object_id"]) == (MAX64, MIN64)
    assert rows[_uuid(1)]["user_agent"] == "Mozilla/5.0 \u202e\x1b[31m"  # stored as given
    assert sorted(str(r["date"]) for r in rows.values()) == [
        "2026-11-24", "2026-11-24", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-26",
    ]  # fmt: skip


def test_partition_filters_prune_whole_files(tmp_path: Path) -> None:
    make_archive(tmp_path, as_events(edge_events()), host=HOST, now=NOW)
    plan = (
        read_plainly(tmp_path)
        .execute("EXPLAIN ANALYZE SELECT count(*) FROM logs WHERE date = DATE '2026-11-25'")
        .fetchall()[0][1]
    )
    assert "Scanning Files: 1/3" in plan


class _FastConnection(Connection, frozen=True):
    """The profile's connection to the demo server, retrying without waiting."""

    def client(self, api_key: str | None = None, *, retries: bool = True) -> AuditClient:
        return AuditClient(self.host, self.require_credential().key, backoff_base=0.001,
                           max_attempts=5 if retries else 1)  # fmt: skip


@pytest.fixture
def served() -> Iterator[tuple[DemoServer, list[dict[str, Any]]]]:
    events = generate_events(seed=11, events_per_day=120, days=4, end=NOW)
    server = DemoServer(events).start()
    try:
        yield server, events
    finally:
        server.stop()


def test_an_archive_synced_from_the_demo_server_reads_plainly_with_duckdb(
    served: tuple[DemoServer, list[dict[str, Any]]], tmp_path: Path
) -> None:
    server, served_events = served
    base: Profile = load_settings().profile("default", env={})
    profile = msgspec.structs.replace(base, archive=str(tmp_path))
    connection = _FastConnection(profile, server.url, Credential(DEMO_KEY, "test"))
    archive = open_archive(profile, server.url)
    window = TimeRange(datetime(2026, 11, 22, tzinfo=UTC), NOW)
    summary = sync_archive(connection, archive, window, now=NOW)
    assert summary.ok
    events = as_events(served_events)
    assert len(events) == 480
    check_contract(tmp_path, events, server.url, NOW)
