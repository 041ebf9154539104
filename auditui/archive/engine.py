"""DuckDB, the archive's engine: imported only when an archive command runs.

DuckDB is the optional extra `auditui[archive]`: without it every archive command says in
one line how to install it (`ArchiveUnavailable`). A connection is in-memory, in UTC, and
quiet (no progress bar on the terminal the TUI owns).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.errors import UsageError

if TYPE_CHECKING:
    import duckdb

INSTALL_HINT = "pip install 'auditui[archive]'"


class ArchiveUnavailable(UsageError):
    """DuckDB is not installed."""


def require_duckdb() -> None:
    """Raise `ArchiveUnavailable` (one line, how to install) when DuckDB cannot be imported."""
    try:
        import duckdb  # noqa: F401
    except ImportError:
        raise ArchiveUnavailable(
            f"The archive needs DuckDB, which is not installed: run `{INSTALL_HINT}`."
        ) from None


def duckdb_available() -> bool:
    try:
        require_duckdb()
    except ArchiveUnavailable:
        return False
    return True


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC (`ArchiveUnavailable` without DuckDB)."""
    require_duckdb()
    import duckdb

    config: dict[str, str | bool | int | float | list[str]] = {}
    if threads is not None:
        config["threads"] = threads
    connection = duckdb.connect(":memory:", config=config)
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET enable_progress_bar = false")
    return connection


def sql_string(text: str) -> str:
    """`text` as a SQL string literal (file names in COPY / read_parquet)."""
    return "'" + text.replace("'", "''") + "'"
