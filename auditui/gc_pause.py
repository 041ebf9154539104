"""Pausing Python's cyclic garbage collector around bulk work (core, no Textual).

Building a search index or a filter result allocates millions of objects; each allocation
burst can trigger a full collection that walks every live object (long at a million
events), in the middle of a keystroke. None of that work makes reference cycles, so the
collector is paused while it runs and resumed after (a pending collection then happens at
the next allocation, outside the timed work). Thread-safe and nestable: the collector runs
again once the last pause of any thread ends, and only if it was running before the first.

`START_UP` is the browser's start-up pause (`tui.launch`'s module doc): from the moment the
CLI knows it opens the browser (`start_up_begins`, here so that the CLI need not import the
TUI's launcher, and with it asyncio, before it forks the demo server) until the first frame.
"""

from __future__ import annotations

import contextlib
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


class _StartUp:
    """The collector's pause from the start (`begin`, the CLI's or `run_app`'s) until the
    first frame is drawn (`end`); see the module doc."""

    def __init__(self) -> None:
        self._pause: contextlib.ExitStack | None = None

    def begin(self) -> None:
        if self._pause is None:
            self._pause = contextlib.ExitStack()
            self._pause.enter_context(gc_paused())

    def end(self) -> None:
        pause, self._pause = self._pause, None
        if pause is not None:
            pause.close()


START_UP = _StartUp()


def start_up_begins() -> None:
    """The CLI knows it opens the browser: pause the collector from now on (module doc)."""
    START_UP.begin()
