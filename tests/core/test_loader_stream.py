"""stream_range / stream_windows against the demo server: order, failures, retry, cache."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from auditui.demo import DemoServer, Fault
from auditui.errors import ServerError
from auditui.events import encode_event
from auditui.sources.api import AuditClient
from auditui.sources.cache import WindowCache, default_root, read_index, read_window_file
from auditui.sources.windows import (
    LoadResult,
    Progress,
    WindowBatch,
    load_range,
    split_windows,
    stream_range,
    stream_windows,
)
from auditui.timespec import TimeRange
from tests.helpers.demo import client_for, stamp

DAY = timedelta(days=1)


def cache_for(server: DemoServer, **options: Any) -> WindowCache:
    return WindowCache("default", server.url, **options)


@pytest.fixture
def past(demo_events: list[dict[str, Any]]) -> TimeRange:
    """Three and a half whole days that ended at least 11 hours ago: every window is cacheable."""
    newest = max(stamp(e) for e in demo_events)
    base = newest.replace(hour=0, minute=0, second=0, microsecond=0)
    return TimeRange(base - 4 * DAY, base - timedelta(hours=12))


def uuids_in(events: list[dict[str, Any]], time_range: TimeRange) -> set[str]:
    return {e["event_uuid"] for e in events if time_range.contains(stamp(e))}


async def collect(stream: Any) -> list[WindowBatch]:
    async with aclosing(stream) as batches:
        return [batch async for batch in batches]


def all_uuids(batches: list[WindowBatch]) -> set[str]:
    return {event.event_uuid for batch in batches for event in batch.events}


async def test_batches_stream_newest_window_first(
    demo_server: DemoServer, demo_events: list[dict[str, Any]], recent: TimeRange
) -> None:
    seen: list[Progress] = []
    async with client_for(demo_server) as client:
        batches = await collect(
            stream_range(client, recent, window=DAY, concurrency=1, on_progress=seen.append)
        )
    windows = split_windows(recent, DAY)
    assert [b.window for b in batches] == windows  # one request at a time: strictly newest first
    assert [b.index for b in batches] == list(range(len(windows)))
    for batch in batches:
        stamps = [e.timestamp for e in batch.events]
        assert stamps == sorted(stamps, reverse=True)
        assert all(batch.window.contains(s) for s in stamps)
        assert batch.error is None and not batch.cached and batch.bytes > 0
    assert all_uuids(batches) == uuids_in(demo_events, recent)
    assert sum(len(b.events) for b in batches) == len(uuids_in(demo_events, recent))
    assert [p.windows_done for p in seen] == list(range(1, len(windows) + 1))
    assert seen[-1].events == len(uuids_in(demo_events, recent))


async def test_streamed_events_match_load_range(demo_server: DemoServer, recent: TimeRange) -> None:
    async with client_for(demo_server) as client:
        batches = await collect(stream_range(client, recent, window=timedelta(hours=7)))
        result = await load_range(client, recent, window=timedelta(hours=7))
    streamed = sorted((e for b in batches for e in b.events), key=lambda e: e.timestamp)
    assert [encode_event(e) for e in reversed(streamed)] == [encode_event(e) for e in result.events]


async def test_a_failing_window_is_reported_and_the_others_still_load(
    demo_server: DemoServer, demo_events: list[dict[str, Any]], recent: TimeRange
) -> None:
    # One worker: the newest window is asked first and gets every retry's 503.
    demo_server.faults.push(Fault("status", status=503, repeat=3))
    async with client_for(demo_server, max_attempts=3) as client:
        batches = await collect(stream_range(client, recent, window=DAY, concurrency=1))
        windows = split_windows(recent, DAY)
        failed = [b for b in batches if b.error is not None]
        assert [b.window for b in failed] == [windows[0]]
        assert isinstance(failed[0].error, ServerError) and failed[0].error.status == 503
        assert failed[0].events == []
        assert len(batches) == len(windows)
        expected_rest = uuids_in(demo_events, TimeRange(recent.start, windows[0].start))
        assert all_uuids(batches) == expected_rest
        before = len(demo_server.requests)

        # Retry only what failed: one request, and nothing shown twice.
        seen = all_uuids(batches)
        retried = await collect(stream_windows(client, [b.window for b in failed], seen=seen))
    assert len(demo_server.requests) - before == 1
    assert [b.window for b in retried] == [windows[0]] and retried[0].error is None
    assert all_uuids(batches) | all_uuids(retried) == uuids_in(demo_events, recent)
    assert seen == uuids_in(demo_events, recent)


async def test_load_range_still_raises_the_first_error(
    demo_server: DemoServer, recent: TimeRange
) -> None:
    demo_server.faults.push(Fault("status", status=500))
    async with client_for(demo_server) as client:
        with pytest.raises(ServerError):
            await load_range(client, recent, window=DAY, concurrency=1)
    assert len(demo_server.requests) == 1


async def test_a_second_load_reads_past_windows_from_the_cache(
    demo_server: DemoServer, past: TimeRange
) -> None:
    windows = split_windows(past, DAY)
    async with client_for(demo_server) as client:
        first_cache = cache_for(demo_server)
        first = await load_range(client, past, window=DAY, cache=first_cache)
        assert first_cache.stats.writes == len(windows) and first.cached_windows == 0
        assert len(demo_server.requests) == len(windows)

        progress: list[Progress] = []
        second_cache = cache_for(demo_server)
        second = await load_range(
            client, past, window=DAY, cache=second_cache, on_progress=progress.append
        )
    assert len(demo_server.requests) == len(windows)  # not one more request
    assert second_cache.stats.hits == len(windows)
    assert second.cached_windows == len(windows) and second.cached_events == len(second.events)
    assert progress[-1].cached_windows == len(windows)
    assert [encode_event(e) for e in second.events] == [encode_event(e) for e in first.events]
    assert (second.malformed, second.out_of_range, second.duplicates) == (0, 0, 0)


async def test_windows_that_ended_within_the_hour_are_not_cached(
    demo_server: DemoServer, recent: TimeRange
) -> None:
    def clock() -> datetime:
        return recent.end + timedelta(minutes=30)  # the newest window ended 30 minutes ago

    windows = split_windows(recent, DAY)
    async with client_for(demo_server) as client:
        cache = cache_for(demo_server, now=clock)
        await collect(stream_range(client, recent, window=DAY, cache=cache))
        assert cache.stats.writes == len(windows) - 1
        before = len(demo_server.requests)
        # The newest one is fetched after the cached ones were read (a delay keeps it last).
        demo_server.faults.push(Fault("delay", seconds=1.0))
        again = cache_for(demo_server, now=clock)
        batches = await collect(stream_range(client, recent, window=DAY, cache=again))
    assert len(demo_server.requests) - before == 1
    assert [b.cached for b in batches] == [True] * (len(windows) - 1) + [False]
    assert batches[-1].window == windows[0]
    assert again.stats.writes == 0


def _files(root: Path) -> list[Path]:
    return sorted(root.glob("*/*.win"))


async def test_least_recently_used_windows_are_evicted_above_the_cap(
    demo_server: DemoServer, past: TimeRange
) -> None:
    windows = split_windows(past, DAY)
    async with client_for(demo_server) as client:
        await load_range(client, past, window=DAY, cache=cache_for(demo_server))
        sizes = {entry.start: entry.size for entry in read_index(default_root()).values()}
        assert len(sizes) == len(windows)
        cap = sizes[windows[0].start] + sizes[windows[1].start]
        # Use the two newest windows again: they become the most recently used.
        small = cache_for(demo_server, max_bytes=cap)
        batches = await collect(stream_windows(client, windows[:2], cache=small))
    assert all(b.cached for b in batches)
    assert small.stats.evicted == len(windows) - 2
    left = read_index(default_root())
    assert {entry.start for entry in left.values()} == {windows[0].start, windows[1].start}
    assert sum(path.stat().st_size for path in _files(default_root())) <= cap
    assert len(_files(default_root())) == 2


async def _damage_and_reload(
    server: DemoServer, time_range: TimeRange, damage: Callable[[list[Path]], None]
) -> tuple[LoadResult, LoadResult, WindowCache, int]:
    """Load (filling the cache), `damage` its files, load again: both results, the second
    load's cache and how many requests the second load made."""
    async with client_for(server) as client:
        first = await load_range(client, time_range, window=DAY, cache=cache_for(server))
        damage(_files(default_root()))
        before = len(server.requests)
        cache = cache_for(server)
        second = await load_range(client, time_range, window=DAY, cache=cache)
    return first, second, cache, len(server.requests) - before


