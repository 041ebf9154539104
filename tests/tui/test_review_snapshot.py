"""SVG snapshot of the support-access review view (pytest-textual-snapshot), built as
test_actor_snapshot.py builds the actor view: fixed events and range, TZ UTC, taken after
the load and the view's worker. Regenerate with
`python -m pytest tests/tui/test_review_snapshot.py --snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from auditui.tui.screens.review import ReviewScreen
from tests.helpers.app import (
    demo_server,
    event_dict,
    make_app,
    settle,
    support_event,
    wait_for,
    wait_loaded,
)
from tests.helpers.pilot import steady_cursors

SnapCompare = Callable[..., bool]
LARGE = (190, 24)


EVENTS = [
    support_event(300, "ana.ferreira@datafold.com", action="monitor.view", object_type="monitor",
            object_id=193),
    support_event(290, "ana.ferreira@datafold.com", action="monitor.update", object_type="monitor",
            object_id=193),
    support_event(265, "ana.ferreira@datafold.com", action="user.update", status="denied",
            object_type="user", object_id=17),
    support_event(200, "marcus.lee@datafold.com", action="data_source.test",
            object_type="data_source", object_id=14, status="failure"),
    support_event(120, "ana.ferreira@datafold.com", action="dataset.view"),
    support_event(60, "x|`<b>[red]y\x1b[31m@datafold.com", action="dataset.view"),
    event_dict(150),
    event_dict(90),
]  # fmt: skip


def test_review_view(snap_compare: SnapCompare) -> None:
    """`R`: the loaded events' support sessions, oldest first; hostile text literal."""
    server = demo_server(EVENTS)

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await wait_loaded(pilot)
        await pilot.press("R")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, ReviewScreen) and app.screen.sessions is not None,
            "the review view",
        )
        await settle(pilot)
        await steady_cursors(pilot)

    try:
        assert snap_compare(make_app(server), terminal_size=LARGE, run_before=run)
    finally:
        server.stop()
