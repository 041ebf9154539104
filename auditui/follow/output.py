"""Where `auditui fetch --follow` writes: stdout or a file it appends to, a batch at a time.

`--output FILE` is opened for appending (created 0600, or with the umask's permissions
when asked) and reopened when it was renamed away (logrotate's default `create` mode needs
no signal and no `copytruncate`). Each batch is written whole, flushed and, into a regular
file, fsynced before the state file records it, so a power cut cannot leave the state ahead
of the file. `encode_batch` gives each event's line end, for the state's `pending` record,
and `recover` uses them after a kill: the lines of the batch that are whole in the file
were written, a half-written line is cut off (`ftruncate`).
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from auditui.errors import UsageError, storage_error
from auditui.events import AuditEvent
from auditui.export import ExportFormat, write_events
from auditui.follow.state import OutputMark, Pending

NOT_STREAMED = ("json",)  # formats that need the whole set (a JSON array)


def encode_batch(
    events: Sequence[AuditEvent], fmt: ExportFormat, *, header: bool
) -> tuple[bytes, list[int]]:
    """The events in `fmt` (a CSV header first when `header`), and where each one's line
    ends, counted from the start of the returned bytes."""
    buffer = io.BytesIO()
    ends: list[int] = []
    first = [0]

    def tracked() -> Iterator[AuditEvent]:
        first[0] = buffer.tell()  # after the header (CSV), before the first event
        for event in events:
            yield event
            ends.append(buffer.tell())  # the writer asks for the next once this one is out

    write_events(tracked(), buffer, fmt)
    data = buffer.getvalue()
    if header or not first[0]:
        return data, ends
    skip = first[0]
    return data[skip:], [end - skip for end in ends]


class FollowOutput:
    """stdout, or `path` appended to (see the module docstring)."""

    def __init__(self, path: str | None, *, mode: int = 0o600) -> None:
        self.path = Path(path) if path not in (None, "-") else None
        self.mode = mode
        self._file: BinaryIO = sys.stdout.buffer
        self._identity: tuple[int, int] | None = None
        self._written = False  # this run wrote a batch (a pipe's CSV header is out)

    @property
    def target(self) -> str:
        """What the state file remembers of the output: the file's absolute path, or `-`
        (standard output, wherever it leads)."""
        return str(self.path.absolute()) if self.path else "-"

    @property
    def shown(self) -> str:
        return str(self.path) if self.path else "standard output"

    def open(self) -> None:
        if self.path is None:
            return
        if self.path.is_dir():
            raise UsageError(f"Cannot write {self.path}: it is a folder; name a file inside it.")
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags, self.mode)
        except OSError as exc:
            raise storage_error("write", self.shown, exc) from None
        self._file = os.fdopen(fd, "ab")
        info = os.fstat(fd)
        self._identity = (info.st_dev, info.st_ino)

    def close(self) -> None:
        if self.path is not None and not self._file.closed:
            self._file.close()

    def _regular(self) -> os.stat_result | None:
        try:
            info = os.fstat(self._file.fileno())
        except (OSError, ValueError):
            return None
        return info if stat.S_ISREG(info.st_mode) else None

    def mark(self) -> OutputMark | None:
        """The regular file written to (stdout redirected to one counts) and its size;
        None for a pipe, terminal or device."""
        info = self._regular()
        if info is None:
            return None
        return OutputMark(info.st_dev, info.st_ino, info.st_size)

    @property
    def at_start(self) -> bool:
        """Nothing written to it yet (a CSV header is due): an empty file, or a pipe or
        terminal this run has not written to."""
        info = self._regular()
        return not self._written if info is None else info.st_size == 0

    def reopen_if_moved(self) -> None:
        """Open `path` again when the file written to was renamed or removed (rotated)."""
        if self.path is None or self._identity is None:
            return
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            info = None
        except OSError:
            return
        if info is not None and (info.st_dev, info.st_ino) == self._identity:
            return
        self._file.close()
        self.open()

    def recover(self, pending: Pending, previous: OutputMark | None) -> list[str] | None:
        """The uuids of `pending` that are whole in the file (a half line cut off); None
        when the output is not the file the batch went to (a pipe, another file)."""
        info = self._regular()
        if info is None or previous is None:
            return None
        if (info.st_dev, info.st_ino) != (previous.device, previous.inode):
            return None
        if info.st_size < pending.base:
            return None  # truncated since (copytruncate): nothing to compare with
        written = info.st_size - pending.base
        whole = [event for event in pending.events if event.end <= written]
        cut = pending.base + (whole[-1].end if whole else 0)
        if info.st_size > cut:
            try:
                os.ftruncate(self._file.fileno(), cut)
            except OSError as exc:
                raise storage_error("write", self.shown, exc) from None
        return [event.uuid for event in whole]

    def write(self, data: bytes) -> None:
        """Write a batch whole, flush it, and fsync a regular file. A broken pipe is raised
        as `BrokenPipeError`; other failures are a `StorageError`."""
        try:
            self._file.flush()  # nothing of ours waits there; anything else goes first
            fd = self._file.fileno()
            view = memoryview(data)
            while view:  # a signal may cut a write short (into a pipe): write the rest
                view = view[os.write(fd, view) :]
            self._written = True
            if self._regular() is not None:
                os.fsync(fd)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise storage_error("write", self.shown, exc) from None
