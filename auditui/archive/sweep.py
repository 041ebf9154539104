"""What lies in an archive's `date=` folders besides what the manifest lists.

A sync killed between writing a day's file and writing the manifest leaves a part file no
manifest names; one killed inside a write leaves a temp file (`paths.temp_name`); one
killed after the manifest but before removing a day's replaced files leaves those. None of
them is ever read (readers go by the manifest), and `sweep` removes them at the start of
the next sync, under the writer lock. `verify` reports the same files as extra.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from auditui.archive.layout import DAY_PREFIX, PART_SUFFIX, ArchivePaths, parse_day
from auditui.archive.manifest import Manifest
from auditui.paths import TEMP_NAME_RE

PART_PREFIX = "part-"


@dataclass
class FolderScan:
    """The `date=` folders found and the files in them, by name relative to the root."""

    folders: set[str] = field(default_factory=set)  # "date=2026-11-02"
    parts: list[str] = field(default_factory=list)  # "date=…/part-….parquet" (any .parquet)
    temps: list[str] = field(default_factory=list)  # our temp files, in the root or a folder


def scan_folders(paths: ArchivePaths) -> FolderScan:
    """The archive's `date=` folders and their Parquet and temp files (nothing if absent)."""
    scan = FolderScan()
    try:
        entries = list(os.scandir(paths.root))
    except OSError:
        return scan
    for entry in entries:
        if TEMP_NAME_RE.match(entry.name):
            scan.temps.append(entry.name)
            continue
        if not entry.name.startswith(DAY_PREFIX) or not entry.is_dir(follow_symlinks=False):
            continue
        if parse_day(entry.name[len(DAY_PREFIX) :]) is None:
            continue
        scan.folders.add(entry.name)
        try:
            names = sorted(os.listdir(entry.path))
        except OSError:
            continue
        for name in names:
            if TEMP_NAME_RE.match(name):
                scan.temps.append(f"{entry.name}/{name}")
            elif name.endswith(PART_SUFFIX):
                scan.parts.append(f"{entry.name}/{name}")
    return scan


def unlisted(scan: FolderScan, manifest: Manifest | None) -> list[str]:
    """The Parquet files found that the manifest does not list."""
    listed = {entry.name for entry in manifest.files()} if manifest is not None else set()
    return [name for name in scan.parts if name not in listed]


def sweep(paths: ArchivePaths, manifest: Manifest | None) -> int:
    """Remove what a killed sync left (see the module docstring): unlisted `part-` files,
    our temp files, and `date=` folders left empty. Returns how many files went. Call it
    only while holding the writer lock."""
    scan = scan_folders(paths)
    doomed = [name for name in unlisted(scan, manifest)
              if name.rsplit("/", 1)[-1].startswith(PART_PREFIX)]  # fmt: skip
    removed = 0
    for name in [*doomed, *scan.temps]:
        with contextlib.suppress(OSError):
            os.unlink(paths.file(name))
            removed += 1
    listed_days = set(manifest.days) if manifest is not None else set()
    for folder in scan.folders:
        if folder[len(DAY_PREFIX) :] not in listed_days:
            with contextlib.suppress(OSError):
                os.rmdir(paths.root / folder)  # only when empty
    return removed


def remove_files(paths: ArchivePaths, names: list[str]) -> None:
    """Remove files a manifest no longer lists (a day's replaced files); errors ignored: a
    leftover is swept by the next sync."""
    for name in names:
        with contextlib.suppress(OSError):
            Path(paths.file(name)).unlink()
