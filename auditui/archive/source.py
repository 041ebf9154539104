"""`ArchivedConnection`: a profile's `Connection` that reads archived windows from the archive.

The browser and `load()` users (`auditui fetch`, `evidence export`, `review`) read a range
through it: the range is split into the profile's windows (`split_windows`), and a window
whose UTC days are all archived *closed* days (`Archive.closed_days`: immutable once
archived) is read from the archive's Parquet files; a window only partly archived is cut at
midnight into the part that is and the part that is not. The rest goes to the API
(`Connection.stream`, whose cache gate still confirms the key before cached windows).

- Archived windows are the user's own stored data: read at once, shown without a key, and
  yielded newest first (the newest alone first, so the first rows get the whole machine;
  then `READERS` threads, one DuckDB connection each, the later windows' repeated texts
  scanned once: `files.keyed_values_of`). When every window is archived no request is made
  and no key is needed (`needs_api` is False: the CLI and the login flow ask for none);
  without a key, windows that are not archived fail with the no-key line.
- `archive_only` (`auditui --archive-only`): any archived day counts, the open one too, and
  the API is never asked: a window not archived comes back failed (`NotArchived`: "not in
  the archive (run `auditui archive sync`)"), so the range reads as incomplete, truthfully.
  The source is then `offline` (no login).
- A file that cannot be read (corrupt, truncated, deleted) fails its window with one line
  (`ArchiveReadError`, naming the file and `auditui archive verify`); the others load. It
  is never fetched from the API instead: beyond the API's window that would show an empty
  day as if it were quiet.

De-duplication is the windows module's: one `seen` set for the whole stream, archived and
fetched batches alike (the first copy yielded wins; a different event with a kept uuid is
counted and kept to show). Progress counts archived windows and events apart
(`Progress.archived_windows`, `archived_events`), as the cache's are.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import aclosing
from datetime import date
from typing import TYPE_CHECKING, Any

from auditui.archive.engine import connect
from auditui.archive.files import KeyedValues, keyed_values_of, read_events
from auditui.archive.layout import day_range, days_of
from auditui.archive.manifest import ArchiveError, DayEntry, FileEntry
from auditui.archive.opened import Archive
from auditui.errors import AudituiError, CredentialError
from auditui.events.model import MAX_SKIPPED_KEPT, AuditEvent
from auditui.sources.connection import Connection
from auditui.sources.dedupe import SeenEvents, conflict_records, unique_events
from auditui.sources.windows import LoadResult, Progress, WindowBatch, split_windows
from auditui.timespec import TimeRange

if TYPE_CHECKING:
    import duckdb

READERS = 2  # archived windows read at once (DuckDB decodes without the GIL)

# A window of the plan: its range and the archived files to read it from (None: the API's).
Planned = tuple[TimeRange, tuple[FileEntry, ...] | None]


class NotArchived(AudituiError):
    """A window `--archive-only` cannot show: its days are not in the archive."""

    brief = "not archived"

    def __init__(self) -> None:
        super().__init__(
            "These events are not in the archive (run `auditui archive sync`); "
            "--archive-only never asks the API."
        )


class ArchiveReadError(ArchiveError):
    """An archived window whose files could not be read (its one line names them)."""

    brief = "archive unreadable"


class ArchivedConnection(Connection, frozen=True, kw_only=True):
    """A `Connection` reading archived windows from `archive` (see the module docstring)."""

    archive: Archive
    archive_only: bool = False

    def _compared(self) -> tuple[object, ...]:
        return (*super()._compared(), self.archive, self.archive_only)

    @property
    def offline(self) -> bool:
        """True with `archive_only`: no API is ever asked, so no key and no login."""
        return self.archive_only

    def readable_days(self) -> dict[date, DayEntry]:
        """The days read from the archive: closed ones (any, with `archive_only`)."""
        return self.archive.days() if self.archive_only else self.archive.closed_days()

    def plan(self, time_range: TimeRange, windows: Sequence[TimeRange] | None = None
             ) -> list[Planned]:  # fmt: skip
        """The windows to load, newest first, each with its archived files (None: not
        archived). A window partly archived is cut at midnight into runs of either kind."""
        pieces = split_windows(time_range, self.profile.window) if windows is None else windows
        days = self.readable_days()
        planned: list[Planned] = []
        for piece in pieces:
            planned.extend(_runs(piece, days))
        return planned

    def needs_api(self, time_range: TimeRange, windows: Sequence[TimeRange] | None = None
                  ) -> bool:  # fmt: skip
        """Whether loading the range asks the API (so needs a key)."""
        if self.archive_only:
            return False
        return any(files is None for _, files in self.plan(time_range, windows))

    async def load(
        self, time_range: TimeRange, on_progress: Callable[[Progress], None] | None = None
    ) -> LoadResult:
        """Every event of the range, newest first, unique by `event_uuid`; the first failed
        window's error is raised (as `Connection.load`)."""
        batches: dict[int, WindowBatch] = {}
        async with aclosing(self.stream(time_range, on_progress)) as stream:
            async for batch in stream:
                if batch.error is not None:
                    raise batch.error
                batches[batch.index] = batch
        return merged([batches[index] for index in sorted(batches)])

    async def stream(
        self,
        time_range: TimeRange,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        windows: Sequence[TimeRange] | None = None,
        seen: set[str] | None = None,
    ) -> AsyncGenerator[WindowBatch, None]:
        """The range's windows as they load: archived ones read here, the rest from the API
        (`Connection.stream`), de-duplicated together through `seen`."""
        planned = self.plan(time_range, windows)
        seen = SeenEvents() if seen is None else seen
        stored = [(index, piece, files) for index, (piece, files) in enumerate(planned)
                  if files is not None]  # fmt: skip
        rest = [(index, piece) for index, (piece, files) in enumerate(planned) if files is None]
        run = _Run(self, len(planned), seen, on_progress)
        if self.archive_only or not rest:
            api = None
            run.failed = [(index, piece, NotArchived()) for index, piece in rest]
        elif self.credential is None:
            api = None
            error = _no_key(self)
            run.failed = [(index, piece, error) for index, piece in rest]
        else:
            pieces = [piece for _, piece in rest]
            api = super().stream(time_range, run.api_progress, windows=pieces, seen=seen)
        async with aclosing(run.batches(stored, api, [index for index, _ in rest])) as batches:
            async for batch in batches:
                yield batch


