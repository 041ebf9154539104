"""The actor view: one user's (client IP's, object's) events, with gaps and "first seen" badges.

`a` opens it for the selected event's user (`open_actor_view`), `A` first asks which of
the event's user, client IP or object to follow (`pick_actor_view`, `PivotByDialog`). The
screen covers the browser: a title line ("Actor maya@acme.com · 1,234 events · 3 IPs ·
…"), the rows (`ActorTable`: time, gap to the previous event, badges, action, object,
status, source, IP, user agent), a line of keys. The rows come from `stats.actor_events`,
computed in a thread worker ("computing…" until then) over the whole loaded store (the
filter does not narrow it). The cursor starts on the event the view was opened from.

Enter closes the view and selects that event in the main table; when the current filter
hides it, the filter is kept and a toast says so (ctrl+u shows every event): the view
never changes what the browser shows behind the user's back. Esc or q closes. `?` lists
the view's keys. Text from events is drawn as `Text`/`Segment`s of `textsafe.visible`.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from auditui.events import EventStore, format_time
from auditui.stats import ActorEvents, Subject, SubjectKind, actor_events, actor_subject
from auditui.textsafe import visible
from auditui.tui import bindings_help
from auditui.tui.dialogs.help import HelpScreen
from auditui.tui.dialogs.pivot_by import PivotByDialog
from auditui.tui.widgets.actor_table import ActorTable, measure

if TYPE_CHECKING:
    from auditui.tui.app import AuditApp

__all__ = ["ActorScreen", "open_actor_view", "pick_actor_view", "title_text"]

_NOUNS = {
    "ip": ("IP", "IPs"),
    "agent": ("agent", "agents"),
    "source": ("source", "sources"),
    "user": ("user", "users"),
    "action": ("action", "actions"),
}
HINT = "j/k ↑/↓ PgUp/PgDn Home/End move · b/B next/previous badge · Enter: show in the table"
HINT += " · Esc/q: back · ?: keys"


def _count(number: int, nouns: tuple[str, str]) -> str:
    return f"{number:,} {nouns[0] if number == 1 else nouns[1]}"


def title_text(
    subject: Subject,
    actor: ActorEvents | None,
    looked_back: datetime | None,
    utc: bool,
    zone: tzinfo | None = None,
) -> str:
    """The view's title line (`actor` None: still computing)."""
    parts = [f"{subject.title} {visible(subject.text)}"]
    if actor is None:
        return " · ".join([*parts, "computing…"])
    parts.append(_count(len(actor), ("event", "events")))
    parts += [_count(count, _NOUNS[name]) for name, count in actor.distinct.items()]
    start = looked_back or actor.looked_from
    if start is not None:
        when = format_time(start, UTC if utc else zone)
        parts.append(f"first seen looked back to {when} (the loaded range; no archive yet)")
    return " · ".join(parts)


class ActorScreen(ModalScreen[int | None]):
    """The actor view; dismisses with the store index of the event chosen, or None."""

    DEFAULT_CSS: ClassVar[str] = """
    ActorScreen {
        background: $surface;
        layout: vertical;
    }
    ActorScreen #actor-title {
        text-style: bold;
        background: $panel;
        padding: 0 1;
        height: auto;
    }
    ActorScreen #actor-hint {
        color: $text-muted;
        padding: 0 1;
        height: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="actor.close"),
        Binding("question_mark", "help", "Keys", id="actor.help"),
    ]

    def __init__(
        self,
        store: EventStore,
        subject: Subject,
        *,
        start_index: int | None = None,
        utc: bool = False,
        zone: tzinfo | None = None,
        looked_back: datetime | None = None,
    ) -> None:
        super().__init__()
        self.store, self.subject = store, subject
        self.start_index = start_index  # the store index the cursor starts on
        self.utc, self.looked_back = utc, looked_back
        self.zone = None if utc else zone  # the configured zone while the table shows it
        self.actor: ActorEvents | None = None

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="actor-title")
        yield ActorTable(utc=self.utc, zone=self.zone, id="actor-table")
        yield Static(Text(HINT), id="actor-hint")

    def on_mount(self) -> None:
        self.query_one(ActorTable).focus()
        self.run_worker(
            partial(
                _compute, self.store, self.subject, UTC if self.utc else self.zone, self.start_index
            ),
            name="actor view",
            thread=True,
            exit_on_error=False,
        )

    def _title(self) -> Text:
        return Text(title_text(self.subject, self.actor, self.looked_back, self.utc, self.zone))

    @on(Worker.StateChanged)
    def _computed(self, message: Worker.StateChanged) -> None:
        """The worker's result: the rows, their cells' widths and the row to start on."""
        worker = message.worker
        if message.state is WorkerState.SUCCESS and isinstance(worker.result, tuple):
            actor, widths, row = worker.result
            self.actor = actor
            self.query_one(ActorTable).show(actor, self.store.events, row, widths)
            self.query_one("#actor-title", Static).update(self._title())
        elif message.state is WorkerState.ERROR:
            error = visible(str(worker.error))
            self.query_one("#actor-title", Static).update(Text(f"Could not compute: {error}"))

    @on(ActorTable.Chosen)
    def _chosen(self, message: ActorTable.Chosen) -> None:
        self.dismiss(message.store_index)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        panes = (("Actor view", self), ("Actor rows", self.query_one(ActorTable)))
        keymap = getattr(self.app, "_keymap", {})
        self.app.push_screen(HelpScreen(bindings_help.help_rows(panes, keymap)))


def _compute(
    store: EventStore, subject: Subject, tz: tzinfo | None, start_index: int | None
) -> tuple[ActorEvents, list[int], int]:
    """In the worker: the rows, their widths, and the row of `start_index` (else 0)."""
    actor = actor_events(store, subject)
    row = None if start_index is None else actor.row_of(start_index)
    return actor, measure(actor, store.events, tz), row or 0


_NO_VALUE = {"user": "user", "ip": "client IP", "object": "object (type and id)"}


def open_actor_view(app: AuditApp, kind: SubjectKind = "user") -> None:
    """Open the actor view by `kind` of the selected event (a toast when there is none)."""
    event = app.table.cursor_event
    if event is None:
        app.notify("No event selected.", severity="warning", timeout=3)
        return
    subject = actor_subject(event, kind)
    if subject is None:
        app.notify(f"This event has no {_NO_VALUE[kind]}.", severity="warning", timeout=3)
        return
    store = app.store
    screen = ActorScreen(
        store,
        subject,
        start_index=app.view.index_at(app.table.cursor_row),
        utc=app.table.utc,
        zone=app.table.zone,
        looked_back=app.time_range.start,
    )
    app.push_screen(screen, partial(_select, app, store))


def pick_actor_view(app: AuditApp) -> None:
    """Ask whether to follow the selected event's user, client IP or object, then open."""
    event = app.table.cursor_event
    if event is None:
        app.notify("No event selected.", severity="warning", timeout=3)
        return

    def chosen(kind: SubjectKind | None) -> None:
        if kind is not None:
            open_actor_view(app, kind)

    app.push_screen(PivotByDialog(event), chosen)


def _select(app: AuditApp, store: EventStore, store_index: int | None) -> None:
    """Select the chosen event in the main table, or say why it cannot."""
    if store_index is None:
        return
    if app.store is not store:
        app.notify("The events were reloaded meanwhile.", severity="warning", timeout=4)
        return
    row = app.view.row_of_index(store_index)
    if row is None:
        app.notify(
            "That event is hidden by the filter (ctrl+u shows every event).",
            severity="warning",
            timeout=5,
        )
        return
    app.table.move_cursor(row)
    app.table.focus()
