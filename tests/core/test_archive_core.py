"""The archive core: the manifest and its digest chain, the host check, the writer lock,
writing a day's file safely and reading a damaged one (auditui.archive, no API)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime
from pathlib import Path

import msgspec
import pytest

from auditui.archive import (
    ArchiveError,
    ArchivePaths,
    Manifest,
    archive_lock,
    open_archive,
    read_events,
    read_manifest,
    write_day_file,
    write_manifest,
)
from auditui.archive import files as archive_files
from auditui.archive.manifest import GENESIS, broken_links, chained
from auditui.config.settings import Profile
from auditui.errors import StorageError
from tests.helpers.archive import as_events, make_archive
from tests.helpers.events import raw

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
HOST = "https://app.datafold.com"


def three_days(root: Path) -> Manifest:
    events = [raw(n, timestamp=f"2026-11-{22 + n % 3}T{n % 24:02d}:00:00Z") for n in range(9)]
    return make_archive(root, events, host=HOST, now=NOW)


def test_manifest_round_trip_is_private_and_exact(tmp_path: Path) -> None:
    manifest = three_days(tmp_path)
    paths = ArchivePaths(tmp_path)
    assert read_manifest(paths) == manifest
    assert (paths.manifest.stat().st_mode & 0o777) == 0o600
    assert read_manifest(ArchivePaths(tmp_path / "nothing")) is None
    again = msgspec.structs.replace(manifest, last_sync=datetime(2026, 11, 27, tzinfo=UTC))
    write_manifest(paths, again)
    assert read_manifest(paths) == again
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_digests_chain_every_day_to_the_one_before(tmp_path: Path) -> None:
    manifest = three_days(tmp_path)
    days = manifest.days
    assert broken_links(days) == [] and manifest.head() == days["2026-11-24"].digest
    assert len({day.digest for day in days.values()}) == 3 and GENESIS not in manifest.head()

    # A file's digest edited by hand: that day's link breaks, and only that one.
    first = days["2026-11-23"].files[0]
    edited = dict(days)
    edited["2026-11-23"] = msgspec.structs.replace(
        days["2026-11-23"], files=(msgspec.structs.replace(first, sha256="0" * 64),)
    )
    assert broken_links(edited) == ["2026-11-23"]
    # Rechained, that day's and every later digest change; earlier ones stay.
    rechained = chained(edited)
    assert rechained["2026-11-22"].digest == days["2026-11-22"].digest
    assert all(rechained[k].digest != days[k].digest for k in ("2026-11-23", "2026-11-24"))

    # A day removed from the middle: the next day's link breaks.
    removed = {k: v for k, v in days.items() if k != "2026-11-23"}
    assert broken_links(removed) == ["2026-11-24"]
    # Changing one day's event count (not its files' names) also breaks its link.
    recount = dict(days)
    recount["2026-11-22"] = msgspec.structs.replace(
        days["2026-11-22"], files=(msgspec.structs.replace(days["2026-11-22"].files[0], events=99),)
    )
    assert broken_links(recount) == ["2026-11-22"]


def test_a_manifest_from_a_newer_auditui_is_refused_and_left_alone(tmp_path: Path) -> None:
    three_days(tmp_path)
    paths = ArchivePaths(tmp_path)
    data = msgspec.json.decode(paths.manifest.read_bytes())
    data["format"] = 2
    data["new_thing"] = {"x": 1}
    paths.manifest.write_bytes(msgspec.json.encode(data))
    before = paths.manifest.read_bytes()
    with pytest.raises(ArchiveError, match=r"newer auditui \(format 2, this one reads 1\)"):
        read_manifest(paths)
    assert paths.manifest.read_bytes() == before


@pytest.mark.parametrize(
    "damage",
    [b'{\n  "host": ', b"[]", b'{"host": 1, "profile": "p", "created_at": "x"}', b"\xff\xfe"],
)
def test_a_damaged_manifest_is_one_line_naming_it(tmp_path: Path, damage: bytes) -> None:
    paths = ArchivePaths(tmp_path)
    paths.manifest.write_bytes(damage)
    with pytest.raises(ArchiveError) as caught:
        read_manifest(paths)
    message = str(caught.value)
    assert "\n" not in message and str(paths.manifest) in message and "damaged" in message


def test_an_archive_of_another_host_is_refused_naming_both(tmp_path: Path) -> None:
    three_days(tmp_path)
    profile = Profile(name="eu", host="https://eu.datafold.com", archive=str(tmp_path))
    with pytest.raises(ArchiveError) as caught:
        open_archive(profile, profile.host)
    message = str(caught.value)
    assert HOST in message and "https://eu.datafold.com" in message and "'eu'" in message
    same = Profile(name="default", archive=str(tmp_path))
    assert not open_archive(same, HOST + "/").empty  # a trailing slash is the same host
    assert open_archive(profile, profile.host, str(tmp_path / "eu")).empty  # --archive DIR
    assert not (tmp_path / "eu").exists()  # opening creates nothing


def test_a_second_writer_is_refused_naming_the_holder(tmp_path: Path) -> None:
    paths = ArchivePaths(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from datetime import datetime, UTC
            from pathlib import Path
            from auditui.archive import ArchivePaths, archive_lock
            when = datetime(2026, 11, 26, 12, tzinfo=UTC)
            with archive_lock(ArchivePaths(Path({str(tmp_path)!r})), when):
                print("held", flush=True)
                sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(ArchiveError) as caught, archive_lock(paths, NOW):
            pass
        message = str(caught.value)
        assert f"pid {holder.pid} on " in message and "since 2026-11-26 12:00:00 UTC" in message
        assert "\n" not in message
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    with archive_lock(paths, NOW):  # released when its process ended
        assert f"pid {os.getpid()} " in paths.lock.read_text()
    assert paths.lock.read_text() == ""  # the holder line goes with the lock


def test_a_failed_day_write_leaves_no_file_and_says_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = ArchivePaths(tmp_path)
    events = as_events([raw(1, timestamp="2026-11-24T10:00:00Z")])

    def full(path: object) -> str:
        assert Path(str(path)).name.startswith(".")  # hashed before the rename
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(archive_files, "sha256_file", full)
    with pytest.raises(StorageError) as caught:
        write_day_file(paths, date(2026, 11, 24), events, host=HOST, fetched_at=NOW)
    assert "Errno 28" in str(caught.value) and "\n" not in str(caught.value)
    assert list(paths.day_dir(date(2026, 11, 24)).iterdir()) == []
    monkeypatch.undo()
    entry = write_day_file(paths, date(2026, 11, 24), events, host=HOST, fetched_at=NOW)
    assert [p.name for p in paths.day_dir(date(2026, 11, 24)).iterdir()] == [
        entry.name.split("/")[1]
    ]


def test_a_truncated_file_is_an_archive_error_naming_it(tmp_path: Path) -> None:
    manifest = three_days(tmp_path)
    paths = ArchivePaths(tmp_path)
    victim = manifest.days["2026-11-23"].files[0]
    data = paths.file(victim.name).read_bytes()
    paths.file(victim.name).write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError) as caught:
        read_events(paths, manifest.files())
    message = str(caught.value)
    assert victim.name in message and "auditui archive verify" in message and "\n" not in message
    assert len(read_events(paths, manifest.days["2026-11-22"].files)) == 3  # the others read