def _no_key(connection: Connection) -> AudituiError:
    try:
        connection.require_credential()
    except CredentialError as exc:
        return exc
    return CredentialError("No API key.")  # not reached: the caller saw none


def _runs(piece: TimeRange, days: dict[date, DayEntry]) -> list[Planned]:
    """`piece` cut at midnight where archived and not archived days meet, newest first."""
    runs: list[Planned] = []
    for day in reversed(days_of(piece)):
        whole = day_range(day)
        span = TimeRange(max(whole.start, piece.start), min(whole.end, piece.end))
        entry = days.get(day)
        files = None if entry is None else entry.files
        if runs and (runs[-1][1] is None) == (files is None):
            later, kept = runs[-1]
            joined = None if files is None or kept is None else (*files, *kept)
            runs[-1] = (TimeRange(span.start, later.end), joined)
        else:
            runs.append((span, files))
    return runs


def merged(batches: Sequence[WindowBatch]) -> LoadResult:
    """A stream's batches (in window order, newest first, already unique) as one result."""
    result = LoadResult(events=[], windows=len(batches))
    for batch in batches:
        result.events.extend(batch.events)  # windows never overlap: still newest first
        result.malformed += batch.malformed
        result.out_of_range += batch.out_of_range
        result.duplicates += batch.duplicates
        result.conflicts += batch.conflicts
        result.bytes += batch.bytes
        result.skipped.extend(batch.skipped[: MAX_SKIPPED_KEPT - len(result.skipped)])
        if batch.cached:
            result.cached_windows += 1
            result.cached_events += len(batch.events)
        if batch.archived:
            result.archived_windows += 1
            result.archived_events += len(batch.events)
    return result


_DONE = object()  # a producer of `_Run` finished


