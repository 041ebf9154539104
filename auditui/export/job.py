"""Writing the shown events to a file, for a thread worker (no widgets here).

`export_events` streams events through `auditui.export.formats.write_events` into
`auditui.export.formats.atomic_output(path)`: the target appears (or is replaced) only when every
event was written, private (0600) unless `mode="umask"` (a FIFO or device is written as it
is). It reports progress every `PROGRESS_EVERY` events and checks a `cancelled` callback as
often, so a worker can stop it (`ExportCancelled`; no file is left
behind). Take the snapshot on the UI thread (`snapshot(view)`), then run the rest in a
worker:

    events = snapshot(view)
    worker = app.run_worker(
        partial(export_events, events, request.path, request.format,
                on_progress=lambda done, total: app.call_from_thread(show, done, total),
                cancelled=lambda: get_current_worker().is_cancelled),
        thread=True, group="export", exit_on_error=False)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from auditui.events.model import AuditEvent
from auditui.events.store import EventView
from auditui.export.formats import (
    ExportFormat,
    ExportMode,
    atomic_output,
    file_mode,
    output_target,
    write_events,
)

__all__ = ["PROGRESS_EVERY", "ExportCancelled", "ExportResult", "export_events", "snapshot"]

PROGRESS_EVERY = 5_000

ProgressCallback = Callable[[int, int], None]


class ExportCancelled(Exception):
    """The export was cancelled; the target file was not touched."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    format: ExportFormat
    count: int
    bytes: int
    seconds: float
    file_mode: int | None = None  # the permissions given; None when streamed (a FIFO)


def snapshot(view: EventView) -> list[AuditEvent]:
    """The view's events in row order (filtered and sorted), fixed at this moment."""
    events = view.store.events
    return [events[i] for i in view.indices]


def _tracked(
    events: Sequence[AuditEvent],
    on_progress: ProgressCallback | None,
    cancelled: Callable[[], bool] | None,
) -> Iterator[AuditEvent]:
    total = len(events)
    for done, event in enumerate(events):
        if done % PROGRESS_EVERY == 0:
            if cancelled is not None and cancelled():
                raise ExportCancelled
            if on_progress is not None and done:
                on_progress(done, total)
        yield event


def export_events(
    events: Sequence[AuditEvent],
    path: str | Path,
    fmt: ExportFormat,
    *,
    on_progress: ProgressCallback | None = None,
    cancelled: Callable[[], bool] | None = None,
    mode: ExportMode = "private",
    notes: Mapping[str, str] | None = None,
) -> ExportResult:
    """Write `events` to `path` atomically in `fmt`; safe to run in a thread worker.

    Raises `UsageError` (folder missing, not a file), `StorageError` (disk full,
    permissions) or `ExportCancelled`; in every failure the target is left as it was.
    """
    target = Path(path)
    started = time.perf_counter()
    streamed = output_target(target)[1]
    with atomic_output(target, mode=mode) as out:
        count = write_events(_tracked(events, on_progress, cancelled), out, fmt, notes)
        out.flush()
        try:
            size = out.tell()
        except OSError:  # a FIFO has no position
            size = 0
    if on_progress is not None:
        on_progress(count, len(events))
    seconds = time.perf_counter() - started
    bits = None if streamed else file_mode(mode)
    return ExportResult(target, fmt, count, size, seconds, bits)
