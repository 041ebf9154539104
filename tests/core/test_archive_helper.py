"""The test helper `make_archive`: what it writes is what the manifest says, chained."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from auditui.archive import ArchivePaths, read_events, read_manifest, sha256_file
from auditui.archive.manifest import broken_links
from tests.helpers.archive import archive_config, make_archive
from tests.helpers.events import raw

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)


def test_make_archive_groups_by_utc_day_and_marks_closed_days(tmp_path: Path) -> None:
    events = [
        raw(1, timestamp="2026-11-24T23:59:59.999999Z"),
        raw(2, timestamp="2026-11-25T00:00:00Z"),
        raw(3, timestamp="2026-11-25T13:00:00+02:00"),
        raw(4, timestamp="2026-11-26T01:00:00Z"),
    ]
    manifest = make_archive(tmp_path / "a", events, host="https://h.example", now=NOW)
    assert {key: (day.events, day.complete) for key, day in manifest.days.items()} == {
        "2026-11-24": (1, True),
        "2026-11-25": (2, True),
        "2026-11-26": (1, False),
    }
    paths = ArchivePaths(tmp_path / "a")
    assert read_manifest(paths) == manifest
    assert broken_links(manifest.days) == []
    for entry in manifest.files():
        assert sha256_file(paths.file(entry.name)) == entry.sha256
    uuids = [e.event_uuid for e in read_events(paths, manifest.files())]
    assert uuids == [raw(n)["event_uuid"] for n in (4, 3, 2, 1)]


def test_make_archive_complete_before_and_left_out(tmp_path: Path) -> None:
    events = [
        raw(1, timestamp="2026-11-24T10:00:00Z"),
        raw(2, timestamp="2026-11-24T11:00:00Z", user_id=1 << 64),
    ]
    manifest = make_archive(
        tmp_path, events, host="h", now=NOW, complete_before=datetime(2026, 11, 24, 23, tzinfo=UTC)
    )
    day = manifest.days["2026-11-24"]
    assert (day.complete, day.events, day.left_out) == (False, 1, 1)


def test_archive_config_names_the_folder(tmp_path: Path) -> None:
    from auditui.config.settings import load_settings

    path = archive_config(
        tmp_path / "home", tmp_path / 'we"ird', profile="eu", host="https://eu.example"
    )
    profile = load_settings(path).profile("eu")
    assert (profile.archive, profile.host) == (str(tmp_path / 'we"ird'), "https://eu.example")
