"""Pausing Python's cyclic garbage collector around bulk work (core, no Textual).

Building a search index or a filter result allocates millions of objects; each allocation
burst can trigger a full collection that walks every live object (long at a million
events), in the middle of a keystroke. None of that work makes reference cycles, so the
collector is paused while it runs and resumed after (a pending collection then happens at
the next allocation, outside the timed work). Thread-safe and nestable: the collector runs
again once the last pause of any thread ends, and only if it was running before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the body with the cyclic garbage collector paused (see the module doc)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
