"""Reading a bundle's files as they are, from a folder or a zip, for the checker.

`open_bundle(path)` gives a `BundleFiles`: the names present (relative, `/`-separated;
in a zip, relative to its one top folder), the bytes of a file, its size and SHA-256, and
its lines. A member of a zip that cannot be read (a flipped byte fails its CRC, a damaged
deflate stream) raises `Unreadable`, which the checker reports as a changed file. A path
that is neither a folder nor a zip is a `UsageError`.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Protocol

from auditui.errors import UsageError, storage_error
from auditui.evidence.layout import MANIFEST, SUMS

_CHUNK = 1 << 20


class Unreadable(Exception):
    """A file of the bundle exists but cannot be read (why, in a few words)."""


class BundleFiles(Protocol):
    """What the checker needs from a bundle, wherever it lies."""

    shown: str

    def names(self) -> set[str]: ...

    def extras(self) -> list[str]:
        """What is there besides files: empty folders, a zip's duplicate or stray members."""
        ...

    def read(self, name: str) -> bytes: ...

    def lines(self, name: str) -> Iterator[bytes]: ...

    def chunks(self, name: str) -> Iterator[bytes]: ...

    def close(self) -> None: ...


def digest(files: BundleFiles, name: str) -> tuple[int, str]:
    """(size, SHA-256) of a file, streamed."""
    hasher = hashlib.sha256()
    size = 0
    for chunk in files.chunks(name):
        hasher.update(chunk)
        size += len(chunk)
    return size, hasher.hexdigest()


class _Folder:
    def __init__(self, root: Path, shown: str) -> None:
        self.root = root
        self.shown = shown
        self._names: set[str] = set()
        self._empty: list[str] = []
        for folder, dirs, files in os.walk(root):
            relative = Path(folder).relative_to(root).as_posix()
            prefix = "" if relative == "." else f"{relative}/"
            self._names.update(prefix + name for name in files)
            if not dirs and not files and prefix:
                self._empty.append(f"{prefix}")

    def names(self) -> set[str]:
        return set(self._names)

    def extras(self) -> list[str]:
        return sorted(self._empty)

    def read(self, name: str) -> bytes:
        try:
            return (self.root / name).read_bytes()
        except OSError as exc:
            raise Unreadable(_reason(exc)) from None

    def lines(self, name: str) -> Iterator[bytes]:
        return self._each(name, lines=True)

    def chunks(self, name: str) -> Iterator[bytes]:
        return self._each(name, lines=False)

    def _each(self, name: str, *, lines: bool) -> Iterator[bytes]:
        try:
            with open(self.root / name, "rb") as stream:
                yield from _pieces(stream, lines=lines)
        except OSError as exc:
            raise Unreadable(_reason(exc)) from None

    def close(self) -> None:
        return None


class _Zip:
    def __init__(self, archive: zipfile.ZipFile, shown: str) -> None:
        self.shown = shown
        self._archive = archive
        members = [info.filename for info in archive.infolist() if not info.is_dir()]
        prefix = _top_folder(members)
        self._prefix = prefix
        self._names = {m[len(prefix) :] for m in members if m.startswith(prefix)}
        counts = Counter(members)
        self._extras = sorted(
            [m for m in members if not m.startswith(prefix)]
            + [f"{m} (a second copy in the zip)" for m, n in counts.items() if n > 1]
        )

    def names(self) -> set[str]:
        return set(self._names)

    def extras(self) -> list[str]:
        return list(self._extras)

    def read(self, name: str) -> bytes:
        return b"".join(self.chunks(name))

    def lines(self, name: str) -> Iterator[bytes]:
        return self._each(name, lines=True)

    def chunks(self, name: str) -> Iterator[bytes]:
        return self._each(name, lines=False)

    def _each(self, name: str, *, lines: bool) -> Iterator[bytes]:
        try:
            with self._archive.open(self._prefix + name) as stream:
                yield from _pieces(stream, lines=lines)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
            raise Unreadable(f"unreadable in the zip ({exc})") from None

    def close(self) -> None:
        self._archive.close()


def _pieces(stream: IO[bytes], *, lines: bool) -> Iterator[bytes]:
    """The stream's lines (line feeds kept), or its bytes in chunks."""
    if lines:
        yield from stream
        return
    while chunk := stream.read(_CHUNK):
        yield chunk


def _top_folder(members: list[str]) -> str:
    """The folder the bundle's files sit in (`name/`), or "" when they are at the top."""
    for member in members:
        head, _, tail = member.rpartition("/")
        if tail in (MANIFEST, SUMS) and "/" not in head:
            return f"{head}/" if head else ""
    return ""


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def open_bundle(path: str | os.PathLike[str]) -> BundleFiles:
    """The files of the bundle at `path` (a folder or a zip); `UsageError` if it is neither."""
    shown = str(path)
    target = Path(path)
    if target.is_dir():
        try:
            return _Folder(target, shown)
        except OSError as exc:
            raise storage_error("read", shown, exc) from None
    if not target.exists():
        raise UsageError(f"Cannot verify {shown}: there is no such file or folder.")
    if not zipfile.is_zipfile(target):
        raise UsageError(
            f"Cannot verify {shown}: it is not an evidence bundle (neither a folder nor a "
            "zip); name what `auditui evidence export` wrote."
        )
    try:
        return _Zip(zipfile.ZipFile(target), shown)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UsageError(f"Cannot verify {shown}: the zip cannot be read ({exc}).") from None
