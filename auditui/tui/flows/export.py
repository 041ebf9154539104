"""The export flow inside the TUI: ask where, then write the shown events in a thread.

`e` opens `ExportDialog` with the number of events shown and the loaded range. On a
request the events are fixed on the UI thread (`export_job.snapshot`: the current filter
and sort) and written by `export_job.export_events` in a thread worker, into
`auditui.export.formats.atomic_output` (nothing is left behind on failure or cancel). Progress
shows in a line above the footer; Esc cancels (see `AuditApp.action_cancel`). One toast
at the end: "Wrote 1,234 events to ./x.csv", or the error in one line. When the shown
events are not the whole range (failed windows, a cancelled or running load) the dialog
and the toast say so (`export_warning`).
"""

from __future__ import annotations

import contextlib
import os
from bisect import bisect_left
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.notifications import SeverityLevel
from textual.worker import Worker, get_current_worker

from auditui.errors import AudituiError
from auditui.query import compile_query
from auditui.textsafe import visible
from auditui.tui.load_counts import incomplete_note
from auditui.tui.session import Session

if TYPE_CHECKING:
    from textual.app import App

    from auditui.export.formats import ExportMode
    from auditui.export.job import ExportResult
    from auditui.tui.dialogs.export import ExportRequest
    from auditui.tui.on_demand import OnDemand
    from auditui.tui.widgets.status_bar import LoadProgress


def display_path(path: Path, cwd: Path | None = None) -> str:
    """`./name` for a file under the working directory, else the absolute path."""
    base = cwd if cwd is not None else Path.cwd()
    try:
        relative = path.relative_to(base)
    except ValueError:
        return str(path)
    return f".{os.sep}{relative}"


def marked_indices(session: Session) -> list[int]:
    """The store indices of the marked events the view shows, in row order.

    Without a loop over the rows: the marked events (a mask over the store), those of them
    in the current filter's result (ascending: a bisection each), then sorted as the view
    sorts its rows (newest first, then stably by the sort column)."""
    notes = session.mark_notes()
    view = session.view
    store = view.store
    if not notes or not len(view):
        return []
    marked = list(compile_query("marked:true", marks=notes).filter_indices(store))
    if not marked:
        return []
    if view.filtered:
        last = session.filterer.last
        if last is None or last.is_empty or last.generation != store.generation:
            wanted = set(marked)  # the view is not the filter's last result: ask the view
            return [index for index in view.indices if index in wanted]
        marked = [index for index in marked if _holds(last.indices, index)]
    members = store.time_sorted(marked)
    if view.sort_column == "time" and view.descending:
        return list(members)
    return store.sort_indices(members, view.sort_column, view.descending)


def _holds(ascending: Sequence[int], value: int) -> bool:
    at = bisect_left(ascending, value)
    return at < len(ascending) and ascending[at] == value


def export_warning(session: Session) -> str:
    """Why the shown events may not be the whole range ("" when they are): an export and
    a copy say so, so that a partial load is never passed on as the whole range."""
    if session.loading:
        return "still loading: only the events loaded so far"
    return incomplete_note(session.counts)


class ExportFlow:
    """Opens the export dialog and runs the export worker (the session's shown events)."""

    def __init__(self, app: App[Any], session: Session, widgets: OnDemand) -> None:
        self.app = app
        self.session = session
        self._widgets = widgets  # the progress line: mounted with the first export
        self.worker: Worker[None] | None = None
        self._warning = ""  # why the exported events may not be the whole range

    @property
    def running(self) -> bool:
        return self.worker is not None and not self.worker.is_finished

    @property
    def mode(self) -> ExportMode:
        """Exports are private (0600) unless the profile says `export_mode = "umask"`."""
        return "umask" if self.session.source.profile.export_mode == "umask" else "private"

    @property
    def progress(self) -> LoadProgress:
        """The progress line (mounted by the first export, before its worker starts)."""
        line = self._widgets.export_progress_shown
        assert line is not None, "the export's progress line is used before an export"
        return line

    def start(self) -> None:
        if self.running:
            self.app.notify("An export is already running (Esc cancels it).", timeout=4)
            return
        from auditui.export.formats import describe_mode, file_mode  # lazy: on `e` only
        from auditui.tui.dialogs.export import ExportDialog

        session = self.session
        self._warning = export_warning(session)
        saved_as = describe_mode(file_mode(self.mode))
        dialog = ExportDialog(
            len(session.view),
            session.time_range,
            warning=self._warning,
            saved_as=saved_as,
            query=session.filter_text,
            marked=len(marked_indices(session)),
        )
        self.app.push_screen(dialog, self._chosen)

    async def _chosen(self, request: ExportRequest | None) -> None:
        if request is None:
            return
        progress = await self._widgets.export_progress()  # mounted the first time
        from auditui.export.job import ExportCancelled, export_events, snapshot  # lazy

        events = snapshot(self.session.view)
        notes = self.session.mark_notes() or {}
        if request.marked_only:
            events = [event for event in events if event.event_uuid in notes]
        shown = visible(display_path(request.path))
        progress.start(f" exporting {len(events):,} events to {shown} · Esc cancels")

        def run() -> None:
            worker = get_current_worker()
            try:
                result = export_events(
                    events,
                    request.path,
                    request.format,
                    on_progress=lambda done, total: self._call(self._advance, done, total),
                    cancelled=lambda: worker.is_cancelled,
                    mode=self.mode,
                    notes=notes,
                )
            except ExportCancelled:
                self._call(self._finished, "Export cancelled; no file was written.", "warning")
            except AudituiError as exc:
                self._call(self._finished, str(exc), "error")
            except OSError as exc:
                reason = exc.strerror or str(exc)
                message = f"Export failed: {reason}: {visible(str(request.path))}"
                self._call(self._finished, message, "error")
            else:
                self._call(self._succeeded, result)

        self.worker = self.app.run_worker(
            run, thread=True, group="export", exclusive=True, exit_on_error=False
        )

    def cancel(self) -> bool:
        """Cancel a running export; False when none is running."""
        if not self.running:
            return False
        self.app.workers.cancel_group(self.app, "export")
        return True

    # -- from the worker thread ----------------------------------------------------------

    def _call(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the App is closing
            self.app.call_from_thread(callback, *args)

    def _advance(self, done: int, total: int) -> None:
        caption = f" exported {done:,} of {total:,} events · Esc cancels"
        self.progress.show(caption, max(total, 1), done)

    def _succeeded(self, result: ExportResult) -> None:
        noun = "event" if result.count == 1 else "events"
        where = visible(display_path(result.path))
        message = f"Wrote {result.count:,} {noun} to {where}"
        if self._warning:
            self._finished(f"{message} — {self._warning}", "warning")
        else:
            self._finished(message, "information")

    def _finished(self, message: str, severity: SeverityLevel) -> None:
        self.progress.stop()
        timeout = 8 if severity == "information" else 12
        self.app.notify(message, severity=severity, timeout=timeout)