class _Run:
    """One stream: archive readers and the API's stream feeding one queue, and progress."""

    def __init__(self, connection: ArchivedConnection, total: int, seen: set[str],
                 on_progress: Callable[[Progress], None] | None) -> None:  # fmt: skip
        self.connection = connection
        self.total = total
        self.seen = seen
        self.on_progress = on_progress
        self.failed: list[tuple[int, TimeRange, AudituiError]] = []
        self.table: dict[Any, Any] = {}  # strings shared across the load's archived windows
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.done = self.events = 0  # archived windows read, and their events
        self.api = Progress(0, 0, 0, 0, 0)  # the API stream's last report
        self.values: asyncio.Task[KeyedValues | None] | None = None  # of windows after the first

    async def batches(
        self,
        stored: list[tuple[int, TimeRange, tuple[FileEntry, ...]]],
        api: AsyncGenerator[WindowBatch, None] | None,
        api_indices: list[int],
    ) -> AsyncGenerator[WindowBatch, None]:
        """Every batch: archived ones in window order (newest first, so the first rows
        are the newest archived window's), fetched ones as they come, failed ones last."""
        todo = list(reversed(list(enumerate(stored))))  # popped from the end: newest first
        later = [entry for _, _, files in stored[1:] for entry in files]
        # One reader until the newest window is in (the first rows get the whole machine),
        # then `READERS`.
        tasks = [asyncio.create_task(self._reader(todo))] if todo else []
        more = min(READERS, len(todo)) - len(tasks)
        if api is not None:
            tasks.append(asyncio.create_task(self._fetcher(api, api_indices)))
        read: dict[int, WindowBatch] = {}  # read ahead of a newer window still being read
        following = 0  # the next archived window to yield
        try:
            producers = len(tasks)
            while producers:
                item = await self.queue.get()
                if item is _DONE:
                    producers -= 1
                elif isinstance(item, BaseException):
                    raise item  # a bug in a producer: never wait for its windows
                elif isinstance(item, WindowBatch):
                    yield item
                else:
                    position, batch = item
                    read[position] = batch
                    if self.values is None and later:  # while the first rows are drawn
                        self.values = asyncio.create_task(asyncio.to_thread(self._values, later))
                        tasks.append(self.values)  # type: ignore[arg-type]
                    if more > 0 and todo:
                        tasks.extend(asyncio.create_task(self._reader(todo)) for _ in range(more))
                        producers += more
                    more = 0
                    while following in read:
                        yield self._archived(read.pop(following))
                        following += 1
            for index, piece, error in self.failed:
                yield WindowBatch(piece, index, [], error=error)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _reader(
        self, todo: list[tuple[int, tuple[int, TimeRange, tuple[FileEntry, ...]]]]
    ) -> None:
        try:
            connection: duckdb.DuckDBPyConnection | None = None
            while todo:
                position, (index, piece, files) = todo.pop()
                if connection is None:
                    connection = await asyncio.to_thread(connect)
                values = await self.values if position and self.values is not None else None
                try:
                    events = await asyncio.to_thread(self._read, connection, files, piece, values)
                except ArchiveError as exc:
                    error = ArchiveReadError(str(exc))
                    self.queue.put_nowait((position, WindowBatch(piece, index, [], error=error)))
                    continue
                self.queue.put_nowait((position, WindowBatch(piece, index, events)))
        except Exception as exc:  # noqa: BLE001  # handed to the consumer, raised there
            self.queue.put_nowait(exc)
        finally:
            self.queue.put_nowait(_DONE)

    def _read(self, connection: duckdb.DuckDBPyConnection, files: tuple[FileEntry, ...],
              piece: TimeRange, values: KeyedValues | None) -> list[AuditEvent]:  # fmt: skip
        return read_events(self.connection.archive.paths, files, piece, table=self.table,
                           connection=connection, values=values)  # fmt: skip

    def _values(self, files: list[FileEntry]) -> KeyedValues | None:
        """The repeated texts of every window after the first, in one scan (a thread)."""
        return keyed_values_of(self.connection.archive.paths, files, table=self.table)

    def _archived(self, batch: WindowBatch) -> WindowBatch:
        """A read window, de-duplicated against the stream and counted (event loop)."""
        if batch.error is not None:
            return batch
        conflicting: list[AuditEvent] = []
        batch.events, batch.duplicates = unique_events(batch.events, self.seen, conflicting)
        if conflicting:
            batch.conflicts = len(conflicting)
            batch.skipped.extend(conflict_records(conflicting))
        batch.archived = True
        self.done += 1
        self.events += len(batch.events)
        self.report()
        return batch

    async def _fetcher(self, api: AsyncGenerator[WindowBatch, None], indices: list[int]) -> None:
        try:
            async with aclosing(api) as batches:
                async for batch in batches:
                    batch.index = indices[batch.index]  # its place in the whole plan
                    self.queue.put_nowait(batch)
        except Exception as exc:  # noqa: BLE001  # handed to the consumer, raised there
            self.queue.put_nowait(exc)
        finally:
            self.queue.put_nowait(_DONE)

    def api_progress(self, progress: Progress) -> None:
        self.api = progress
        self.report()

    def report(self) -> None:
        if self.on_progress is None:
            return
        api = self.api
        self.on_progress(
            Progress(
                self.done + api.windows_done,
                self.total,
                self.events + api.events,
                api.bytes,
                api.malformed,
                api.cached_windows,
                api.cached_events,
                archived_windows=self.done,
                archived_events=self.events,
            )
        )
