"""Giving freed memory back to the system after a load (glibc; a no-op elsewhere).

A reload of a million events frees about as much as it allocates, but glibc keeps freed
heap pages and raises its mmap threshold after large frees (response bodies of tens of
MiB), so the resident size crept up reload after reload (benchmarks/soak.py: +49% over
10 minutes) while the live objects stayed the same. `fix_mmap_threshold` (at start) keeps
large buffers in their own mappings, returned whole when freed; `trim` (after a load's
index is built) returns the free pages at the heap's end. Both are cheap (trim ~10-40 ms
at 1M events, in a worker thread) and do nothing where glibc is not the C library.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ctypes

M_MMAP_THRESHOLD = -3  # mallopt parameter (glibc malloc.h)
MMAP_THRESHOLD = 256 * 1024  # bytes: larger blocks get their own mapping


@functools.cache
def _libc() -> ctypes.CDLL | None:
    import ctypes  # here: the browser's first frame needs none of it (~2 ms)

    try:  # glibc's name first: `find_library` runs `ldconfig -p` (~3 ms at start)
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        from ctypes.util import find_library

        try:
            libc = ctypes.CDLL(find_library("c"))
        except OSError:
            return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def fix_mmap_threshold() -> bool:
    """Keep blocks over `MMAP_THRESHOLD` in their own mappings; False where unsupported."""
    libc = _libc()
    return bool(libc is not None and libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def trim() -> bool:
    """Return free heap memory to the system; False where unsupported or nothing went."""
    libc = _libc()
    return bool(libc is not None and libc.malloc_trim(0))
