"""`auditui archive sync|status|verify`: the local archive of a profile's events.

`sync` fetches the range's days not yet archived (default: the last 90 days) and prints
one summary line (days fetched, events added, the archive's size and folder); progress on
a terminal's stderr. `status` shows each archive's covered ranges, gaps, days, events,
size, last sync and head digest. `verify` names every changed, missing, extra or
unreadable file and broken link, exit 1 if any; `--repair` refetches the days affected
and removes extra files. Without DuckDB each says in one line how to install it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING

from auditui.cli.common import StatusLine, say
from auditui.units import human_bytes, quantity

if TYPE_CHECKING:
    from auditui.archive.status import ArchiveStatus, Run
    from auditui.archive.sync import SyncProgress, SyncSummary
    from auditui.archive.verify import RepairResult, VerifyReport

SYNC_DEFAULT_SINCE = "90d"


class _ProgressLine(StatusLine):
    """How far the sync has come, on stderr."""

    def __call__(self, progress: SyncProgress) -> None:

        self.show(
            f"days {progress.days_done}/{progress.days_total} · {progress.events:,} events · "
            f"{human_bytes(progress.bytes)} downloaded"
        )


def archive_command(args: argparse.Namespace) -> int:
    from auditui.archive.engine import require_duckdb

    require_duckdb()
    action = args.archive_command
    if action == "sync":
        return sync(args)
    if action == "status":
        return status(args)
    return verify(args)


def sync(args: argparse.Namespace) -> int:
    from auditui.archive import open_archive
    from auditui.archive.sync import sync_archive
    from auditui.sources.connection import open_connection
    from auditui.timespec import resolve_range, utcnow

    connection = open_connection(args.profile, use_cache=False)
    connection.require_credential()
    archive = open_archive(connection.profile, connection.host, args.archive)
    now = utcnow()
    time_range = resolve_range(
        since=getattr(args, "since", None),
        start=getattr(args, "start", None),
        end=getattr(args, "end", None),
        default_since=SYNC_DEFAULT_SINCE,
        now=now,
    )
    progress = _ProgressLine() if sys.stderr.isatty() else None
    try:
        summary = sync_archive(connection, archive, time_range, now=now, on_progress=progress)
    finally:
        if progress is not None:
            progress.done()
    return _sync_said(summary)


def _sync_said(summary: SyncSummary) -> int:
    from auditui.paths import display_path

    if summary.left_out:
        say(f"auditui: warning: {summary.left_out:,} events had ids that do not fit in int64 "
            "and were left out of the archive")  # fmt: skip
    print(
        f"Fetched {quantity(len(summary.fetched), 'day')} "
        f"({summary.skipped:,} already archived), {quantity(summary.events_added, 'event')} "
        f"added; archive: {quantity(summary.archive_days, 'day')}, "
        f"{quantity(summary.archive_events, 'event')}, "
        f"{human_bytes(summary.archive_bytes)} in {display_path(summary.root)}",
        flush=True,
    )
    if summary.failed:
        count = len(summary.failed)
        say(f"auditui: error: {quantity(count, 'day')} failed and stay as they "
            f"were: {summary.failures()} (first: {summary.first_error}); run `auditui archive "
            "sync` again")  # fmt: skip
        return 1
    return 0


def status(args: argparse.Namespace) -> int:
    from auditui.archive.status import archive_status, status_targets
    from auditui.config.settings import load_settings

    settings = load_settings()
    names = [args.profile] if args.profile else settings.profile_names()
    profiles = {name: settings.profile(name).archive for name in names}
    targets = status_targets(profiles, args.archive)
    if args.profile:
        targets = targets[:1]
    failed = False
    for name, root in targets:
        shown = archive_status(name, root)
        failed = failed or bool(shown.error)
        for line in _status_lines(shown):
            print(line)
        if name in profiles and shown.host:
            _warn_other_host(shown, settings.profile(name).host)
    return 1 if failed else 0


def _warn_other_host(shown: ArchiveStatus, host: str) -> None:
    """An archive of another host than its profile's now: sync and browse refuse it."""
    from auditui.textsafe import visible

    if shown.host.rstrip("/") != host.rstrip("/"):
        print(
            f"  warning: profile '{shown.profile}' now uses {visible(host)}: sync and the "
            "browser refuse this archive (an archive never mixes hosts)"
        )


