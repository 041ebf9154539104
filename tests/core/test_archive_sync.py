"""`sync_archive` against the demo server on loopback, with `now` injected (never the clock).

The demo data ends at the fixed `END`; `NOW` is half an hour before it, so the newest UTC day
is open. Requests are counted on the server (`DemoServer.requests`), the archive is read
back with DuckDB directly (`read_parquet` over the listed files), and failures come from the
server's fault queue (HTTP 500 is not retried, so a window fails at once).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from auditui.archive import ArchiveError, ArchivePaths, archive_lock, open_archive, read_manifest
from auditui.config.settings import load_settings
from auditui.demo import DemoServer, Fault, encode_events
from auditui.timespec import TimeRange
from tests.helpers.app import served
from tests.helpers.archive_sync import (
    DAYS,
    END,
    NOW,
    RANGE,
    archived_rows,
    requests,
    served_in,
    sync,
)


@pytest.fixture
def server() -> Iterator[DemoServer]:
    yield from served(end=END, events_per_day=150, days=7)


def test_sync_archives_each_day_and_sync_again_fetches_only_the_open_day(
    server: DemoServer, tmp_path: Path
) -> None:
    first = sync(server, tmp_path)
    assert first.ok and sorted(first.fetched) == DAYS and first.skipped == 0
    assert requests(server) == len(DAYS)
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None and manifest.host == server.url and manifest.profile == "default"
    assert sorted(manifest.days) == [day.isoformat() for day in DAYS]
    assert [manifest.days[d.isoformat()].complete for d in DAYS] == [True] * 5 + [False]
    assert manifest.last_sync == NOW
    rows = archived_rows(tmp_path)
    assert len(rows) == first.events_added == served_in(server, RANGE.start, NOW)
    assert all(str(row[3]) == row[1].astimezone(UTC).date().isoformat() for row in rows)

    later = NOW + timedelta(minutes=20)
    second = sync(server, tmp_path, now=later, time_range=TimeRange(RANGE.start, later))
    assert second.ok and second.fetched == [DAYS[-1]] and second.skipped == 5
    assert requests(server) == len(DAYS) + 1  # only the open day
    rows = archived_rows(tmp_path)
    assert len(rows) == served_in(server, RANGE.start, later)
    assert len({row[0] for row in rows}) == len(rows)  # merged without duplicates
    assert second.events_added == served_in(server, NOW, later) > 0
    day_files = os.listdir(tmp_path / "date=2026-11-26")
    assert len(day_files) == 1  # the replaced file was removed


def event(n: int, minute: int, **fields: Any) -> dict[str, Any]:
    stamp = datetime(2026, 11, 26, tzinfo=UTC) + timedelta(minutes=minute)
    return {"timestamp": stamp.isoformat().replace("+00:00", "Z"), "event_uuid": f"e{n}",
            "client_ip": "10.0.0.1", "url": "/api/v1/datasets", "action": "dataset.view",
            "user_email": f"user{n}@example.com", "status": "success", "payload": {"n": n},
            **fields}  # fmt: skip


def test_the_open_day_is_merged_the_fetched_copy_wins_and_archived_events_stay(
    tmp_path: Path,
) -> None:
    with DemoServer([event(1, 60), event(2, 120)]).start() as server:
        sync(server, tmp_path, time_range=TimeRange(NOW - timedelta(hours=2), NOW))
        server.encoded = encode_events([event(2, 120, action="dataset.delete"), event(3, 735)])
        later = NOW + timedelta(minutes=10)
        summary = sync(server, tmp_path, now=later, time_range=TimeRange(NOW, later))
    assert summary.ok and summary.events_fetched == 2 and summary.events_added == 1
    rows = archived_rows(tmp_path)
    assert [(row[0], row[2]) for row in rows] == [
        ("e1", "dataset.view"),  # the API no longer returns it: the archive keeps it
        ("e2", "dataset.delete"),  # the fetched copy wins
        ("e3", "dataset.view"),
    ]


def test_a_failed_day_leaves_the_archive_as_it_was(server: DemoServer, tmp_path: Path) -> None:
    sync(server, tmp_path)
    manifest = (tmp_path / "manifest.json").read_bytes()
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.parquet"))
    server.faults.push(Fault(kind="status", status=500))
    later = NOW + timedelta(minutes=20)
    summary = sync(server, tmp_path, now=later, time_range=TimeRange(RANGE.start, later))
    assert summary.failed == {DAYS[-1]: "HTTP 500"} and not summary.fetched
    assert "2026-11-26 (HTTP 500)" in summary.failures() and "500" in summary.first_error
    assert (tmp_path / "manifest.json").read_bytes() == manifest
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.parquet")) == files


def test_a_new_day_that_fails_is_left_out_and_the_others_are_archived(
    server: DemoServer, tmp_path: Path
) -> None:
    server.faults.push(Fault(kind="status", status=500))  # the first request: the newest day
    summary = sync(server, tmp_path, concurrency=1)
    assert summary.failed == {DAYS[-1]: "HTTP 500"}
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None and sorted(manifest.days) == [d.isoformat() for d in DAYS[:-1]]
    again = sync(server, tmp_path)  # the next sync fetches just that day
    assert again.ok and again.fetched == [DAYS[-1]]


def test_a_day_is_closed_an_hour_after_it_ends(server: DemoServer, tmp_path: Path) -> None:
    at_half_past_midnight = datetime(2026, 11, 27, 0, 30, tzinfo=UTC)
    sync(server, tmp_path, now=at_half_past_midnight,
         time_range=TimeRange(RANGE.start, at_half_past_midnight))  # fmt: skip
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None
    assert not manifest.days["2026-11-26"].complete and not manifest.days["2026-11-27"].complete
    before = requests(server)
    later = at_half_past_midnight + timedelta(hours=1)
    summary = sync(server, tmp_path, now=later, time_range=TimeRange(RANGE.start, later))
    assert sorted(summary.fetched) == [date(2026, 11, 26), date(2026, 11, 27)]
    assert requests(server) == before + 2
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None and manifest.days["2026-11-26"].complete


def test_a_month_s_last_day_and_the_next_month(tmp_path: Path) -> None:
    end = datetime(2026, 12, 1, 2, tzinfo=UTC)
    with DemoServer(end=end, events_per_day=100, days=2).start() as server:
        now = datetime(2026, 12, 1, 1, tzinfo=UTC)
        summary = sync(
            server, tmp_path, now=now, time_range=TimeRange(now - timedelta(days=1), now)
        )
        assert summary.ok and sorted(summary.fetched) == [date(2026, 11, 30), date(2026, 12, 1)]
        whole_days = datetime(2026, 11, 30, tzinfo=UTC)  # the range's first day, all of it
        assert len(archived_rows(tmp_path)) == served_in(server, whole_days, now)


def test_another_host_s_archive_is_refused_naming_both(server: DemoServer, tmp_path: Path) -> None:
    sync(server, tmp_path)
    profile = load_settings().profile("default", env={})
    with pytest.raises(ArchiveError) as caught:
        open_archive(profile, "https://eu.datafold.com", str(tmp_path))
    assert server.url in str(caught.value) and "https://eu.datafold.com" in str(caught.value)


def test_sync_sweeps_what_a_killed_sync_left(server: DemoServer, tmp_path: Path) -> None:
    sync(server, tmp_path)
    folder = tmp_path / "date=2026-11-22"
    (folder / "part-20261126T000000000000Z-deadbeef.parquet").write_bytes(b"half")
    (folder / ".part-x.parquet.0123456789ab.tmp").write_bytes(b"temp")
    (tmp_path / "date=2026-11-01").mkdir()
    summary = sync(server, tmp_path)
    assert summary.swept == 2 and summary.ok
    assert len(os.listdir(folder)) == 1 and not (tmp_path / "date=2026-11-01").exists()


def test_day_files_without_a_manifest_are_never_swept(server: DemoServer, tmp_path: Path) -> None:
    sync(server, tmp_path)
    (tmp_path / "manifest.json").unlink()
    with pytest.raises(ArchiveError, match=r"no manifest\.json: run `auditui archive verify"):
        sync(server, tmp_path)
    assert len(list(tmp_path.rglob("*.parquet"))) == len(DAYS)


def test_ids_beyond_int64_are_left_out_and_counted(tmp_path: Path) -> None:
    events = [event(1, 60), event(2, 90, user_id=2**63), event(3, 100, object_id=-(2**63) - 1)]
    with DemoServer(events).start() as server:
        summary = sync(server, tmp_path, time_range=TimeRange(NOW - timedelta(hours=2), NOW))
    assert summary.left_out == 2 and summary.events_added == 1
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None and manifest.days["2026-11-26"].left_out == 2
    assert [row[0] for row in archived_rows(tmp_path)] == ["e1"]


def test_a_second_writer_is_told_who_holds_the_lock(server: DemoServer, tmp_path: Path) -> None:
    with archive_lock(ArchivePaths(tmp_path), NOW), pytest.raises(ArchiveError) as caught:
        sync(server, tmp_path)
    assert f"pid {os.getpid()}" in str(caught.value)
    assert requests(server) == 0 and not (tmp_path / "manifest.json").exists()


class Crashed(Exception):
    """Stands for kill -9: nothing after it runs in the writer."""


def test_a_crash_between_a_day_file_and_the_manifest_is_swept_next_time(
    server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The instant kill -9 can hit between a day's rename and the manifest naming it: the
    manifest still lists only complete files, and the next sync sweeps the unlisted one."""
    from auditui.archive import write_manifest as real

    calls = 0

    def crash_on_the_second_day(paths: ArchivePaths, manifest: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # the new archive's empty manifest, the first day, then this
            raise Crashed
        real(paths, manifest)

    monkeypatch.setattr("auditui.archive.sync.write_manifest", crash_on_the_second_day)
    monkeypatch.setattr("auditui.archive.sync.remove_files", lambda *_: None)  # killed: no tidying
    with pytest.raises(Crashed):
        sync(server, tmp_path, concurrency=1)
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None and len(manifest.days) == 1
    on_disk = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.parquet")}
    assert len(on_disk) == 2 and {f.name for f in manifest.files()} < on_disk
    monkeypatch.undo()
    again = sync(server, tmp_path)
    # the day archived first was the open one (newest first): it is refetched too
    assert again.swept == 1 and again.ok and len(again.fetched) == len(DAYS)
    assert len(list(tmp_path.rglob("*.parquet"))) == len(DAYS)


def test_a_manifest_that_cannot_be_written_leaves_the_day_as_it_was(
    server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day's file is on disk but the manifest write fails (a read-only or full disk):
    the new file is removed again, so the archive verifies as it did before the sync."""
    from auditui.archive import write_manifest as real
    from auditui.archive.verify import verify_archive
    from auditui.errors import StorageError

    calls = 0

    def fail_on_the_first_day(paths: ArchivePaths, manifest: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:  # the new archive's empty manifest, then the first day's
            raise StorageError("Cannot write manifest.json: no space left on the device.")
        real(paths, manifest)

    monkeypatch.setattr("auditui.archive.sync.write_manifest", fail_on_the_first_day)
    with pytest.raises(StorageError):
        sync(server, tmp_path, concurrency=1)
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None and manifest.days == {}
    assert list(tmp_path.rglob("*.parquet")) == []
    monkeypatch.undo()
    assert verify_archive(ArchivePaths(tmp_path)).ok
