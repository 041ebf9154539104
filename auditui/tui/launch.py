"""Starting the TUI from the command line: terminal checks, then `AuditApp.run()`.

Kept apart from app.py so the CLI imports Textual only when it really opens the browser.
"""

from __future__ import annotations

import os
import sys

from auditui.connection import Connection
from auditui.errors import UsageError
from auditui.timespec import TimeRange


def check_terminal() -> None:
    """Refuse, with one clear line, terminals that cannot host a full-screen app."""
    term = os.environ.get("TERM", "")
    if term in ("dumb", "unknown"):
        raise UsageError(
            f"auditui needs a full terminal (TERM={term}); run it in a terminal emulator, "
            "or use `auditui fetch` for scripts."
        )
    if not sys.stdout.isatty() or not sys.stdin.isatty():
        raise UsageError(
            "auditui needs an interactive terminal on stdin and stdout; "
            "use `auditui fetch` to write events to a pipe or file."
        )


def run_app(connection: Connection, time_range: TimeRange, *, since: str | None = None) -> int:
    """Open the browser; returns the process exit code."""
    check_terminal()
    from auditui.tui.app import AuditApp

    app = AuditApp(connection, time_range, since=since)
    result = app.run()
    return int(result or 0) if app.return_code in (None, 0) else int(app.return_code or 1)
