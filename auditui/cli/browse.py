"""`auditui` (browse a profile's API and archive), `auditui --demo` and `auditui open FILE`.

Each builds an `EventSource` (a `Connection`, the demo server's, or a `FileSource`) and the
range to show (a profile's archived days are read from its archive: `cli.archived`;
`--archive-only` asks no API), then opens the TUI (`auditui.tui.launch.run_app`). Textual
is imported only when the browser opens; `open FILE` never imports the HTTP client.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec.structs import replace

from auditui.cli.common import StatusLine, requested_range, say
from auditui.cli.views import chosen_view, with_view_range
from auditui.errors import UsageError

if TYPE_CHECKING:
    from auditui.config.settings import Profile
    from auditui.config.views import SavedView
    from auditui.sources.files import ReadProgress
    from auditui.sources.protocol import EventSource
    from auditui.timespec import TimeRange


def browse(args: argparse.Namespace) -> int:
    """Browse the profile's audit logs (or the built-in demo with `--demo`)."""
    from auditui.gc_pause import start_up_begins  # not tui.launch: asyncio waits (below)

    start_up_begins()  # the collector paused until the first frame (tui.launch)
    _check_tz(args)
    if args.demo:
        return _browse_demo(args)
    from auditui.cli.archived import check_engine, through_archive

    check_engine(args)
    from auditui.sources.connection import open_connection

    connection = open_connection(args.profile, use_cache=not getattr(args, "no_cache", False))
    connection = replace(connection, profile=_zoned(connection.profile, args))
    only = bool(getattr(args, "archive_only", False))
    connection = through_archive(connection, override=getattr(args, "archive", None),
                                 archive_only=only)  # fmt: skip
    view = chosen_view(args, connection.profile.name)  # `--view NAME`, checked first
    args = with_view_range(args, view)
    time_range = requested_range(args, connection.profile.default_range)
    since = _since(args, connection.profile.default_range)
    return _open_browser(connection, time_range, since=since, view=view)


def _open_browser(
    connection: EventSource, time_range: TimeRange, *, since: str | None, view: SavedView | None
) -> int:
    """`run_app`, with the range's newest window already being fetched from an API
    `Connection` (not through the archive, whose first request is not the API's)."""
    from auditui.sources.connection import Connection
    from auditui.tui.launch import check_terminal, run_app

    check_terminal()  # before asking the server anything
    if type(connection) is Connection:
        connection = connection.prefetching(time_range)  # while the browser starts
    try:
        return run_app(connection, time_range, since=since, view=view)
    finally:
        if isinstance(connection, Connection) and connection.prefetch is not None:
            connection.prefetch.close()  # its child, if it still asks, ends with the browser


def _check_tz(args: argparse.Namespace) -> None:
    """`--tz ZONE` names a known zone (else one line, exit 2), checked before anything runs."""
    if getattr(args, "tz", None) is not None:
        from auditui.timezones import resolve_zone

        resolve_zone(args.tz)


def _zoned(profile: Profile, args: argparse.Namespace) -> Profile:
    """The profile with `--tz` (already checked) over its `timezone`."""
    zone = getattr(args, "tz", None)
    return profile if zone is None else replace(profile, timezone=zone.strip())


def _since(args: argparse.Namespace, default: str) -> str | None:
    """The relative range to slide on reload (`--since 24h`), or None for a fixed range."""
    if getattr(args, "start", None):
        return None
    return getattr(args, "since", None) or default


def _browse_demo(args: argparse.Namespace) -> int:
    from auditui.demo.child import live_demo

    # The server first: it starts (in a child process) while the settings, the browser and
    # Textual are imported here; this process has not imported them yet, nor asyncio, so the
    # fork comes ~60 ms sooner and the first answer is in by the time the App is built.
    with live_demo() as demo:  # live: following shows new events
        from auditui.config.credentials import Credential
        from auditui.config.settings import load_settings
        from auditui.sources.connection import Connection

        settings = load_settings()
        profile = _zoned(settings.profile("default", env={}), args)
        view = chosen_view(args, profile.name)
        args = with_view_range(args, view)

        connection = Connection(
            profile=profile,
            host=demo.url,
            credential=Credential(demo.key, "the built-in demo server"),
            demo=True,
        )
        time_range = requested_range(args, profile.default_range)
        since = _since(args, profile.default_range)
        return _open_browser(connection, time_range, since=since, view=view)


class _ReadLine(StatusLine):
    """The progress of reading a file, on stderr."""

    def __call__(self, progress: ReadProgress) -> None:
        share = progress.bytes_read / progress.bytes_total if progress.bytes_total else 1.0
        self.show(f"reading · {progress.events:,} events · {share:.0%}")


def _require_readable(name: str) -> None:
    path = Path(name)
    if not path.exists():
        raise UsageError(f"Cannot open {name}: no such file.")
    if not path.is_file() or not os.access(path, os.R_OK):
        raise UsageError(f"Cannot open {name}: not a readable file.")


def open_file(args: argparse.Namespace) -> int:
    """Read FILE (NDJSON, JSON, an API body or auditui CSV, maybe gzipped), then browse it."""
    from auditui.config.settings import profile_from_settings
    from auditui.sources.files import FileSource
    from auditui.tui.launch import check_terminal, run_app

    _check_tz(args)
    _require_readable(args.file)  # a wrong path is the likelier mistake: say that first
    check_terminal()  # before reading a big file for nothing
    _, profile = profile_from_settings(getattr(args, "profile", None))
    profile = _zoned(profile, args)
    source = FileSource(args.file, profile)
    progress = _ReadLine() if sys.stderr.isatty() else None
    try:
        source.read(progress)
        time_range = source.span()
    finally:
        if progress:
            progress.done()
    if source.malformed:
        say(f"auditui: warning: {source.malformed:,} bad lines or items skipped")
    return run_app(source, time_range)
