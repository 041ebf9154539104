"""`cache info`, `cache clear` and `open` as the CLI calls them (argparse namespaces)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from auditui.cli.browse import open_file
from auditui.cli.cache import cache_clear, cache_info
from auditui.demo import generate_events
from auditui.errors import UsageError
from auditui.events import decode_events
from auditui.sources.cache import DEFAULT_MAX_BYTES, WindowCache, cache_limit
from auditui.timespec import TimeRange
from auditui.units import human_bytes

HOST = "https://app.datafold.com"
BASE = datetime(2026, 3, 1, tzinfo=UTC)


def fill(profile: str, days: range) -> None:
    cache = WindowCache(profile, HOST)
    for n in days:
        window = TimeRange(BASE + timedelta(days=n), BASE + timedelta(days=n + 1))
        raw = generate_events(seed=n, events_per_day=20, days=1, end=window.end)
        events = decode_events(msgspec.json.encode(item) for item in raw).events
        cache.put(window, [e for e in events if window.contains(e.timestamp)])
    cache.flush()


def test_info_lists_profiles_and_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    assert cache_info(argparse.Namespace(profile=None)) == 0
    assert "No cached windows." in capsys.readouterr().out
    fill("default", range(3))
    fill("eu", range(5, 6))
    assert cache_info(argparse.Namespace(profile=None)) == 0
    out = capsys.readouterr().out
    assert "of 1.0 GiB" in out
    assert f"default · {HOST} · 3 windows" in out
    assert "2026-03-01 00:00 → 2026-03-04 00:00 UTC" in out
    assert "2026-03-06 00:00 → 2026-03-07 00:00 UTC" in out
    cache_info(argparse.Namespace(profile="eu"))
    assert "default ·" not in capsys.readouterr().out


def test_clear_one_profile_or_all(capsys: pytest.CaptureFixture[str]) -> None:
    fill("default", range(2))
    fill("eu", range(1))
    assert cache_clear(argparse.Namespace(profile="eu")) == 0
    assert "Removed 1 cached windows of profile 'eu'" in capsys.readouterr().out
    assert cache_clear(argparse.Namespace(profile=None)) == 0
    assert "Removed 2 cached windows (" in capsys.readouterr().out


def test_sizes_and_the_configurable_cap() -> None:
    assert human_bytes(12) == "12 B"
    assert human_bytes(1_500_000) == "1.4 MiB"  # one convention: IEC, everywhere
    assert human_bytes(3 * 1024**2 // 2) == "1.5 MiB"
    assert human_bytes(5 * 1024**4) == "5,120.0 GiB"
    assert cache_limit({}) == DEFAULT_MAX_BYTES
    assert cache_limit({"AUDITUI_CACHE_MAX": "500M"}) == 500 * 1024**2
    assert cache_limit({"AUDITUI_CACHE_MAX": "2gb"}) == 2 * 1024**3
    assert cache_limit({"AUDITUI_CACHE_MAX": "4096"}) == 4096
    with pytest.raises(UsageError, match="AUDITUI_CACHE_MAX"):
        cache_limit({"AUDITUI_CACHE_MAX": "lots"})


def test_open_needs_a_terminal_before_reading(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        open_file(argparse.Namespace(file=str(tmp_path / "missing"), profile=None))
    present = tmp_path / "events.ndjson"
    present.write_text("{}\n")
    with pytest.raises(UsageError, match="interactive terminal"):
        open_file(argparse.Namespace(file=str(present), profile=None))
