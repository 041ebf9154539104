"""`archive_status`: what one archive holds, from its manifest (no Parquet is read).

Covered ranges are runs of consecutive archived UTC days, gaps the days between them;
days are told closed (archived after they ended: never refetched) from open (refetched and
merged by the next sync); days the API returned no event for are listed apart (`empty`:
perhaps quiet, perhaps older than the API keeps, which it does not say). Size on disk is
what the listed files take (a file gone counts nothing: `verify` says so). A damaged or
newer manifest is reported, not raised, so one bad archive does not hide the others.
`status_targets` lists the archives to show: every profile of the config and every folder
under the default archive root.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from auditui.archive.layout import ArchivePaths, archive_root, default_archive_root, parse_day
from auditui.archive.manifest import GENESIS, ArchiveError, read_manifest
from auditui.errors import StorageError

Run = tuple[date, date]  # first and last day, inclusive


@dataclass
class ArchiveStatus:
    """One archive as its manifest describes it (`error` when it cannot be read)."""

    profile: str
    root: Path
    exists: bool = False
    host: str = ""
    covered: list[Run] = field(default_factory=list)
    gaps: list[Run] = field(default_factory=list)
    empty: list[Run] = field(default_factory=list)  # archived days the API had no event for
    closed_days: int = 0
    open_days: int = 0
    events: int = 0
    left_out: int = 0
    bytes: int = 0
    last_sync: datetime | None = None
    head: str = GENESIS
    error: str = ""


def runs(days: Iterable[date]) -> list[Run]:
    """Consecutive days as (first, last) runs, oldest first."""
    out: list[Run] = []
    for day in sorted(set(days)):
        if out and day - out[-1][1] == timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def gaps(covered: list[Run]) -> list[Run]:
    """The days missing between consecutive runs."""
    one = timedelta(days=1)
    return [(before[1] + one, after[0] - one) for before, after in pairwise(covered)]


def _on_disk(paths: ArchivePaths, names: Iterable[str]) -> int:
    total = 0
    for name in names:
        try:
            total += os.stat(paths.file(name)).st_size
        except OSError:
            continue
    return total


def archive_status(profile: str, root: Path) -> ArchiveStatus:
    """The status of the archive in `root` (see the module docstring)."""
    paths = ArchivePaths(root)
    status = ArchiveStatus(profile, root, exists=root.is_dir())
    try:
        manifest = read_manifest(paths)
    except (ArchiveError, StorageError) as exc:
        status.error = str(exc)
        return status
    if manifest is None:
        return status
    days = {parse_day(key): entry for key, entry in manifest.days.items()}
    known = {day: entry for day, entry in days.items() if day is not None}
    status.host = manifest.host
    status.covered = runs(known)
    status.gaps = gaps(status.covered)
    status.empty = runs(day for day, entry in known.items() if not entry.events)
    status.closed_days = sum(1 for entry in known.values() if entry.complete)
    status.open_days = len(known) - status.closed_days
    status.events = manifest.events()
    status.left_out = sum(entry.left_out for entry in known.values())
    status.bytes = _on_disk(paths, (entry.name for entry in manifest.files()))
    status.last_sync = manifest.last_sync
    status.head = manifest.head()
    return status


def status_targets(
    profiles: dict[str, str | None], override: str | None = None
) -> list[tuple[str, Path]]:
    """(profile, folder) for each profile given (name → its `archive =`), then every other
    folder under the default archive root, each folder once."""
    targets: list[tuple[str, Path]] = []
    seen: set[Path] = set()
    for name, configured in profiles.items():
        root = archive_root(name, configured, override)
        if root not in seen:
            seen.add(root)
            targets.append((name, root))
    if override:
        return targets
    base = default_archive_root("default").parent
    try:
        folders = sorted(entry.name for entry in os.scandir(base) if entry.is_dir())
    except OSError:
        folders = []
    for name in folders:
        root = base / name
        if root not in seen:
            seen.add(root)
            targets.append((name, root))
    return targets
