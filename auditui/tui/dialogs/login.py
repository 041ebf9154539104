"""`LoginDialog`: ask for an API key, verify it against the server, store it.

The key is typed into a password input and goes only to the `verify`, `store`,
`store_insecure` and `use_once` callables given by the caller: it is never shown, logged,
put in a notification or returned (the dialog dismisses with the description of where the
key was stored, or None when cancelled). "Log in" stores the key; "This session only"
verifies it and keeps it in memory until auditui quits. A refused key keeps the dialog open
with the reason. When the OS keyring cannot keep the key, the explanation is shown with a
checkbox to store it in a 0600 file instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Static

from auditui.errors import KEYS_HELP, AudituiError
from auditui.textsafe import visible, visible_lines
from auditui.tui.widgets.checks import Check

INSECURE_LABEL = "Store in a 0600 file instead (insecure storage)"
ONCE_LABEL = "This session only"


def _literal(text: str) -> Text:
    return Text(visible_lines(text))


def redact(text: str, key: str) -> str:
    """`text` with any echo of the key replaced (errors should never hold it; belt and braces)."""
    return text.replace(key, "***") if key else text


def _describe(exc: Exception) -> str:
    if isinstance(exc, AudituiError):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}: {exc}"


class LoginDialog(ModalScreen[str | None]):
    """Verify and store an API key; dismisses with where it was stored (never the key)."""

    DEFAULT_CSS: ClassVar[str] = """
    LoginDialog {
        align: center middle;
    }
    LoginDialog > #login-box {
        width: 80;
        max-width: 95%;
        height: auto;
        max-height: 95%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    LoginDialog #login-reason {
        color: $text-warning;
        margin-bottom: 1;
    }
    LoginDialog #login-title {
        text-style: bold;
    }
    LoginDialog #login-help {
        color: $text-muted;
        margin-bottom: 1;
    }
    LoginDialog #login-status {
        color: $text-muted;
        height: auto;
    }
    LoginDialog #login-error {
        color: $text-error;
        height: auto;
        max-height: 12;
    }
    LoginDialog #login-insecure {
        margin-top: 1;
    }
    LoginDialog #login-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    LoginDialog #login-buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="login.cancel"),
    ]

    def __init__(
        self,
        *,
        host: str,
        profile: str,
        verify: Callable[[str], Awaitable[None]],
        store: Callable[[str], str],
        store_insecure: Callable[[str], str] | None = None,
        use_once: Callable[[str], str] | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__()
        self.host = host
        self.profile = profile
        self.reason = reason
        self._verify = verify
        self._store = store
        self._store_insecure = store_insecure
        self._use_once = use_once
        self._verified: str | None = None  # the key that passed `verify` (kept in memory only)
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            if self.reason:
                yield Static(_literal(self.reason), id="login-reason")
            yield Static(Text("Log in with a Datafold API key"), id="login-title")
            yield Static(
                Text.assemble(
                    "Host: ",
                    (visible(self.host), "bold"),
                    "   Profile: ",
                    (visible(self.profile), "bold"),
                ),
                id="login-target",
            )
            once = (
                f' "Log in" stores the key for next time; "{ONCE_LABEL}" keeps it in memory '
                "until auditui quits."
                if self._use_once is not None
                else ""
            )
            yield Static(Text(f"{KEYS_HELP}.{once}"), id="login-help")
            yield Input(password=True, placeholder="API key", id="login-key")
            yield Static(id="login-status", markup=False)
            with VerticalScroll(id="login-error"):
                yield Static(id="login-error-text", markup=False)
            checkbox = Check(Text(INSECURE_LABEL), id="login-insecure")
            checkbox.display = False
            yield checkbox
            with Horizontal(id="login-buttons"):
                yield Button("Cancel", id="login-cancel")
                if self._use_once is not None:
                    yield Button(ONCE_LABEL, id="login-once")
                yield Button("Log in", id="login-submit", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#login-error").display = False
        self.query_one("#login-status").display = False
        self.query_one("#login-key", Input).focus()

    # -- state --------------------------------------------------------------------------

    def _set_busy(self, busy: bool, status: str = "") -> None:
        self.busy = busy
        self.query_one("#login-key", Input).disabled = busy
        self.query_one("#login-submit", Button).disabled = busy
        for once in self.query("#login-once").results(Button):
            once.disabled = busy
        self.query_one("#login-insecure", Checkbox).disabled = busy
        label = self.query_one("#login-status", Static)
        label.update(Text(status))
        label.display = bool(status)

    def _show_error(self, message: str) -> None:
        self.query_one("#login-error-text", Static).update(_literal(message))
        self.query_one("#login-error").display = bool(message)

    # -- events -------------------------------------------------------------------------

    @on(Input.Submitted, "#login-key")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "login-submit":
            self.action_submit()
        elif event.button.id == "login-once":
            self.action_submit(once=True)
        elif event.button.id == "login-cancel":
            self.action_cancel()

    @on(Checkbox.Changed, "#login-insecure")
    def _insecure_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.value:
            self.action_submit()

    @on(Input.Changed, "#login-key")
    def _key_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.value.strip() != self._verified:
            self._verified = None

    # -- actions ------------------------------------------------------------------------

    def action_submit(self, once: bool = False) -> None:
        """Verify (unless already verified) and store the typed key (or, `once`, keep it
        for this session only)."""
        if self.busy:
            return
        key = self.query_one("#login-key", Input).value.strip()
        if not key:
            self._show_error("Paste an API key first.")
            self.query_one("#login-key", Input).focus()
            return
        insecure = self.query_one("#login-insecure", Checkbox)
        use_insecure = insecure.display and insecure.value and self._store_insecure is not None
        self.run_worker(self._attempt(key, use_insecure, once), group="login", exclusive=True)

    def action_cancel(self) -> None:
        self.workers.cancel_group(self, "login")
        self.dismiss(None)

    async def _attempt(self, key: str, insecure: bool, once: bool = False) -> None:
        self._show_error("")
        if self._verified != key:
            self._set_busy(True, "Verifying…")
            try:
                await self._verify(key)
            except Exception as exc:  # noqa: BLE001 - any failure keeps the dialog open
                self._set_busy(False)
                self._show_error(redact(_describe(exc), key))
                self.query_one("#login-key", Input).focus()
                return
            self._verified = key
        store = self._store_insecure if insecure and self._store_insecure else self._store
        if once and self._use_once is not None:
            store = self._use_once
        self._set_busy(True, "Storing the key…" if store is not self._use_once else "")
        try:
            where = store(key)
        except Exception as exc:  # noqa: BLE001 - keyring backends raise many kinds
            self._set_busy(False)
            self._store_failed(exc, key, insecure)
            return
        self._set_busy(False)
        self.dismiss(where)

    def _store_failed(self, exc: Exception, key: str, insecure: bool) -> None:
        text = redact(_describe(exc), key)
        checkbox = self.query_one("#login-insecure", Checkbox)
        if insecure or self._store_insecure is None:
            self._show_error(f"The key was accepted but could not be stored.\n{text}")
            return
        once = f', or press "{ONCE_LABEL}" to use it without storing it' if self._use_once else ""
        self._show_error(
            f"The key was accepted but could not be stored in the OS keyring.\n{text}\n"
            f"Tick the box below to keep it in a file readable only by you instead{once}."
        )
        checkbox.display = True
        checkbox.focus()
