"""The window cache on its own: file format, corruption, index, LRU, info and clear."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.demo import generate_events
from auditui.events import AuditEvent, decode_events, encode_event
from auditui.paths import cache_dir
from auditui.sources.cache import (
    CorruptWindow,
    WindowCache,
    cache_info,
    clear_cache,
    default_root,
    encode_window_file,
    read_index,
    read_window_file,
    scope_name,
)
from auditui.timespec import TimeRange

DAY = timedelta(days=1)
BASE = datetime(2026, 3, 1, tzinfo=UTC)
HOST = "https://app.datafold.com"


def day(n: int) -> TimeRange:
    return TimeRange(BASE + n * DAY, BASE + (n + 1) * DAY)


def events_in(window: TimeRange, count: int = 50) -> list[AuditEvent]:
    import msgspec

    raw = generate_events(seed=3, events_per_day=count, days=1, end=window.end)
    decoded = decode_events(msgspec.json.encode(item) for item in raw)
    return [e for e in decoded.events if window.contains(e.timestamp)]


@pytest.fixture(scope="module")
def sample() -> tuple[TimeRange, list[AuditEvent], bytes]:
    window = day(0)
    events = events_in(window)
    return window, events, encode_window_file(window, events, malformed=2)


def test_a_window_file_round_trips(sample: tuple[TimeRange, list[AuditEvent], bytes]) -> None:
    window, events, data = sample
    header, decoded = read_window_file(data)
    assert (header.start, header.end, header.events, header.malformed) == (
        window.start,
        window.end,
        len(events),
        2,
    )
    assert [encode_event(e) for e in decoded] == [encode_event(e) for e in events]
    assert len(data) < sum(len(encode_event(e)) for e in events)  # compressed


@settings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=0, max_value=10_000))
def test_any_truncation_is_detected(
    sample: tuple[TimeRange, list[AuditEvent], bytes], cut: int
) -> None:
    data = sample[2]
    with pytest.raises(CorruptWindow):
        read_window_file(data[: cut % len(data)])


@settings(max_examples=60, deadline=None)
@given(where=st.integers(min_value=0), bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_is_detected(
    sample: tuple[TimeRange, list[AuditEvent], bytes], where: int, bit: int
) -> None:
    data = bytearray(sample[2])
    data[where % len(data)] ^= 1 << bit
    with pytest.raises(CorruptWindow):
        read_window_file(bytes(data))


def test_foreign_and_padded_files_are_refused(
    sample: tuple[TimeRange, list[AuditEvent], bytes],
) -> None:
    with pytest.raises(CorruptWindow):
        read_window_file(b'{"logs": []}' * 20)
    with pytest.raises(CorruptWindow):
        read_window_file(sample[2] + b"\0")


def clock(moment: datetime) -> Any:
    return lambda: moment


def test_put_keeps_only_windows_that_ended_over_an_hour_ago() -> None:
    window = day(0)
    cache = WindowCache("default", HOST, now=clock(window.end + timedelta(minutes=59)))
    assert not cache.put(window, events_in(window))
    later = WindowCache("default", HOST, now=clock(window.end + timedelta(minutes=61)))
    assert later.put(window, events_in(window))
    assert later.lookup(window) is not None


def test_profiles_and_hosts_have_their_own_scopes() -> None:
    window = day(0)
    names = {scope_name(p, h) for p in ("default", "eu") for h in (HOST, HOST + "x")}
    assert len(names) == 4
    WindowCache("default", HOST).put(window, events_in(window))
    assert WindowCache("default", HOST).lookup(window) is not None
    assert WindowCache("eu", HOST).lookup(window) is None
    assert WindowCache("default", "https://eu.datafold.com").lookup(window) is None


def test_read_counts_hits_and_discards_corrupt_files() -> None:
    window = day(0)
    cache = WindowCache("default", HOST)
    cache.put(window, events_in(window))
    path = cache.lookup(window)
    assert path is not None
    found = cache.read(path, window)
    assert found is not None and cache.stats.hits == 1
    file = default_root() / path
    file.write_bytes(file.read_bytes()[:100])
    assert cache.read(path, window) is None
    assert cache.stats.corrupt == 1 and not file.exists()
    assert cache.lookup(window) is None


def test_a_corrupt_index_is_rebuilt_from_the_files() -> None:
    cache = WindowCache("default", HOST)
    for n in range(3):
        cache.put(day(n), events_in(day(n), 20))
    cache.flush()
    index = default_root() / "index.json"
    assert len(json.loads(index.read_text())["windows"]) == 3
    index.write_text("{not json")
    entries = read_index(default_root())
    assert sorted(e.start for e in entries.values()) == [day(n).start for n in range(3)]
    assert all(e.profile == "default" and e.host == HOST for e in entries.values())


def test_two_processes_flushing_keep_each_others_windows() -> None:
    one, two = WindowCache("default", HOST), WindowCache("eu", HOST)
    one.put(day(0), events_in(day(0), 20))
    two.put(day(1), events_in(day(1), 20))
    two.flush()
    one.flush()  # read the index two wrote, then added its own
    assert {e.profile for e in read_index(default_root()).values()} == {"default", "eu"}
    assert len(json.loads((default_root() / "index.json").read_text())["windows"]) == 2


def test_flush_evicts_the_least_recently_used_above_the_cap() -> None:
    writer = WindowCache("default", HOST)
    for n in range(4):
        writer.put(day(n), events_in(day(n), 30))
    writer.flush()
    sizes = {e.start: e.size for e in read_index(default_root()).values()}
    reader = WindowCache("default", HOST, max_bytes=sizes[day(0).start] + sizes[day(3).start])
    for n in (3, 0):
        path = reader.lookup(day(n))
        assert path is not None and reader.read(path, day(n)) is not None
    reader.flush()
    assert reader.stats.evicted == 2
    assert {e.start for e in read_index(default_root()).values()} == {day(0).start, day(3).start}


def test_info_merges_adjacent_windows_per_profile() -> None:
    cache = WindowCache("default", HOST)
    for n in (0, 1, 2, 5):
        cache.put(day(n), events_in(day(n), 10))
    cache.flush()
    WindowCache("eu", "https://eu.datafold.com").put(day(7), events_in(day(7), 10))
    [default, eu] = cache_info()
    assert (default.profile, default.host, default.windows) == ("default", HOST, 4)
    assert default.ranges == [TimeRange(day(0).start, day(2).end), day(5)]
    assert default.size == sum(p.stat().st_size for p in default_root().glob("default-*/*.win"))
    assert (eu.profile, eu.windows, eu.ranges) == ("eu", 1, [day(7)])  # found without an index


def test_clear_one_profile_then_everything() -> None:
    WindowCache("default", HOST).put(day(0), events_in(day(0), 10))
    WindowCache("eu", HOST).put(day(1), events_in(day(1), 10))
    files, size = clear_cache("eu")
    assert files == 1 and size > 0
    assert [info.profile for info in cache_info()] == ["default"]
    assert clear_cache()[0] == 1
    assert cache_info() == []
    assert clear_cache() == (0, 0)


def test_folders_are_private(tmp_path: Path) -> None:
    WindowCache("default", HOST).put(day(0), events_in(day(0), 10))
    for folder in (cache_dir(), default_root()):
        assert folder.stat().st_mode & 0o777 == 0o700
    for file in default_root().rglob("*"):
        if file.is_file():
            assert file.stat().st_mode & 0o777 == 0o600
