"""Syncing test archives from the demo server, with `now` injected (never the clock).

`sync(server, root)` runs `sync_archive` at `NOW` (half an hour before the demo data's
`END`, so the newest UTC day is open) over `RANGE` (21 to 26 November: `DAYS`), through a
`FastConnection` (retries without waiting). `archived_rows` reads the listed files with
DuckDB itself; `requests` counts the server's audit-log requests; `served_in` counts the
server's events in a range.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import msgspec

from auditui.archive import ArchivePaths, open_archive, read_manifest
from auditui.archive.sync import SyncSummary, sync_archive
from auditui.config.credentials import Credential
from auditui.config.settings import Profile, load_settings
from auditui.demo import DEMO_KEY, DemoServer
from auditui.sources.api import AuditClient
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange

END = datetime(2026, 11, 26, 13, tzinfo=UTC)  # where the demo data ends
NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
RANGE = TimeRange(datetime(2026, 11, 21, tzinfo=UTC), NOW)  # 21 … 26 November: 6 days
DAYS = [date(2026, 11, d) for d in range(21, 27)]


class FastConnection(Connection, frozen=True):
    """A Connection whose client retries without waiting (as tests' `client_for`)."""

    def client(self, api_key: str | None = None, *, retries: bool = True) -> AuditClient:
        return AuditClient(self.host, self.require_credential().key, backoff_base=0.001,
                           max_attempts=5 if retries else 1)  # fmt: skip


def connection_for(server: DemoServer, **profile: Any) -> FastConnection:
    base: Profile = load_settings().profile("default", env={})
    return FastConnection(msgspec.structs.replace(base, **profile), server.url,
                          Credential(DEMO_KEY, "test"))  # fmt: skip


def sync(server: DemoServer, root: Path, now: datetime = NOW, time_range: TimeRange = RANGE,
         **profile: Any) -> SyncSummary:  # fmt: skip
    connection = connection_for(server, **profile)
    archive = open_archive(connection.profile, server.url, str(root))
    return sync_archive(connection, archive, time_range, now=now)


def archived_rows(root: Path) -> list[tuple[Any, ...]]:
    """(event_uuid, timestamp, action, date) of every listed file, read by DuckDB itself."""
    manifest = read_manifest(ArchivePaths(root))
    assert manifest is not None
    files = [str(root / entry.name) for entry in manifest.files()]
    if not files:
        return []
    relation = duckdb.sql(
        "SELECT event_uuid, timestamp, action, date FROM read_parquet($files, "
        "hive_partitioning = true) ORDER BY timestamp",
        params={"files": files},
    )
    assert relation is not None
    return relation.fetchall()


def served_in(server: DemoServer, start: datetime, end: datetime) -> int:
    """How many of the server's events lie in [start, end)."""
    return len(server.encoded.select(start, end))


def requests(server: DemoServer) -> int:
    return sum(1 for request in server.requests if request.path.endswith("/audit_logs"))
