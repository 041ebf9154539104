"""Starting the TUI from the command line: terminal checks, then `AuditApp.run()`.

Kept apart from app.py so the CLI imports Textual only when it really opens the browser.

Signals end the App the way `q` does, so the terminal is always restored (main screen,
cooked mode, mouse reporting off): SIGTERM (a `kill`, a closing tmux pane or systemd),
SIGHUP (the SSH connection or terminal window went away) and SIGINT (Ctrl+C delivered as
a signal) each make the App exit with 128 + the signal number, also in the middle of a
load. A second signal of the same kind, should exiting hang, ends the process at once.
Ctrl+Z suspends (the terminal restored for the shell) and `fg` resumes, through Textual's
own SIGTSTP/SIGCONT handling; the key is bound here until actions.py binds it.

The screen is always written as UTF-8: terminals speak it even where the locale says
`C`/`POSIX` (common over SSH, and Python may then pick ASCII), and writing box-drawing
characters as `\u2501` escapes would wreck every line of the layout.

Start-up runs with the cyclic garbage collector paused (`gc_pause`), from the moment the
CLI knows it opens the browser (`gc_pause.start_up_begins`; else from `run_app`) until its first
frame is drawn: it makes tens of thousands of long-lived
objects the collector tracks (modules, classes, functions, widgets) and little garbage,
and the allocations would otherwise trigger collections that walk them, a full one
included. What the import and the App's construction made lives as long as the process,
so it is frozen (`gc.freeze`): later full collections skip it (the odd garbage cycle made
meanwhile is kept, not freed).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import gc
import io
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from auditui.errors import UsageError
from auditui.gc_pause import START_UP
from auditui.sources.protocol import EventSource
from auditui.timespec import TimeRange

if TYPE_CHECKING:
    from textual.app import App
    from textual.pilot import Pilot

    from auditui.config.views import SavedView

EXIT_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
EXIT_GRACE = 10.0  # seconds the App has to exit cleanly after a signal


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


def use_utf8_output() -> None:
    """Make stdout and stderr (Textual draws on stderr) encode UTF-8, whatever the locale."""
    for stream in (sys.__stdout__, sys.__stderr__):
        if not isinstance(stream, io.TextIOWrapper):
            continue
        if codecs.lookup(stream.encoding or "ascii").name != "utf-8":
            stream.reconfigure(encoding="utf-8", errors="replace")


def _redraw(app: App[Any]) -> None:
    """After `fg` the terminal shows a fresh, empty screen: draw all of it, not the changes."""
    app.refresh(repaint=True, layout=True)


def _exit_on_signal(app: App[Any], signum: int) -> None:
    """The first signal asks the App to exit cleanly; a second one ends the process, and so
    does the watchdog if the clean exit hangs (see the module doc)."""
    loop = asyncio.get_running_loop()
    for number in EXIT_SIGNALS:
        with contextlib.suppress(ValueError, RuntimeError):
            loop.remove_signal_handler(number)
            signal.signal(number, signal.SIG_DFL)
    watchdog = threading.Timer(EXIT_GRACE, os._exit, args=(128 + signum,))
    watchdog.daemon = True  # never keeps a process that exited cleanly alive
    watchdog.start()
    app.exit(return_code=128 + signum)


async def run_with_signals(app: App[Any], drawn: Callable[[], object] | None = None) -> Any:
    """`app.run_async()`, with EXIT_SIGNALS making it exit cleanly and a full redraw after
    a resume (see the module doc); `drawn` is called once the first frame is drawn."""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in EXIT_SIGNALS:
        try:
            loop.add_signal_handler(signum, _exit_on_signal, app, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # no Unix signals here
            continue
        installed.append(signum)

    async def when_ready(pilot: Pilot[Any]) -> None:  # runs once the App is up
        app.app_resume_signal.subscribe(app, _redraw)
        if drawn is not None:
            app.call_after_refresh(drawn)

    try:
        return await app.run_async(auto_pilot=when_ready)
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


def run_app(
    connection: EventSource,
    time_range: TimeRange,
    *,
    since: str | None = None,
    view: SavedView | None = None,
) -> int:
    """Open the browser (with `view`'s query, columns and sort); returns the exit code."""
    check_terminal()
    START_UP.begin()  # unless the CLI did
    try:
        from auditui.tui.app import AuditApp

        use_utf8_output()
        app = AuditApp(connection, time_range, since=since)
        if view is not None:
            app.views_flow.start_with(view)
        if "ctrl+z" not in app._bindings.key_to_bindings:
            app.bind("ctrl+z", "suspend_process", description="Suspend", show=False)
        gc.freeze()  # lives as long as the process: out of the full collections' walk
        result = asyncio.run(run_with_signals(app, drawn=START_UP.end))
    finally:
        START_UP.end()  # the App ended before its first frame
    return int(result or 0) if app.return_code in (None, 0) else int(app.return_code or 1)
