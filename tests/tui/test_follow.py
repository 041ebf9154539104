"""Following in the browser (`F`) against a live demo server on loopback, poll by poll.

Time is the test's: the follow loop's clock and wait are a `FakeClock` and a wait the test
releases (tests/helpers/follow.py), and the server answers by the same clock, so events
added to it arrive at the next poll, and nothing here sleeps through an interval or reads
the wall clock.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

from textual.widgets import Button

from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, Fault
from auditui.export import write_events
from auditui.sources.files import FileSource
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.login import LoginDialog
from tests.helpers.app import (
    END,
    RANGE,
    WIDE,
    cursor_uuid,
    make_app,
    submit,
    table,
    view_uuids,
    wait_for,
    wait_loaded,
)
from tests.helpers.follow import (
    FakeClock,
    FollowDriver,
    arriving,
    following,
    header_text,
    live_server,
)
from tests.helpers.login import login_dialog, type_key

INTERVAL = 15.0  # the default profile's follow_interval


def _unique(app: object) -> bool:
    uuids = Counter(event.event_uuid for event in app.store.events)  # type: ignore[attr-defined]
    return max(uuids.values()) == 1


async def test_new_events_join_at_the_top_highlighted_and_counted() -> None:
    async with following() as (app, pilot, driver, server, clock):
        loaded = len(app.store)
        assert cursor_uuid(app) == "e1"  # the newest row
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        # the first poll re-read the overlap (e1 … e5): nothing shows twice
        assert len(app.store) == loaded and _unique(app)
        assert "following · polled 0 s ago · +0" in header_text(app)
        server.add_events(
            [
                arriving("n1", END + timedelta(seconds=5)),
                arriving("n2", END + timedelta(seconds=9)),
            ]
        )
        await driver.step(pilot)
        assert len(app.store) == loaded + 2 and _unique(app)
        assert view_uuids(app)[:3] == ["n2", "n1", "e1"]
        assert cursor_uuid(app) == "n2"  # it was on the newest row: on the new newest
        assert {"n1", "n2"} <= table(app).fresh  # drawn highlighted
        assert "+2" in header_text(app)
        assert app.time_range.end == END + timedelta(seconds=INTERVAL)  # → now
        # the next poll reads them again (the overlap): still once each
        clock.advance(4)
        await driver.step(pilot)
        assert len(app.store) == loaded + 2 and _unique(app)
        assert "polled 0 s ago" in header_text(app)
        clock.advance(4)  # the header's "ago" follows the clock
        app.update_header()
        assert "polled 4 s ago · +2" in header_text(app)
        await pilot.press("F")  # stops; the range keeps its end
        await wait_for(pilot, lambda: not app.follow_flow.following, "following to stop")
        assert "following" not in header_text(app)
        assert app.time_range.end > END


async def test_cursor_stays_on_its_event_unless_on_the_newest() -> None:
    async with following() as (app, pilot, driver, server, _clock):
        await pilot.press("down", "down", "down")
        await wait_for(pilot, lambda: cursor_uuid(app) == "e4", "the cursor on e4")
        line = table(app).cursor_row - round(table(app).scroll_offset.y)
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        server.add_events([arriving(f"n{i}", END + timedelta(seconds=i)) for i in range(1, 4)])
        await driver.step(pilot)
        assert view_uuids(app)[:4] == ["n3", "n2", "n1", "e1"]
        assert cursor_uuid(app) == "e4"  # the selected event keeps the cursor
        assert table(app).cursor_row == 6
        # and its line on screen: the rows above it moved, what is shown did not
        assert table(app).cursor_row - round(table(app).scroll_offset.y) == line


async def test_a_filter_keeps_new_events_out_of_the_view_but_counts_them() -> None:
    async with following() as (app, pilot, driver, server, _clock):
        await submit(pilot, "status:failure")
        await wait_for(pilot, lambda: app.filter_flow.text == "status:failure", "the filter")
        shown, total = len(app.view), len(app.store)
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        server.add_events(
            [
                arriving("bad", END + timedelta(seconds=3), status="failure"),
                arriving("ok", END + timedelta(seconds=4), status="success"),
            ]
        )
        await driver.step(pilot)
        assert len(app.store) == total + 2
        assert len(app.view) == shown + 1
        assert "bad" in view_uuids(app) and "ok" not in view_uuids(app)
        assert f"{shown + 1:,} of {total + 2:,} events" in header_text(app)


async def test_a_late_event_is_shown_sorted_into_place_and_counted_late() -> None:
    async with following() as (app, pilot, driver, server, clock):
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        # stamped 20 minutes back (beyond the 5-minute overlap), arriving only now
        server.add_events([arriving("late1", END - timedelta(minutes=20, seconds=30))])
        clock.advance(6 * 60)  # a deeper read comes once `covered` moved 5 minutes
        await driver.step(pilot)
        assert app.store.index_of("late1") is None  # the overlap does not reach it
        await driver.step(pilot)
        assert app.store.index_of("late1") is not None and _unique(app)
        assert app.follow_flow.late == 1
        assert "+1 · 1 late" in header_text(app)
        uuids = view_uuids(app)
        assert uuids.index("late1") == uuids.index("e20") + 1  # in its place by time
        assert any("1 late event arrived (older than the 5 min overlap)" in m
                   for m in driver.toasts)  # fmt: skip


async def test_429_backs_off_as_asked_and_polls_are_never_closer_nor_concurrent() -> None:
    async with following() as (app, pilot, driver, server, clock):
        server.reset_counts()
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        server.faults.push(Fault("status", status=429, headers={"Retry-After": "60"}))
        await driver.step(pilot)
        assert driver.waits[-1] >= 60
        assert "following · rate limited (HTTP 429) · next poll in 60 s" in header_text(app)
        server.faults.push(Fault("status", status=503, repeat=2))
        await driver.step(pilot)
        assert "HTTP 503 · next poll in" in header_text(app)
        await driver.step(pilot)
        server.add_events([arriving("after", clock.now - timedelta(seconds=1))])
        await driver.step(pilot)  # recovered: the interval again
        assert app.store.index_of("after") is not None
        assert "polled 0 s ago" in header_text(app)
        assert driver.waits[-1] == INTERVAL
        assert all(seconds >= INTERVAL for seconds in driver.waits)
        # one request per poll, one at a time, never closer than the interval
        assert server.request_count == len(driver.waits)
        assert server.max_in_flight == 1


async def test_401_pauses_opens_the_login_and_resumes_without_loss() -> None:
    async with following() as (app, pilot, driver, server, _clock):
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        poller = app.follow_flow.poller
        covered = poller.covered if poller is not None else None
        server.faults.push(Fault("status", status=401))
        server.add_events([arriving("during", END + timedelta(seconds=2))])
        driver.release()
        dialog = await login_dialog(pilot)
        assert app.follow_flow.paused == "key refused"
        assert "follow paused: key refused" in header_text(app)
        assert app.store.index_of("during") is None
        await type_key(pilot, dialog, DEMO_KEY)
        dialog.query_one("#login-once", Button).press()
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginDialog), "the login")
        await driver.after_wait(pilot, 2)
        assert app.follow_flow.poller is poller  # the same poller: nothing lost
        assert poller is not None and covered is not None and poller.covered > covered
        assert app.store.index_of("during") is not None and _unique(app)
        assert "following · polled" in header_text(app)  # no longer paused
        assert not app.loading  # resumed following, not a reload


async def test_a_new_range_that_ends_before_now_stops_following() -> None:
    async with following(notifications=True) as (app, pilot, driver, _server, _clock):
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        past = RANGE.__class__(RANGE.start - timedelta(days=1), RANGE.start)
        app.start_load(past, chosen=True)
        await wait_for(pilot, lambda: not app.loading, "the load")
        await wait_for(pilot, lambda: not app.follow_flow.following, "following to stop")
        assert any("Following stopped: the range shown ends before now" in m
                   for m in driver.toasts)  # fmt: skip


async def test_reload_of_a_range_ending_now_follows_on_from_its_end() -> None:
    async with following() as (app, pilot, driver, _server, _clock):
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        first = app.follow_flow.poller
        await pilot.press("r")  # reloads the range, which now ends at the last poll
        await wait_for(pilot, lambda: not app.loading, "the reload")
        await wait_for(pilot, lambda: app.follow_flow.poller is not first, "a new poller")
        assert app.follow_flow.following
        await driver.after_wait(pilot, 2)
        assert _unique(app)


async def test_a_file_cannot_be_followed(tmp_path: Path) -> None:
    clock = FakeClock()
    server = live_server(clock)
    try:
        app = make_app(server)
        async with app.run_test(size=WIDE) as pilot:
            await wait_loaded(pilot)
            events = list(app.store.events)
    finally:
        server.stop()
    path = tmp_path / "events.ndjson"
    with path.open("wb") as out:
        write_events(events, out, "ndjson")
    source = FileSource(path, load_settings().profile("default", env={}))
    viewer = AuditApp(source, source.span())
    driver = FollowDriver(clock)
    async with viewer.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        driver.attach(viewer)
        await pilot.press("F")
        await wait_for(pilot, lambda: bool(driver.toasts), "the toast")
        assert "Following needs the API" in driver.toasts[0]
        assert not viewer.follow_flow.following and "following" not in header_text(viewer)


async def test_no_poll_while_a_load_runs() -> None:
    async with following() as (app, pilot, driver, server, _clock):
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        server.reset_counts()
        server.faults.push(Fault("delay", seconds=0.5))  # the load's one request is slow
        hour = RANGE.__class__(END - timedelta(hours=1), END)  # one window: one request
        app.start_load(hour, chosen=True)
        await wait_for(pilot, lambda: server.in_flight == 1, "the load's request")
        driver.release()  # the poll is due now, but a load runs: it waits
        await wait_for(pilot, lambda: not app.loading, "the load")
        await driver.after_wait(pilot, 2)  # then following goes on
        assert app.follow_flow.following and _unique(app)
        assert server.max_in_flight == 1
        assert server.request_count == 2  # the load's, then one poll


async def test_a_garbage_answer_backs_off_and_following_goes_on() -> None:
    async with following() as (app, pilot, driver, server, clock):
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        server.faults.push(Fault("raw", body=b"<<not json>>", content_type="application/json"))
        await driver.step(pilot)
        assert "following · bad response · next poll in 15 s" in header_text(app)
        assert driver.waits[-1] == INTERVAL  # never sooner than the interval
        server.add_events([arriving("fine", clock.now + timedelta(seconds=1))])
        await driver.step(pilot)
        assert app.store.index_of("fine") is not None and _unique(app)
        assert "following · polled 0 s ago · +1" in header_text(app)
        # an answer with a malformed event: the good one joins, the bad one is counted
        good = arriving("good", clock.now + timedelta(seconds=2))
        body = json.dumps({"logs": [{"event_uuid": 7, "timestamp": "soon"}, good]})
        server.faults.push(Fault("raw", body=body.encode()))
        await driver.step(pilot)
        assert app.store.index_of("good") is not None
        assert any("1 malformed event in the last poll left out" in m for m in driver.toasts)


async def test_a_server_clock_ahead_of_ours_skips_nothing() -> None:
    """The server's clock is 10 minutes ahead: polls ask up to its now (its `Date`)."""
    clock = FakeClock()
    server = live_server(clock)
    server.clock_offset = timedelta(minutes=10)
    try:
        app = make_app(server)
        driver = FollowDriver(clock)
        async with app.run_test(size=WIDE) as pilot:
            await wait_loaded(pilot)
            driver.attach(app)
            await pilot.press("F")
            await driver.after_wait(pilot, 1)
            # stamped by the server's clock: 10 minutes after ours
            server.add_events([arriving("ahead", server.now() + timedelta(seconds=5))])
            await driver.step(pilot)
            assert app.store.index_of("ahead") is not None
            poller = app.follow_flow.poller
            assert poller is not None and poller.skew == timedelta(minutes=10)
    finally:
        server.stop()
