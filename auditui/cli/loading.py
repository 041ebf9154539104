"""What the commands that write a range's events share (`fetch`, `fetch --follow`,
`evidence export`): the connection they read through (the archive first, `cli.archived`),
the query (`--query` with `--actor`/`--ip`/`--object`) with the profile's marks, and the
warnings a load leaves.

The query is compiled before any request (a bad query fails first); the marks are read
only when it asks for them (`marked:`, `note:`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditui.query import Matcher
    from auditui.sources.connection import Connection
    from auditui.sources.windows import LoadResult
    from auditui.timespec import TimeRange


def reading_connection(args: argparse.Namespace) -> Connection:
    """The profile's connection, through its archive (`--archive DIR` when given)."""
    from auditui.cli.archived import check_engine, through_archive
    from auditui.sources.connection import open_connection

    check_engine(args)
    connection = open_connection(args.profile, use_cache=not getattr(args, "no_cache", False))
    return through_archive(connection, override=getattr(args, "archive", None))


def ready_to_load(connection: Connection, time_range: TimeRange) -> None:
    """`CredentialError` when the range needs the API and there is no key."""
    from auditui.cli.archived import require_key_for

    require_key_for(connection, time_range)


def compiled(query: str) -> Matcher | None:
    """The query compiled (a `QueryError` before any request), None when empty."""
    if not query:
        return None
    from auditui.query import compile_query

    return compile_query(query)


def with_marks(
    matcher: Matcher | None, query: str, connection: Connection, warn: Callable[[str], None]
) -> Matcher | None:
    """The matcher again with the profile's marks on this host when the query reads them
    (`marked:`, `note:`); a damaged marks file is a warning."""
    if matcher is None or not matcher.query.reads_marks:
        return matcher
    from auditui.marks import MarkFile
    from auditui.query import compile_query

    marks, warning = MarkFile(connection.profile.name, connection.host).load()
    if warning:
        warn(warning)
    return compile_query(query, marks=marks.notes())


def load_warnings(result: LoadResult) -> list[str]:
    """What a load left out, one line each (no prefix)."""
    warnings = []
    if result.malformed:
        warnings.append(f"{result.malformed:,} malformed events skipped")
    if result.conflicts:
        warnings.append(
            f"{result.conflicts:,} events shared an event_uuid with a different event and "
            "were left out (the first of each uuid was kept)"
        )
    if result.out_of_range:
        warnings.append(
            f"{result.out_of_range:,} events outside the range were dropped "
            "(a proxy may have stripped the request body)"
        )
    return warnings


# `--actor`, `--ip`, `--object`: the exact query terms they stand for (one grammar)
PIVOT_OPTIONS = (("actor", "user"), ("ip", "ip"), ("object", "object"))


def fetch_query(args: argparse.Namespace) -> str:
    """`--query` with an exact term ANDed for each of `--actor`, `--ip` and `--object`
    (`--actor maya@acme.com` is `user:="maya@acme.com"`); "" when there is none."""
    query = args.query or ""
    for option, field in PIVOT_OPTIONS:
        value = getattr(args, option, None)
        if value is not None:
            from auditui.query import add_term, pivot_term

            query = add_term(query, pivot_term(field, value))
    return query
