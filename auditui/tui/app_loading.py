"""`LoadDisplay`: what the browser's screen shows of a load (a mixin of `AuditApp`).

`load_hooks` connects what a load reports (`flows/load.py`'s `LoadHooks`) to the flows and
widgets that answer: the filter flow (rows installed or appended), the login flow (a key
refused), the header and the progress line, and the end of a load. Every hook goes through
the App's `MountGate`: a load that begins before the screen is mounted (`AuditApp.on_load`,
when the first windows were prefetched) installs its rows in the session meanwhile, and
what it reports reaches the widgets at the end of the mount, so the first frame shows the
rows. `_Wired` names what these use of the App.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from auditui.sources.windows import Progress
from auditui.tui.flows.load import LoadHooks
from auditui.tui.widgets.status_bar import LoadProgress

if TYPE_CHECKING:
    from auditui.tui.flows.filter import FilterFlow
    from auditui.tui.flows.follow import FollowFlow
    from auditui.tui.flows.history import HistoryFlow
    from auditui.tui.flows.login import LoginFlow
    from auditui.tui.mount_gate import MountGate
    from auditui.tui.session import Session
    from auditui.tui.widgets.detail import DetailPane

__all__ = ["LoadDisplay"]


class _Wired(Protocol):
    session: Session
    filter_flow: FilterFlow
    history_flow: HistoryFlow
    follow_flow: FollowFlow
    login_flow: LoginFlow
    mount_gate: MountGate

    @property
    def detail(self) -> DetailPane: ...

    @property
    def log(self) -> Any: ...

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None: ...  # fmt: skip

    def update_header(self) -> None: ...

    def query_one(self, selector: type[LoadProgress]) -> LoadProgress: ...

    def show_progress(self, progress: Progress) -> None: ...

    def load_finished(self) -> None: ...

    def _installed(self, requery: str | None) -> None: ...

    def _restored(self) -> None: ...


class LoadDisplay:
    """The screen's side of loads (a mixin of `AuditApp`)."""

    def load_hooks(self: _Wired) -> LoadHooks:
        """What a load reports, connected (through the mount gate) to what answers it."""
        return LoadHooks(
            notify=self.notify,
            log_error=lambda text: self.log.error(text),
            progress=self.show_progress,
            counted=self.update_header,
            installed=self._installed,
            extended=self.filter_flow.extended,
            auth_refused=self.login_flow.start,
            restored=self._restored,
            stopped=self.load_finished,
            done=self.filter_flow.load_done,
        ).gated(self.mount_gate.wrap)

    def _show_loading(self: _Wired, caption: str) -> None:
        self.update_header()
        self.query_one(LoadProgress).start(caption)

    def show_progress(self: _Wired, progress: Progress) -> None:
        self.query_one(LoadProgress).advance(
            progress.windows_done, progress.windows_total, progress.events, progress.bytes
        )

    def load_finished(self: _Wired) -> None:
        self.session.end_load()
        self.detail.store_settled()  # the relative times wait for the load to end
        self.query_one(LoadProgress).stop()
        self.history_flow.load_ended()  # the header too
        self.follow_flow.load_ended()  # follows on from the new range's end, or stops

    def _installed(self: _Wired, requery: str | None) -> None:
        self.filter_flow.installed(requery)
        self.history_flow.installed()

    def _restored(self: _Wired) -> None:
        self.filter_flow.restored()
        self.history_flow.restored()
