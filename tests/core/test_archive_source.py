"""`ArchivedConnection`: archived windows read from the archive, the rest from the API.

A demo server on loopback serves six fixed days of seeded events (it records every
request); the archive holds some of those days, written with the archive core
(`tests/helpers/archive.py`). Nothing here reads the wall clock: the data ends at `END`,
and the archive's closed days are set by `now`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from auditui.archive import ArchivedConnection, ArchiveReadError, NotArchived, open_archive
from auditui.archive.layout import ArchivePaths
from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer, generate_events
from auditui.demo.request_body import parse_range
from auditui.sources.windows import Progress, WindowBatch
from auditui.timespec import TimeRange
from tests.helpers.archive import make_archive

END = datetime(2026, 11, 26, tzinfo=UTC)  # the data's end: six whole UTC days before it
DAYS = 6
PER_DAY = 80
DAY = timedelta(days=1)


def day(n: int) -> datetime:
    """Midnight starting the `n`-th day of the data (0: the oldest)."""
    return END - (DAYS - n) * DAY


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    return generate_events(seed=11, events_per_day=PER_DAY, days=DAYS, end=END)


@pytest.fixture
def server(events: list[dict[str, Any]]) -> Iterator[DemoServer]:
    started = DemoServer(events).start()
    try:
        yield started
    finally:
        started.stop()


def within(events: list[dict[str, Any]], start: datetime, end: datetime) -> list[dict[str, Any]]:
    return [e for e in events if start <= datetime.fromisoformat(e["timestamp"]) < end]


def uuids(events: list[dict[str, Any]]) -> set[str]:
    return {e["event_uuid"] for e in events}


def archived(
    server: DemoServer,
    root: Path,
    stored: list[dict[str, Any]],
    *,
    key: str | None = DEMO_KEY,
    archive_only: bool = False,
    now: datetime = END,
    complete_before: datetime | None = None,
    window: timedelta = DAY,
) -> ArchivedConnection:
    """A connection to `server` whose archive in `root` holds `stored`."""
    make_archive(root, stored, host=server.url, now=now, complete_before=complete_before)
    profile = replace(load_settings().profile("default", env={}), window=window)
    archive = open_archive(profile, server.url, str(root))
    credential = Credential(key, "test") if key is not None else None
    return ArchivedConnection(profile=profile, host=server.url, credential=credential,
                              demo=True, archive=archive, archive_only=archive_only)  # fmt: skip


def requested(server: DemoServer) -> list[tuple[datetime, datetime]]:
    """The ranges the server was asked for, oldest first."""
    asked = []
    for request in server.requests:
        bounds = parse_range(request.body)
        assert isinstance(bounds, tuple) and bounds[0] is not None and bounds[1] is not None
        asked.append((bounds[0], bounds[1]))
    return sorted(asked)


def collect(connection: ArchivedConnection, time_range: TimeRange, **options: Any
            ) -> tuple[list[WindowBatch], list[Progress]]:  # fmt: skip
    reports: list[Progress] = []

    async def run() -> list[WindowBatch]:
        return [b async for b in connection.stream(time_range, reports.append, **options)]

    return asyncio.run(run()), reports


def kept_uuids(batches: list[WindowBatch]) -> list[str]:
    return [e.event_uuid for b in batches if b.error is None for e in b.events]


def test_an_archived_range_loads_with_no_request_and_no_key(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    stored = within(events, day(0), day(4))
    connection = archived(server, tmp_path / "a", stored, key=None)
    time_range = TimeRange(day(1) + timedelta(hours=5), day(4))

    assert not connection.needs_api(time_range)
    batches, reports = collect(connection, time_range)

    assert server.requests == []
    assert all(b.archived and b.error is None for b in batches)
    expected = within(events, time_range.start, time_range.end)
    shown = kept_uuids(batches)
    assert sorted(shown) == sorted(uuids(expected)) and len(shown) == len(expected)
    assert [b.index for b in batches] == sorted(b.index for b in batches)  # newest first
    last = reports[-1]
    assert (last.windows_done, last.windows_total) == (3, 3)
    assert (last.archived_windows, last.archived_events) == (3, len(expected))

    result = asyncio.run(connection.load(time_range))
    assert sorted(e.event_uuid for e in result.events) == sorted(uuids(expected))
    stamps = [e.timestamp for e in result.events]
    assert stamps == sorted(stamps, reverse=True)
    assert (result.archived_windows, result.archived_events) == (3, len(expected))
    assert server.requests == []


def test_a_range_past_the_archive_fetches_only_the_missing_days(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    stored = within(events, day(0), day(3))
    connection = archived(server, tmp_path / "a", stored)
    time_range = TimeRange(day(1), END)

    assert connection.needs_api(time_range)
    batches, reports = collect(connection, time_range)

    assert requested(server) == [(day(3), day(4)), (day(4), day(5)), (day(5), END)]
    assert sorted(kept_uuids(batches)) == sorted(uuids(within(events, day(1), END)))
    assert sum(b.archived for b in batches) == 2
    last = reports[-1]
    assert (last.windows_done, last.windows_total, last.archived_windows) == (5, 5, 2)

    result = asyncio.run(connection.load(time_range))
    assert {e.event_uuid for e in result.events} == uuids(within(events, day(1), END))
    assert (result.windows, result.archived_windows) == (5, 2)


def test_the_open_day_is_fetched_unless_archive_only(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    # the archive's newest day was fetched before it ended: not closed, so asked again
    stored = within(events, day(3), END)
    now = END - timedelta(hours=6)
    connection = archived(server, tmp_path / "a", stored, now=now)
    batches, _ = collect(connection, TimeRange(day(4), END))
    assert requested(server) == [(day(5), END)]
    assert [b.archived for b in sorted(batches, key=lambda b: b.index)] == [False, True]

    server.requests.clear()
    only = replace(connection, archive_only=True)
    batches, _ = collect(only, TimeRange(day(4), END))
    assert server.requests == [] and all(b.archived for b in batches)


def test_archive_only_never_asks_the_api_and_says_what_is_missing(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    stored = within(events, day(2), day(4))
    connection = archived(server, tmp_path / "a", stored, key=None, archive_only=True)
    assert connection.offline
    time_range = TimeRange(day(0), END)

    batches, reports = collect(connection, time_range)

    assert server.requests == []
    failed = [b for b in batches if b.error is not None]
    assert sorted(b.window.start for b in failed) == [day(0), day(1), day(4), day(5)]
    assert all(isinstance(b.error, NotArchived) for b in failed)
    assert "not in the archive (run `auditui archive sync`)" in str(failed[0].error)
    assert sorted(kept_uuids(batches)) == sorted(uuids(stored))
    assert (reports[-1].windows_done, reports[-1].windows_total) == (2, 6)
    with pytest.raises(NotArchived):
        asyncio.run(connection.load(time_range))


def test_a_window_part_archived_is_cut_at_midnight(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    stored = within(events, day(0), day(3))
    connection = archived(server, tmp_path / "a", stored, window=timedelta(days=4))
    time_range = TimeRange(day(0), END)
    planned = connection.plan(time_range)
    assert all(files is None for piece, files in planned if piece.start >= day(3))
    assert all(files is not None for piece, files in planned if piece.end <= day(3))

    batches, _ = collect(connection, time_range)

    assert [start for start, _ in requested(server)] == [p.start for p, f in planned if f is None][
        ::-1
    ]
    assert all(start >= day(3) for start, _ in requested(server))
    assert sorted(kept_uuids(batches)) == sorted(uuids(events))


def test_duplicates_across_archive_and_api_are_dropped_and_conflicts_counted(
    events: list[dict[str, Any]], tmp_path: Path
) -> None:
    # the server holds a different event with the uuid of an archived one
    stored = within(events, day(0), day(3))
    twin = dict(within(events, day(4), day(5))[0], event_uuid=stored[0]["event_uuid"])
    served = [twin if e["timestamp"] == twin["timestamp"] else e for e in events]
    with DemoServer(served) as server:
        server.start()
        connection = archived(server, tmp_path / "a", stored)
        batches, _ = collect(connection, TimeRange(day(0), END))
        result = asyncio.run(connection.load(TimeRange(day(0), END)))

    shown = kept_uuids(batches)
    assert len(shown) == len(set(shown)) == len(events) - 1
    assert sum(b.conflicts for b in batches) == 1
    assert result.conflicts == 1 and len(result.skipped) == 1
    assert len(result.events) == len(events) - 1


def test_a_retry_carries_de_duplication_over(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    stored = within(events, day(0), day(3))
    connection = archived(server, tmp_path / "a", stored)
    first, _ = collect(connection, TimeRange(day(0), END))
    seen = set(kept_uuids(first))
    again, _ = collect(connection, TimeRange(day(0), END), windows=[TimeRange(day(1), day(2))],
                       seen=seen)  # fmt: skip
    assert [b.duplicates for b in again] == [len(within(events, day(1), day(2)))]
    assert kept_uuids(again) == []


def test_an_unreadable_file_fails_its_window_in_one_line_and_the_others_load(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    stored = within(events, day(0), day(3))
    root = tmp_path / "a"
    connection = archived(server, root, stored, key=None)
    manifest = connection.archive.manifest
    assert manifest is not None
    broken = manifest.days[day(1).date().isoformat()].files[0]
    path = ArchivePaths(root).file(broken.name)
    path.write_bytes(path.read_bytes()[: broken.bytes // 2])  # truncated
    time_range = TimeRange(day(0), day(3))

    batches, _ = collect(connection, time_range)

    failed = [b for b in batches if b.error is not None]
    assert [b.window for b in failed] == [TimeRange(day(1), day(2))]
    error = failed[0].error
    assert isinstance(error, ArchiveReadError)
    assert "\n" not in str(error) and broken.name in str(error)
    assert "auditui archive verify" in str(error)
    loaded = uuids(within(events, day(0), day(1))) | uuids(within(events, day(2), day(3)))
    assert set(kept_uuids(batches)) == loaded
    with pytest.raises(ArchiveReadError):
        asyncio.run(connection.load(time_range))
    assert server.requests == []


def test_without_a_key_the_missing_windows_fail_and_the_archived_ones_show(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    stored = within(events, day(0), day(3))
    connection = archived(server, tmp_path / "a", stored, key=None)
    batches, _ = collect(connection, TimeRange(day(2), day(4)))
    assert server.requests == []
    failed = [b for b in batches if b.error is not None]
    assert [b.window for b in failed] == [TimeRange(day(3), day(4))]
    assert "auditui login" in str(failed[0].error)
    assert set(kept_uuids(batches)) == uuids(within(events, day(2), day(3)))


def test_reading_back_orders_any_files_newest_first_and_survives_a_key_collision(
    server: DemoServer,
    events: list[dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from auditui.archive import files as archive_files
    from auditui.archive import read_events
    from auditui.archive.schema import KEYED, keyed_values

    stored = within(events, day(0), day(3))
    connection = archived(server, tmp_path / "a", stored)
    manifest = connection.archive.manifest
    assert manifest is not None
    newest_first = [entry for key in sorted(manifest.days, reverse=True)
                    for entry in manifest.days[key].files]  # fmt: skip
    paths = connection.archive.paths
    read = read_events(paths, newest_first)  # not in time order as DuckDB returns them
    stamps = [e.timestamp for e in read]
    assert stamps == sorted(stamps, reverse=True) and stamps[0] > stamps[-1]
    assert {e.event_uuid: e.user_email for e in read} == {
        e["event_uuid"]: e.get("user_email") for e in stored
    }

    stale: dict[str, dict[int, str | None]] = {name: {} for name in KEYED}  # of other files
    assert [e.url for e in read_events(paths, newest_first, values=stale)] == [e.url for e in read]

    assert keyed_values([("url", "a", 1), ("url", "b", 1)], {}) is None  # a collision
    monkeypatch.setattr(archive_files, "keyed_values", lambda rows, table: None)
    plain = read_events(paths, newest_first)  # read as text instead
    assert [(e.event_uuid, e.url, e.referer) for e in plain] == [
        (e.event_uuid, e.url, e.referer) for e in read
    ]


def test_cached_windows_still_wait_for_the_key_and_archived_ones_do_not(
    server: DemoServer, events: list[dict[str, Any]], tmp_path: Path
) -> None:
    import time_machine

    from auditui.errors import AuthError

    stored = within(events, day(0), day(3))
    connection = replace(archived(server, tmp_path / "a", stored), demo=False, use_cache=True)
    time_range = TimeRange(day(0), END)
    with time_machine.travel(END + 2 * DAY, tick=True):
        filled = asyncio.run(connection.load(time_range))  # days 3-5 fetched and cached
        assert (filled.archived_windows, filled.cached_windows) == (3, 0)
        server.requests.clear()
        again = asyncio.run(connection.load(time_range))
        assert (again.archived_windows, again.cached_windows) == (3, 2)
        assert len(server.requests) == 1  # the newest window, live: it confirms the key
        server.key = "revoked-and-replaced"
        batches, _ = collect(connection, time_range)

    refused = [b for b in batches if b.error is not None]
    assert len(refused) == 1 and isinstance(refused[0].error, AuthError)
    assert all(b.archived for b in batches if b.error is None)  # nothing from the cache
    assert sum(len(b.events) for b in batches) == len(stored)
