"""The modal dialogs (range, login, help, message, columns), driven through Textual's Pilot."""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, SelectionList, Static

from auditui.config.credentials import NoKeyringAvailable
from auditui.errors import AuthError, CredentialError, NetworkError
from auditui.timespec import TimeRange
from auditui.tui.dialogs.columns import ColumnPicker
from auditui.tui.dialogs.help import HelpScreen, display_keys
from auditui.tui.dialogs.login import INSECURE_LABEL, LoginDialog
from auditui.tui.dialogs.range import RangeDialog
from tests.helpers.hosts import NOT_YET, DialogHost
from tests.helpers.pilot import screen_text, workers_done

SIZE = (100, 40)
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
SECRET = "dfk_live_SECRET_3f9a8b7c6d5e"


def static_text(screen: ModalScreen[Any], selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


# -- range ----------------------------------------------------------------------------------


def range_dialog(current: TimeRange | None = None) -> RangeDialog:
    return RangeDialog(current, now=lambda: NOW)


async def test_range_preset_key_and_button() -> None:
    app = DialogHost(range_dialog(TimeRange(NOW - timedelta(days=1), NOW)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4")  # 7d
        await pilot.pause()
        assert app.result == TimeRange(NOW - timedelta(days=7), NOW)
    app = DialogHost(range_dialog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#range-preset-15m")
        await pilot.pause()
        assert app.result == TimeRange(NOW - timedelta(minutes=15), NOW)


async def test_range_prefilled_enter_applies_current() -> None:
    current = TimeRange(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, 6, tzinfo=UTC))
    app = DialogHost(range_dialog(current))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dialog = app.dialog
        assert dialog.query_one("#range-from", Input).value == "2026-10-01T00:00:00Z"
        assert dialog.query_one("#range-to", Input).value == "2026-10-02T06:00:00Z"
        preview = static_text(dialog, "#range-preview")
        assert "2026-10-01T00:00:00Z → 2026-10-02T06:00:00Z  (UTC)" in preview
        assert "(local)" in preview and "spans 1d 6h" in preview
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == current


async def test_range_custom_valid_input_enter_applies() -> None:
    app = DialogHost(range_dialog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dialog = app.dialog
        await pilot.click("#range-from")
        await pilot.press(*"2026-10-05")
        dialog.query_one("#range-to", Input).value = "2026-10-06"
        await pilot.pause()
        assert not dialog.query_one("#range-apply", Button).disabled
        assert "2026-10-05T00:00:00Z → 2026-10-07T00:00:00Z" in static_text(
            dialog, "#range-preview"
        )
        await pilot.press("enter")
        await pilot.pause()
        expected = TimeRange(datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 10, 7, tzinfo=UTC))
        assert app.result == expected


async def test_range_relative_from_and_blank_to_means_now() -> None:
    app = DialogHost(range_dialog())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#range-from")
        await pilot.press("3", "h")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == TimeRange(NOW - timedelta(hours=3), NOW)


async def test_range_invalid_input_shows_error_and_disables_apply() -> None:
    app = DialogHost(range_dialog(TimeRange(NOW - timedelta(days=1), NOW)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dialog = app.dialog
        from_input = dialog.query_one("#range-from", Input)
        from_input.value = "last tuesday"
        await pilot.pause()
        apply = dialog.query_one("#range-apply", Button)
        assert apply.disabled
        assert "Cannot read 'last tuesday' as a time" in static_text(dialog, "#range-error")
        assert "Cannot read 'last tuesday'" in screen_text(app)
        from_input.focus()
        await pilot.press("enter")  # Enter does nothing while invalid
        await pilot.pause()
        assert app.result is NOT_YET
        # end before start
        from_input.value = "2026-10-05"
        dialog.query_one("#range-to", Input).value = "2026-10-01"
        await pilot.pause()
        assert apply.disabled
        assert "End before start" in static_text(dialog, "#range-error")
        # fixed
        dialog.query_one("#range-to", Input).value = "2026-10-09"
        await pilot.pause()
        assert not apply.disabled
        assert not dialog.query_one("#range-error").display


async def test_range_escape_cancels() -> None:
    app = DialogHost(range_dialog(TimeRange(NOW - timedelta(days=1), NOW)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#range-from")
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


# -- login ----------------------------------------------------------------------------------


class FakeBackend:
    def __init__(self, *, accept: bool = True, keyring: bool = True) -> None:
        self.accept = accept
        self.keyring = keyring
        self.verified: list[str] = []
        self.stored: list[tuple[str, str]] = []
        self.gate: asyncio.Event | None = None

    async def verify(self, key: str) -> None:
        self.verified.append(key)
        if self.gate is not None:
            await self.gate.wait()
        if not self.accept:
            raise AuthError(401, "the login dialog")

    def store(self, key: str) -> str:
        if not self.keyring:
            raise NoKeyringAvailable("no OS keyring backend is available")
        self.stored.append(("keyring", key))
        return "OS keyring (Secret Service)"

    def store_insecure(self, key: str) -> str:
        self.stored.append(("file", key))
        return "file ~/.config/auditui/credentials/default (0600)"


def login_dialog(backend: FakeBackend, reason: str | None = None) -> LoginDialog:
    return LoginDialog(
        host="https://app.datafold.com",
        profile="default",
        verify=backend.verify,
        store=backend.store,
        store_insecure=backend.store_insecure,
        reason=reason,
    )


async def type_key(pilot: Any, key: str = SECRET) -> None:
    """Put the key in the input (typed for real only in the first test, to keep tests quick)."""
    key_input = pilot.app.screen.query_one("#login-key", Input)
    key_input.value = key
    key_input.focus()
    await pilot.pause()


async def test_login_success_dismisses_with_description() -> None:
    backend = FakeBackend()
    app = DialogHost(login_dialog(backend, reason="The server refused the stored key (HTTP 401)"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "The server refused the stored key (HTTP 401)" in text
        assert "Settings > Account > Create API Key" in static_text(app.dialog, "#login-help")
        assert "Settings > Account > Create" in text
        assert "https://app.datafold.com" in text and "default" in text
        await pilot.click("#login-key")
        await pilot.press(*SECRET)
        assert app.dialog.query_one("#login-key", Input).value == SECRET
        assert SECRET not in screen_text(app)
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert backend.verified == [SECRET]
        assert backend.stored == [("keyring", SECRET)]
        assert app.result == "OS keyring (Secret Service)"


async def test_login_shows_verifying_state() -> None:
    backend = FakeBackend()
    backend.gate = asyncio.Event()
    dialog = login_dialog(backend)
    app = DialogHost(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_key(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert "Verifying…" in static_text(dialog, "#login-status")
        assert dialog.query_one("#login-submit", Button).disabled
        assert SECRET not in screen_text(app)
        backend.gate.set()
        await workers_done(app)
        await pilot.pause()
        assert app.result == "OS keyring (Secret Service)"


async def test_login_wrong_key_keeps_dialog_open_with_error() -> None:
    backend = FakeBackend(accept=False)
    dialog = login_dialog(backend)
    app = DialogHost(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_key(pilot)
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert app.result is NOT_YET
        assert app.screen is dialog
        error = static_text(dialog, "#login-error-text")
        assert "Authentication failed (HTTP 401)" in error
        assert "Authentication failed (HTTP 401)" in screen_text(app)
        assert dialog.query_one("#login-key", Input).value == SECRET  # kept to be fixed
        assert not dialog.query_one("#login-submit", Button).disabled
        assert backend.stored == []
        assert SECRET not in screen_text(app)
        # fix it and try again
        backend.accept = True
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert app.result == "OS keyring (Secret Service)"


async def test_login_error_text_never_echoes_the_key() -> None:
    async def verify(key: str) -> None:
        raise NetworkError("app.datafold.com", f"proxy said: bad token {key}")

    dialog = LoginDialog(host="h", profile="p", verify=verify, store=lambda key: "x")
    app = DialogHost(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_key(pilot)
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        error = static_text(dialog, "#login-error-text")
        assert "bad token ***" in error and SECRET not in error
        assert SECRET not in screen_text(app)


async def test_login_no_keyring_then_insecure_file() -> None:
    backend = FakeBackend(keyring=False)
    dialog = login_dialog(backend)
    app = DialogHost(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        checkbox = dialog.query_one("#login-insecure", Checkbox)
        assert not checkbox.display
        await type_key(pilot)
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert app.result is NOT_YET
        error = static_text(dialog, "#login-error-text")
        assert "No OS keyring is available" in error
        assert "3. Run `auditui login --insecure-storage`" in error  # the lines are kept
        assert checkbox.display and INSECURE_LABEL in screen_text(app)
        assert SECRET not in screen_text(app)
        await pilot.click("#login-insecure")
        await workers_done(app)
        await pilot.pause()
        assert backend.verified == [SECRET]  # not verified twice
        assert backend.stored == [("file", SECRET)]
        assert app.result == "file ~/.config/auditui/credentials/default (0600)"


async def test_login_store_error_without_insecure_option() -> None:
    def store(key: str) -> str:
        raise CredentialError("The keyring is locked; unlock it and try again.")

    async def verify(key: str) -> None:
        return None

    dialog = LoginDialog(host="h", profile="p", verify=verify, store=store)
    app = DialogHost(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await type_key(pilot)
        await pilot.press("enter")
        await workers_done(app)
        await pilot.pause()
        assert "keyring is locked" in static_text(dialog, "#login-error-text")
        assert not dialog.query_one("#login-insecure").display
        assert app.result is NOT_YET


async def test_login_empty_key_and_cancel() -> None:
    backend = FakeBackend()
    dialog = login_dialog(backend)
    app = DialogHost(dialog)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "Paste an API key first." in static_text(dialog, "#login-error-text")
        assert backend.verified == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


# -- help -----------------------------------------------------------------------------------


def test_display_keys() -> None:
    assert display_keys("ctrl+p") == "^p"
    assert display_keys("question_mark,f1") == "? f1"
    assert display_keys("asterisk,right_square_bracket") == "* ]"


async def test_help_lists_rows_literally_and_closes() -> None:
    rows = [
        ("App", "ctrl+p", "Command palette", "app.command_palette"),
        ("App", "q", "Quit", "app.quit"),
        ("Detail", "x", "Text/tree [bold]view[/]", "detail.toggle_tree"),
        *(
            ("Range", binding.key, binding.description, binding.id or "")
            for binding in RangeDialog.BINDINGS
            if isinstance(binding, Binding) and (binding.description or binding.id)
        ),
    ]
    app = DialogHost(HelpScreen(rows))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.dialog.query_one("#help-table", DataTable)
        assert table.row_count == len(rows) == 3 + 7
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first == ["App", "^p", "Command palette", "app.command_palette"]
        text = screen_text(app)
        assert "Text/tree [bold]view[/]" in text and "detail.toggle_tree" in text
        assert "range.preset_7d" in text
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.result is None


@pytest.mark.parametrize("key", ["escape", "q"])
async def test_help_closes_on_escape_and_q(key: str) -> None:
    app = DialogHost(HelpScreen([("App", "q", "Quit", "app.quit")]))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(key)
        await pilot.pause()
        assert app.result is None


# -- columns --------------------------------------------------------------------------------

COLUMNS = [("time", "Time"), ("user", "User"), ("action", "Action"), ("ip", "Client IP")]


async def test_column_picker_toggle_and_reorder() -> None:
    picker = ColumnPicker(["user", "time"], COLUMNS)
    app = DialogHost(picker)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert picker.order == ["user", "time", "action", "ip"]
        assert picker.chosen() == ("user", "time")
        await pilot.press("down", "down", "space")  # show "action"
        assert picker.chosen() == ("user", "time", "action")
        await pilot.press("shift+up", "shift+up")  # move "action" to the top
        assert picker.order == ["action", "user", "time", "ip"]
        assert picker.query_one(SelectionList).highlighted == 0
        await pilot.press("down", "space")  # hide "user"
        await pilot.press("J")  # move "user" down, still hidden
        assert picker.order == ["action", "time", "user", "ip"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == ("action", "time")


async def test_column_picker_escape_and_empty_choice() -> None:
    picker = ColumnPicker(["time"], COLUMNS)
    app = DialogHost(picker)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("space", "enter")  # nothing ticked: refused
        await pilot.pause()
        assert app.result is NOT_YET
        assert "Pick at least one column." in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


async def test_column_picker_defaults_to_all_known_columns() -> None:
    picker = ColumnPicker(["time", "nonexistent"])
    app = DialogHost(picker)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert picker.order[0] == "time"
        assert "nonexistent" not in picker.order
        assert {"user", "action", "ip", "uuid"} <= set(picker.order)
