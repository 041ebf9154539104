"""SVG snapshot of the actor view (pytest-textual-snapshot), built as test_snapshots.py builds
the App: fixed demo data and range, TZ UTC, taken after the load and the view's worker.
Regenerate with `python -m pytest tests/tui/test_actor_snapshot.py --snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from auditui.demo import DemoServer
from auditui.tui.screens.actor import ActorScreen
from tests.helpers.app import make_app, settle, wait_for, wait_loaded
from tests.helpers.pilot import steady_cursors

SnapCompare = Callable[..., bool]
LARGE = (160, 48)


def test_actor_view(snap_compare: SnapCompare, server: DemoServer) -> None:
    """`a` on the fourth row: that user's events, gaps, badges; the cursor on that event."""

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await wait_loaded(pilot)
        await pilot.press("j", "j", "j", "a")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ActorScreen) and app.screen.actor is not None,
            "the actor view",
        )
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(make_app(server), terminal_size=LARGE, run_before=run)
