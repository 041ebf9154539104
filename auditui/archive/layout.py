"""Where an archive lives and how its files are named: the layout is the contract.

An archive is one folder per profile (by default `<user data>/archive/<profile>`, else the
profile's `archive = "..."` or `--archive DIR`) that any Parquet engine can read:

    manifest.json                      what sync wrote: host, days, files, digests (last)
    .lock                              held by the one process writing (who, since when)
    date=2026-11-02/part-….parquet     one UTC day's events (Hive partitioning by `date`)

Days are UTC days. Computing a path creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import platformdirs

from auditui.paths import APP_NAME
from auditui.timespec import TimeRange

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".lock"
DAY_PREFIX = "date="
PART_SUFFIX = ".parquet"
ONE_DAY = timedelta(days=1)


def default_archive_root(profile: str) -> Path:
    """The archive of `profile` when neither `--archive` nor `archive =` says otherwise."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / "archive" / profile


def archive_root(profile: str, configured: str | None, override: str | None = None) -> Path:
    """`--archive DIR` over the profile's `archive = "..."` over the default folder."""
    chosen = override if override else configured
    if chosen:
        return Path(chosen).expanduser()
    return default_archive_root(profile)


@dataclass(frozen=True, slots=True)
class ArchivePaths:
    """The files of one archive folder."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_NAME

    @property
    def lock(self) -> Path:
        return self.root / LOCK_NAME

    def day_dir(self, day: date) -> Path:
        return self.root / day_folder(day)

    def file(self, name: str) -> Path:
        """A file named as the manifest names it (relative to the root, `/`-separated)."""
        return self.root.joinpath(*name.split("/"))


def day_folder(day: date) -> str:
    return f"{DAY_PREFIX}{day.isoformat()}"


def day_key(day: date) -> str:
    """How the manifest names a day: `2026-11-02`."""
    return day.isoformat()


def parse_day(text: str) -> date | None:
    """`2026-11-02` → a date; None for anything else."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def day_range(day: date) -> TimeRange:
    """The UTC day as a range `[00:00, next 00:00)`."""
    start = day_start(day)
    return TimeRange(start, start + ONE_DAY)


def days_of(time_range: TimeRange) -> list[date]:
    """The UTC days `[start, end)` touches, oldest first."""
    first = time_range.start.astimezone(UTC).date()
    last = (time_range.end - timedelta(microseconds=1)).astimezone(UTC).date()
    count = (last - first).days + 1
    return [first + timedelta(days=n) for n in range(max(count, 0))]
