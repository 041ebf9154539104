"""What several commands share: the time range asked for and lines on stderr (stopping
cleanly on SIGTERM and SIGHUP: `auditui.stopping`).

Nothing here imports more than the standard library and `auditui.timespec` at start.
"""

from __future__ import annotations

import argparse
import sys
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
