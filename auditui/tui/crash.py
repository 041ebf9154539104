"""The App's crash report: Textual's own, without the local variables of each frame.

Textual prints an unhandled exception with `show_locals=True`; the locals of auditui's
frames hold event data, paths and the API key, which no traceback may print (not even
under `--debug`). `crash_report_without_locals` is `App._fatal_error` with that one change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App


def crash_report_without_locals(app: App[Any]) -> None:
    """Ring, queue the traceback (no locals) for after the screen is restored, close."""
    import rich  # here: rich.traceback (with pygments) takes ~60 ms to import, at each start
    from rich.segment import Segments
    from rich.traceback import Traceback

    app.bell()
    traceback = Traceback(show_locals=False, width=None, suppress=[rich])
    app._exit_renderables.append(Segments(app.console.render(traceback)))
    app._close_messages_no_wait()
