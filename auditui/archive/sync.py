"""`sync_archive`: bring a profile's archive up to date with the API, one UTC day at a time.

The range's whole UTC days (its end clipped to now) are planned: a day archived `complete`
is skipped (a closed day is immutable once archived); the others are fetched from the API,
one window per day, newest first, `profile.concurrency` at a time, without the window cache.
A day counts as closed (`complete`) when it ended at least `CLOSED_AFTER` before the sync
(late events have arrived by then, as the window cache also assumes); a day fetched earlier
is refetched on the next sync and merged with what the archive holds, de-duplicated by
`event_uuid` (the fetched copy wins, so nothing archived is lost if the API forgot it).

Each day is written as its window arrives, in a thread, while the other windows load
(`_DayWriter`): its file (`files.write_day_file`: temp, fsync, rename), then the manifest
(the day's entry replaced, the chain recomputed, `last_sync`; atomic), and only then the
day's replaced files are removed. So at any instant (kill -9 included) the manifest lists
only complete files, and what a killed sync left unlisted is swept by the next one
(`sweep`). The whole sync holds the writer lock (`lock.archive_lock`); a new archive's
manifest (host, profile) is written before any day file, so a folder with day files but
no manifest is one to rebuild (`auditui archive verify --repair`), never to sweep.

A failed window leaves its day as it was and is listed in the summary with its reason; a
refused key stops the sync (no window can work). A write that fails (a full disk, a
read-only folder) stops it with one line (`StorageError`), the manifest as it was after
the last day written. Events whose ids do not fit int64 are left out and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from auditui import stopping
from auditui.archive.engine import connect, require_duckdb
from auditui.archive.files import read_events, write_day_file
from auditui.archive.layout import ONE_DAY, ArchivePaths, day_key, day_start, days_of
from auditui.archive.lock import archive_lock
from auditui.archive.manifest import (
    ArchiveError,
    DayEntry,
    FileEntry,
    Manifest,
    chained,
    check_host,
    read_manifest,
    write_manifest,
)
from auditui.archive.schema import storable
from auditui.archive.sweep import remove_files, scan_folders, sweep
from auditui.errors import AuthError, UsageError, brief_reason
from auditui.paths import display_path
from auditui.timespec import TimeRange

if TYPE_CHECKING:
    import duckdb

    from auditui.archive.opened import Archive
    from auditui.events.model import AuditEvent
    from auditui.sources.connection import Connection

CLOSED_AFTER = timedelta(hours=1)  # a day this long past its end is closed: never refetched
WRITE_QUEUE = 2  # days fetched and waiting for the writer (bounds the memory held)


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """How far a sync has come: days written or failed of those to fetch, events fetched,
    response bytes read."""

    days_done: int
    days_total: int
    events: int
    bytes: int


@dataclass
class SyncSummary:
    """What a sync (or a repair's refetch) did, and the archive after it."""

    root: Path
    days_in_range: int = 0
    skipped: int = 0  # closed days already archived
    fetched: list[date] = field(default_factory=list)  # days written
    events_fetched: int = 0
    events_added: int = 0  # events the archive holds now that it did not before
    left_out: int = 0  # ids that do not fit int64
    failed: dict[date, str] = field(default_factory=dict)  # day → why (a few words)
    first_error: str = ""  # the first failure's whole line
    swept: int = 0  # leftovers of a killed sync removed
    archive_days: int = 0
    archive_events: int = 0
    archive_bytes: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def failures(self) -> str:
        """`2026-11-03 (HTTP 500), 2026-11-04 (network error)`, oldest first."""
        return ", ".join(f"{day.isoformat()} ({why})" for day, why in sorted(self.failed.items()))

    def count(self, manifest: Manifest) -> None:
        self.archive_days = len(manifest.days)
        self.archive_events = manifest.events()
        self.archive_bytes = manifest.bytes()


def is_closed(day: date, now: datetime) -> bool:
    """Whether `day` ended at least `CLOSED_AFTER` before `now`."""
    return day_start(day) + ONE_DAY + CLOSED_AFTER <= now


def day_window(day: date, now: datetime) -> TimeRange:
    """The window fetched for `day`: the whole day, or until `now` for today."""
    start = day_start(day)
    return TimeRange(start, min(start + ONE_DAY, now))


def sync_days(time_range: TimeRange, now: datetime) -> list[date]:
    """The UTC days of `time_range` up to `now` (`UsageError` if it starts after now)."""
    if time_range.start >= now:
        raise UsageError(f"The range {time_range.label()} starts in the future: nothing to sync.")
    return days_of(TimeRange(time_range.start, min(time_range.end, now)))


def sync_archive(
    connection: Connection,
    archive: Archive,
    time_range: TimeRange,
    *,
    now: datetime,
    on_progress: Callable[[SyncProgress], None] | None = None,
) -> SyncSummary:
    """Sync the range's days into `archive` (see the module docstring)."""
    require_duckdb()
    connection.require_credential()
    days = sync_days(time_range, now)
    summary = SyncSummary(archive.paths.root, days_in_range=len(days))
    with archive_lock(archive.paths, now):
        manifest = begin_writing(archive, now, summary)
        todo = [day for day in days if not _archived_closed(manifest, day)]
        summary.skipped = len(days) - len(todo)
        writer = DayWriter(archive.paths, manifest, now, merge=True)
        try:
            stopping.run(fetch_days(connection, writer, todo, summary, on_progress))
        finally:
            writer.close()
        summary.count(manifest)
    return summary


def _archived_closed(manifest: Manifest, day: date) -> bool:
    entry = manifest.days.get(day_key(day))
    return entry is not None and entry.complete


def begin_writing(archive: Archive, now: datetime, summary: SyncSummary) -> Manifest:
    """Under the lock: the manifest as it is now (re-read, host-checked), what a killed
    sync left swept, and a new archive's manifest written before any file."""
    paths = archive.paths
    manifest = read_manifest(paths)
    if manifest is None:
        if scan_folders(paths).parts:
            raise ArchiveError(
                f"The archive {display_path(paths.root)} has day files but no manifest.json: "
                "run `auditui archive verify --repair` to rebuild it from the files."
            )
        manifest = Manifest(host=archive.host, profile=archive.profile, created_at=now)
        summary.swept = sweep(paths, manifest)
        write_manifest(paths, manifest)
        return manifest
    check_host(manifest, archive.host, archive.profile, paths.root)
    summary.swept = sweep(paths, manifest)
    return manifest


class DayWriter:
    """Writes fetched days into the archive, one at a time (in a thread): the day's file,
    the manifest, then the day's replaced files removed (see the module docstring)."""

    def __init__(self, paths: ArchivePaths, manifest: Manifest, now: datetime, *,
                 merge: bool) -> None:  # fmt: skip
        self.paths = paths
        self.manifest = manifest
        self.now = now
        self.merge = merge  # merge with the day's archived events (False: replace them)
        self._con: duckdb.DuckDBPyConnection | None = None

    def write(self, day: date, events: list[AuditEvent], summary: SyncSummary) -> None:
        kept, left_out = storable(events)
        key = day_key(day)
        old = self.manifest.days.get(key)
        if self._con is None:
            self._con = connect()
        if self.merge and old is not None and old.files:
            kept = self._merged(kept, old)
        elif not kept and old is not None and old.events:  # a repair beyond the API's window
            summary.failed[day] = "the API returned no events; the archived day was kept"
            return
        files: tuple[FileEntry, ...] = ()
        if kept:
            files = (write_day_file(self.paths, day, kept, host=self.manifest.host,
                                    fetched_at=self.now, connection=self._con),)  # fmt: skip
        days = dict(self.manifest.days)
        days[key] = DayEntry(files, len(kept), is_closed(day, self.now), self.now, "", left_out)
        before = (self.manifest.days, self.manifest.last_sync)
        self.manifest.days, self.manifest.last_sync = chained(days), self.now
        try:
            write_manifest(self.paths, self.manifest)
        except BaseException:  # the day stays as it was: its new file is not left behind
            self.manifest.days, self.manifest.last_sync = before
            remove_files(self.paths, [entry.name for entry in files])
            raise
        if old is not None:
            current = {entry.name for entry in files}
            remove_files(self.paths, [f.name for f in old.files if f.name not in current])
        summary.fetched.append(day)
        summary.left_out += left_out
        summary.events_added += max(0, len(kept) - (old.events if old is not None else 0))

    def _merged(self, fetched: list[AuditEvent], old: DayEntry) -> list[AuditEvent]:
        """The fetched events and the archived ones the fetch did not return again."""
        archived = read_events(self.paths, old.files, connection=self._con)
        uuids = {event.event_uuid for event in fetched}
        return fetched + [event for event in archived if event.event_uuid not in uuids]

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


async def fetch_days(
    connection: Connection,
    writer: DayWriter,
    days: Iterable[date],
    summary: SyncSummary,
    on_progress: Callable[[SyncProgress], None] | None = None,
) -> None:
    """Fetch `days` (one window each, newest first) and hand each to `writer` as it
    arrives; a failed window is recorded in `summary.failed`, a refused key raised."""
    from auditui.sources.windows import stream_windows

    wanted = sorted(set(days), reverse=True)
    if not wanted:
        return
    windows = [day_window(day, writer.now) for day in wanted]
    queue: asyncio.Queue[tuple[date, list[AuditEvent]] | None] = asyncio.Queue(WRITE_QUEUE)
    done = events = size = 0

    def report() -> None:
        if on_progress is not None:
            on_progress(SyncProgress(done, len(wanted), events, size))

    async def drain() -> None:
        nonlocal done
        while (item := await queue.get()) is not None:
            await asyncio.to_thread(writer.write, item[0], item[1], summary)
            done += 1
            report()

    report()
    async with connection.client() as client:
        drainer = asyncio.create_task(drain())
        try:
            stream = stream_windows(client, windows, concurrency=connection.profile.concurrency,
                                    cache=None)  # fmt: skip
            async with aclosing(stream) as batches:
                async for batch in batches:
                    day = batch.window.start.date()
                    if batch.error is not None:
                        if isinstance(batch.error, AuthError):
                            raise batch.error
                        summary.failed[day] = brief_reason(batch.error)
                        summary.first_error = summary.first_error or str(batch.error)
                        done += 1
                        report()
                        continue
                    events += len(batch.events)
                    size += batch.bytes
                    summary.events_fetched += len(batch.events)
                    await _put(queue, (day, batch.events), drainer)
            await _put(queue, None, drainer)
            await drainer
        finally:
            if not drainer.done():
                drainer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await drainer


async def _put(
    queue: asyncio.Queue[tuple[date, list[AuditEvent]] | None],
    item: tuple[date, list[AuditEvent]] | None,
    drainer: asyncio.Task[None],
) -> None:
    """Queue a day for the writer, unless the writer has failed (its error is raised)."""
    if not drainer.done():
        putting = asyncio.ensure_future(queue.put(item))
        await asyncio.wait({putting, drainer}, return_when=asyncio.FIRST_COMPLETED)
        if putting.done():
            return
        putting.cancel()
    drainer.result()  # raises the writer's error
    raise ArchiveError("The archive writer stopped.")  # not reached: it ends only on None
