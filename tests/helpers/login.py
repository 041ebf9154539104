"""Driving the TUI's login dialog from a Pilot test."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from auditui.tui.dialogs.login import LoginDialog
from tests.helpers.pilot import settle, wait_for


async def login_dialog(pilot: Pilot[Any]) -> LoginDialog:
    """Wait for the login dialog to be the screen (its key field focused); return it."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginDialog), "the login dialog")
    await settle(pilot)
    assert isinstance(app.screen, LoginDialog)
    assert app.screen.query_one("#login-key", Input).has_focus
    return app.screen


async def type_key(pilot: Pilot[Any], dialog: LoginDialog, key: str) -> None:
    """Type `key` into the dialog's (hidden) key field."""
    field = dialog.query_one("#login-key", Input)
    field.focus()
    assert field.password
    await pilot.press(*key)
    await settle(pilot)
    assert field.value == key
