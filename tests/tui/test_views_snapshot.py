"""SVG snapshot of the save-view dialog (ctrl+s) over the browser, built as
test_snapshots.py builds the App: fixed demo data and range, TZ UTC, after the load.
Regenerate with `python -m pytest tests/tui/test_views_snapshot.py --snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from auditui.demo import DemoServer
from auditui.tui.dialogs.view_name import ViewNameDialog
from tests.helpers.app import make_app, settle, submit, wait_for, wait_loaded
from tests.helpers.pilot import steady_cursors

SnapCompare = Callable[..., bool]
LARGE = (160, 48)


def test_save_view_dialog(snap_compare: SnapCompare, server: DemoServer) -> None:
    """A query applied, ctrl+s, a name typed: the summary of what is saved and the input."""

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await wait_loaded(pilot)
        await submit(pilot, "status:failure")
        await wait_loaded(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ViewNameDialog), "the dialog")
        await pilot.press(*"failures")
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(make_app(server), terminal_size=LARGE, run_before=run)
