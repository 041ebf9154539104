"""`auditui fetch`: print a range's events for scripts (NDJSON, JSON or CSV), newest first.

A `--query` is compiled before any request (a bad query fails first); `--output FILE` is
written atomically (`export.formats.atomic_output`), stdout streamed. Warnings go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, BinaryIO

from auditui.cli.common import StatusLine, requested_range, say

if TYPE_CHECKING:
    from auditui.sources.windows import Progress


class _ProgressLine(StatusLine):
    """How far the load has come, on stderr."""

    def __call__(self, progress: Progress) -> None:
        from auditui.units import human_bytes

        self.show(
            f"windows {progress.windows_done}/{progress.windows_total} · "
            f"{progress.events:,} events · {human_bytes(progress.bytes)}"
        )


def fetch(args: argparse.Namespace) -> int:
    from auditui.export.formats import write_events
    from auditui.sources.connection import open_connection

    matcher = None
    if args.query:
        from auditui.query import compile_query

        matcher = compile_query(args.query)  # a bad query fails before any request
    connection = open_connection(args.profile, use_cache=not getattr(args, "no_cache", False))
    connection.require_credential()
    time_range = requested_range(args, connection.profile.default_range)
    progress = _ProgressLine() if sys.stderr.isatty() else None
    try:
        result = asyncio.run(connection.load(time_range, progress))
    finally:
        if progress:
            progress.done()
    events = result.events if matcher is None else matcher.filter_events(result.events)
    with _output(args.output) as out:
        write_events(events, out, args.format)
    if result.malformed:
        say(f"auditui: warning: {result.malformed:,} malformed events skipped")
    if result.out_of_range:
        say(
            f"auditui: warning: {result.out_of_range:,} events outside the range were dropped "
            "(a proxy may have stripped the request body)"
        )
    if args.output:
        say(f"auditui: wrote {len(events):,} events to {args.output}")
    return 0


def _output(path: str | None) -> AbstractContextManager[BinaryIO]:
    if path is None or path == "-":
        return nullcontext(sys.stdout.buffer)
    from auditui.export.formats import atomic_output

    return atomic_output(path)