def _days(run: Run) -> str:
    first, last = run
    count = (last - first).days + 1
    span = first.isoformat() if first == last else f"{first.isoformat()} → {last.isoformat()}"
    return f"{span} ({quantity(count, 'day')})"


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def _status_lines(shown: ArchiveStatus) -> list[str]:
    from auditui.paths import display_path
    from auditui.textsafe import visible

    where = display_path(shown.root)
    if shown.error:
        return [f"{shown.profile} · {where}", f"  error: {shown.error}"]
    if not shown.host:
        return [f"{shown.profile} · {where} · no archive yet (`auditui archive sync`)"]
    lines = [f"{shown.profile} · {visible(shown.host)} · {where}"]
    lines.append("  covered: " + (", ".join(map(_days, shown.covered)) or "nothing yet"))
    if shown.gaps:
        lines.append("  gaps: " + ", ".join(map(_days, shown.gaps)))
    if shown.empty:
        count = sum((last - first).days + 1 for first, last in shown.empty)
        lines.append(
            f"  empty: {quantity(count, 'day')} with no event (quiet, or older than the API "
            "keeps): " + ", ".join(map(_days, shown.empty))
        )
    left = f" ({shown.left_out:,} left out)" if shown.left_out else ""
    lines.append(
        f"  days: {shown.closed_days:,} closed, {shown.open_days:,} open · "
        f"{shown.events:,} events{left} · {human_bytes(shown.bytes)} on disk · "
        f"last sync {_when(shown.last_sync)}"
    )
    lines.append(f"  head digest: {shown.head}")
    return lines


def verify(args: argparse.Namespace) -> int:
    from auditui.archive.layout import ArchivePaths, archive_root
    from auditui.archive.verify import repair_archive, verify_archive
    from auditui.config.settings import profile_from_settings
    from auditui.paths import display_path

    _, profile = profile_from_settings(args.profile)
    paths = ArchivePaths(archive_root(profile.name, profile.archive, args.archive))
    if args.repair:
        from auditui.sources.connection import open_connection
        from auditui.timespec import utcnow

        connection = open_connection(args.profile, use_cache=False)
        result = repair_archive(connection, paths, profile.name, now=utcnow())
        return _repair_said(result, display_path(paths.root))
    report = verify_archive(paths)
    return _report_said(report, display_path(paths.root))


def _report_said(report: VerifyReport, where: str) -> int:
    from auditui.textsafe import visible

    for finding in report.findings:
        print(visible(finding.line()))
    if report.ok:
        print(
            f"OK: {quantity(report.days, 'day')}, {quantity(report.files, 'file')} verified "
            f"in {where}"
        )
        return 0
    count = len(report.findings)
    say(f"auditui: error: {quantity(count, 'problem')} in the archive {where}: "
        "run `auditui archive verify --repair` to refetch the days affected")  # fmt: skip
    return 1


def _repair_said(result: RepairResult, where: str) -> int:
    from auditui.textsafe import visible

    if result.rebuilt:
        print(f"Rebuilt the manifest of {where} from its files")
    for name in result.removed:
        print(visible(f"Removed extra file {name}"))
    if result.refetched:
        print(f"Refetched {quantity(len(result.refetched), 'day')}: {', '.join(result.refetched)}")
    failed = result.summary.failed if result.summary is not None else {}
    after = result.after
    if not (result.rebuilt or result.removed or result.refetched or failed):
        print("Nothing to repair")
    code = 0
    if failed:
        days = ", ".join(f"{day.isoformat()} ({why})" for day, why in sorted(failed.items()))
        say(f"auditui: error: could not refetch {days}: run `auditui archive verify --repair` "
            "again")  # fmt: skip
        code = 1
    if after is not None and not failed:
        code = _report_said(after, where)
    return code
