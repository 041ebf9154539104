"""Where a bundle's events came from and what `verify` cross-checks beyond the digests:
`source` and `empty_days` in the manifest and README.txt, the check of archive files
against the archive's manifest, events.csv against events.ndjson after a cover-up (the
manifest and SHA256SUMS rewritten to match), and `verify --expect`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from auditui.cli.evidence import verify as verify_command
from auditui.errors import UsageError
from auditui.events import AuditEvent
from auditui.evidence import verify, write_bundle
from auditui.evidence.origin import (
    BundleSource,
    TamperedArchive,
    empty_days,
    empty_days_text,
)
from auditui.timespec import TimeRange
from tests.helpers.archive import make_archive
from tests.helpers.events import decode, raw
from tests.helpers.evidence import flip_a_byte, info, make_events, reseal, sha

HEAD = "ab" * 32


@pytest.fixture
def events() -> list[AuditEvent]:
    return make_events(8)


@pytest.fixture
def bundle(tmp_path: Path, events: list[AuditEvent]) -> Path:
    target = tmp_path / "evidence"
    write_bundle(events, target, info())
    return target


def test_empty_days_are_the_range_s_utc_days_without_a_loaded_event(
    events: list[AuditEvent],
) -> None:
    days = sorted({e.timestamp.astimezone(UTC).date() for e in events})
    assert days == [date(2026, 11, 26)]  # make_events: all on 2026-11-26
    wide = TimeRange(datetime(2026, 11, 20, 6, tzinfo=UTC), datetime(2026, 11, 28, tzinfo=UTC))
    found = empty_days(wide, events)
    assert found == [date(2026, 11, d) for d in (20, 21, 22, 23, 24, 25, 27)]
    assert empty_days_text(found) == "2026-11-20 … 2026-11-25, 2026-11-27"
    assert empty_days(wide, []) == [date(2026, 11, d) for d in range(20, 28)]
    runs = [date(2026, 11, d) for d in (1, 3, 5, 7, 9)]
    assert empty_days_text(runs) == "2026-11-01, 2026-11-03, 2026-11-05, and 2 more"


def test_the_manifest_and_readme_say_where_the_events_came_from(
    tmp_path: Path, events: list[AuditEvent]
) -> None:
    source = BundleSource("https://app.datafold.com", 2, 5, 1, 3, "/srv/archive", HEAD)
    target = tmp_path / "sourced"
    empty = (date(2026, 11, 25),)
    write_bundle(events, target, dataclasses.replace(info(), source=source, empty_days=empty))
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["source"] == {
        "host": "https://app.datafold.com",
        "archive_windows": 2,
        "archive_events": 5,
        "api_windows": 1,
        "api_events": 3,
        "archive": {"path": "/srv/archive", "head": HEAD},
    }
    assert manifest["empty_days"] == ["2026-11-25"]
    readme = " ".join((target / "README.txt").read_text().split())
    assert "5 events in 2 windows from the local archive in /srv/archive" in readme
    assert f"(head digest {HEAD})" in readme and "3 events in 1 windows from the API" in readme
    assert "1 of the range's UTC days held no events" in readme and "(2026-11-25)" in readme
    assert verify(str(target)).ok

    api_only = tmp_path / "api-only"
    plain = BundleSource("https://app.datafold.com", api_windows=2, api_events=8)
    write_bundle(events, api_only, dataclasses.replace(info(), source=plain))
    manifest = json.loads((api_only / "manifest.json").read_text())
    assert manifest["source"]["archive"] is None and manifest["empty_days"] == []
    assert "none from a local archive" in (api_only / "README.txt").read_text()


def test_mismatched_archive_files_are_named(tmp_path: Path) -> None:
    from auditui.archive import ArchivePaths, mismatched_files

    now = datetime(2026, 11, 29, tzinfo=UTC)
    two_days = decode(raw(1), raw(2), raw(3, timestamp="2026-11-25T10:00:00Z"))
    manifest = make_archive(tmp_path / "a", two_days, host="https://h", now=now)
    paths = ArchivePaths(tmp_path / "a")
    files = manifest.files()
    assert len(files) == 2 and mismatched_files(paths, files) == []
    flip_a_byte(paths.file(files[0].name), at=100)
    paths.file(files[1].name).unlink()
    assert mismatched_files(paths, files) == [files[0].name, files[1].name]
    line = str(TamperedArchive([files[0].name, files[1].name]))
    assert "auditui archive verify --repair" in line and files[1].name in line
    assert "\n" not in line


def test_a_csv_edited_and_covered_up_is_caught_by_its_uuids(bundle: Path) -> None:
    csv_path = bundle / "events.csv"
    header, *rows = csv_path.read_bytes().split(b"\r\n")[:-1]
    assert len(rows) == 8
    csv_path.write_bytes(b"\r\n".join([header, *rows[:-1]]) + b"\r\n")  # the last row dropped
    reseal(bundle)
    (line,) = verify(str(bundle)).lines()
    assert line.startswith("changed file events.csv: it ends at row 7; line 8 of events.ndjson")

    swapped = [*rows[:2], rows[3], rows[2], *rows[4:]]  # rows 3 and 4 swapped
    csv_path.write_bytes(b"\r\n".join([header, *swapped]) + b"\r\n")
    reseal(bundle)
    (line,) = verify(str(bundle)).lines()
    uuids = [json.loads(x)["event_uuid"] for x in (bundle / "events.ndjson").read_text().split()]
    assert line == (
        f"changed file events.csv: row 3 holds event {uuids[3]}, line 3 of events.ndjson "
        f"event {uuids[2]} (it no longer shows the same events)"
    )


def verify_args(path: Path, expect: str | None) -> argparse.Namespace:
    return argparse.Namespace(path=str(path), expect=expect)


def test_verify_prints_the_anchor_and_checks_expect(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    anchor = sha((bundle / "SHA256SUMS").read_bytes())
    assert verify_command(verify_args(bundle, None)) == 0
    assert capsys.readouterr().out.endswith(f"; SHA-256 of SHA256SUMS: {anchor}\n")
    assert verify_command(verify_args(bundle, anchor.upper())) == 0
    capsys.readouterr()

    other = "0" * 64
    assert verify_command(verify_args(bundle, other)) == 1
    assert capsys.readouterr().out == (
        f"SHA-256 of SHA256SUMS is {anchor}, not the expected {other}: this is not the "
        "bundle recorded at hand-over\n"
    )
    with pytest.raises(UsageError, match="64 hexadecimal digits"):
        verify_command(verify_args(bundle, "abc"))
