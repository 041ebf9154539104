"""The login dialog inside the App: a key for this session only, `r` after Cancel, and
messages that say what to do here rather than "run `auditui login`".

Against the demo server over loopback and the real Secret Service where a keyring is
needed; the key must never reach the screen or a notification.
"""

from __future__ import annotations

from textual.widgets import Button

from auditui.demo import DEMO_KEY, DemoServer
from auditui.paths import credentials_file
from auditui.tui.dialogs.login import ONCE_LABEL, LoginDialog
from tests.helpers.app import make_app, messages, screen_text, settle, table, wait_for, wait_loaded
from tests.helpers.keyring_service import SecretServiceHandle
from tests.helpers.login import login_dialog, type_key

WRONG_KEY = "dfk_wrong_0123456789abcdef"
WIDE = (140, 40)


async def test_a_key_for_this_session_only_is_stored_nowhere(
    server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    app = make_app(server, key=None)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        dialog = await login_dialog(pilot)
        once = dialog.query_one("#login-once", Button)
        assert str(once.label) == ONCE_LABEL and ONCE_LABEL in screen_text(app)
        await type_key(pilot, dialog, DEMO_KEY)
        once.press()
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginDialog), "dismissal")
        await wait_for(pilot, lambda: table(app).row_count > 0, "events")
        await wait_loaded(pilot)
        assert secret_service.items() == {}
        assert not credentials_file("default").exists()
        credential = app.connection.credential
        assert credential is not None and credential.key == DEMO_KEY
        assert "for this session only" in credential.source
        assert any("for this session only; it was not stored" in m for m in messages(app))
        assert all(DEMO_KEY not in m for m in messages(app))
        assert DEMO_KEY not in screen_text(app)


async def test_after_cancel_r_opens_the_login_again(server: DemoServer) -> None:
    app = make_app(server, key=None)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        await login_dialog(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.screen_stack) == 1
        assert any(m == "No API key: press r to log in, or q to quit." for m in messages(app))
        await pilot.press("r")
        dialog = await login_dialog(pilot)
        assert server.requests == []  # nothing fetched without a key
        assert not any(m.startswith("Load failed") for m in messages(app))
        await type_key(pilot, dialog, DEMO_KEY)
        dialog.query_one("#login-once", Button).press()
        await wait_for(pilot, lambda: table(app).row_count > 0, "events after login")
        await wait_loaded(pilot)


async def test_a_refused_key_speaks_of_the_dialog_and_r_reopens_it(server: DemoServer) -> None:
    app = make_app(server, key=WRONG_KEY)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        dialog = await login_dialog(pilot)
        assert dialog.reason is not None
        text = screen_text(app)
        assert "Authentication failed (HTTP 401)" in text
        assert "auditui login" not in text and "enter a new one below" in text
        await pilot.press("escape")
        await settle(pilot)
        assert any(
            m.startswith("The API key was refused: press r to log in") for m in messages(app)
        )
        before = len(server.requests)
        await pilot.press("r")
        dialog = await login_dialog(pilot)
        assert len(server.requests) == before  # reopened at once, not after another 401
        assert "enter a new one below" in screen_text(app)


async def test_a_wrong_key_typed_in_the_dialog_reads_plainly(server: DemoServer) -> None:
    app = make_app(server, key=None)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        dialog = await login_dialog(pilot)
        await type_key(pilot, dialog, WRONG_KEY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.query_one("#login-error").display, "the error")
        await settle(pilot)
        text = " ".join(screen_text(app).split())
        assert "refused this key (HTTP 401); nothing was stored" in text
        assert "key from the key" not in text and "auditui login" not in text
        assert app.screen is dialog and WRONG_KEY not in text
