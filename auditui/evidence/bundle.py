"""Writing an evidence bundle: a folder, or a `.zip` when the path ends with `.zip`.

`write_bundle(events, path, info)` writes the events (given newest first, as a load returns
them) oldest first as `events.ndjson` and `events.csv` (the writers of `auditui fetch`),
`events.sha256` (a digest per event), `README.txt`, `manifest.json` and `SHA256SUMS`
(`layout` says who covers whom).

Nothing half-made is ever visible: a folder is built under a temp name beside `path`
(`paths.temp_name`, so a killed run's leftovers are swept like any temp file) and renamed
into place at the end; a zip is written to a temp file and linked into place. An existing
`path` is never overwritten (one line, `UsageError`); a full disk or a read-only folder is
one line (`StorageError`) and the temp folder or file is removed. Files are 0600 and the
folder 0700 unless the export mode is `"umask"`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from auditui.errors import UsageError, storage_error
from auditui.evidence.layout import (
    CSV,
    EVENT_DIGESTS,
    LISTED,
    MANIFEST,
    NDJSON,
    README,
    SUMS,
    BundleInfo,
    FileEntry,
    render_manifest,
    render_sums,
    sha256_hex,
)
from auditui.evidence.readme import render_readme
from auditui.export.formats import ExportMode, file_mode, write_events
from auditui.paths import fsync_path, shared_file_mode, sweep_stale_temps, temp_name

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

    from auditui.events import AuditEvent

_BLOCK = 1 << 20
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_NO_HARD_LINKS = frozenset(
    (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK)
)


@dataclass(frozen=True)
class BundleSummary:
    """What was written: for the summary line and the auditor's record."""

    path: Path
    events: int
    files: int  # in the bundle, SHA256SUMS included
    size: int  # bytes on disk: the files' sizes, or the zip's
    sums_sha256: str  # the SHA-256 of SHA256SUMS: one digest that covers the whole bundle
    zipped: bool


class _Digesting(io.BufferedIOBase):
    """A write-only stream that passes bytes on in blocks, hashing them (and each line, if
    asked: `line_digests`). `finish()` writes what is left; the caller then reads `entry`."""

    def __init__(self, out: BinaryIO, *, lines: bool = False) -> None:
        super().__init__()
        self._out = out
        self._whole = hashlib.sha256()
        self._lines = lines
        self._pending = bytearray()
        self._partial = b""  # the start of a line whose end is still to come
        self.size = 0
        self.line_digests: list[str] = []

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        view = memoryview(data)
        self._pending += view
        if len(self._pending) >= _BLOCK:
            self._drain()
        return view.nbytes

    def finish(self) -> None:
        self._drain()
        if self._partial:  # a last line without a line feed (never from the writers)
            self.line_digests.append(hashlib.sha256(self._partial).hexdigest())
            self._partial = b""

    def _drain(self) -> None:
        block = bytes(self._pending)
        self._pending.clear()
        if not block:
            return
        self._out.write(block)
        self._whole.update(block)
        self.size += len(block)
        if self._lines:
            *done, self._partial = (self._partial + block).split(b"\n")
            self.line_digests.extend(hashlib.sha256(line + b"\n").hexdigest() for line in done)

    def entry(self, name: str) -> FileEntry:
        return FileEntry(name, self.size, self._whole.hexdigest())


Opener = Callable[[str], contextlib.AbstractContextManager[BinaryIO]]


def write_bundle(
    events: Sequence[AuditEvent],
    path: str | os.PathLike[str],
    info: BundleInfo,
    *,
    mode: ExportMode = "private",
    progress: Callable[[str], None] | None = None,
) -> BundleSummary:
    """Write the bundle to `path` (a folder, or a zip if it ends with `.zip`); see the
    module's docstring. `progress` is told the name of each file as it starts."""
    target = Path(path)
    shown = str(path)
    zipped = target.name.lower().endswith(".zip")
    _check_target(target, shown)
    sweep_stale_temps(target.parent, target=target.name)
    writer = _write_zip if zipped else _write_folder
    try:
        sums_digest, size = writer(events, target, info, mode, progress or _quiet)
    except FileExistsError:
        raise _exists(shown) from None
    except OSError as exc:
        raise storage_error("write", shown, exc) from None
    return BundleSummary(target, len(events), len(LISTED) + 2, size, sums_digest, zipped)


def _quiet(name: str) -> None:
    return None


def _exists(shown: str) -> UsageError:
    return UsageError(
        f"Cannot write {shown}: it already exists; an evidence bundle is never overwritten, "
        "so name a new folder or .zip."
    )


def _check_target(target: Path, shown: str) -> None:
    if os.path.lexists(target):
        raise _exists(shown)
    if not target.name or not target.parent.is_dir():
        folder = target.parent if str(target.parent) else Path(".")
        raise UsageError(f"Cannot write {shown}: folder {folder} does not exist.")


