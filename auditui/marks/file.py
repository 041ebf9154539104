"""The marks file: its format, where it lives, loading it safely and saving by merging.

Format (JSON, msgspec): `{"version": 1, "profile": ..., "host": ..., "marks": {uuid:
{"marked_at": ISO time, "note": text}}}`. One file per profile and host
(`state_dir()/marks/<profile>-<sha256(host)[:16]>.json`, the host also written inside:
a file of another host is never read as this one's).

- `load`: a missing file is no marks; a file that does not decode, is of another host, or
  is of a newer `version` is renamed aside (`NAME.corrupt-<stamp>` / `NAME.newer-<stamp>`)
  and one line says so: never silently emptied, never overwritten.
- `save`: under an exclusive `fcntl` lock on `NAME.lock`, re-read the file, apply this
  instance's journal over it (`Marks.merged`), write it atomically with mode 0600, and
  take the merged marks as this instance's: two instances marking at once lose nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import msgspec

from auditui.errors import StorageError, storage_error
from auditui.marks.store import Changes, Mark, Marks, merged
from auditui.paths import display_path, state_dir, write_atomic
from auditui.timespec import utcnow

__all__ = ["MARKS_VERSION", "MarkFile", "marks_path"]

MARKS_VERSION = 1


class _Document(msgspec.Struct, forbid_unknown_fields=False):
    version: int
    profile: str = ""
    host: str = ""
    marks: dict[str, Mark] = msgspec.field(default_factory=dict)


class _Version(msgspec.Struct, forbid_unknown_fields=False):
    version: int


def marks_path(profile: str, host: str, folder: Path | None = None) -> Path:
    """Where a profile's marks for this host live."""
    import hashlib  # here: a browser's start names the file only once it reads it

    digest = hashlib.sha256(host.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return (folder or state_dir() / "marks") / f"{profile}-{digest}.json"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock held by one instance at a time (`NAME.lock` beside the file)."""
    try:
        import fcntl
    except ImportError:  # no fcntl (Windows): saving still merges, without the lock
        yield
        return
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


DEMO_HOST = "auditui-demo"
"""The host marks made on the built-in demo server are kept under: it listens on another
port each run, so its URL would leave each run's marks behind."""


class MarkFile:
    """A profile's marks file for one host: `load()` and `save(marks)`."""

    def __init__(self, profile: str, host: str, path: Path | None = None) -> None:
        self.profile = profile
        self.host = host
        self._path = path

    @property
    def path(self) -> Path:
        """The file (`marks_path`, worked out when first used)."""
        if self._path is None:
            self._path = marks_path(self.profile, self.host)
        return self._path

    def load(self) -> tuple[Marks, str | None]:
        """The marks on disk, and one line when the file had to be kept aside (else None).

        Raises `StorageError` when the file exists but cannot be read."""
        marks, warning = self.read()
        return Marks(marks), warning

    def read(self) -> tuple[dict[str, Mark], str | None]:
        """The marks on disk and the one line when the file was kept aside; any thread."""
        try:
            marks, warning = self._read()
        except OSError as exc:
            raise storage_error("read", display_path(self.path), exc) from None
        return marks, warning

    def save(self, marks: Marks) -> str | None:
        """Merge this instance's changes into the file and write it; one line when a bad
        file met on the way was kept aside. Raises `StorageError` (the changes are kept
        for the next save). The TUI does the same in steps: `take_changes` on its thread,
        `write` in a worker, `saved` back on its thread."""
        changes = marks.take_changes()
        try:
            disk, warning = self.write(changes)
        except StorageError:
            marks.put_back(changes)
            raise
        marks.saved(disk)
        return warning

    def write(self, changes: Changes) -> tuple[dict[str, Mark], str | None]:
        """Under the lock: read the file, apply `changes`, write it atomically (0600).
        (What the file now holds, one line when a bad file was kept aside); any thread."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with _locked(self.path):
                disk, warning = self._read()
                result = merged(disk, changes)
                document = _Document(MARKS_VERSION, self.profile, self.host, result)
                write_atomic(self.path, msgspec.json.encode(document))
        except OSError as exc:
            raise storage_error("write", display_path(self.path), exc) from None
        return result, warning

    def _read(self) -> tuple[dict[str, Mark], str | None]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}, None
        try:
            version = msgspec.json.decode(data, type=_Version).version
        except (msgspec.DecodeError, msgspec.ValidationError):
            return {}, self._aside("corrupt", "could not be read")
        if version > MARKS_VERSION:
            return {}, self._aside("newer", f"is from a newer auditui (format {version})")
        try:
            document = msgspec.json.decode(data, type=_Document)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return {}, self._aside("corrupt", "could not be read")
        if document.host != self.host or document.profile != self.profile:
            return {}, self._aside("corrupt", "belongs to another profile or host")
        return document.marks, None

    def _aside(self, why: str, what: str) -> str:
        """Rename the file out of the way; the line that says so."""
        stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.{why}-{stamp}")
        count = 1
        while target.exists():
            count += 1
            target = self.path.with_name(f"{self.path.name}.{why}-{stamp}-{count}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            raise StorageError(
                f"The marks file {display_path(self.path)} {what} and could not be moved"
                f" aside ({exc.strerror or exc}); move it away and try again."
            ) from None
        return f"The marks file {what}: kept as {display_path(target)}; starting with no marks."
