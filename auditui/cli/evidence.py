"""`auditui evidence export` and `auditui evidence verify`: a range's events as a bundle an
auditor can check without auditui, and the check itself.

`export` needs a range (`--from W --to W`, or `--since W`), compiles `--query` and checks
`--output PATH` (new, in a folder that exists) before any request, loads the events
(`_load_events`: as `auditui fetch` does, through the archive, then the API and cache) and
writes the bundle (`auditui.evidence.write_bundle`: a folder, or a zip when PATH ends with
`.zip`; private unless the profile's `export_mode` is "umask"). A progress line on a
terminal, one summary line at the end naming the SHA-256 of `SHA256SUMS` (the one digest
that covers the whole bundle, for the auditor's record).

`export` first checks the archive files it would read against the archive's manifest (a
changed or missing one: one line, exit 1, nothing written), records where the events came
from (`source`) and the range's UTC days that held no event (`empty_days`, also a warning)
in the manifest.

`verify PATH [--expect HEX]` prints `OK: …; SHA-256 of SHA256SUMS: <hex>` (exit 0) or one
line per problem (exit 1); with `--expect`, a SHA-256 of SHA256SUMS other than HEX is one
line, exit 1. A PATH that is not a bundle is one line, exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditui import stopping
from auditui.cli.common import StatusLine, requested_range, say

if TYPE_CHECKING:
    from datetime import date

    from auditui.events import AuditEvent
    from auditui.evidence.origin import BundleSource
    from auditui.export import ExportMode
    from auditui.sources.connection import Connection
    from auditui.sources.windows import LoadResult, Progress
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
    source: BundleSource | None = None
    empty_days: list[date] = field(default_factory=list)
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
            source=loaded.source,
            empty_days=tuple(loaded.empty_days),
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
    from auditui.evidence.origin import empty_days, empty_days_text

    warnings: list[str] = []
    matcher = compiled(args.query or "")
    connection = reading_connection(args)
    ready_to_load(connection, time_range)  # no key needed when the archive holds the range
    matcher = with_marks(matcher, args.query or "", connection, warnings.append)
    _check_archive(connection, time_range, progress)
    result = stopping.run(connection.load(time_range, progress))
    events = result.events if matcher is None else matcher.filter_events(result.events)
    warnings += load_warnings(result)
    empty = empty_days(time_range, result.events)
    if empty:
        warnings.append(
            f"{len(empty)} of the range's days {'holds' if len(empty) == 1 else 'hold'} no "
            f"events ({empty_days_text(empty)}): "
            "the API may no longer keep them"
        )
    elif not events:
        warnings.append(
            f"the bundle holds no events: the query matched none of the {len(result.events):,} "
            "events loaded"
        )
    return LoadedEvents(
        events=list(events),
        host=connection.host,
        profile=connection.profile.name,
        export_mode=connection.profile.export_mode,
        source=_source(connection, result),
        empty_days=empty,
        warnings=warnings,
    )


def _check_archive(
    connection: Connection, time_range: TimeRange, progress: _ExportProgress | None
) -> None:
    """`TamperedArchive` (one line, nothing written) when an archive file the load would
    read is missing or no longer matches the archive's manifest."""
    from auditui.archive import ArchivedConnection, mismatched_files
    from auditui.evidence.origin import TamperedArchive

    if not isinstance(connection, ArchivedConnection):
        return
    files = [entry for _, read in connection.plan(time_range) if read for entry in read]
    if progress and files:
        progress.show(f"checking {len(files):,} archive files against the archive's manifest")
    damaged = mismatched_files(connection.archive.paths, files)
    if damaged:
        raise TamperedArchive(damaged)


def _source(connection: Connection, result: LoadResult) -> BundleSource:
    """Where the loaded events came from: the archive (its folder and head) and the API."""
    from auditui.archive import ArchivedConnection
    from auditui.evidence.origin import BundleSource

    path = head = None
    if isinstance(connection, ArchivedConnection) and result.archived_windows:
        path = str(connection.archive.paths.root)
        manifest = connection.archive.manifest
        head = manifest.head() if manifest is not None else None
    return BundleSource(
        host=connection.host,
        archive_windows=result.archived_windows,
        archive_events=result.archived_events,
        api_windows=result.windows - result.archived_windows,
        api_events=len(result.events) - result.archived_events,
        archive_path=path,
        archive_head=head,
    )


def verify(args: argparse.Namespace) -> int:
    from auditui.evidence import verify as verify_bundle

    expect = _expected(getattr(args, "expect", None))
    report = verify_bundle(args.path)
    lines = report.lines()
    if expect is not None and report.sums_sha256 != expect:
        found = report.sums_sha256 or "none (SHA256SUMS is missing)"
        mismatch = (
            f"SHA-256 of SHA256SUMS is {found}, not the expected {expect}: this is not the "
            "bundle recorded at hand-over"
        )
        lines = [mismatch] if report.ok else [*lines, mismatch]
        for line in lines:
            print(line)
        return 1
    for line in lines:
        print(line)
    return 0 if report.ok else 1


def _expected(text: str | None) -> str | None:
    """`--expect HEX` in lower case; a `UsageError` when it is not a SHA-256."""
    if text is None:
        return None
    import re

    from auditui.errors import UsageError

    value = text.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise UsageError(
            f"--expect takes the SHA-256 of SHA256SUMS (64 hexadecimal digits), not {text!r}."
        )
    return value
