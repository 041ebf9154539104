"""`manifest.json`: what an archive holds, and the digest chain over its days.

The manifest names the host and profile the archive belongs to (an archive never mixes
hosts: `check_host`), and for each UTC day it holds: its files (name relative to the root,
SHA-256, size, events), its event count, whether the day was closed when fetched
(`complete`: a closed day is immutable once archived; the open day is refetched and merged),
when it was fetched, and its chained digest. A day's digest covers its files (names,
SHA-256s and event counts) and the previous archived day's digest, as CloudTrail's digest
files do: changing, removing or inserting any day breaks every digest after it, so the
newest digest (`head`) stands for the whole archive.

It is written last, atomically (0600), after the files it names are on disk: a reader
never sees a day whose files are not all there. A manifest that cannot be read is an
`ArchiveError` naming it; one written by a newer auditui is refused, never rewritten.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import msgspec

from auditui.archive.layout import ArchivePaths
from auditui.errors import AudituiError, storage_error
from auditui.paths import display_path, write_atomic

FORMAT = 1
GENESIS = "0" * 64  # the "previous digest" of the oldest day
_DIGEST_TAG = b"auditui-archive-day/1\n"


class ArchiveError(AudituiError):
    """An archive that cannot be used as it is (damaged, newer, another host's, locked)."""


class NewerManifest(ArchiveError):
    """A manifest written by a newer auditui: read by an upgrade, never rewritten."""


class DamagedManifest(ArchiveError):
    """A manifest that cannot be decoded: `archive verify --repair` rebuilds it."""


class FileEntry(msgspec.Struct, frozen=True):
    """One Parquet file of a day."""

    name: str  # relative to the archive root, `/`-separated: `date=…/part-….parquet`
    sha256: str
    bytes: int
    events: int


class DayEntry(msgspec.Struct, frozen=True):
    """One archived UTC day."""

    files: tuple[FileEntry, ...]
    events: int
    complete: bool  # the day had ended when it was fetched
    fetched_at: datetime
    digest: str  # chained: this day's files and the previous day's digest
    left_out: int = 0  # events whose ids do not fit in int64 (not stored)


class Manifest(msgspec.Struct):
    """The whole archive (see the module docstring)."""

    host: str
    profile: str
    created_at: datetime
    format: int = FORMAT
    last_sync: datetime | None = None
    days: dict[str, DayEntry] = msgspec.field(default_factory=dict)

    def head(self) -> str:
        """The newest day's digest: it stands for every day before it."""
        return self.days[max(self.days)].digest if self.days else GENESIS

    def files(self) -> list[FileEntry]:
        return [entry for key in sorted(self.days) for entry in self.days[key].files]

    def events(self) -> int:
        return sum(day.events for day in self.days.values())

    def bytes(self) -> int:
        return sum(entry.bytes for entry in self.files())


class _Version(msgspec.Struct):
    format: int = 0


def day_digest(day: str, files: Iterable[FileEntry], previous: str) -> str:
    """The chained digest of one day (see the module docstring)."""
    digest = hashlib.sha256(_DIGEST_TAG)
    digest.update(f"{day}\n{previous}\n".encode())
    for entry in sorted(files, key=lambda item: item.name):
        digest.update(f"{entry.name} {entry.sha256} {entry.events}\n".encode())
    return digest.hexdigest()


def chained(days: dict[str, DayEntry]) -> dict[str, DayEntry]:
    """`days` in day order with every digest recomputed (after a day was added or replaced)."""
    previous = GENESIS
    out: dict[str, DayEntry] = {}
    for key in sorted(days):
        entry = days[key]
        previous = day_digest(key, entry.files, previous)
        out[key] = msgspec.structs.replace(entry, digest=previous)
    return out


def broken_links(days: dict[str, DayEntry]) -> list[str]:
    """The days whose recorded digest is not what their files and predecessor give."""
    previous = GENESIS
    broken = []
    for key in sorted(days):
        expected = day_digest(key, days[key].files, previous)
        if days[key].digest != expected:
            broken.append(key)
        previous = days[key].digest
    return broken


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Manifest)
_version_decoder = msgspec.json.Decoder(_Version)


def read_manifest(paths: ArchivePaths) -> Manifest | None:
    """The archive's manifest; None when there is none yet (a new or empty folder)."""
    where = display_path(paths.manifest)
    try:
        data = paths.manifest.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise storage_error("read", where, exc) from None
    try:
        version = _version_decoder.decode(data).format
    except msgspec.DecodeError:
        version = 0
    if version > FORMAT:
        raise NewerManifest(
            f"The archive manifest {where} was written by a newer auditui (format {version}, "
            f"this one reads {FORMAT}): upgrade auditui to use this archive."
        )
    try:
        return _decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise DamagedManifest(
            f"The archive manifest {where} is damaged ({exc}): run `auditui archive verify "
            "--repair` to rebuild it from the files, or move the folder aside."
        ) from None


def write_manifest(paths: ArchivePaths, manifest: Manifest) -> None:
    """Write the manifest atomically (fsync, rename): readers see the old or the new one."""
    data = msgspec.json.format(_encoder.encode(manifest), indent=1) + b"\n"
    try:
        write_atomic(paths.manifest, data)
    except OSError as exc:
        raise storage_error("write", display_path(paths.manifest), exc) from None


def check_host(manifest: Manifest, host: str, profile: str, root: Path) -> None:
    """Refuse (one line naming both) an archive of another host than the profile's."""
    if manifest.host.rstrip("/") != host.rstrip("/"):
        raise ArchiveError(
            f"The archive {display_path(root)} holds events of {manifest.host}, but profile "
            f"'{profile}' now uses {host}: give this host its own folder (--archive DIR or "
            'archive = "…" in the profile), an archive never mixes hosts.'
        )
