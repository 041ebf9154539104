"""`auditui fetch`: print a range's events for scripts (NDJSON, JSON or CSV), newest first.

A `--query` (with the exact terms `--actor`, `--ip` and `--object` stand for ANDed to it,
`fetch_query`) is compiled before any request (a bad query fails first) and `--output FILE` is
opened before it too (a folder that is missing or read-only fails first): a regular file is
written atomically and private (`export.formats.atomic_output`; `--shared-output` or the
profile's `export_mode = "umask"` for the umask's permissions), a FIFO or device streamed,
stdout streamed. Warnings go to stderr. A full disk is one line (`StorageError`). The
profile's archive (or `--archive DIR`) supplies its archived closed days (`cli.archived`):
a range it holds whole needs no key and makes no request.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, BinaryIO

from auditui import stopping
from auditui.cli.common import StatusLine, requested_range, say

if TYPE_CHECKING:
    from auditui.events import AuditEvent
    from auditui.export.formats import ExportFormat, ExportMode
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
    from auditui.cli.loading import (
        compiled,
        fetch_query,
        load_warnings,
        reading_connection,
        ready_to_load,
        with_marks,
    )
    from auditui.export.formats import write_events

    if getattr(args, "follow", False):
        from auditui.cli.follow import follow

        return follow(args)
    from auditui.cli.follow import check_follow_options

    check_follow_options(args)
    query = fetch_query(args)
    matcher = compiled(query)  # a bad query fails before any request
    connection = reading_connection(args)
    time_range = requested_range(args, connection.profile.default_range)
    ready_to_load(connection, time_range)  # no key needed when the archive holds the range
    matcher = with_marks(matcher, query, connection, lambda text: say(f"auditui: warning: {text}"))
    shared = getattr(args, "shared_output", False) or connection.profile.export_mode == "umask"
    # The event loop exists before the output does: a signal from then on unwinds through
    # both (the loop closed, the temp file removed), never through the loop's own set-up.
    with asyncio.Runner() as runner:
        runner.get_loop()
        with _output(args.output, "umask" if shared else "private") as out:
            progress = _ProgressLine() if sys.stderr.isatty() else None
            try:
                result = stopping.run(connection.load(time_range, progress), runner)
            finally:
                if progress:
                    progress.done()
            events = result.events if matcher is None else matcher.filter_events(result.events)
            if out is sys.stdout.buffer:
                _write_stdout(events, out, args.format)
            else:
                write_events(events, out, args.format)
    for warning in load_warnings(result):
        say(f"auditui: warning: {warning}")
    if args.output and args.output != "-":
        say(f"auditui: wrote {len(events):,} events to {args.output}{_mode_note(args.output)}")
    return 0


def _mode_note(path: str) -> str:
    """`, mode 0600 (private)` for a regular file; nothing for a FIFO or device."""
    import stat

    from auditui.export.formats import describe_mode

    try:
        info = os.stat(path)
    except OSError:
        return ""
    if not stat.S_ISREG(info.st_mode):
        return ""
    return f", mode {describe_mode(stat.S_IMODE(info.st_mode))}"


def _output(path: str | None, mode: ExportMode) -> AbstractContextManager[BinaryIO]:
    if path is None or path == "-":
        return nullcontext(sys.stdout.buffer)
    from auditui.export.formats import atomic_output

    return atomic_output(path, mode=mode)


def _write_stdout(events: Sequence[AuditEvent], out: BinaryIO, fmt: ExportFormat) -> None:
    """Write to stdout; a full disk or read-only file behind it is one line, not a trace."""
    from auditui.errors import storage_error
    from auditui.export.formats import write_events

    try:
        write_events(events, out, fmt)
        out.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        if exc.errno in (errno.EPIPE, errno.EBADF):
            raise
        devnull = os.open(os.devnull, os.O_WRONLY)  # no second complaint when Python exits
        os.dup2(devnull, sys.stdout.fileno())
        raise storage_error("write", "standard output", exc) from None
