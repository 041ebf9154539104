"""The browser started with its first windows prefetched (as `auditui` and `auditui --demo`
start it): the rows come from that answer, not from a second request, and a refused key
still asks for a key."""

from __future__ import annotations

from datetime import timedelta

from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.sources.windows import split_windows
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.login import LoginDialog
from auditui.tui.widgets.status_bar import LoadProgress
from tests.helpers.app import (
    RANGE,
    WIDE,
    detail,
    make_app,
    make_connection,
    table,
    view_uuids,
    wait_for,
    wait_loaded,
)
from tests.helpers.keyring_service import SecretServiceHandle
from tests.helpers.login import login_dialog, type_key
from tests.helpers.processes import wait_until

WINDOWS = len(split_windows(RANGE, timedelta(days=1)))  # all prefetched (concurrency 4)


async def test_the_rows_come_from_the_prefetched_answer(server: DemoServer) -> None:
    async with make_app(server).run_test(size=WIDE) as pilot:  # the same range, not prefetched
        await wait_loaded(pilot)
        plain = view_uuids(pilot.app)  # type: ignore[arg-type]
    server.reset_counts()
    connection = make_connection(server).prefetching(RANGE)
    wait_until(lambda: server.request_count == WINDOWS, "the prefetch's requests")  # before the App
    app = AuditApp(connection, RANGE)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        assert view_uuids(app) == plain and table(app).row_count == len(plain)
        assert connection.prefetch is not None and connection.prefetch.taken
        assert server.request_count == WINDOWS  # no window was asked again


async def test_the_first_frame_has_the_prefetched_rows(server: DemoServer) -> None:
    # the answers here before the App starts (as `auditui --demo` mostly has them): the
    # load runs while the screen is built, so the screen is never shown without the rows
    connection = make_connection(server).prefetching(RANGE)
    prefetch = connection.prefetch
    assert prefetch is not None
    wait_until(lambda: prefetch.answered, "the answers")
    app = AuditApp(connection, RANGE)
    # each frame: the table's rows, its column widths, whether the detail pane shows the
    # event under the cursor
    frames: list[tuple[int, tuple[int, ...], bool]] = []
    draw = app._display

    def counting(screen: object, renderable: object) -> None:
        shown = table(app).cursor_event is detail(app).event is not None
        frames.append((table(app).row_count, table(app).column_widths, shown))
        draw(screen, renderable)  # type: ignore[arg-type]

    app._display = counting  # type: ignore[method-assign]
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        assert frames and frames[0][0] > 0, frames  # the first frame already shows rows …
        # … in columns fitted to the table's width (not measured before it had one)
        assert frames[0][1] == table(app).column_widths
        assert sum(frames[0][1]) <= table(app).content_region.width
        assert frames[0][2]  # and the detail pane the event under the cursor
        assert not app.query_one(LoadProgress).display  # the load line gone with the load


async def test_a_refused_prefetch_asks_for_a_key(
    server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    # every prefetched request is refused (the key is refused, not one window): with one
    # fault, whichever request arrived first got it, and the newest window might load
    server.faults.push(Fault("status", status=401, repeat=WINDOWS))
    connection = make_connection(server).prefetching(RANGE)
    wait_until(lambda: server.request_count == WINDOWS, "the prefetch's requests")
    app = AuditApp(connection, RANGE)
    async with app.run_test(size=WIDE) as pilot:
        dialog = await login_dialog(pilot)
        assert table(app).row_count == 0
        await type_key(pilot, dialog, DEMO_KEY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginDialog), "dismissal")
        await wait_loaded(pilot)
        assert table(app).row_count > 0
        assert secret_service.secret("default") == DEMO_KEY
