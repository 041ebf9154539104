"""`Archive`: one profile's archive folder as found (its paths and manifest), host-checked.

`open_archive` resolves the folder (`--archive DIR` over `archive = "…"` over the default),
reads the manifest (none yet is fine: an empty archive) and refuses an archive of another
host (`manifest.check_host`). It never creates anything: reading works on a read-only
folder, and a folder that does not exist is an empty archive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from auditui.archive.layout import ArchivePaths, archive_root, parse_day
from auditui.archive.manifest import DayEntry, Manifest, check_host, read_manifest

if TYPE_CHECKING:
    from auditui.config.settings import Profile


@dataclass(frozen=True)
class Archive:
    """An archive folder and what its manifest says (None: nothing archived yet)."""

    paths: ArchivePaths
    profile: str
    host: str
    manifest: Manifest | None

    @property
    def empty(self) -> bool:
        return self.manifest is None or not self.manifest.days

    def days(self) -> dict[date, DayEntry]:
        """Every archived day (closed or not), by date."""
        if self.manifest is None:
            return {}
        found = ((parse_day(key), entry) for key, entry in self.manifest.days.items())
        return {day: entry for day, entry in found if day is not None}

    def closed_days(self) -> dict[date, DayEntry]:
        """The days archived after they ended: complete, never refetched."""
        return {day: entry for day, entry in self.days().items() if entry.complete}


def open_archive(profile: Profile, host: str, override: str | None = None) -> Archive:
    """The profile's archive (see the module docstring); `ArchiveError` for another host's
    or a damaged or newer manifest, `StorageError` when it cannot be read."""
    paths = ArchivePaths(archive_root(profile.name, profile.archive, override))
    manifest = read_manifest(paths)
    if manifest is not None:
        check_host(manifest, host, profile.name, paths.root)
    return Archive(paths, profile.name, host, manifest)
