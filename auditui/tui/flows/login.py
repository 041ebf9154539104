"""The login flow inside the TUI: ask for a key, verify it, store it, then load.

Used on first run without a key and whenever the server refuses the key (401/403). The
session gets the new key (`Session.with_credential`); `resume` (the App's `start_load`)
loads the refused range, or the session's range.
The key lives only in the dialog's input and the credential store; it is never shown,
logged or put in a notification.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from auditui.config.credentials import Credential, store_credential
from auditui.sources.protocol import api_connection

if TYPE_CHECKING:
    from textual.app import App

    from auditui.timespec import TimeRange
    from auditui.tui.session import Session


class LoginFlow:
    """Opens the login dialog and resumes loading once a key is stored."""

    def __init__(
        self, app: App[Any], session: Session, *, resume: Callable[[TimeRange], None]
    ) -> None:
        self.app = app
        self.session = session
        self._resume = resume
        self.active = False
        self.retry: TimeRange | None = None

    def start(self, reason: str | None, retry: TimeRange | None = None) -> None:
        """Ask for a key; once stored, load `retry` (the refused range) or the session's."""
        if self.active:
            return
        self.retry = retry
        from auditui.tui.dialogs.login import LoginDialog

        self.active = True
        connection = self.session.source
        self.app.push_screen(
            LoginDialog(
                host=connection.host,
                profile=connection.profile.name,
                verify=self._verify,
                store=self._store,
                store_insecure=self._store_insecure,
                reason=reason,
            ),
            self._done,
        )

    async def _verify(self, key: str) -> None:
        async with api_connection(self.session.source).client(api_key=key) as client:
            await client.verify()

    def _store(self, key: str) -> str:
        return self._remember(key, insecure=False)

    def _store_insecure(self, key: str) -> str:
        return self._remember(key, insecure=True)

    def _remember(self, key: str, *, insecure: bool) -> str:
        profile = self.session.source.profile.name
        where = store_credential(profile, key, insecure_file=insecure)
        # The key just verified, not `resolve_credential`: DATAFOLD_API_KEY comes first
        # there, and it may be the very key the server refused.
        self.session.with_credential(Credential(key, where))
        return where

    def _done(self, where: str | None) -> None:
        self.active = False
        if where is None:
            if self.session.source.credential is None:
                self.app.notify(
                    "No API key: press t to choose a range once you have one, "
                    "or quit and run `auditui login`.",
                    severity="warning",
                    timeout=8,
                )
            return
        self.app.notify(f"API key stored in {where}.", timeout=5)
        self._resume(self.retry or self.session.time_range)
