"""Temp files a killed process left: swept when over an hour old, ours only.

`paths.sweep_stale_temps` removes `atomic_writer`'s temp files (`.NAME.<12 hex>.tmp`) whose
last change is over `STALE_AFTER` ago; fresh ones (a write in progress, perhaps in another
process) and every other name stay. The window cache sweeps its folders when it reads its
index (each load, `cache info`, `cache clear`); `fetch -o` sweeps the output's folder (see
tests/e2e/test_output_targets.py). Ages are set with `os.utime`, never waited for.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditui.paths import STALE_AFTER, TEMP_NAME_RE, atomic_writer, sweep_stale_temps, temp_name
from auditui.sources.cache import WindowCache, cache_info
from auditui.timespec import TimeRange

HOUR_AND_A_BIT = STALE_AFTER + 60


def age(path: Path, seconds: float, now: float) -> None:
    os.utime(path, (now - seconds, now - seconds), follow_symlinks=False)


def test_temp_name_is_what_the_sweep_matches() -> None:
    name = temp_name("out.csv")
    match = TEMP_NAME_RE.match(name)
    assert match is not None and match.group("name") == "out.csv"
    assert name != temp_name("out.csv")


def test_stale_ours_go_fresh_and_foreign_stay(tmp_path: Path) -> None:
    now = time.time()
    stale = tmp_path / ".out.csv.0123456789ab.tmp"
    fresh = tmp_path / ".out.csv.fedcba987654.tmp"
    foreign = [
        tmp_path / "notes.tmp",  # not hidden
        tmp_path / ".out.csv.tmp",  # no random part
        tmp_path / ".out.csv.0123456789AB.tmp",  # not our hex
        tmp_path / ".out.csv.0123456789ab.tmp.bak",
        tmp_path / "out.csv",
    ]
    for path in (stale, fresh, *foreign):
        path.write_bytes(b"x")
    for path in (stale, *foreign):
        age(path, HOUR_AND_A_BIT, now)
    age(fresh, STALE_AFTER - 60, now)
    assert sweep_stale_temps(tmp_path, now=now) == 1
    assert not stale.exists()
    assert fresh.exists() and all(path.exists() for path in foreign)


def test_a_target_limits_the_sweep_to_its_own_temps(tmp_path: Path) -> None:
    now = time.time()
    mine = tmp_path / ".out.csv.0123456789ab.tmp"
    other = tmp_path / ".report.csv.0123456789ab.tmp"
    for path in (mine, other):
        path.write_bytes(b"x")
        age(path, HOUR_AND_A_BIT, now)
    assert sweep_stale_temps(tmp_path, target="out.csv", now=now) == 1
    assert not mine.exists() and other.exists()


def test_a_stale_temp_folder_goes_whole_and_links_are_not_followed(tmp_path: Path) -> None:
    now = time.time()
    scope = tmp_path / ".default-1a2b3c.0123456789ab.tmp"
    scope.mkdir()
    (scope / "scope.json").write_text("{}")
    age(scope, HOUR_AND_A_BIT, now)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "keep").write_text("keep")
    link = tmp_path / ".link.0123456789ab.tmp"
    link.symlink_to(precious)
    age(link, HOUR_AND_A_BIT, now)
    assert sweep_stale_temps(tmp_path, now=now) == 2
    assert not scope.exists() and not link.is_symlink()
    assert (precious / "keep").read_text() == "keep"  # the link went, not what it named


def test_a_missing_folder_sweeps_nothing(tmp_path: Path) -> None:
    assert sweep_stale_temps(tmp_path / "nope") == 0


def test_a_temp_created_then_interrupted_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.bin"
    target.parent.mkdir()
    with pytest.raises(KeyboardInterrupt), atomic_writer(target) as out:
        out.write(b"partial")
        raise KeyboardInterrupt
    assert list(target.parent.iterdir()) == []


def test_the_cache_sweeps_what_a_killed_writer_left(tmp_path: Path) -> None:
    """kill -9 during a cache write leaves `.NAME.win.XXXX.tmp` in a scope folder and
    `.index.json.XXXX.tmp` in the root; reading the index (any load, `cache info`) sweeps
    the stale ones."""
    root = tmp_path / "windows"
    window = TimeRange(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
    assert WindowCache("default", "https://x.example", root=root).put(window, [])
    (scope,) = [path for path in root.iterdir() if path.is_dir()]
    now = time.time()
    stale_window = scope / ".20261101T0000Z-20261102T0000Z.win.0123456789ab.tmp"
    stale_index = root / ".index.json.0123456789ab.tmp"
    fresh_window = scope / ".20261102T0000Z-20261103T0000Z.win.fedcba987654.tmp"
    foreign = scope / "README"
    for path in (stale_window, stale_index, fresh_window, foreign):
        path.write_bytes(b"half")
    for path in (stale_window, stale_index, foreign):
        age(path, HOUR_AND_A_BIT, now)
    cache_info(root)
    assert not stale_window.exists() and not stale_index.exists()
    assert fresh_window.exists() and foreign.exists()