async def test_corrupt_cache_files_are_discarded_and_fetched_again(
    demo_server: DemoServer, past: TimeRange
) -> None:
    def damage(files: list[Path]) -> None:
        truncated, flipped = files[0], files[1]
        truncated.write_bytes(truncated.read_bytes()[:-40])
        data = bytearray(flipped.read_bytes())
        data[len(data) // 2] ^= 0xFF
        flipped.write_bytes(bytes(data))

    windows = split_windows(past, DAY)
    first, second, cache, fetched = await _damage_and_reload(demo_server, past, damage)
    assert cache.stats.corrupt == 2 and cache.stats.hits == len(windows) - 2
    assert fetched == 2
    assert [encode_event(e) for e in second.events] == [encode_event(e) for e in first.events]
    assert cache.stats.writes == 2  # fetched again and stored again, intact

    before = len(demo_server.requests)
    third_cache = cache_for(demo_server)
    async with client_for(demo_server) as client:
        await load_range(client, past, window=DAY, cache=third_cache)
    assert third_cache.stats.hits == len(windows) and third_cache.stats.corrupt == 0
    assert len(demo_server.requests) == before


async def test_cache_files_of_an_older_version_are_fetched_again(
    demo_server: DemoServer, past: TimeRange
) -> None:
    from tests.helpers.cache_files import v1_file

    def downgrade(files: list[Path]) -> None:
        header, events = read_window_file(files[0].read_bytes())
        files[0].write_bytes(v1_file(TimeRange(header.start, header.end), events))

    windows = split_windows(past, DAY)
    first, second, cache, fetched = await _damage_and_reload(demo_server, past, downgrade)
    assert (cache.stats.misses, cache.stats.corrupt) == (1, 0)
    assert cache.stats.hits == len(windows) - 1 and cache.stats.writes == 1
    assert fetched == 1
    assert [encode_event(e) for e in second.events] == [encode_event(e) for e in first.events]


async def test_the_cache_holds_host_and_profile_but_never_the_key(
    demo_server: DemoServer, past: TimeRange
) -> None:
    async with client_for(demo_server) as client:
        await load_range(client, past, window=DAY, cache=cache_for(demo_server))
    root = default_root()
    everything = [p for p in root.parent.rglob("*") if p.is_file()]
    assert len(everything) >= len(split_windows(past, DAY)) + 2  # windows, scope, index
    for path in everything:
        data = path.read_bytes()
        assert demo_server.key.encode() not in data
        assert path.stat().st_mode & 0o777 == 0o600, path
    for folder in (root.parent, root, *[p for p in root.iterdir() if p.is_dir()]):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
    [entry] = {(e.profile, e.host) for e in read_index(root).values()}
    assert entry == ("default", demo_server.url)


async def test_leaving_a_stream_early_cancels_the_requests_in_flight(
    demo_server: DemoServer, recent: TimeRange
) -> None:
    demo_server.faults.push(Fault("delay", seconds=0.0), Fault("delay", seconds=60.0))
    async with client_for(demo_server) as client:
        stream = stream_range(client, recent, window=DAY, concurrency=2)
        async with aclosing(stream) as batches:
            async for _ in batches:
                break  # the first window is here; the slow one must not be awaited
        piece = split_windows(recent, DAY)[0]
        result = await client.fetch_window(piece.start, piece.end)
    assert result.events


def _make_loader(server: DemoServer) -> Callable[[TimeRange], Any]:
    async def load(time_range: TimeRange) -> LoadResult:
        async with client_for(server) as client:
            return await load_range(client, time_range, window=DAY, cache=cache_for(server))

    return load


async def test_a_cached_larger_window_serves_a_smaller_one(
    demo_server: DemoServer, past: TimeRange, demo_events: list[dict[str, Any]]
) -> None:
    load = _make_loader(demo_server)
    await load(past)
    before = len(demo_server.requests)
    inner = TimeRange(past.start + timedelta(hours=3), past.start + timedelta(hours=20))
    result = await load(inner)
    assert len(demo_server.requests) == before
    assert {e.event_uuid for e in result.events} == uuids_in(demo_events, inner)
    assert all(inner.contains(e.timestamp) for e in result.events)
    assert datetime.now(UTC) > past.end


class BrokenClient(AuditClient):
    """A client with a bug: the stream must raise it, not wait forever for the window."""

    async def fetch_window(self, start: datetime, end: datetime) -> Any:
        raise RuntimeError("a bug, not an API error")


async def test_a_bug_in_a_task_is_raised(demo_server: DemoServer, recent: TimeRange) -> None:
    async with BrokenClient(demo_server.url, demo_server.key) as client:
        with pytest.raises(RuntimeError, match="a bug"):
            await collect(stream_range(client, recent, window=DAY))