def _write_contents(
    events: Sequence[AuditEvent],
    opener: Opener,
    info: BundleInfo,
    zip_name: str | None,
    folder: str,
    progress: Callable[[str], None],
) -> tuple[str, int]:
    """Write every file through `opener`; returns (SHA-256 of SHA256SUMS, bytes written)."""
    ordered = events[::-1]  # loads give newest first; evidence reads oldest first
    entries: list[FileEntry] = []
    progress(NDJSON)
    with opener(NDJSON) as raw:
        ndjson = _Digesting(raw, lines=True)
        write_events(ordered, cast(BinaryIO, ndjson), "ndjson")
        ndjson.finish()
    entries.append(ndjson.entry(NDJSON))
    if len(ndjson.line_digests) != len(ordered):  # the writer's promise: one line per event
        raise RuntimeError("events.ndjson does not hold one line per event")
    progress(CSV)
    with opener(CSV) as raw:
        csv_out = _Digesting(raw)
        write_events(ordered, cast(BinaryIO, csv_out), "csv")
        csv_out.finish()
    entries.append(csv_out.entry(CSV))
    pairs = zip(ndjson.line_digests, ordered, strict=True)
    small = {
        EVENT_DIGESTS: "".join(f"{d}  {e.event_uuid}\n" for d, e in pairs).encode(),
        README: render_readme(info, len(ordered), zip_name=zip_name, folder=folder),
    }
    for name, data in small.items():
        progress(name)
        with opener(name) as out:
            out.write(data)
        entries.append(FileEntry(name, len(data), sha256_hex(data)))
    manifest = render_manifest(info, len(ordered), entries)
    with opener(MANIFEST) as out:
        out.write(manifest)
    digests = {entry.name: entry.sha256 for entry in entries}
    digests[MANIFEST] = sha256_hex(manifest)
    sums = render_sums(digests)
    with opener(SUMS) as out:
        out.write(sums)
    size = sum(entry.size for entry in entries) + len(manifest) + len(sums)
    return sha256_hex(sums), size


def _modes(mode: ExportMode) -> tuple[int, int]:
    """(file mode, folder mode): 0600/0700, or with `"umask"` what the umask allows."""
    if mode == "private":
        return file_mode(mode), 0o700
    files = shared_file_mode()
    return files, 0o777 & ~(0o666 & ~files)  # 0755 for a 022 umask


def _write_folder(
    events: Sequence[AuditEvent],
    target: Path,
    info: BundleInfo,
    mode: ExportMode,
    progress: Callable[[str], None],
) -> tuple[str, int]:
    files, folder_mode = _modes(mode)
    temp = target.with_name(temp_name(target.name))
    try:
        os.mkdir(temp, 0o700)

        @contextlib.contextmanager
        def opener(name: str) -> Iterator[BinaryIO]:
            fd = os.open(temp / name, _NEW_FILE, files)
            with os.fdopen(fd, "wb") as out:
                os.fchmod(fd, files)
                yield out
                out.flush()
                os.fsync(fd)

        result = _write_contents(events, opener, info, None, target.name, progress)
        os.chmod(temp, folder_mode)
        _fsync_folder(temp)
        if os.path.lexists(target):  # appeared while we wrote: still never overwritten
            raise FileExistsError(errno.EEXIST, "exists", str(target))
        os.rename(temp, target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    _fsync_folder(target.parent)
    return result


def _write_zip(
    events: Sequence[AuditEvent],
    target: Path,
    info: BundleInfo,
    mode: ExportMode,
    progress: Callable[[str], None],
) -> tuple[str, int]:
    files, folder_mode = _modes(mode)
    folder = target.name[: -len(".zip")] or "evidence"
    stamp = info.generated_at.utctimetuple()[:6]
    temp = target.with_name(temp_name(target.name))
    try:
        fd = os.open(temp, _NEW_FILE, files)
        with os.fdopen(fd, "wb") as raw:
            os.fchmod(fd, files)
            with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
                top = zipfile.ZipInfo(f"{folder}/", date_time=stamp)
                top.create_system = 3
                top.external_attr = ((0o040000 | folder_mode) << 16) | 0x10  # MS-DOS dir bit
                archive.writestr(top, b"")

                @contextlib.contextmanager
                def opener(name: str) -> Iterator[BinaryIO]:
                    member = zipfile.ZipInfo(f"{folder}/{name}", date_time=stamp)
                    member.compress_type = zipfile.ZIP_DEFLATED
                    member.create_system = 3  # unix: `unzip` applies the mode below
                    member.external_attr = (0o100000 | files) << 16
                    with archive.open(member, "w", force_zip64=name in (NDJSON, CSV)) as out:
                        yield cast(BinaryIO, out)

                digest, _ = _write_contents(events, opener, info, target.name, folder, progress)
            raw.flush()
            os.fsync(fd)
        _link_into_place(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_folder(target.parent)
    return digest, target.stat().st_size


def _link_into_place(temp: Path, target: Path) -> None:
    """Give the finished temp file its name without ever replacing a file that appeared
    there meanwhile (a hard link fails if the name exists), then drop the temp name."""
    try:
        os.link(temp, target)
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
        if os.path.lexists(target):  # a file system without hard links: check, then rename
            raise FileExistsError(errno.EEXIST, "exists", str(target)) from None
        os.rename(temp, target)
        return
    temp.unlink()


def _fsync_folder(folder: Path) -> None:
    """Make the folder's entries durable (a rename survives a power cut); best effort."""
    with contextlib.suppress(OSError):
        fsync_path(folder, folder=True)
