"""Child processes that end with the process that forked them, however it ends.

A forked child (the demo server, the prefetch) watches a pipe whose end only its parent
holds, but only while it reads that pipe: one that has finished its work and waits on
something else (a pipe another process still holds, a write nobody reads) outlived a
parent killed outright. On Linux the kernel ends it instead (`PR_SET_PDEATHSIG`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """In a child just forked by `parent`: be killed when the parent dies (Linux), and exit
    at once if it already has (it died before the kernel was asked)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):  # no libc to ask: the pipes still end it
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(0)
