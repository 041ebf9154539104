"""SVG snapshot of the browser while following (`F`): the header's `following · polled 0 s
ago · +2` and the two new rows at the top, highlighted. Time is the test's (a fake clock
and wait, tests/helpers/follow.py); the highlight is made to last the whole test.
Regenerate with `python -m pytest tests/tui/test_follow_snapshot.py --snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from auditui.tui.app import AuditApp
from auditui.tui.flows import follow
from tests.helpers.app import END, make_app, settle, wait_loaded
from tests.helpers.follow import FakeClock, FollowDriver, arriving, header_text, live_server

SnapCompare = Callable[..., bool]
SIZE = (150, 16)


def test_header_while_following(snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(follow, "FRESH_FOR", 3600.0)  # the highlight outlasts the test
    clock = FakeClock()
    server = live_server(clock)
    driver = FollowDriver(clock)

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, AuditApp)
        await wait_loaded(pilot)
        driver.attach(app)
        await pilot.press("F")
        await driver.after_wait(pilot, 1)
        server.add_events(
            [
                arriving("n1", END + timedelta(seconds=5), action="monitor.delete"),
                arriving("n2", END + timedelta(seconds=9), status="failure"),
            ]
        )
        await driver.step(pilot)
        app.update_header()
        await settle(pilot)
        assert "following · polled 0 s ago · +2" in header_text(app)

    try:
        assert snap_compare(make_app(server), terminal_size=SIZE, run_before=run)
    finally:
        server.stop()
