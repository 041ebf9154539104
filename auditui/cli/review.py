"""`auditui review support`: the support-access review of a range, as a document a reviewer
attaches as evidence (Markdown) or for tools (CSV, JSON).

The range's events are fetched as `auditui fetch` fetches them (same profile, key, cache,
progress line on a terminal and one-line errors); the support users' events are grouped into
sessions (`auditui.review`: per actor, a new session after a gap of `--gap` or the
profile's `review_gap`, 30m by default) and the report goes to stdout or, with `--output
FILE`, to a file written atomically (private, 0600, unless the profile's `export_mode` is
"umask"). A bad `--gap` fails before any request.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from auditui import stopping
from auditui.cli.common import StatusLine, requested_range, say

if TYPE_CHECKING:
    from auditui.sources.windows import Progress


class _Progress(StatusLine):
    """How far the fetch has come, on stderr."""

    def __call__(self, progress: Progress) -> None:
        self.show(
            f"windows {progress.windows_done}/{progress.windows_total} · {progress.events:,} events"
        )


def review_support(args: argparse.Namespace) -> int:
    from auditui.review import ReviewReport, parse_gap, render_report, support_sessions
    from auditui.sources.connection import open_connection
    from auditui.timespec import utcnow

    gap = parse_gap(args.gap) if args.gap is not None else None  # before any request
    from auditui.cli.archived import require_key_for, through_archive

    connection = open_connection(args.profile, use_cache=not getattr(args, "no_cache", False))
    connection = through_archive(connection)  # archived closed days read from the archive
    profile = connection.profile
    time_range = requested_range(args, profile.default_range)
    require_key_for(connection, time_range)
    progress = _Progress() if sys.stderr.isatty() else None
    try:
        result = stopping.run(connection.load(time_range, progress))
    finally:
        if progress:
            progress.done()
    gap = gap or profile.review_gap
    notes = _notes(result.malformed, result.conflicts, result.out_of_range)
    report = ReviewReport(
        sessions=support_sessions(result.events, gap),
        time_range=time_range,
        generated_at=utcnow(),
        gap=gap,
        events=len(result.events),
        host=connection.host,
        profile=profile.name,
        notes=notes,
    )
    data = render_report(report, args.format)
    if args.output is None or args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        from auditui.export.formats import atomic_output

        shared = profile.export_mode == "umask"
        with atomic_output(args.output, mode="umask" if shared else "private") as out:
            out.write(data)
        say(
            f"auditui: wrote {len(report.sessions):,} support sessions "
            f"({report.support_events:,} events) to {args.output}"
        )
    for note in notes:
        say(f"auditui: warning: {note}")
    return 0


def _notes(malformed: int, conflicts: int, out_of_range: int) -> tuple[str, ...]:
    """What the load left out, for stderr and the report itself (evidence says so)."""
    notes = []
    if malformed:
        notes.append(f"{malformed:,} malformed events were skipped")
    if conflicts:
        notes.append(
            f"{conflicts:,} events shared an event_uuid with a different event and were left "
            "out (the first of each uuid was kept)"
        )
    if out_of_range:
        notes.append(f"{out_of_range:,} events outside the range were dropped")
    return tuple(notes)
