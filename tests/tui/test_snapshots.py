"""SVG snapshots of the main screen and the dialogs (pytest-textual-snapshot).

Deterministic by construction: the demo data ends at a fixed moment, the App loads a fixed
range, TZ is UTC (conftest), the header says "built-in demo server" instead of the port,
and each screenshot is taken only after the load has finished. Regenerate with
`python -m pytest tests/tui/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from auditui.config.settings import load_settings
from auditui.demo import DemoServer
from auditui.sources.connection import Connection
from auditui.tui.app import AuditApp
from tests.helpers.app import NARROW, RANGE, make_app, settle, wait_for, wait_loaded
from tests.helpers.pilot import steady_cursors, workers_done

SnapCompare = Callable[..., bool]
LARGE = (160, 48)


def after_load(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A `run_before` that waits for the first load, then presses `keys`."""

    async def run(pilot: Pilot[Any]) -> None:
        await wait_loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await steady_cursors(pilot)

    return run


def test_main_screen_80x24(snap_compare: SnapCompare, server: DemoServer) -> None:
    assert snap_compare(make_app(server), terminal_size=NARROW, run_before=after_load())


def test_main_screen_160x48(snap_compare: SnapCompare, server: DemoServer) -> None:
    assert snap_compare(make_app(server), terminal_size=LARGE, run_before=after_load("j"))


def test_detail_maximized(snap_compare: SnapCompare, server: DemoServer) -> None:
    assert snap_compare(make_app(server), terminal_size=LARGE, run_before=after_load("z"))


def test_range_dialog(snap_compare: SnapCompare, server: DemoServer) -> None:
    assert snap_compare(make_app(server), terminal_size=NARROW, run_before=after_load("t"))


def test_help_screen(snap_compare: SnapCompare, server: DemoServer) -> None:
    app = make_app(server)
    assert snap_compare(app, terminal_size=LARGE, run_before=after_load("question_mark"))


def test_filter_bar_and_facets(snap_compare: SnapCompare, server: DemoServer) -> None:
    """Facets shown (`f`), then the filter bar open (`/`) with a query applied."""
    query = "source:web -status:success"

    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, AuditApp)
        await wait_loaded(pilot)
        await pilot.press("f", "slash", *query)
        await wait_for(pilot, lambda: app.filter_flow.text == query, "the filter")
        await workers_done(app)
        await steady_cursors(pilot)

    assert snap_compare(make_app(server), terminal_size=LARGE, run_before=run)


def test_login_dialog_on_first_run(snap_compare: SnapCompare) -> None:
    """No key: the dialog opens at start, before any request (so no server is needed)."""
    profile = load_settings().profile("default", env={})
    connection = Connection(profile=profile, host="http://127.0.0.1:8808", demo=True)
    app = AuditApp(connection, RANGE)

    async def opened(pilot: Pilot[Any]) -> None:
        for _ in range(100):
            if type(pilot.app.screen).__name__ == "LoginDialog":
                break
            await pilot.pause()
        await steady_cursors(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=opened)
