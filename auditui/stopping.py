"""Stopping a command cleanly on SIGTERM and SIGHUP, also while an event loop runs.

`stop_cleanly_on_signals` makes each signal raise `Terminated` in the main thread, as
SIGINT raises KeyboardInterrupt: every `with` block cleans up (the atomic writer removes its
temp file) and the command exits with 128 + the signal's number. A second one, should
unwinding hang, ends the process at once.

An exception raised by a signal handler lands wherever the main thread is. Inside an event
loop that may be a callback, which asyncio logs with a traceback and swallows (only
SystemExit and KeyboardInterrupt get through), or a task that is not the one the command
awaits: a `kill` was then printed as a traceback and lost, and the command went on (seen:
`auditui archive sync` exiting 1 instead of 143). So a loop runs through `run`: while it
runs, the loop itself takes the signals, cancels the awaited coroutine (which unwinds
through its own `finally` blocks, as a Ctrl+C does under `asyncio.run`), and `Terminated`
is raised once the loop has stopped. The TUI installs its own handlers over these.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Coroutine
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio

_T = TypeVar("_T")
SIGNALS = tuple(
    number for number in (getattr(signal, name, None) for name in ("SIGTERM", "SIGHUP"))
    if number is not None
)  # fmt: skip


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl+C, then exit with 128 + its number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _terminate(signum: int, frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_DFL)  # a second one, should unwinding hang, ends it
    raise Terminated(signum)


def stop_cleanly_on_signals() -> None:
    """Make SIGTERM and SIGHUP raise `Terminated` in the main thread (see the module doc)."""
    for number in SIGNALS:
        with contextlib.suppress(ValueError, OSError):  # not the main thread, or no such
            signal.signal(number, _terminate)


def run(main: Coroutine[Any, Any, _T], runner: asyncio.Runner | None = None) -> _T:
    """`asyncio.run(main)` (or `runner.run(main)`), with SIGTERM and SIGHUP taken by the
    loop while it runs: `main` is cancelled, and `Terminated` raised once it has unwound."""
    import asyncio  # here: `stop_cleanly_on_signals` runs for every command

    received: list[int] = []

    async def guarded() -> _T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        installed: list[int] = []
        previous = {number: signal.getsignal(number) for number in SIGNALS}

        def on_signal(signum: int) -> None:
            received.append(signum)
            for number in installed:  # a second signal: the default action, at once
                loop.remove_signal_handler(number)
            installed.clear()
            if task is not None:
                task.cancel()

        for number in SIGNALS:
            try:
                loop.add_signal_handler(number, on_signal, number)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
                continue
            installed.append(number)
        try:
            return await main
        finally:
            for number in installed:  # as before the loop ran
                loop.remove_signal_handler(number)
                with contextlib.suppress(TypeError, ValueError, OSError):
                    signal.signal(number, previous[number])

    try:
        result = runner.run(guarded()) if runner is not None else asyncio.run(guarded())
    except BaseException:
        if not received:
            raise
    if received:  # however `main` ended (cancelled, or it caught the cancellation): stop
        raise Terminated(received[0]) from None
    return result
