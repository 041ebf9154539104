"""Streaming a range into the session; what happens is reported, the App wires the answers.

`LoadFlow.run` consumes `session.source.stream(...)`: the newest window first (always
fetched live: it confirms the key before any cached window is shown), then the cached ones,
then the rest fetched newest first. The first batch of a new load is readied
(`Session.preparer`; on the event loop when small, else in a thread) and swapped in
(`Session.install`), so the previous events stay on screen until then (and for good when
every window fails); later batches are appended to the store together, at most every
`FLUSH_EVERY` seconds (more on a large store) and once more at the end (`Session.extend`:
`EventStore.add` keeps the time order in O(store) at C speed, the active filter is applied
to the new events only). A retry (`r` after failed windows) grows the current store
instead of replacing it.

The flow touches no widget and no other flow: it reports through `LoadHooks` ("installed",
"extended", "counted", "auth refused", "stopped", "done"), which the App connects to the
filter flow, the login flow, the header and the progress line.

A failed window is reported by its dates and the others keep loading; `r` retries the
failed ones. The session keeps each failure's brief reason, so the header and the counter
say "incomplete: 1 of 3 windows failed (HTTP 500)" for as long as those events are shown;
when every window fails and nothing was on screen, the range is shown empty with that note
(and the error where the rows would be), never as a quiet range. An `AuthError` asks for
a key (never for a file). Any other exception is a bug: the loading state ends and a toast
says so. Esc (`cancel`) puts back what a new load replaced, or says what is shown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import aclosing
from typing import Protocol

import msgspec
from textual.notifications import SeverityLevel

from auditui.errors import AudituiError, AuthError
from auditui.events import AuditEvent
from auditui.sources.windows import Progress, WindowBatch
from auditui.timespec import TimeRange
from auditui.tui.load_counts import SUMMARY_TITLE, LoadCounts, skipped_summary
from auditui.tui.session import Session

STATS_EVERY = 0.3  # seconds between timeline/facet refreshes while rows stream in …
# … or more on a large store: a refresh sorts every timestamp in a worker (0.2–0.3 s of the
# GIL at a million events), which every 0.3 s took the loader's CPU; this many events add
# one second between refreshes (2 s at a million, 0.3 s as before up to 150,000)
STATS_EVENTS_PER_SECOND = 500_000
FLUSH_EVERY = 0.25  # seconds: streamed windows reach the table at most this often …
# … times (events in the store / this), from that many on: a flush costs O(store) at C
# speed (the time order) plus a frame, ~40 ms at a million events four times a second
# (1 s between flushes at a million, 0.5 s at 500,000; 0.25 s as before up to 250,000)
FLUSH_SCALE_FROM = 250_000
INLINE_FIRST = 20_000  # a first batch up to this size is readied on the event loop


class Notify(Protocol):
    """`App.notify`, as far as a load uses it."""

    def __call__(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
    ) -> None: ...


class LoadHooks(msgspec.Struct, frozen=True):
    """What a load reports; the App connects each to the flow or widget that answers it."""

    notify: Notify
    log_error: Callable[[str], None]
    progress: Callable[[Progress], None]  # windows done, events and bytes so far
    counted: Callable[[], None]  # counts changed (windows arrived or failed)
    installed: Callable[[str | None], None]  # a new store is the session's (query to redo)
    extended: Callable[[bool, bool], None]  # events appended (view current?, stats due?)
    auth_refused: Callable[[str, TimeRange], None]  # the key was refused (reason, range)
    restored: Callable[[], None]  # a cancel put back the events the load had replaced
    stopped: Callable[[], None]  # the load ended, whichever way
    done: Callable[[bool], None]  # the stream ran to its end (a store was installed?)

    def gated(self, wrap: Callable[[Callable[..., None]], Callable[..., None]]) -> LoadHooks:
        """These hooks, each passed through `wrap` (e.g. `MountGate.wrap`)."""
        return LoadHooks(*(wrap(getattr(self, name)) for name in self.__struct_fields__))


CANCELLED = {
    "restored": "Load cancelled; the previous range, events and filter are back.",
    "partial": "Load cancelled; the windows loaded so far are shown, marked incomplete"
    " — r loads the whole range.",
    "retry": "Retry cancelled; the windows not loaded yet stay marked failed — r retries them.",
    "unchanged": "Load cancelled; the events on screen are unchanged.",
}


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class LoadFlow:
    """Runs one stream into the session; see the module doc."""

    def __init__(self, session: Session, hooks: LoadHooks) -> None:
        self.session = session
        self.hooks = hooks
        self._stats_at = 0.0
        self._reported: set[str] = set()  # distinct window errors toasted in this load
        self._pending: list[AuditEvent] = []  # streamed events not yet in the store
        self._flushed_at = 0.0

    @property
    def counts(self) -> LoadCounts:
        """The session's counts (read-only here)."""
        return self.session.counts

    @property
    def failed(self) -> list[TimeRange]:
        """The failed windows of the events shown (`r` retries them)."""
        return self.session.counts.failed

    def cancel(self) -> str:
        """Esc (or a new load): the running load's state stops (its worker is cancelled by
        the App); returns what the screen now shows, in words."""
        outcome = self.session.cancel_load()
        if outcome == "restored":
            self.hooks.restored()
        self.hooks.stopped()
        return CANCELLED[outcome]

    async def run(
        self, time_range: TimeRange, serial: int, windows: list[TimeRange] | None = None
    ) -> None:
        """Stream `time_range` (or just `windows` of it, a retry) into the session."""
        session, hooks = self.session, self.hooks
        retry = windows is not None
        seen = session.known_uuids() if retry else None
        counts = session.start_counting(retry=retry)
        installed = retry  # a retry grows the store on screen
        auth: AuthError | None = None
        self._reported = set()
        self._pending = []
        try:
            stream = session.source.stream(time_range, self._progress, windows=windows, seen=seen)
            async with aclosing(stream) as batches:
                async for batch in batches:
                    if batch.error is not None:
                        if isinstance(batch.error, AuthError) and not session.offline:
                            auth = batch.error
                            break
                        session.count_failure(batch.window, batch.error)
                        self._report(batch)
                        continue
                    if not installed:
                        await self._install(time_range, batch)
                        installed = True
                    else:
                        self._append(batch)
        except asyncio.CancelledError:
            # Replaced by a newer load (exclusive worker): that one is still loading.
            if session.is_current(serial):
                hooks.stopped()
            raise
        except AuthError as exc:
            auth = exc
        except AudituiError as exc:
            self._flush()
            hooks.stopped()
            hooks.notify(str(exc), title="Load failed", severity="error", timeout=12)
            return
        except Exception as exc:  # noqa: BLE001  # a bug: never leave "loading…" on screen
            hooks.stopped()
            hooks.notify(
                f"Unexpected error while loading: {type(exc).__name__}: {_one_line(exc)}"
                " — see --debug",
                title="Load failed",
                severity="error",
                timeout=15,
            )
            hooks.log_error(f"load failed: {exc!r}")
            return
        self._flush()
        kept = not installed and bool(counts.failed)  # every window failed
        if kept and not len(session.store):
            # nothing was on screen: show the range empty, saying why (not a quiet range)
            hooks.installed(session.install_empty(time_range))
            installed, kept = True, False
        hooks.stopped()
        hooks.done(installed)
        if auth is not None and not session.offline:
            hooks.auth_refused(str(auth), time_range)
        elif counts.skipped or counts.conflicts:
            hooks.notify(skipped_summary(counts.skipped, counts.conflicts), title=SUMMARY_TITLE,
                         severity="warning", timeout=8)  # fmt: skip
        if kept:
            again = "r tries again" if time_range == session.time_range else "t picks it again"
            hooks.notify(
                f"{len(counts.failed):,} of {len(counts.failed):,} windows failed"
                f" ({', '.join(dict.fromkeys(counts.reasons))}); the events on screen are"
                f" unchanged — {again}",
                title="Load failed",
                severity="error",
                timeout=12,
            )
        elif len(counts.failed) > 1:
            reasons = ", ".join(dict.fromkeys(counts.reasons))
            others = "the others loaded" if counts.windows > len(counts.failed) else "none loaded"
            hooks.notify(
                f"{len(counts.failed):,} of {counts.windows:,} windows failed ({reasons}); "
                + others
                + " — r retries them",
                title="Windows failed",
                severity="error",
                timeout=12,
            )

    def _progress(self, progress: Progress) -> None:
        self.session.expect_windows(progress.windows_total)
        self.hooks.progress(progress)

    def _report(self, batch: WindowBatch) -> None:
        """One toast per distinct error of a load (90 failed days are one message, not 90)."""
        assert batch.error is not None
        message = _one_line(batch.error)
        if message in self._reported:
            return
        self._reported.add(message)
        self.hooks.notify(
            f"{batch.window.label()}: {message} — r retries it",
            title="Window failed",
            severity="error",
            timeout=12,
        )

    async def _install(self, time_range: TimeRange, batch: WindowBatch) -> None:
        """The first batch of a new load: a new store, readied in a thread, swapped in."""
        session = self.session
        preparer = session.preparer(batch.events)
        if len(batch.events) <= INLINE_FIRST and not session.filter_text:
            prepared = preparer()  # small: a thread would wait for the GIL longer than this
        else:
            prepared = await asyncio.to_thread(preparer)
        requery = session.install(prepared, time_range)
        session.count_window(batch)
        self.hooks.installed(requery)
        self._stats_at = self._flushed_at = time.monotonic()  # the first rows paint first

    def _append(self, batch: WindowBatch) -> None:
        """Count a streamed window; its rows join the store within `FLUSH_EVERY` (longer on
        a large store: `FLUSH_SCALE_FROM`)."""
        self.session.count_window(batch)
        self._pending.extend(batch.events)
        every = FLUSH_EVERY * max(1.0, len(self.session.store) / FLUSH_SCALE_FROM)
        if time.monotonic() - self._flushed_at >= every:
            self._flush()

    def _flush(self) -> None:
        """Append the pending events to the store (one table refresh for many)."""
        self._flushed_at = now = time.monotonic()
        if not self._pending:
            self.hooks.counted()  # windows counted (empty or failed ones too)
            return
        events, self._pending = self._pending, []
        every = max(STATS_EVERY, len(self.session.store) / STATS_EVENTS_PER_SECOND)
        stats = now - self._stats_at >= every
        if stats:
            self._stats_at = now
        current = self.session.extend(events)
        self.hooks.extended(current, stats)
        self.hooks.counted()
