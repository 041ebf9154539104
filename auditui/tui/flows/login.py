"""The login flow inside the TUI: ask for a key, verify it, store it (or not), then load.

Used on first run without a key, whenever the server refuses the key (401/403), and for
any load asked for while there is no usable key (`r`, a new range) unless the local
archive holds the whole range (`Connection.needs_api`): after Cancel, `r` opens the dialog
again. The session gets the new key (`Session.with_credential`); `resume`
(the App's `start_load`) loads the refused range, or the session's range. A key may be used
for this session only: then it is kept in memory and stored nowhere.
The key lives only in the dialog's input, the session and the credential store; it is never
shown, logged or put in a notification. Messages speak of what to do here, in the TUI,
rather than of `auditui login`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from auditui.config.credentials import Credential, refused_entered_key, store_key
from auditui.errors import AuthError
from auditui.sources.protocol import api_connection

if TYPE_CHECKING:
    from textual.app import App

    from auditui.timespec import TimeRange
    from auditui.tui.session import Session

SESSION_ONLY = "the login dialog, for this session only (not stored)"

# What the CLI's refusal message advises, and what to say inside the TUI instead.
_CLI_ADVICE = (
    ("store a new one with `auditui login`", "enter a new one below"),
    ("run `auditui login`", "enter a key below"),
)


def in_tui(reason: str) -> str:
    """A refusal or no-key message reworded for the login dialog (no `auditui login`)."""
    for cli, tui in _CLI_ADVICE:
        reason = reason.replace(cli, tui)
    return reason


class LoginFlow:
    """Opens the login dialog and resumes loading once a key is given."""

    def __init__(
        self, app: App[Any], session: Session, *, resume: Callable[[TimeRange], None]
    ) -> None:
        self.app = app
        self.session = session
        self._resume = resume
        self.active = False
        self.retry: TimeRange | None = None
        self.refused: str | None = None  # why the session's key was refused (until a login)
        self._notes: list[str] = []
        self._then: Callable[[], None] | None = None  # after a login, instead of a load
        self._load_after = True  # the dialog was opened for a load (not only for `then`)

    @property
    def needed(self) -> bool:
        """True while loading cannot work: no key, or a key the server refused."""
        if self.session.offline:
            return False
        return self.session.source.credential is None or self.refused is not None

    def start(
        self,
        reason: str | None,
        retry: TimeRange | None = None,
        *,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Ask for a key; once given, load `retry` (the refused range) or the session's;
        given `then` (a follow the server refused: `F`), call it instead of loading."""
        if reason is not None:
            self.refused = reason
        if then is not None:
            self._then = then
        if self.active:
            return
        self._load_after = then is None
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
                use_once=self._use_once,
                reason=in_tui(reason) if reason else None,
            ),
            self._done,
        )

    def ask_first(self, time_range: TimeRange, windows: list[TimeRange] | None = None) -> bool:
        """Open the dialog instead of a load that cannot work; True when it did (or is open).
        A load the local archive serves whole asks the API nothing: no key needed."""
        if not self.needed or not api_connection(self.session.source).needs_api(
            time_range, windows
        ):
            return False
        self.start(self.refused, time_range)
        return True

    async def _verify(self, key: str) -> None:
        connection = api_connection(self.session.source)
        try:
            async with connection.client(api_key=key) as client:
                await client.verify()
        except AuthError as exc:
            raise refused_entered_key(exc, connection.host) from None

    def _store(self, key: str) -> str:
        return self._remember(key, insecure=False)

    def _store_insecure(self, key: str) -> str:
        return self._remember(key, insecure=True)

    def _remember(self, key: str, *, insecure: bool) -> str:
        profile = self.session.source.profile.name
        stored = store_key(profile, key, insecure_file=insecure)
        self._notes = stored.notes()
        self._use(Credential(key, stored.where))
        return stored.where

    def _use_once(self, key: str) -> str:
        self._notes = []
        self._use(Credential(key, SESSION_ONLY))
        return SESSION_ONLY

    def _use(self, credential: Credential) -> None:
        # The key just verified, not `resolve_credential`: DATAFOLD_API_KEY comes first
        # there, and it may be the very key the server refused.
        self.session.with_credential(credential)
        self.refused = None

    def _done(self, where: str | None) -> None:
        self.active = False
        then, self._then = self._then, None
        if where is None:
            what = "The API key was refused" if self.refused else "No API key"
            self.app.notify(
                f"{what}: press r to log in, or q to quit.", severity="warning", timeout=8
            )
            return
        if where == SESSION_ONLY:
            text = "API key in use for this session only; it was not stored."
        else:
            text = " ".join([f"API key stored in {where}.", *self._notes])
        self.app.notify(text, timeout=6)
        if then is not None:
            then()
        if self._load_after:
            self._resume(self.retry or self.session.time_range)
