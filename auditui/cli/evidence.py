"""`auditui evidence export` and `auditui evidence verify`: a range's events as a bundle an
auditor can check without auditui, and the check itself.

`export` needs a range (`--from W --to W`, or `--since W`), compiles `--query` and checks
`--output PATH` (new, in a folder that exists) before any request, loads the events
(`_load_events`: as `auditui fetch` does, through the archive, then the API and cache) and
writes the bundle (`auditui.evidence.write_bundle`: a folder, or a zip when PATH ends with
`.zip`; private unless the profile's `export_mode` is "umask"). A progress line on a
terminal, one summary line at the end naming the SHA-256 of `SHA256SUMS` (the one digest
that covers the whole bundle, for the auditor's record).

`verify PATH` prints `OK: …` (exit 0) or one line per problem (exit 1); a PATH that is
not a bundle is one line, exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditui.cli.common import StatusLine, requested_range, say

if TYPE_CHECKING:
    from auditui.events import AuditEvent
    from auditui.export import ExportMode
    from auditui.sources.windows import Progress
    from auditui.timespec import TimeRange


class _ExportProgress(StatusLine):
    """How far the load has come, then which file is being written, on stderr."""

    def __call__(self, progress: Progress) -> None:
        from auditui.units import human_bytes

        self.show(
            f"windows {progress.windows_done}/{progress.windows_total} · "
            f"{progress.events:,} events · {human_bytes(progress.bytes)}"
        )

    def writing(self, name: str) -> None:
        self.show(f"writing {name}")


@dataclass
class LoadedEvents:
    """The events of the range (newest first) and where they came from."""

    events: list[AuditEvent]
    host: str
    profile: str
    export_mode: str
    warnings: list[str] = field(default_factory=list)


def evidence(args: argparse.Namespace) -> int:
    if args.evidence_command == "verify":
        return verify(args)
    return export(args)


def export(args: argparse.Namespace) -> int:
    from auditui import __version__
    from auditui.errors import UsageError
    from auditui.evidence import BundleInfo, write_bundle
    from auditui.timespec import utcnow

    if getattr(args, "since", None) is None and getattr(args, "start", None) is None:
        raise UsageError("evidence export needs a range: --from WHEN --to WHEN, or --since WHEN.")
    time_range = requested_range(args, "1d")  # the default is never used: a range is given
    if args.query:
        from auditui.query import compile_query

        compile_query(args.query)  # a bad query fails before any request
    _check_output(args.output)
    progress = _ExportProgress() if sys.stderr.isatty() else None
    try:
        loaded = _load_events(args, time_range, progress)
        info = BundleInfo(
            time_range=time_range,
            query=args.query or "",
            host=loaded.host,
            profile=loaded.profile,
            version=__version__,
            generated_at=utcnow(),
        )
        mode: ExportMode = "umask" if loaded.export_mode == "umask" else "private"
        summary = write_bundle(
            loaded.events,
            args.output,
            info,
            mode=mode,
            progress=progress.writing if progress else None,
        )
    finally:
        if progress:
            progress.done()
    for warning in loaded.warnings:
        say(f"auditui: warning: {warning}")
    from auditui.units import human_bytes

    kind = "zip" if summary.zipped else "folder"
    say(
        f"auditui: wrote evidence of {summary.events:,} events to {args.output} ({kind}, "
        f"{summary.files} files, {human_bytes(summary.size)}; SHA-256 of SHA256SUMS: "
        f"{summary.sums_sha256})"
    )
    return 0


def _check_output(path: str) -> None:
    """PATH must be new and its folder must exist: said before any request."""
    from auditui.errors import UsageError

    if os.path.lexists(path):
        raise UsageError(
            f"Cannot write {path}: it already exists; an evidence bundle is never "
            "overwritten, so name a new folder or .zip."
        )
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"Cannot write {path}: folder {folder} does not exist.")


def _load_events(
    args: argparse.Namespace, time_range: TimeRange, progress: _ExportProgress | None = None
) -> LoadedEvents:
    """The events of `time_range` that match `--query`, newest first, and their origin.

    As `auditui fetch` loads them (`cli.loading`): the archive's closed days first
    (`--archive DIR` or the profile's), the rest from the API through the window cache.
    """
    from auditui.cli.loading import (
        compiled,
        load_warnings,
        reading_connection,
        ready_to_load,
        with_marks,
    )

    warnings: list[str] = []
    matcher = compiled(args.query or "")
    connection = reading_connection(args)
    ready_to_load(connection, time_range)  # no key needed when the archive holds the range
    matcher = with_marks(matcher, args.query or "", connection, warnings.append)
    result = asyncio.run(connection.load(time_range, progress))
    events = result.events if matcher is None else matcher.filter_events(result.events)
    warnings += load_warnings(result)
    return LoadedEvents(
        events=list(events),
        host=connection.host,
        profile=connection.profile.name,
        export_mode=connection.profile.export_mode,
        warnings=warnings,
    )


def verify(args: argparse.Namespace) -> int:
    from auditui.evidence import verify as verify_bundle

    report = verify_bundle(args.path)
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1
