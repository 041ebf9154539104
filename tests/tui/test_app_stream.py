"""The App streams windows: order, cursor, partial failure and retry, cache hits, files.

Pilot against the demo server over real HTTP. Windows are fetched one at a time
(`concurrency = 1`, newest first) so that each scripted fault hits a known window.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer
from auditui.demo.faults import Fault
from auditui.export.formats import ExportFormat, write_events
from auditui.query import index_for
from auditui.sources.connection import Connection
from auditui.sources.files import FileSource
from auditui.sources.windows import Progress, WindowBatch
from auditui.timespec import TimeRange
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.login import LoginDialog
from auditui.tui.flows import load as load_flow
from auditui.tui.session import Session
from tests.helpers.app import (
    END,
    WIDE,
    cursor_uuid,
    header,
    messages,
    settle,
    table,
    wait_for,
    wait_loaded,
)
from tests.helpers.pilot import workers_done

THREE_DAYS = TimeRange(END - timedelta(days=3), END)  # 12:00 to 12:00: 4 windows
PAST = TimeRange(END - timedelta(days=2, hours=12), END - timedelta(hours=12))  # 2 whole days


def connection(server: DemoServer, *, cache: bool = False) -> Connection:
    profile = replace(load_settings().profile("default", env={}), concurrency=1)
    return Connection(profile, server.url, Credential(DEMO_KEY, "test"), demo=not cache,
                      use_cache=cache)  # fmt: skip


def start_dates(server: DemoServer) -> list[str]:
    """The `start_date` of each logs request the server saw, in order."""
    return [json.loads(r.body)["start_date"] for r in server.requests if r.body]


async def test_rows_stream_in_newest_window_first_and_the_cursor_stays(
    server: DemoServer,
) -> None:
    # the newest window answers at once; the second one is slow
    server.faults.push(Fault(kind="delay", seconds=0.0), Fault(kind="delay", seconds=2.5))
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: table(app).row_count > 0, "the first window's rows")
        newest = TimeRange(END - timedelta(hours=12), END)
        partial = table(app).row_count
        assert app.loading and "loading…" in header(app)
        assert all(newest.contains(app.view.event_at(row).timestamp) for row in range(partial))
        assert f"{partial:,} events" in header(app)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        chosen, line = cursor_uuid(app), table(app).cursor_row - table(app).scroll_offset.y
        await wait_loaded(pilot)
        assert table(app).row_count > partial
        assert f"{table(app).row_count:,} events" in header(app)
        assert cursor_uuid(app) == chosen
        assert table(app).cursor_row - table(app).scroll_offset.y == line
        times = [app.view.event_at(row).timestamp for row in range(table(app).row_count)]
        assert times == sorted(times, reverse=True)


async def test_after_a_streamed_load_query_arrays_are_built_in_a_worker(
    server: DemoServer,
) -> None:
    """The first keystroke after a load finds the numpy arrays it needs already built."""
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await workers_done(app)
        index = index_for(app.store)
        assert len(index) == len(app.store) > 0
        assert len(index.derived[("codes", "entry")]) == len(app.store)
        assert len(index.derived["uuids"]) == len(app.store)
        assert "payload" in index.derived  # small stores: the payload column too


async def test_windows_streaming_in_reach_the_table_together_and_all_by_the_end(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Later windows are appended in groups (one table refresh for many), never lost."""
    added: list[int] = []
    original = Session.extend

    def extend(self: Session, events: list[Any]) -> bool:
        added.append(len(events))
        return original(self, events)

    monkeypatch.setattr(Session, "extend", extend)
    uuids: list[set[str]] = []
    for every in (0.0, 3600.0):  # each window on its own, then all held to the end
        monkeypatch.setattr(load_flow, "FLUSH_EVERY", every)
        added.clear()
        app = AuditApp(connection(server), THREE_DAYS)
        async with app.run_test(size=WIDE) as pilot:
            await wait_loaded(pilot)
            uuids.append({app.view.event_at(row).event_uuid for row in range(len(app.view))})
            assert table(app).row_count == len(app.store) == len(uuids[-1])
        assert len(added) == (3 if every == 0.0 else 1)  # 4 windows: the first installs
    assert uuids[0] == uuids[1]


async def test_a_cursor_at_the_top_stays_on_the_newest_event(server: DemoServer) -> None:
    # Two requests in flight and the newest window held back, so an older window's rows
    # usually show first and newer rows arrive above them: a cursor the user never moved
    # ends on the newest event, at the top.
    server.faults.push(Fault(kind="delay", seconds=1.0))
    two_at_once = replace(connection(server), profile=replace(
        connection(server).profile, concurrency=2))  # fmt: skip
    app = AuditApp(two_at_once, THREE_DAYS)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: table(app).row_count > 0, "the first rows")
        await wait_loaded(pilot)
        newest = max(app.store.events, key=lambda event: event.timestamp)
        assert table(app).cursor_row == 0 and table(app).scroll_offset.y == 0
        assert cursor_uuid(app) == newest.event_uuid


