"""The archive's writer lock: one process writes an archive at a time.

`archive_lock` takes an exclusive `flock` on `<root>/.lock` without waiting and writes who
holds it (pid, host name, command, since when) into it; a second writer is refused with one
line naming the holder. The lock goes with the process (kill -9 included): a stale
`.lock` file is just a file. Readers never take it (files are immutable, the manifest is
replaced atomically).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
from collections.abc import Iterator
from datetime import datetime

from auditui.archive.layout import ArchivePaths
from auditui.archive.manifest import ArchiveError
from auditui.errors import storage_error
from auditui.paths import display_path


def _holder(now: datetime) -> str:
    command = " ".join(os.path.basename(arg) if i == 0 else arg
                       for i, arg in enumerate(sys.argv[:3]))  # fmt: skip
    return (f"pid {os.getpid()} on {socket.gethostname()} ({command or 'auditui'}), "
            f"since {now:%Y-%m-%d %H:%M:%S} UTC")  # fmt: skip


@contextlib.contextmanager
def archive_lock(paths: ArchivePaths, now: datetime) -> Iterator[None]:
    """Hold the archive's writer lock for the block (`ArchiveError` if another holds it)."""
    where = display_path(paths.root)
    try:
        paths.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise storage_error("write to the archive", where, exc) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
            raise ArchiveError(
                f"The archive {where} is being written by {holder}: wait for it to finish."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (_holder(now) + "\n").encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)
