"""The support-access review view: the loaded events' support sessions, one row each.

Opened from the command palette ("Support-access review") or `R` (`flows/review.py`). The
screen covers the browser: a title line (the query `support:true`, the grouping rule and
the counts), the sessions (`auditui.review.support_sessions` over the whole loaded store,
whatever the filter shows, computed in a thread worker: "computing…" until then), oldest
first: actor, start, end, duration, events, failed or denied events, actions and objects (the
first two of each, by count);
a line of keys. Times follow the main table's clock (UTC, local or the configured zone).

Enter dismisses the screen with the session under the cursor (the flow narrows the table
to it); Esc or q closes. Text from events is drawn as Rich `Text` of `textsafe.visible`
(never markup).
"""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from auditui.events import EventStore, format_time
from auditui.review import (
    SUPPORT_QUERY,
    SupportSession,
    counted,
    format_duration,
    format_gap,
    support_sessions,
)
from auditui.textsafe import visible
from auditui.tui import bindings_help
from auditui.tui.dialogs.help import HelpScreen

__all__ = ["ReviewScreen", "title_text"]

HINT = "j/k ↑/↓ PgUp/PgDn move · Enter: show the session's events in the table"
HINT += " · Esc/q: back · ?: keys"
COLUMNS = ("#", "Actor", "Start", "End", "Duration", "Events", "Failed", "Actions", "Objects")
_SHOWN = 2  # actions and objects named per row (then "… +N more")


def _plural(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def title_text(sessions: list[SupportSession] | None, gap: timedelta) -> str:
    """The view's title line (`sessions` None: still computing)."""
    parts = [
        "Support-access review",
        SUPPORT_QUERY,
        f"by actor, a new session after {format_gap(gap)} without events",
    ]
    if sessions is None:
        return " · ".join([*parts, "computing…"])
    if not sessions:
        return " · ".join([*parts, "no support-user events in the loaded range"])
    actors = len({session.actor for session in sessions})
    parts += [
        _plural(len(sessions), "session"),
        _plural(sum(session.events for session in sessions), "event"),
        _plural(actors, "actor"),
        f"{sum(session.failures for session in sessions):,} failed or denied",
    ]
    return " · ".join(parts)


def _row(number: int, session: SupportSession, tz: tzinfo | None) -> list[Text]:
    failed = Text(
        f"{session.failures:,}", style="bold red" if session.failures else "", justify="right"
    )
    return [
        Text(str(number), justify="right"),
        Text(visible(session.actor) or "(no user)"),
        Text(format_time(session.start, tz)),
        Text(format_time(session.end, tz)),
        Text(format_duration(session.duration), justify="right"),
        Text(f"{session.events:,}", justify="right"),
        failed,
        Text(visible(counted(session.actions, _SHOWN))),
        Text(visible(counted(session.objects, _SHOWN)) or "—"),
    ]


class ReviewScreen(ModalScreen[SupportSession | None]):
    """The review view; dismisses with the session chosen, or None."""

    DEFAULT_CSS: ClassVar[str] = """
    ReviewScreen {
        background: $surface;
        layout: vertical;
    }
    ReviewScreen #review-title {
        text-style: bold;
        background: $panel;
        padding: 0 1;
        height: auto;
    }
    ReviewScreen #review-table {
        height: 1fr;
    }
    ReviewScreen #review-hint {
        color: $text-muted;
        padding: 0 1;
        height: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="review.close"),
        Binding("question_mark", "help", "Keys", id="review.help"),
    ]

    def __init__(self, store: EventStore, gap: timedelta, tz: tzinfo | None) -> None:
        super().__init__()
        self.store, self.gap, self.tz = store, gap, tz
        self.sessions: list[SupportSession] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text(title_text(None, self.gap)), id="review-title")
        table: DataTable[Text] = DataTable(id="review-table", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        yield Static(Text(HINT), id="review-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        store, gap = self.store, self.gap
        self.run_worker(
            lambda: support_sessions(store, gap),
            name="support review",
            thread=True,
            exit_on_error=False,
        )

    @on(Worker.StateChanged)
    def _computed(self, message: Worker.StateChanged) -> None:
        worker = message.worker
        title = self.query_one("#review-title", Static)
        if message.state is WorkerState.SUCCESS and isinstance(worker.result, list):
            self.sessions = worker.result
            table: DataTable[Text] = self.query_one(DataTable)
            for number, session in enumerate(self.sessions, 1):
                table.add_row(*_row(number, session, self.tz))
            title.update(Text(title_text(self.sessions, self.gap)))
        elif message.state is WorkerState.ERROR:
            title.update(Text(f"Could not compute: {visible(str(worker.error))}"))

    @on(DataTable.RowSelected)
    def _chosen(self, message: DataTable.RowSelected) -> None:
        message.stop()
        row = message.cursor_row
        if self.sessions and 0 <= row < len(self.sessions):
            self.dismiss(self.sessions[row])

    def action_close(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        panes = (("Support review", self), ("Sessions", self.query_one(DataTable)))
        keymap = getattr(self.app, "_keymap", {})
        self.app.push_screen(HelpScreen(bindings_help.help_rows(panes, keymap)))
