"""The archive's Parquet files: writing one day's file safely, reading events back.

A day's file is written by DuckDB to a temp name in its `date=` folder, made 0600, fsynced,
hashed (SHA-256) and renamed into place, then the folder is fsynced; only then may the
manifest name it. A failed write (a full disk, a read-only folder) removes the temp file and
is one line (`StorageError`); what was there before is untouched. Reading asks DuckDB for the
API's fields of the files a manifest names, inside a time window, newest first.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from auditui.archive.engine import connect, sql_string
from auditui.archive.layout import PART_SUFFIX, ArchivePaths, day_folder
from auditui.archive.manifest import ArchiveError, FileEntry
from auditui.archive.schema import (
    SCHEMA_KEY,
    SCHEMA_VERSION,
    event_columns,
    events_from_columns,
    read_list,
    select_list,
)
from auditui.errors import StorageError, one_line, storage_error
from auditui.paths import display_path, temp_name

if TYPE_CHECKING:
    import duckdb

    from auditui.events.model import AuditEvent
    from auditui.timespec import TimeRange


def sha256_file(path: os.PathLike[str] | str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _fsync(path: os.PathLike[str] | str, *, folder: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if folder else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _engine_storage_error(where: str, exc: Exception) -> StorageError:
    """DuckDB's I/O failure (its message names the cause, e.g. no space left) as one line."""
    return StorageError(f"Cannot write {where}: {one_line(str(exc))}; free some space or "
                        "write elsewhere.")  # fmt: skip


def write_day_file(
    paths: ArchivePaths,
    day: date,
    events: Sequence[AuditEvent],
    *,
    host: str,
    fetched_at: datetime,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> FileEntry:
    """Write `events` (all of `day`, ids storable) as a new file of that day; its entry."""
    import duckdb

    folder = paths.day_dir(day)
    stamp = fetched_at.strftime("%Y%m%dT%H%M%S%fZ")
    name = f"part-{stamp}-{secrets.token_hex(4)}{PART_SUFFIX}"
    final = folder / name
    temp = folder / temp_name(name)
    con = connection if connection is not None else connect()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        con.register("batch", event_columns(events, host, fetched_at))
        try:
            con.execute(
                f'COPY (SELECT {select_list()} FROM batch ORDER BY "timestamp") '
                f"TO {sql_string(str(temp))} (FORMAT parquet, COMPRESSION zstd, "
                f"KV_METADATA {{{SCHEMA_KEY}: '{SCHEMA_VERSION}'}})"
            )
        finally:
            con.unregister("batch")
        os.chmod(temp, 0o600)
        _fsync(temp)
        digest, size = sha256_file(temp), temp.stat().st_size
        os.replace(temp, final)
        _fsync(folder, folder=True)
    except OSError as exc:
        _remove(temp)
        raise storage_error("write", display_path(folder), exc) from None
    except duckdb.Error as exc:
        _remove(temp)
        raise _engine_storage_error(display_path(folder), exc) from None
    except BaseException:
        _remove(temp)
        raise
    return FileEntry(f"{day_folder(day)}/{name}", digest, size, len(events))


def _remove(path: os.PathLike[str]) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def file_list(paths: ArchivePaths, files: Sequence[FileEntry]) -> str:
    """The files as a DuckDB list literal for `read_parquet`."""
    return "[" + ", ".join(sql_string(str(paths.file(entry.name))) for entry in files) + "]"


def read_events(
    paths: ArchivePaths,
    files: Sequence[FileEntry],
    window: TimeRange | None = None,
    *,
    table: dict[Any, Any] | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> list[AuditEvent]:
    """The events of `files` (inside `window` when given), newest first.

    `ArchiveError` naming the files when DuckDB cannot read them (missing, truncated, not
    Parquet, another schema).
    """
    if not files:
        return []
    import duckdb

    con = connection if connection is not None else connect()
    where, params = "", []
    if window is not None:
        where, params = ' WHERE "timestamp" >= ? AND "timestamp" < ?', [window.start, window.end]
    query = (f"SELECT {read_list()} FROM read_parquet({file_list(paths, files)}){where} "
             'ORDER BY "timestamp" DESC')  # fmt: skip
    try:
        columns = con.execute(query, params).fetchnumpy()
    except duckdb.Error as exc:
        names = ", ".join(entry.name for entry in files)
        raise ArchiveError(
            f"Cannot read the archive's {names} in {display_path(paths.root)}: "
            f"{one_line(str(exc))} (run `auditui archive verify`)"
        ) from None
    return events_from_columns(columns, table)


def schema_version(path: os.PathLike[str] | str,
                   connection: duckdb.DuckDBPyConnection | None = None) -> int:  # fmt: skip
    """The schema version a file says it was written with (0 if it says none)."""
    con = connection if connection is not None else connect()
    rows = con.execute(
        "SELECT value FROM parquet_kv_metadata(?) WHERE key = ?", [str(path), SCHEMA_KEY]
    ).fetchall()
    try:
        return int(bytes(rows[0][0]).decode()) if rows else 0
    except ValueError:
        return 0
