"""Logging in from inside the App: a refused key, first run without a key, where keys go.

The key lives only in the dialog's password input and the credential store: these tests
check it never reaches the screen or a notification.
"""

from __future__ import annotations

import stat
from datetime import timedelta

import keyring
import pytest
from textual.widgets import Checkbox

from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.paths import credentials_file
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.login import INSECURE_LABEL, LoginDialog
from tests.helpers.app import (
    NARROW,
    WIDE,
    header,
    loaded_app,
    make_app,
    messages,
    screen_text,
    settle,
    table,
    toast_texts,
    wait_for,
    wait_loaded,
)
from tests.helpers.keyring_service import SecretServiceHandle
from tests.helpers.login import login_dialog, type_key

WRONG_KEY = "dfk_wrong_0123456789abcdef"


def assert_no_key_shown(app: AuditApp, *keys: str) -> None:
    text = screen_text(app)
    shown = [*messages(app), *toast_texts(app), text]
    for key in keys:
        assert all(key not in item for item in shown), key
        assert key[:12] not in text


# -- 12. a refused key ----------------------------------------------------------------------


async def test_refused_key_opens_login_and_a_good_key_goes_to_the_keyring(
    server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    app = make_app(server, key=WRONG_KEY)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        dialog = await login_dialog(pilot)
        text = screen_text(app)
        assert (
            "Authentication failed (HTTP 401)" in text and "Log in with a Datafold API key" in text
        )
        assert table(app).row_count == 0 and not app.loading
        assert all(r.headers["authorization"] == f"Key {WRONG_KEY}" for r in server.requests)
        before = len(server.requests)

        await type_key(pilot, dialog, DEMO_KEY)
        assert_no_key_shown(app, DEMO_KEY, WRONG_KEY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginDialog), "dismissal")
        await wait_for(pilot, lambda: table(app).row_count > 0, "events after login")
        await wait_loaded(pilot)

        assert secret_service.secret("default") == DEMO_KEY
        assert keyring.get_password("auditui", "default") == DEMO_KEY
        assert app.connection.credential is not None
        assert app.connection.credential.key == DEMO_KEY
        assert "OS keyring" in app.connection.credential.source
        assert any(m.startswith("API key stored in OS keyring") for m in messages(app))
        verify, *loads = server.requests[before:]
        assert verify.headers["authorization"] == f"Key {DEMO_KEY}"
        assert loads and all(r.headers["authorization"] == f"Key {DEMO_KEY}" for r in loads)
        assert f"{table(app).row_count} events" in header(app)
        assert_no_key_shown(app, DEMO_KEY, WRONG_KEY)


async def test_a_wrong_key_in_the_dialog_keeps_it_open(
    server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    app = make_app(server, key=WRONG_KEY)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        dialog = await login_dialog(pilot)
        await type_key(pilot, dialog, "another-wrong-key")
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.query_one("#login-error").display, "the error")
        await settle(pilot)
        assert app.screen is dialog
        assert "Authentication failed (HTTP 401)" in screen_text(app)
        assert secret_service.items() == {}
        assert_no_key_shown(app, "another-wrong-key", WRONG_KEY)


async def test_without_a_keyring_the_dialog_explains_and_offers_a_file(
    server: DemoServer,
) -> None:
    app = make_app(server, key=WRONG_KEY)
    async with app.run_test(size=WIDE, notifications=True) as pilot:
        dialog = await login_dialog(pilot)
        await type_key(pilot, dialog, DEMO_KEY)
        await pilot.press("enter")
        checkbox = dialog.query_one("#login-insecure", Checkbox)
        await wait_for(pilot, lambda: checkbox.display, "the insecure-storage checkbox")
        await settle(pilot)
        text = screen_text(app)
        assert "The key was accepted but could not be stored in the OS keyring." in text
        assert "No OS keyring is available to store the API key" in text
        assert INSECURE_LABEL in text
        assert app.screen is dialog and table(app).row_count == 0
        assert not credentials_file("default").exists()
        assert_no_key_shown(app, DEMO_KEY)

        assert checkbox.has_focus
        await pilot.press("space")  # tick: stores the verified key in a 0600 file
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginDialog), "dismissal")
        await wait_loaded(pilot)
        path = credentials_file("default")
        assert path.read_text(encoding="utf-8").strip() == DEMO_KEY
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert table(app).row_count > 0
        assert any(m.startswith("API key stored in file") for m in messages(app))
        assert_no_key_shown(app, DEMO_KEY)


# -- 13. first run --------------------------------------------------------------------------


async def test_first_run_without_a_key_opens_the_login_dialog(server: DemoServer) -> None:
    app = make_app(server, key=None)
    async with app.run_test(size=NARROW, notifications=True) as pilot:
        dialog = await login_dialog(pilot)
        assert dialog.reason is None
        assert server.requests == []  # nothing was fetched without a key
        assert "Log in with a Datafold API key" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert len(app.screen_stack) == 1 and app.is_running
        assert any(m.startswith("No API key: press r to log in") for m in messages(app))
        assert server.requests == [] and table(app).row_count == 0
        assert "0 events" in header(app) and "loading" not in header(app)


async def test_first_run_login_with_the_keyring_then_loads(
    server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    app = make_app(server, key=None)
    async with app.run_test(size=WIDE) as pilot:
        dialog = await login_dialog(pilot)
        await type_key(pilot, dialog, DEMO_KEY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: table(app).row_count > 0, "events after login")
        await wait_loaded(pilot)
        assert secret_service.secret("default") == DEMO_KEY
        assert len(app.screen_stack) == 1
        assert_no_key_shown(app, DEMO_KEY)


async def test_a_key_entered_after_a_refused_env_key_is_the_one_used(
    server: DemoServer, secret_service: SecretServiceHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATAFOLD_API_KEY comes first when resolving keys, but it is the one just refused."""
    monkeypatch.setenv("DATAFOLD_API_KEY", WRONG_KEY)
    app = make_app(server, key=WRONG_KEY)
    async with app.run_test(size=WIDE) as pilot:
        dialog = await login_dialog(pilot)
        await type_key(pilot, dialog, DEMO_KEY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginDialog), "dismissal")
        await wait_loaded(pilot)
        assert secret_service.secret("default") == DEMO_KEY
        assert app.connection.credential is not None
        assert app.connection.credential.key == DEMO_KEY
        assert len(app.screen_stack) == 1 and table(app).row_count > 0


async def test_after_a_refused_range_change_the_login_loads_that_range(
    server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    async with loaded_app(server) as (app, pilot):
        first = app.time_range
        server.faults.push(Fault(kind="status", status=401, repeat=5))  # the key was revoked
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("4")  # 7d
        dialog = await login_dialog(pilot)
        server.faults.clear()
        await type_key(pilot, dialog, DEMO_KEY)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LoginDialog), "dismissal")
        await wait_loaded(pilot)
        assert app.time_range != first
        assert app.time_range.duration == timedelta(days=7)
