"""`verify_archive`: check an archive against its manifest, and `repair_archive`.

Every file the manifest lists is checked: missing (its whole `date=` folder deleted is
said once for the day), unreadable (DuckDB cannot read it) or written by a newer auditui
(its `auditui_schema` is newer than ours), changed (its SHA-256 is not the recorded one),
and its row count against the manifest's (and the day's count against its files'). The
digest chain is recomputed (`broken_links`: a manifest edited by hand), and any `.parquet`
file in a `date=` folder that the manifest does not list is extra. Each finding names the
file or day.

Repair (under the writer lock) removes the extra files and refetches the affected days from
the API through sync's own writer (`sync.DayWriter`, `sync.fetch_days`), replacing them.
A damaged (undecodable) manifest is first rebuilt from the files present (`rebuild`), then
verified and repaired again. Files written by a newer auditui are left as they are, and so
is a day the API returns no events for any more (past its window): it is said to have failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from auditui import stopping
from auditui.archive.engine import connect, require_duckdb
from auditui.archive.files import schema_version, sha256_file
from auditui.archive.layout import ArchivePaths, day_folder, parse_day
from auditui.archive.lock import archive_lock
from auditui.archive.manifest import (
    DamagedManifest,
    Manifest,
    broken_links,
    check_host,
    read_manifest,
    write_manifest,
)
from auditui.archive.rebuild import rebuild_manifest
from auditui.archive.schema import SCHEMA_VERSION
from auditui.archive.sweep import remove_files, scan_folders, unlisted
from auditui.archive.sync import DayWriter, SyncSummary, fetch_days
from auditui.errors import one_line

if TYPE_CHECKING:
    import duckdb

    from auditui.sources.connection import Connection

MISSING = "missing"
FOLDER = "day folder deleted"
CHANGED = "changed"
UNREADABLE = "unreadable"
NEWER = "written by a newer auditui"
COUNT = "count differs"
CHAIN = "chain broken"
EXTRA = "extra"
DAMAGED = "manifest damaged"
_REFETCH = {MISSING, FOLDER, CHANGED, UNREADABLE, COUNT, CHAIN}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: its kind, the day and the file (or folder) it concerns, details."""

    kind: str
    day: str
    name: str
    detail: str = ""

    def line(self) -> str:
        more = f": {self.detail}" if self.detail else ""
        return f"{self.kind}: {self.name}{more}"


@dataclass
class VerifyReport:
    """What `verify_archive` found in one archive."""

    root: Path
    days: int = 0
    files: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def days_to_refetch(self) -> list[str]:
        return sorted({f.day for f in self.findings if f.kind in _REFETCH and f.day})

    def extras(self) -> list[str]:
        return [f.name for f in self.findings if f.kind == EXTRA]


@dataclass
class RepairResult:
    """What `repair_archive` did."""

    rebuilt: bool = False  # the manifest was rebuilt from the files
    removed: list[str] = field(default_factory=list)  # extra files removed
    refetched: list[str] = field(default_factory=list)  # days refetched
    summary: SyncSummary | None = None  # the refetch (failed days included)
    after: VerifyReport | None = None  # the archive verified after the repair


def load_manifest(paths: ArchivePaths) -> tuple[Manifest | None, str]:
    """The manifest, or None and why it is damaged ("" when there is none). A newer
    format is an `ArchiveError` (`NewerManifest`: never rebuilt, an upgrade reads it)."""
    try:
        return read_manifest(paths), ""
    except DamagedManifest as exc:
        return None, str(exc)


