"""SQL over an archive: DuckDB's view `audit_logs` over the files its manifest names.

`open_view` gives an in-memory DuckDB connection where `audit_logs` reads every file the
manifest lists with `read_parquet([...], hive_partitioning = true)`: the schema's columns
plus `date` (DATE, from the `date=` folder), so a filter on `date` skips whole files and
one on `timestamp` skips row groups (the files' statistics). An archive with nothing in it
still has the view, with the same columns and no rows. Nothing is written: the folder may
be read-only, and files that are not in the manifest (a sync's temp file, a stray copy) are
never read. The query is confined to those files (DuckDB's `allowed_paths`, external access
off, the configuration locked): `COPY … TO`, `ATTACH`, `read_csv('/etc/…')` and `INSTALL`
are refused with the engine's one line, so `auditui sql` only ever reads the archive.

`run_sql` runs one query and returns its columns and a stream of row batches. What the
query gets wrong (syntax, an unknown column, a bad cast) is a `SqlError` (a `UsageError`,
exit 2) holding the engine's own message on one line; a file of the archive that cannot be
read is an `ArchiveError` naming it and pointing at `auditui archive verify`, and files
written with a newer schema (`auditui_schema` in their metadata) are refused by name before
any query runs (their footers are cached, so the check costs no second read).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditui.archive.engine import connect
from auditui.archive.files import file_list
from auditui.archive.manifest import ArchiveError
from auditui.archive.schema import COLUMNS, SCHEMA_KEY, SCHEMA_VERSION
from auditui.errors import UsageError, one_line
from auditui.paths import display_path

if TYPE_CHECKING:
    import duckdb

    from auditui.archive.opened import Archive

VIEW = "audit_logs"
PARTITION = ("date", "DATE")  # the Hive partition column, from the `date=` folder names
BATCH_ROWS = 10_000


class SqlError(UsageError):
    """The query is wrong: the engine's message, on one line (exit 2)."""


def view_sql(archive: Archive) -> str:
    """`CREATE VIEW audit_logs AS …` for the archive's files (no rows when it has none)."""
    files = archive.manifest.files() if archive.manifest is not None else []
    if files:
        source = (
            f"SELECT * FROM read_parquet({file_list(archive.paths, files)}, "
            "hive_partitioning = true, hive_types = {'date': DATE})"
        )
    else:
        columns = ", ".join(f'CAST(NULL AS {kind}) AS "{name}"' for name, kind in
                            (*COLUMNS, PARTITION))  # fmt: skip
        source = f"SELECT {columns} WHERE false"
    return f"CREATE VIEW {VIEW} AS {source}"


def open_view(archive: Archive) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (UTC) with the view `audit_logs` over `archive`; `ArchiveError`
    when a file is unreadable or was written with a newer schema than this auditui reads."""
    import duckdb

    connection = connect()
    try:
        connection.execute("SET parquet_metadata_cache = true")  # footers read once
        _confine(connection, archive)
        _check_versions(connection, archive)
        connection.execute(view_sql(archive))
        connection.execute("SET enable_external_access = false")
        connection.execute("SET lock_configuration = true")
    except duckdb.Error as exc:
        raise _error(exc, archive) from None
    return connection


def _confine(connection: duckdb.DuckDBPyConnection, archive: Archive) -> None:
    """The query may read the archive's files and nothing else: no other file, no writes
    (`COPY … TO`, `ATTACH`), no extension installed; locked once the view exists."""
    files = archive.manifest.files() if archive.manifest is not None else []
    paths = [str(archive.paths.file(entry.name)) for entry in files]
    connection.execute("SET autoinstall_known_extensions = false")
    connection.execute("SET allowed_paths = ?", [paths])


def _check_versions(connection: duckdb.DuckDBPyConnection, archive: Archive) -> None:
    """Refuse files that say they were written with a newer schema (`auditui_schema`)."""
    files = archive.manifest.files() if archive.manifest is not None else []
    if not files:
        return
    version = "TRY_CAST(decode(value) AS INTEGER)"
    newer = connection.execute(
        f"SELECT file_name, {version} FROM parquet_kv_metadata("
        f"{file_list(archive.paths, files)}) WHERE decode(key) = '{SCHEMA_KEY}' "
        f"AND {version} > {SCHEMA_VERSION} ORDER BY 1"
    ).fetchall()
    if newer:
        names = ", ".join(
            Path(name).relative_to(archive.paths.root).as_posix() for name, _ in newer
        )
        raise ArchiveError(
            f"The archive {display_path(archive.paths.root)} holds files written by a newer "
            f"auditui (schema {newer[0][1]}, this one reads {SCHEMA_VERSION}): {names}; "
            "upgrade auditui to read them."
        )


@dataclass
class SqlResult:
    """A query's result: its column names and DuckDB types, and its rows in batches."""

    columns: list[str]
    types: list[str]
    _cursor: duckdb.DuckDBPyConnection
    _archive: Archive

    def batches(self, size: int = BATCH_ROWS) -> Iterator[list[tuple[Any, ...]]]:
        """The rows, `size` at a time."""
        import duckdb

        while True:
            try:
                rows = self._cursor.fetchmany(size)
            except duckdb.Error as exc:
                raise _error(exc, self._archive) from None
            if not rows:
                return
            yield rows

    def rows(self) -> list[tuple[Any, ...]]:
        return [row for batch in self.batches() for row in batch]


def run_sql(archive: Archive, query: str) -> SqlResult:
    """Run `query` against `audit_logs` (see the module docstring)."""
    import duckdb

    if not query.strip():
        raise SqlError("The query is empty: give one, e.g. `SELECT count(*) FROM audit_logs`.")
    connection = open_view(archive)
    try:
        connection.execute(query)
    except duckdb.Error as exc:
        raise _error(exc, archive) from None
    description = connection.description  # a statement without rows says `Success`
    return SqlResult(
        [str(item[0]) for item in description],
        [str(item[1]) for item in description],
        connection,
        archive,
    )


def _error(exc: Exception, archive: Archive) -> UsageError | ArchiveError:
    """The engine's failure: the archive's files (ArchiveError) or the query (SqlError)."""
    import duckdb

    lines = str(exc).rstrip().splitlines()
    if len(lines) > 1 and set(lines[-1].strip()) == {"^"}:
        lines.pop()  # the caret under the error's place means nothing on one line
    text = one_line("\n".join(lines))
    root = str(archive.paths.root)
    if isinstance(exc, duckdb.IOException | duckdb.InvalidInputException) and root in str(exc):
        return ArchiveError(
            f"Cannot read the archive {display_path(archive.paths.root)}: {text} "
            "(run `auditui archive verify`)"
        )
    if isinstance(exc, duckdb.CatalogException):
        text += f" (the archive's view is `{VIEW}`)"
    return SqlError(text)
