"""Writer locks: one process at a time writes an archive, or follows into a state file.

`exclusive_lock(path, now)` takes an exclusive `flock` on `path` without waiting and writes
who holds it (pid, host name, command, since when) into it; while another process holds it,
`LockHeld` says who. The lock goes with the process (kill -9 included): a stale lock file is
just a file. Callers turn `LockHeld` into their own one-line error.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock; `holder` says who (pid, host, command, since)."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


def _holder(now: datetime) -> str:
    command = " ".join(os.path.basename(arg) if i == 0 else arg
                       for i, arg in enumerate(sys.argv[:3]))  # fmt: skip
    return (f"pid {os.getpid()} on {socket.gethostname()} ({command or 'auditui'}), "
            f"since {now:%Y-%m-%d %H:%M:%S} UTC")  # fmt: skip


@contextlib.contextmanager
def exclusive_lock(path: Path, now: datetime) -> Iterator[None]:
    """Hold the lock on `path` for the block (created 0600; its folder must exist).

    Raises `LockHeld` when another process holds it, `OSError` when the file cannot be
    opened."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
            raise LockHeld(holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (_holder(now) + "\n").encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)
