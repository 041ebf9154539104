"""SVG snapshot of the note dialog (`n`) over the browser with a marked row, built as
test_snapshots.py builds the App: fixed demo data and range, TZ UTC, after the load.
Regenerate with `python -m pytest tests/tui/test_note_snapshot.py --snapshot-update`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import TextArea

from auditui.demo import DemoServer
from auditui.tui.dialogs.note import NoteDialog
from tests.helpers.app import make_app, settle, wait_for, wait_loaded
from tests.helpers.pilot import steady_cursors

SnapCompare = Callable[..., bool]
LARGE = (160, 48)
NOTE = "Asked [bold]Maya[/bold] about this export.\nTicket: SEC-1234 \\x1b not an escape"


def test_note_dialog(snap_compare: SnapCompare, server: DemoServer) -> None:
    """`m` on the first row, then `n` on the third: the dialog with a literal note."""

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        await wait_loaded(pilot)
        await pilot.press("m", "j", "j", "n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), "the note dialog")
        area = app.screen.query_one(TextArea)
        # focused before the blink stops: a cursor paused unfocused is hidden (a busy machine)
        await wait_for(pilot, lambda: app.focused is area, "the note's focus")
        area.text = NOTE
        await settle(pilot)
        await steady_cursors(pilot)

    assert snap_compare(make_app(server), terminal_size=LARGE, run_before=run)
