"""`verify_archive` and `repair_archive`: every kind of tampering is found and named.

An archive is synced from the demo server (now injected), then damaged the way people and
disks damage files; each test checks that the finding names the file or day, and repair
refetches exactly the days affected (counted on the server).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from auditui.archive import ArchiveError, ArchivePaths, read_manifest
from auditui.archive.verify import (
    CHAIN,
    CHANGED,
    COUNT,
    DAMAGED,
    EXTRA,
    FOLDER,
    MISSING,
    NEWER,
    UNREADABLE,
    repair_archive,
    verify_archive,
)
from auditui.demo import DemoServer, encode_events
from tests.helpers.app import served
from tests.helpers.archive_sync import END, NOW, archived_rows, connection_for, requests, sync


@pytest.fixture
def server() -> Iterator[DemoServer]:
    yield from served(end=END, events_per_day=150, days=7)


@pytest.fixture
def root(server: DemoServer, tmp_path: Path) -> Path:
    sync(server, tmp_path / "archive")
    return tmp_path / "archive"


def listed(root: Path, day: str) -> Path:
    manifest = read_manifest(ArchivePaths(root))
    assert manifest is not None
    return root / manifest.days[day].files[0].name


def kinds(root: Path) -> list[tuple[str, str]]:
    return [(f.kind, f.day) for f in verify_archive(ArchivePaths(root)).findings]


def edit_manifest(root: Path, change: dict[str, object], day: str | None = None) -> None:
    path = root / "manifest.json"
    data = json.loads(path.read_text())
    (data["days"][day] if day else data).update(change)
    path.write_text(json.dumps(data))


def test_a_synced_archive_verifies(root: Path) -> None:
    report = verify_archive(ArchivePaths(root))
    assert report.ok and report.days == 6 and report.files == 6


def test_a_changed_file_is_named(root: Path) -> None:
    shutil.copyfile(listed(root, "2026-11-23"), listed(root, "2026-11-22"))  # valid Parquet
    report = verify_archive(ArchivePaths(root))
    assert [(f.kind, f.day) for f in report.findings] == [(CHANGED, "2026-11-22")]
    assert report.findings[0].name.startswith("date=2026-11-22/part-")


def test_a_truncated_file_is_unreadable(root: Path) -> None:
    target = listed(root, "2026-11-24")
    target.write_bytes(target.read_bytes()[:300])
    assert kinds(root) == [(UNREADABLE, "2026-11-24")]


def test_a_missing_file_and_a_deleted_day_folder(root: Path) -> None:
    listed(root, "2026-11-21").unlink()
    shutil.rmtree(root / "date=2026-11-25")
    assert kinds(root) == [(MISSING, "2026-11-21"), (FOLDER, "2026-11-25")]


def test_an_extra_file_is_named(root: Path) -> None:
    shutil.copyfile(listed(root, "2026-11-23"), root / "date=2026-11-23" / "stray.parquet")
    report = verify_archive(ArchivePaths(root))
    assert [(f.kind, f.name) for f in report.findings] == [(EXTRA, "date=2026-11-23/stray.parquet")]


def test_a_manifest_edited_by_hand_breaks_the_chain(root: Path) -> None:
    edit_manifest(root, {"digest": "0" * 64}, "2026-11-22")
    # the edited day, and the next one, whose digest was chained from the true one
    assert kinds(root) == [(CHAIN, "2026-11-22"), (CHAIN, "2026-11-23")]


def test_a_day_s_event_count_edited_is_named(root: Path) -> None:
    edit_manifest(root, {"events": 1}, "2026-11-24")  # not covered by the digest
    assert kinds(root) == [(COUNT, "2026-11-24")]


def test_a_file_of_a_newer_schema_says_so(root: Path) -> None:
    target = listed(root, "2026-11-23")
    newer = root / "newer.parquet"
    duckdb.execute(
        f"COPY (SELECT * FROM read_parquet('{target}')) TO '{newer}' "
        "(FORMAT parquet, KV_METADATA {auditui_schema: '99'})"
    )
    newer.replace(target)
    report = verify_archive(ArchivePaths(root))
    assert [(f.kind, f.day) for f in report.findings] == [(NEWER, "2026-11-23")]
    assert "written by a newer auditui" in report.findings[0].line()


def test_a_newer_manifest_format_is_refused(root: Path) -> None:
    edit_manifest(root, {"format": 99})
    with pytest.raises(ArchiveError, match="newer auditui"):
        verify_archive(ArchivePaths(root))


def test_repair_refetches_a_changed_and_a_deleted_day(server: DemoServer, root: Path) -> None:
    before = archived_rows(root)
    shutil.copyfile(listed(root, "2026-11-23"), listed(root, "2026-11-22"))
    shutil.rmtree(root / "date=2026-11-25")
    shutil.copyfile(listed(root, "2026-11-23"), root / "date=2026-11-23" / "stray.parquet")
    asked = requests(server)
    result = repair_archive(connection_for(server), ArchivePaths(root), "default", now=NOW)
    assert sorted(result.refetched) == ["2026-11-22", "2026-11-25"]
    assert result.removed == ["date=2026-11-23/stray.parquet"] and not result.rebuilt
    assert requests(server) == asked + 2
    assert result.after is not None and result.after.ok
    assert archived_rows(root) == before


def test_a_damaged_manifest_is_rebuilt_from_the_files(server: DemoServer, root: Path) -> None:
    before = archived_rows(root)
    manifest = read_manifest(ArchivePaths(root))
    (root / "manifest.json").write_text('{"host": "trunc')
    assert kinds(root) == [(DAMAGED, "")]
    asked = requests(server)
    result = repair_archive(connection_for(server), ArchivePaths(root), "default", now=NOW)
    assert result.rebuilt and result.after is not None and result.after.ok
    assert requests(server) == asked  # every file was readable: nothing to refetch
    rebuilt = read_manifest(ArchivePaths(root))
    assert rebuilt is not None and manifest is not None
    assert rebuilt.host == server.url and rebuilt.head() == manifest.head()
    assert {k: d.complete for k, d in rebuilt.days.items()} == {
        k: d.complete for k, d in manifest.days.items()
    }
    assert archived_rows(root) == before


def test_verify_of_an_empty_folder_is_fine(tmp_path: Path) -> None:
    assert verify_archive(ArchivePaths(tmp_path / "none")).ok


def test_repair_keeps_a_day_the_api_no_longer_has(server: DemoServer, root: Path) -> None:
    damaged = listed(root, "2026-11-22")
    damaged.write_bytes(damaged.read_bytes()[:300])
    server.encoded = encode_events([])  # the day is past the API's window now
    result = repair_archive(connection_for(server), ArchivePaths(root), "default", now=NOW)
    assert result.summary is not None and result.refetched == []
    assert "no events" in result.summary.failed[date(2026, 11, 22)]
    assert damaged.exists() and kinds(root) == [(UNREADABLE, "2026-11-22")]


def test_repair_of_a_sound_archive_changes_nothing_and_takes_no_lock(
    server: DemoServer, tmp_path: Path
) -> None:
    """Nothing to repair: no lock file is made and nothing written, so `verify --repair` of a
    read-only archive that is sound says OK."""
    sync(server, tmp_path)
    (tmp_path / ".lock").unlink()
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    result = repair_archive(connection_for(server), ArchivePaths(tmp_path), "default", now=NOW)
    assert result.after is not None and result.after.ok
    assert not (result.rebuilt or result.removed or result.refetched)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before
