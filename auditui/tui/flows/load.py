"""Streaming a range into the App (kept out of app.py).

`LoadFlow.run` consumes `connection.stream(...)`: windows arrive cached first, then fetched
newest first. The first batch of a new load is readied (`FilterFlow.preparer`; on the event
loop when small, else in a thread) and swapped in, so the previous events stay on screen
until then (and for good when every window fails); later batches are appended to the store
together, at most every `FLUSH_EVERY` seconds and once more at the end (`EventStore.add`
keeps the time order in O(store) at C speed), and the active filter is applied to the new
events only (`FilterFlow.extend`). The selected event keeps its line on screen; a cursor on
the first row stays on the first row (the newest event). A retry (`r` after failed windows)
grows the current store instead of replacing it.

A failed window is reported by its dates and the others keep loading; `r` retries the
failed ones. An `AuthError` opens the login flow (never for a file). Any other exception is
a bug: the loading state ends and a toast says so.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditui.errors import AudituiError, AuthError
from auditui.events.model import AuditEvent
from auditui.sources.windows import WindowBatch
from auditui.timespec import TimeRange

if TYPE_CHECKING:
    from auditui.tui.app import AuditApp

STATS_EVERY = 0.3  # seconds between timeline/facet refreshes while rows stream in
FLUSH_EVERY = 0.25  # seconds: streamed windows reach the table at most this often
INLINE_FIRST = 20_000  # a first batch up to this size is readied on the event loop


@dataclass
class LoadCounts:
    """What the header says about the loaded windows."""

    windows: int = 0  # windows of the range (loaded or failed)
    cached: int = 0  # of those, read from the cache
    skipped: int = 0  # malformed events
    dropped: int = 0  # events outside their window
    failed: list[TimeRange] = field(default_factory=list)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class LoadFlow:
    """Runs one stream into the App's store; see the module doc."""

    def __init__(self, app: AuditApp) -> None:
        self.app = app
        self.counts = LoadCounts()
        self._stats_at = 0.0
        self._want: str | None = None
        self._reported: set[str] = set()  # distinct window errors toasted in this load
        self._pending: list[AuditEvent] = []  # streamed events not yet in the store
        self._flushed_at = 0.0

    @property
    def failed(self) -> list[TimeRange]:
        return self.counts.failed

    async def run(
        self, time_range: TimeRange, serial: int, windows: list[TimeRange] | None = None
    ) -> None:
        """Stream `time_range` (or just `windows` of it, a retry) into the App."""
        app = self.app
        retry = windows is not None
        seen = {event.event_uuid for event in app.store.events} if retry else None
        counts = self.counts if retry else LoadCounts()
        if retry:
            counts.failed = []
        installed = retry  # a retry grows the store on screen
        auth: AuthError | None = None
        self._reported = set()
        self._pending = []
        try:
            stream = app.connection.stream(time_range, app.on_progress, windows=windows, seen=seen)
            async with aclosing(stream) as batches:
                async for batch in batches:
                    if batch.error is not None:
                        if isinstance(batch.error, AuthError) and not app.offline:
                            auth = batch.error
                            break
                        counts.windows += not retry
                        counts.failed.append(batch.window)
                        self._report(batch)
                        continue
                    if not installed:
                        await self._install(time_range, batch, counts)
                        installed = True
                    else:
                        self._append(batch, counts, retry=retry)
        except asyncio.CancelledError:
            # Replaced by a newer load (exclusive worker): that one is still loading.
            if serial == app.load_serial:
                app.load_finished()
            raise
        except AuthError as exc:
            auth = exc
        except AudituiError as exc:
            self._flush()
            app.load_finished()
            app.notify(str(exc), title="Load failed", severity="error", timeout=12)
            return
        except Exception as exc:  # noqa: BLE001  # a bug: never leave "loading…" on screen
            app.load_finished()
            app.notify(
                f"Unexpected error while loading: {type(exc).__name__}: {_one_line(exc)}"
                " — see --debug",
                title="Load failed",
                severity="error",
                timeout=15,
            )
            app.log.error(f"load failed: {exc!r}")
            return
        self._flush()
        self._want = None
        app.load_finished()
        if installed:  # once the finished screen is drawn: the index build competes for CPU
            app.call_after_refresh(app.filter_flow.refresh_stats, warm=True)
        if auth is not None and not app.offline:
            app.login_flow.start(reason=str(auth), retry=time_range)
        elif counts.skipped:
            app.notify(
                f"{counts.skipped:,} malformed events skipped", severity="warning", timeout=6
            )
        if len(counts.failed) > 1:
            app.notify(
                f"{len(counts.failed):,} windows failed; "
                + ("the others loaded" if installed else "the events on screen are unchanged")
                + " — r retries them",
                title="Windows failed",
                severity="error",
                timeout=12,
            )

    def _report(self, batch: WindowBatch) -> None:
        """One toast per distinct error of a load (90 failed days are one message, not 90)."""
        assert batch.error is not None
        message = _one_line(batch.error)
        if message in self._reported:
            return
        self._reported.add(message)
        self.app.notify(
            f"{batch.window.label()}: {message} — r retries it",
            title="Window failed",
            severity="error",
            timeout=12,
        )

    async def _install(self, time_range: TimeRange, batch: WindowBatch, counts: LoadCounts) -> None:
        """The first batch of a new load: a new store, readied in a thread, swapped in."""
        app = self.app
        preparer = app.filter_flow.preparer(batch.events)
        if len(batch.events) <= INLINE_FIRST and not app.filter_flow.text:
            prepared = preparer()  # a few ms: a thread would wait for the GIL far longer
        else:
            prepared = await asyncio.to_thread(preparer)
        self.counts = counts
        self._count(batch, counts, retry=False)
        app.time_range = time_range
        selected = app.table.cursor_event
        # the event selected before the reload gets the cursor back once its window arrives
        self._want = None if selected is None else selected.event_uuid
        at_top = app.table.cursor_row == 0
        app.filter_flow.install(prepared, stats=False)
        if at_top:
            app.table.move_cursor(0)
        self._find_wanted()
        self._stats_at = self._flushed_at = time.monotonic()  # the first rows paint first

    def _find_wanted(self) -> None:
        table, want = self.app.table, self._want
        if want is None:
            return
        row = self.app.view.row_of(want)
        if row is not None:
            self._want = None
            if row != table.cursor_row:
                table.move_cursor(row)

    def _append(self, batch: WindowBatch, counts: LoadCounts, *, retry: bool) -> None:
        """Count a streamed window; its rows join the table within `FLUSH_EVERY`."""
        self._count(batch, counts, retry=retry)
        self._pending.extend(batch.events)
        if time.monotonic() - self._flushed_at >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        """Append the pending events to the store and the table (one refresh for many)."""
        self._flushed_at = now = time.monotonic()
        if not self._pending:
            self.app.update_header()  # windows counted (empty or failed ones too)
            return
        events, self._pending = self._pending, []
        stats = now - self._stats_at >= STATS_EVERY
        if stats:
            self._stats_at = now
        self.app.filter_flow.extend(events, stats=stats)
        self._find_wanted()
        self.app.update_header()

    @staticmethod
    def _count(batch: WindowBatch, counts: LoadCounts, *, retry: bool) -> None:
        counts.windows += not retry
        counts.cached += batch.cached
        counts.skipped += batch.malformed
        counts.dropped += batch.out_of_range
