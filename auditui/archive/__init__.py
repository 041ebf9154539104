"""The local archive: a profile's audit events kept beyond Datafold's window, as Parquet.

The package owns the archive folder (`layout`: Hive-partitioned by UTC day, the contract
other engines read), its schema (`schema`), its manifest and digest chain (`manifest`), its
files (`files`: written safely, read back as events), the writer lock (`lock`), the folder
as found (`opened`: `open_archive`, host-checked) and DuckDB, the engine (`engine`: the
optional extra `auditui[archive]`, imported only when used).

Names are re-exported lazily: importing the package imports neither DuckDB nor numpy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.archive.engine import ArchiveUnavailable, connect, duckdb_available, require_duckdb
    from auditui.archive.files import mismatched_files, read_events, sha256_file, write_day_file
    from auditui.archive.layout import ArchivePaths, archive_root, day_range, days_of
    from auditui.archive.lock import archive_lock
    from auditui.archive.manifest import (
        ArchiveError,
        DayEntry,
        FileEntry,
        Manifest,
        check_host,
        read_manifest,
        write_manifest,
    )
    from auditui.archive.opened import Archive, open_archive
    from auditui.archive.source import ArchivedConnection, ArchiveReadError, NotArchived
    from auditui.archive.sql import SqlError, SqlResult, open_view, run_sql
    from auditui.archive.status import ArchiveStatus, archive_status
    from auditui.archive.sync import SyncProgress, SyncSummary, sync_archive
    from auditui.archive.verify import RepairResult, VerifyReport, repair_archive, verify_archive

_WHERE = {
    "ArchiveUnavailable": "engine",
    "connect": "engine",
    "duckdb_available": "engine",
    "require_duckdb": "engine",
    "mismatched_files": "files",
    "read_events": "files",
    "sha256_file": "files",
    "write_day_file": "files",
    "ArchivePaths": "layout",
    "archive_root": "layout",
    "day_range": "layout",
    "days_of": "layout",
    "archive_lock": "lock",
    "Archive": "opened",
    "open_archive": "opened",
    "ArchivedConnection": "source",
    "ArchiveReadError": "source",
    "NotArchived": "source",
    "ArchiveError": "manifest",
    "DayEntry": "manifest",
    "FileEntry": "manifest",
    "Manifest": "manifest",
    "check_host": "manifest",
    "read_manifest": "manifest",
    "write_manifest": "manifest",
    "SqlError": "sql",
    "SqlResult": "sql",
    "open_view": "sql",
    "run_sql": "sql",
    "ArchiveStatus": "status",
    "archive_status": "status",
    "SyncProgress": "sync",
    "SyncSummary": "sync",
    "sync_archive": "sync",
    "RepairResult": "verify",
    "VerifyReport": "verify",
    "repair_archive": "verify",
    "verify_archive": "verify",
}

__all__ = [
    "Archive",
    "ArchiveError",
    "ArchivePaths",
    "ArchiveReadError",
    "ArchiveStatus",
    "ArchiveUnavailable",
    "ArchivedConnection",
    "DayEntry",
    "FileEntry",
    "Manifest",
    "NotArchived",
    "RepairResult",
    "SqlError",
    "SqlResult",
    "SyncProgress",
    "SyncSummary",
    "VerifyReport",
    "archive_lock",
    "archive_root",
    "archive_status",
    "check_host",
    "connect",
    "day_range",
    "days_of",
    "duckdb_available",
    "mismatched_files",
    "open_archive",
    "open_view",
    "read_events",
    "read_manifest",
    "repair_archive",
    "require_duckdb",
    "run_sql",
    "sha256_file",
    "sync_archive",
    "verify_archive",
    "write_day_file",
    "write_manifest",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