async def test_a_failed_window_is_named_and_r_retries_only_it(server: DemoServer) -> None:
    # windows, newest first: ok, 500, ok, ok
    server.faults.push(Fault(kind="delay", seconds=0.0), Fault(kind="status", status=500))
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await wait_loaded(pilot)
        failed = TimeRange(END - timedelta(days=1, hours=12), END - timedelta(hours=12))
        assert app.load_flow.failed == [failed]
        toasts = [m for m in messages(app) if failed.label() in m]
        assert len(toasts) == 1 and "500" in toasts[0] and "\n" not in toasts[0]
        rows = table(app).row_count
        assert rows > 0 and not any(
            failed.contains(app.view.event_at(row).timestamp) for row in range(rows)
        )
        before = len(start_dates(server))
        await pilot.press("r")
        await wait_loaded(pilot)
        retried = start_dates(server)[before:]
        assert len(retried) == 1 and retried[0].startswith(failed.start.strftime("%Y-%m-%d"))
        assert app.load_flow.failed == []
        assert table(app).row_count > rows
        assert any(failed.contains(e.timestamp) for e in app.store.events)
        uuids = [e.event_uuid for e in app.store.events]
        assert len(uuids) == len(set(uuids))
        # nothing failed any more: r reloads the whole range
        before = len(start_dates(server))
        await pilot.press("r")
        await wait_loaded(pilot)
        assert len(start_dates(server)) - before == 4


async def test_every_window_failing_keeps_the_events(server: DemoServer) -> None:
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await wait_loaded(pilot)
        rows, store = table(app).row_count, app.store
        server.faults.push(Fault(kind="status", status=500, repeat=4))
        await pilot.press("r")
        await wait_loaded(pilot)
        assert app.store is store and table(app).row_count == rows
        # one toast per distinct error, then one summary (not one toast per window)
        assert len([m for m in messages(app) if "answered HTTP 500" in m]) == 1
        assert any(
            "4 of 4 windows failed (HTTP 500); the events on screen are unchanged — r tries again"
            in m
            for m in messages(app)
        )
        # the events on screen are the old load's: r reloads everything
        assert app.load_flow.failed == []
        before = len(start_dates(server))
        await pilot.press("r")
        await wait_loaded(pilot)
        assert len(start_dates(server)) - before == 4


async def test_a_second_launch_reads_past_windows_from_the_cache(server: DemoServer) -> None:
    first = AuditApp(connection(server, cache=True), PAST)
    async with first.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        rows = table(first).row_count
        assert "from cache" not in header(first)
    asked = len(start_dates(server))
    assert asked == 2
    second = AuditApp(connection(server, cache=True), PAST)
    async with second.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        assert table(second).row_count == rows
        assert "1/2 windows from cache" in header(second)
    # only the newest window was asked again: the live request that confirms the key
    assert len(start_dates(server)) == asked + 1


class _Broken(Connection, frozen=True):
    async def stream(
        self,
        time_range: TimeRange,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        windows: Sequence[TimeRange] | None = None,
        seen: set[str] | None = None,
    ) -> AsyncGenerator[WindowBatch, None]:
        raise RuntimeError("a bug in the loader")
        yield  # type: ignore[unreachable]  # pragma: no cover (makes this an async generator)


async def test_a_bug_while_loading_toasts_and_ends_loading(server: DemoServer) -> None:
    base = connection(server)
    app = AuditApp(_Broken(base.profile, base.host, base.credential, demo=True), THREE_DAYS)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        assert not app.loading and "loading" not in header(app)
        wanted = "Unexpected error while loading: RuntimeError: a bug in the loader — see --debug"
        assert wanted in messages(app)


@pytest.mark.parametrize("name", ["events.ndjson", "events.csv.gz"])
async def test_open_a_file_shows_its_events_without_login(
    server: DemoServer, tmp_path: Path, name: str
) -> None:
    app = AuditApp(connection(server), THREE_DAYS)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        events = list(app.store.events)
    path = tmp_path / name
    kind: ExportFormat = "csv" if ".csv" in name else "ndjson"
    opener: Any = gzip.open if name.endswith(".gz") else open
    with opener(path, "wb") as out:
        write_events(events, out, kind)
    source = FileSource(path, load_settings().profile("default", env={}))
    viewer = AuditApp(source, source.span())
    async with viewer.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        assert table(viewer).row_count == len(events)
        assert str(path.name) in header(viewer) and f"{len(events):,} events" in header(viewer)
        assert not any(isinstance(screen, LoginDialog) for screen in viewer.screen_stack)
        # t: a shorter range filters the file in memory
        newest = TimeRange(END - timedelta(hours=12), END)
        viewer.start_load(newest)
        await wait_loaded(pilot)
        assert 0 < table(viewer).row_count < len(events)
        assert all(newest.contains(e.timestamp) for e in viewer.store.events)
