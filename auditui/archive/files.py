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
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from auditui.archive.engine import connect, sql_string
from auditui.archive.layout import PART_SUFFIX, ArchivePaths, day_folder
from auditui.archive.manifest import ArchiveError, FileEntry
from auditui.archive.schema import (
    SCHEMA_KEY,
    SCHEMA_VERSION,
    VALUES,
    event_columns,
    events_from_columns,
    keyed_values,
    read_list,
    select_list,
    values_query,
)
from auditui.errors import StorageError, one_line, storage_error
from auditui.paths import display_path, fsync_path, temp_name

if TYPE_CHECKING:
    import duckdb

    from auditui.events.model import AuditEvent
    from auditui.timespec import TimeRange


def sha256_file(path: os.PathLike[str] | str) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def mismatched_files(paths: ArchivePaths, files: Iterable[FileEntry]) -> list[str]:
    """The names of `files` missing under `paths` or whose SHA-256 is not the recorded one
    (what a reader checks before trusting them; `archive verify` says more of each)."""
    mismatched: list[str] = []
    for entry in files:
        try:
            found: str | None = sha256_file(paths.file(entry.name))
        except OSError:
            found = None
        if found != entry.sha256:
            mismatched.append(entry.name)
    return mismatched


_ERRNO = re.compile(r'"errno"\s*:\s*"?(\d+)')
_MESSAGE = re.compile(r'"exception_message"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _engine_storage_error(where: str, exc: Exception) -> StorageError:
    """DuckDB's I/O failure as one line: by its errno when it reports one (a full disk reads
    as `storage_error` says it), else by its own message."""
    text = str(exc)
    number = _ERRNO.search(text)
    if number is not None:
        code = int(number.group(1))
        return storage_error("write", where, OSError(code, os.strerror(code)))
    message = _MESSAGE.search(text)
    reason = message.group(1).replace('\\"', '"') if message else text
    return StorageError(f"Cannot write {where}: {one_line(reason)}; check the disk or "
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
        fsync_path(temp)
        digest, size = sha256_file(temp), temp.stat().st_size
        os.replace(temp, final)
        fsync_path(folder, folder=True)
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


KeyedValues = dict[str, dict[int, str | None]]


def keyed_values_of(
    paths: ArchivePaths,
    files: Sequence[FileEntry],
    *,
    table: dict[Any, Any] | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
) -> KeyedValues | None:
    """The repeated text columns' distinct values in `files` (`schema.keyed_values`), to
    give `read_events` for any of them: one scan instead of one per read. None when they
    cannot be used (a hash collision, or a file DuckDB cannot read: each read says so)."""
    if not files:
        return None
    import duckdb

    con = connection if connection is not None else connect()
    try:
        rows = con.execute(values_query(f"read_parquet({file_list(paths, files)})")).fetchall()
    except duckdb.Error:
        return None
    return keyed_values(rows, table)


def read_events(
    paths: ArchivePaths,
    files: Sequence[FileEntry],
    window: TimeRange | None = None,
    *,
    table: dict[Any, Any] | None = None,
    connection: duckdb.DuckDBPyConnection | None = None,
    values: KeyedValues | None = None,
) -> list[AuditEvent]:
    """The events of `files` (inside `window` when given), newest first; `values`: the
    keyed columns' values when known already (`keyed_values_of` over these files or more).

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
    # No ORDER BY: sorting in DuckDB doubles the read; `events_from_columns` orders them.
    # Repeated texts come as keys, and each distinct value once (`schema.KEYED`).
    source = f"read_parquet({file_list(paths, files)})"
    try:
        found = values
        if found is None:
            found = keyed_values(con.execute(values_query(source)).fetchall(), table)
        query = f"SELECT {read_list(keyed=found is not None)} FROM {source}{where}"
        columns: dict[str, Any] = dict(con.execute(query, params).fetchnumpy())
        columns[VALUES] = found
    except duckdb.Error as exc:
        names = ", ".join(entry.name for entry in files)
        raise ArchiveError(
            f"Cannot read the archive's {names} in {display_path(paths.root)}: "
            f"{one_line(str(exc))} (run `auditui archive verify`)"
        ) from None
    try:
        return events_from_columns(columns, table)
    except KeyError:  # `values` was not of these files after all: read their own
        if values is None:
            raise
        return read_events(paths, files, window, table=table, connection=con)


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
