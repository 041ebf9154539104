"""`archive_status`: covered runs of days, the gaps between them, counts, size, last sync and
head digest, from the manifest; `status_targets`: which archives `auditui archive status`
shows (the config's profiles, then any other folder under the default archive root)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from auditui.archive import ArchivePaths, read_manifest
from auditui.archive.layout import default_archive_root
from auditui.archive.status import archive_status, gaps, runs, status_targets
from auditui.demo import DemoServer
from auditui.timespec import TimeRange
from tests.helpers.archive_sync import END, NOW, sync


@pytest.fixture
def server() -> Iterator[DemoServer]:
    started = DemoServer(end=END, events_per_day=150, days=10).start()
    try:
        yield started
    finally:
        started.stop()


def day(n: int) -> date:
    return date(2026, 11, n)


def test_runs_and_gaps() -> None:
    covered = runs([day(3), day(1), day(2), day(7), day(9), day(8), day(30)])
    assert covered == [(day(1), day(3)), (day(7), day(9)), (day(30), day(30))]
    assert gaps(covered) == [(day(4), day(6)), (day(10), day(29))]
    assert runs([]) == [] and gaps([]) == []


def test_status_of_an_archive_with_a_gap(server: DemoServer, tmp_path: Path) -> None:
    sync(server, tmp_path, time_range=TimeRange(NOW - timedelta(days=1), NOW))
    early = TimeRange(NOW - timedelta(days=8), NOW - timedelta(days=6))
    sync(server, tmp_path, time_range=early)
    shown = archive_status("default", tmp_path)
    assert shown.error == "" and shown.host == server.url
    assert shown.covered == [(day(18), day(20)), (day(25), day(26))]
    assert shown.gaps == [(day(21), day(24))]
    assert (shown.closed_days, shown.open_days) == (4, 1)
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None
    assert shown.events == manifest.events() > 0 and shown.head == manifest.head()
    assert shown.bytes == manifest.bytes() and shown.last_sync == NOW


def test_a_damaged_manifest_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{")
    shown = archive_status("default", tmp_path)
    assert "damaged" in shown.error and not shown.covered


def test_a_folder_without_an_archive(tmp_path: Path) -> None:
    shown = archive_status("default", tmp_path / "nothing")
    assert not shown.exists and not shown.error and shown.host == ""


def test_targets_are_the_profiles_then_other_folders(tmp_path: Path) -> None:
    base = default_archive_root("default").parent
    (base / "old-profile").mkdir(parents=True)
    (base / "default").mkdir()
    targets = status_targets({"default": None, "eu": str(tmp_path / "eu")})
    assert targets == [
        ("default", base / "default"),
        ("eu", tmp_path / "eu"),
        ("old-profile", base / "old-profile"),
    ]
    assert status_targets({"default": None}, str(tmp_path / "x")) == [("default", tmp_path / "x")]


def test_days_the_api_had_no_event_for_are_listed_as_empty(
    server: DemoServer, tmp_path: Path
) -> None:
    """The days before the demo data starts are archived (the API answered: nothing) but
    listed apart, not passed off as covered quietly."""
    sync(server, tmp_path, time_range=TimeRange(NOW - timedelta(days=12), NOW - timedelta(days=5)))
    shown = archive_status("default", tmp_path)
    manifest = read_manifest(ArchivePaths(tmp_path))
    assert manifest is not None
    first_served = min(date.fromisoformat(k) for k, v in manifest.days.items() if v.events)
    assert first_served > day(14)  # some days of the range came back empty
    assert shown.empty == [(day(14), first_served - timedelta(days=1))]
    assert shown.covered == [(day(14), day(21))]
