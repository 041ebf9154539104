"""The archive's writer lock: one process writes an archive at a time.

`archive_lock` holds `locks.exclusive_lock` on `<root>/.lock` (an exclusive `flock`, taken
without waiting, naming its holder: pid, host name, command, since when); a second writer is
refused with one line naming the holder. The lock goes with the process (kill -9 included).
Readers never take it (files are immutable, the manifest is replaced atomically).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime

from auditui.archive.layout import ArchivePaths
from auditui.archive.manifest import ArchiveError
from auditui.errors import storage_error
from auditui.locks import LockHeld, exclusive_lock
from auditui.paths import display_path


@contextlib.contextmanager
def archive_lock(paths: ArchivePaths, now: datetime) -> Iterator[None]:
    """Hold the archive's writer lock for the block (`ArchiveError` if another holds it)."""
    where = display_path(paths.root)
    with contextlib.ExitStack() as held_for_the_block:
        try:
            paths.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            held_for_the_block.enter_context(exclusive_lock(paths.lock, now))
        except LockHeld as held:
            raise ArchiveError(
                f"The archive {where} is being written by {held.holder}: wait for it to finish."
            ) from None
        except OSError as exc:
            raise storage_error("write to the archive", where, exc) from None
        yield
