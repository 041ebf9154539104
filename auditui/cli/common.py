"""What several commands share: the time range asked for, lines on stderr, and stopping
cleanly on SIGTERM and SIGHUP.

Nothing here imports more than the standard library and `auditui.timespec` at start.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditui.timespec import TimeRange


def say(message: str) -> None:
    """One line for people on stderr (warnings and notes; stdout is for data)."""
    print(message, file=sys.stderr, flush=True)


def requested_range(args: argparse.Namespace, default_since: str) -> TimeRange:
    """The range the user asked for with --since or --from/--to, else the profile's default."""
    from auditui.timespec import resolve_range

    return resolve_range(
        since=getattr(args, "since", None),
        start=getattr(args, "start", None),
        end=getattr(args, "end", None),
        default_since=default_since,
    )


class StatusLine:
    """A single self-rewriting line on stderr (use it only when stderr is a terminal)."""

    def show(self, text: str) -> None:
        sys.stderr.write(f"\r\x1b[K{text}")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl+C, so every `with` block cleans up (the
    atomic writer removes its temp file), then exit with 128 + the signal's number."""

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
    """Make SIGTERM and SIGHUP raise `Terminated` in the main thread (as SIGINT raises
    KeyboardInterrupt). The TUI installs its own handlers over these while it runs."""
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread, or no such
                signal.signal(number, _terminate)
