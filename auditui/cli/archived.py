"""Reading ranges through the local archive: `auditui [--archive DIR] [--archive-only]`,
`auditui fetch --archive DIR`, and any command that loads a range (`through_archive`).

A command that loads a range reads the profile's archive when it has one: its archived
closed days come from there (no request, no key), the rest from the API
(`auditui.archive.ArchivedConnection`). Which archive: `--archive DIR` over the profile's
`archive = "…"` over the default folder. Plainly (no flag), an archive that does not exist
or holds no day changes nothing, and one present while DuckDB is not installed is a warning
on stderr (the API is asked as before). `--archive DIR` and `--archive-only` need DuckDB
(one line, exit 2, saying how to install it); `--archive-only` also needs archived days (one
line, exit 2) and never asks the API. An archive of another host, or a damaged manifest,
is refused in one line (`auditui.archive.open_archive`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from auditui.cli.common import say
from auditui.errors import UsageError

if TYPE_CHECKING:
    from auditui.sources.connection import Connection
    from auditui.timespec import TimeRange


def check_engine(args: argparse.Namespace) -> None:
    """`--archive DIR` or `--archive-only` without DuckDB: one line saying how to install it
    (exit 2), before any config, key or network is read."""
    if getattr(args, "archive", None) or getattr(args, "archive_only", False):
        from auditui.archive.engine import require_duckdb

        require_duckdb()


def through_archive(
    connection: Connection, *, override: str | None = None, archive_only: bool = False
) -> Connection:
    """`connection`, reading archived windows from the profile's archive when it has any
    (see the module docstring); `connection` itself when it has none."""
    from auditui.archive import open_archive
    from auditui.archive.engine import duckdb_available, require_duckdb
    from auditui.archive.source import ArchivedConnection
    from auditui.paths import display_path

    if override or archive_only:
        require_duckdb()  # asked for by name: without DuckDB, one line saying how to get it
    archive = open_archive(connection.profile, connection.host, override)
    if archive.empty:
        if archive_only:
            flag = f" --archive {override}" if override else ""
            raise UsageError(
                f"No archived days in {display_path(archive.paths.root)} for profile "
                f"'{connection.profile.name}': run `auditui archive sync{flag}` first, "
                "or browse without --archive-only."
            )
        return connection
    if not duckdb_available():
        say(
            f"auditui: warning: the archive in {display_path(archive.paths.root)} is not read: "
            "DuckDB is not installed (pip install 'auditui[archive]'); asking the API."
        )
        return connection
    return ArchivedConnection(
        profile=connection.profile,
        host=connection.host,
        credential=connection.credential,
        demo=connection.demo,
        use_cache=connection.use_cache,
        archive=archive,
        archive_only=archive_only,
    )


def require_key_for(connection: Connection, time_range: TimeRange) -> None:
    """`CredentialError` (one line) when loading `time_range` asks the API and there is no
    key; nothing when the archive holds the whole range."""
    if connection.needs_api(time_range):
        connection.require_credential()
