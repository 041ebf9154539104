"""`ChangesPart`: the detail pane's part that follows the store and shows what changed.

It keeps the store the pane follows (`follow_store`), builds the neighbours (the previous
event of the same actor and on the same object) in a worker, never while a load runs, and
gives the relative-time rows from them; it switches the lower part between the payload
and a diff (`toggle_diff`: the event's own before/after, or against the previous event on
its object), computed in a worker and shown by a `DiffView`. `DetailPane` draws the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Literal

from rich.text import Text
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from auditui.events import AuditEvent, EventStore
from auditui.stats import current_neighbours, neighbours_for
from auditui.textsafe import visible
from auditui.tui.widgets.detail.diff_view import DiffView
from auditui.tui.widgets.detail.relative import relative_rows

if TYPE_CHECKING:
    from auditui.changes import Diff

__all__ = ["BUSY_POLL", "ChangesPart", "View"]

View = Literal["payload", "diff", "previous"]
"""What the lower part shows: the payload, its own changes, or the changes since the
previous event on the same object."""
BUSY_POLL = 0.5
"""Seconds between looks at a busy store (a load running) before building neighbours."""


class ChangesPart(Vertical):
    """Relative times and the diff view of the detail pane (see the module doc)."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._event: AuditEvent | None = None
        self._utc = True
        self._stale = False
        self._store: Callable[[], EventStore] | None = None
        self._busy: Callable[[], bool] = lambda: False
        self._building: EventStore | None = None
        self._polling = False
        self._view: View = "payload"
        self._diff_for: tuple[AuditEvent, View, bool] | None = None
        self._diff_serial = 0

    def _render_event(self, *, keep_cursor: bool = False) -> None:
        raise NotImplementedError

    def _render_payload(self) -> None:
        raise NotImplementedError

    @property
    def view(self) -> View:
        """What the lower part shows: "payload", "diff" (own changes) or "previous"."""
        return self._view

    def follow_store(
        self, store: Callable[[], EventStore], *, busy: Callable[[], bool] = lambda: False
    ) -> None:
        """Show the time since the actor's and the object's previous event in `store()`
        (neighbours built in a worker, not while `busy()`: a load running), and let
        `toggle_diff(previous=True)` compare with the previous event on the object."""
        self._store, self._busy = store, busy
        if self._event is not None and self.is_mounted:
            self._render_event(keep_cursor=True)

    @property
    def relative_pending(self) -> bool:
        """True while the neighbours for the relative-time rows are being built."""
        return self._building is not None

    def store_settled(self) -> None:
        """The followed store stopped changing (a load ended): fill in the relative-time
        rows now (they say "…" while a load runs)."""
        if self._store is None or self._event is None or not self.is_mounted:
            return
        if self.display:
            self._render_event(keep_cursor=True)
        else:  # drawn (and the neighbours built) once the pane is shown
            self._stale = True

    def toggle_diff(self, *, previous: bool = False) -> None:
        """Show the event's own changes (`previous`: the changes since the previous event
        on its object) instead of the payload; shown already: back to the payload."""
        wanted: View = "previous" if previous else "diff"
        self._view = "payload" if self._view == wanted else wanted
        if self.is_mounted and self._event is not None:
            self._render_payload()

    def close_diff(self) -> bool:
        """Back to the payload (Esc); False when it was shown already."""
        if self._view == "payload":
            return False
        self.toggle_diff(previous=self._view == "previous")
        return True

    def _relative_rows(self, event: AuditEvent) -> list[tuple[str, Content, str, str]]:
        """The rows under the timestamp: time since the actor's and the object's previous
        event (none when the pane follows no store; "…" until the neighbours are built)."""
        if self._store is None:
            return []
        store = self._store()
        neighbours = current_neighbours(store)
        if neighbours is None:
            self._need_neighbours(store)
        found = relative_rows(event, neighbours)
        return [(label, Content(visible(text)), label.strip(), text) for label, text in found]

    def _need_neighbours(self, store: EventStore) -> None:
        if self._building is store:
            return
        if self._busy():  # no index while a load streams: `store_settled`, or look later
            if not self._polling:
                self._polling = True
                self.set_timer(BUSY_POLL, self._poll_busy)
            return
        self._building = store
        work = partial(self._build_neighbours, store)
        # after the next frame: the build (numpy's import first) holds the interpreter lock
        # for a while, and the rows it would slow are usually what that frame shows
        self.call_after_refresh(
            self.run_worker, work, thread=True, group="detail-neighbours", exit_on_error=False
        )

    def _poll_busy(self) -> None:
        self._polling = False
        if self._store is not None and self._event is not None:
            store = self._store()
            if current_neighbours(store) is None:
                self._need_neighbours(store)

    def _build_neighbours(self, store: EventStore) -> None:
        try:
            neighbours_for(store)  # a worker thread: sorts once per store
        finally:
            self.app.call_from_thread(self._neighbours_built, store)

    def _neighbours_built(self, store: EventStore) -> None:
        if self._building is store:
            self._building = None
        if self._store is None or self._store() is not store or self._event is None:
            return
        if self.is_mounted and self.display:
            self._render_event(keep_cursor=True)
        else:
            self._stale = True

    def _render_diff(self, event: AuditEvent, header: Static, changes: DiffView) -> None:
        previous = self._view == "previous"
        key = "ctrl+d" if previous else "D"
        what = "changes since the previous event on its object" if previous else "changes"
        header.update(Text.assemble((what, "bold"), f"  · {key} or Esc: payload"))
        if self._diff_for == (event, self._view, self._utc):
            return
        self._diff_for = (event, self._view, self._utc)
        self._diff_serial += 1
        changes.set_diff(None, ("comparing…",))
        store = self._store() if self._store is not None else None
        work = partial(self._compute_diff, event, previous, store, self._utc, self._diff_serial)
        self.run_worker(work, thread=True, group="detail-diff", exit_on_error=False)

    def _compute_diff(
        self, event: AuditEvent, previous: bool, store: EventStore | None, utc: bool, serial: int
    ) -> None:
        from auditui.changes import diff_payload  # lazy: loads with the first diff (a thread)
        from auditui.tui.widgets.detail.previous import previous_diff

        diff = previous_diff(event, store, utc=utc) if previous else diff_payload(event)
        self.app.call_from_thread(self._diff_done, serial, diff)

    def _diff_done(self, serial: int, diff: Diff) -> None:
        if serial != self._diff_serial or not self.is_mounted:
            return  # a newer event or view asked meanwhile
        intro = (f"compared: {diff.where} · {diff.summary()}",) if diff.found else ()
        for changes in self.query_children(DiffView):
            changes.set_diff(diff, intro)