def verify_archive(paths: ArchivePaths) -> VerifyReport:
    """Check the archive at `paths` (see the module docstring); `ArchiveError` for a manifest
    of a newer format. No manifest and no files: an empty archive, nothing wrong."""
    require_duckdb()
    report = VerifyReport(paths.root)
    manifest, damaged = load_manifest(paths)
    scan = scan_folders(paths)
    if manifest is None:
        if damaged or scan.parts:
            why = damaged or "there is none, but there are day files"
            report.findings.append(Finding(DAMAGED, "", paths.manifest.name, why))
        return report
    report.days = len(manifest.days)
    con = connect()
    try:
        for key in sorted(manifest.days):
            entry = manifest.days[key]
            day = parse_day(key)
            folder = day_folder(day) if day is not None else f"date={key}"
            if entry.files and folder not in scan.folders:
                report.findings.append(Finding(FOLDER, key, folder, f"{len(entry.files)} files"))
                continue
            for item in entry.files:
                report.files += 1
                found = _check_file(paths.file(item.name), item.sha256, item.events, con)
                if found:
                    report.findings.append(Finding(found[0], key, item.name, found[1]))
            listed = sum(item.events for item in entry.files)
            if listed != entry.events:
                detail = f"the day says {entry.events:,} events, its files {listed:,}"
                report.findings.append(Finding(COUNT, key, folder, detail))
    finally:
        con.close()
    for key in broken_links(manifest.days):
        detail = "its digest is not what its files and the day before give"
        report.findings.append(Finding(CHAIN, key, key, detail))
    for name in unlisted(scan, manifest):
        day = parse_day(name.split("/", 1)[0].removeprefix("date="))
        key = day.isoformat() if day is not None else ""
        report.findings.append(Finding(EXTRA, key, name, "not in the manifest"))
    return report


def _check_file(
    path: Path, sha256: str, events: int, con: duckdb.DuckDBPyConnection
) -> tuple[str, str] | None:
    """What is wrong with one listed file (kind, detail), or None."""
    import duckdb

    if not path.is_file():
        return MISSING, "not on disk"
    try:
        version = schema_version(path, con)
        if version > SCHEMA_VERSION:
            return NEWER, f"schema {version}, this auditui reads {SCHEMA_VERSION}"
        row = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()
        rows = int(row[0]) if row else 0
    except duckdb.Error as exc:
        return UNREADABLE, one_line(str(exc))[:200]
    try:
        actual = sha256_file(path)
    except OSError as exc:
        return UNREADABLE, one_line(str(exc))
    if actual != sha256:
        return CHANGED, f"SHA-256 {actual[:12]}…, recorded {sha256[:12]}…"
    if rows != events:
        return COUNT, f"{rows:,} rows, recorded {events:,}"
    return None


def repair_archive(
    connection: Connection, paths: ArchivePaths, profile: str, *, now: datetime
) -> RepairResult:
    """Repair what `verify_archive` finds (see the module docstring), then verify again."""
    require_duckdb()
    result = RepairResult()
    first = verify_archive(paths)
    if first.ok:  # nothing to repair: no lock taken, so a read-only archive is fine
        result.after = first
        return result
    with archive_lock(paths, now):
        report = verify_archive(paths)
        if any(f.kind == DAMAGED for f in report.findings):
            manifest, refetch = rebuild_manifest(paths, profile, connection.host, now)
            check_host(manifest, connection.host, profile, paths.root)
            write_manifest(paths, manifest)
            result.rebuilt = True
            report = verify_archive(paths)
            days = sorted({*report.days_to_refetch(), *refetch})
        else:
            days = report.days_to_refetch()
        current, _ = load_manifest(paths)
        if current is None:
            return result
        manifest = current
        if days:
            check_host(manifest, connection.host, profile, paths.root)
            connection.require_credential()
        remove_files(paths, report.extras())
        result.removed = report.extras()
        if days:
            result.summary = _refetch(connection, paths, manifest, days, now)
            result.refetched = [d.isoformat() for d in result.summary.fetched]
        result.after = verify_archive(paths)
    return result


def _refetch(connection: Connection, paths: ArchivePaths, manifest: Manifest, days: list[str],
             now: datetime) -> SyncSummary:  # fmt: skip
    wanted = [day for day in map(parse_day, days) if day is not None]
    summary = SyncSummary(paths.root, days_in_range=len(wanted))
    writer = DayWriter(paths, manifest, now, merge=False)
    try:
        stopping.run(fetch_days(connection, writer, wanted, summary))
    finally:
        writer.close()
    summary.count(manifest)
    return summary
