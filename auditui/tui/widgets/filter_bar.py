"""FilterBar: the query input docked at the bottom, with its error line and match counter.

The app opens it with `/` (`open()`); typing posts `FilterBar.Changed(query)` debounced by
`DEBOUNCE` seconds (each keystroke cancels the pending timer), Enter posts
`FilterBar.Submitted(query)` at once, Esc closes the bar and posts `FilterBar.Closed(keep=True)`
(the filter stays; a second Esc, handled by the app while the bar is closed, clears it) and
`ctrl+u` empties the query and posts `Changed("")` at once. ↑/↓ walk the query history
(`auditui.config.history`); a valid query is remembered on Enter and on Esc.

The app reports back: `show_error(exc)` with a `QueryError` (or None) shows the message on
a line above the input and highlights the offending span inside the input;
`set_counts(shown, total)` shows "1,234 of 56,789 events". The App mounts the bar the first
time it is opened (`auditui.tui.on_demand`): `on_ready` then hands it the state kept
meanwhile. Nothing typed or read from
events is parsed as markup: the error and counter are `Text`, the highlight a style over
the input's own text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import ClassVar

from rich.highlighter import Highlighter
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from auditui.config.history import QueryHistory
from auditui.query import QueryError, parse
from auditui.textsafe import visible

DEBOUNCE = 0.04  # seconds of quiet typing before `Changed` is posted (within a keystroke)
ERROR_STYLE = "bold reverse red"


class ErrorSpan(Highlighter):
    """Styles one span of the input's text (the part of the query an error points at)."""

    def __init__(self) -> None:
        self.span: tuple[int, int] | None = None

    def highlight(self, text: Text) -> None:
        if self.span is None:
            return
        start, end = self.span
        length = len(text.plain)
        if start >= length:  # the error is at the end (a missing value): nothing to mark
            return
        text.stylize(ERROR_STYLE, start, min(end, length))


class QueryInput(Input):
    """The bar's input: adds history and clear keys (ctrl+u clears instead of Input's
    delete-to-start)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history_prev", "Older query", show=False, id="filter.history_prev"),
        Binding("down", "history_next", "Newer query", show=False, id="filter.history_next"),
        Binding("ctrl+u", "clear_query", "Clear filter", show=False, id="filter.clear"),
        Binding("escape", "close_bar", "Close filter", show=False, id="filter.close"),
    ]

    def _bar(self) -> FilterBar | None:
        for ancestor in self.ancestors:
            if isinstance(ancestor, FilterBar):
                return ancestor
        return None

    def action_history_prev(self) -> None:
        if (bar := self._bar()) is not None:
            bar.history_prev()

    def action_history_next(self) -> None:
        if (bar := self._bar()) is not None:
            bar.history_next()

    def action_clear_query(self) -> None:
        if (bar := self._bar()) is not None:
            bar.clear()

    def action_close_bar(self) -> None:
        if (bar := self._bar()) is not None:
            bar.close()


class FilterBar(Vertical):
    """The filter bar (hidden until `open()`); see the module doc."""

    DEFAULT_CSS: ClassVar[str] = """
    FilterBar {
        dock: bottom;
        height: auto;
        background: $panel;
        display: none;
    }
    FilterBar.-open {
        display: block;
    }
    FilterBar #filter-error {
        color: $text-error;
        height: auto;
        padding: 0 1;
        display: none;
    }
    FilterBar.-error #filter-error {
        display: block;
    }
    FilterBar #filter-row {
        height: 1;
    }
    FilterBar #filter-prompt {
        width: 2;
        padding-left: 1;
        color: $accent;
        text-style: bold;
    }
    FilterBar QueryInput {
        border: none;
        height: 1;
        padding: 0;
        width: 1fr;
        background: $panel;
    }
    FilterBar #filter-count {
        width: auto;
        padding: 0 1;
        color: $text-muted;
    }
    """

    class _BarMessage(Message):
        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> FilterBar:
            return self.bar

    class Changed(_BarMessage):
        """The query text changed (debounced): filter with it."""

        def __init__(self, bar: FilterBar, query: str) -> None:
            super().__init__(bar)
            self.query = query

    class Submitted(_BarMessage):
        """Enter in the bar: apply `query` now (the app usually focuses the table)."""

        def __init__(self, bar: FilterBar, query: str) -> None:
            super().__init__(bar)
            self.query = query

    class Closed(_BarMessage):
        """The bar was closed (Esc); `keep` True: the filter stays applied."""

        def __init__(self, bar: FilterBar, query: str, keep: bool = True) -> None:
            super().__init__(bar)
            self.query = query
            self.keep = keep

    def __init__(
        self,
        history: QueryHistory | None = None,
        *,
        debounce: float = DEBOUNCE,
        id: str | None = "filter-bar",
        classes: str | None = None,
        on_ready: Callable[[FilterBar], None] | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._on_ready = on_ready  # called once composed (the App mounts the bar lazily)
        self.history = history if history is not None else QueryHistory()
        self.debounce = debounce
        self._timer: Timer | None = None
        self._pending: str | None = None
        self._cursor = self.history.cursor()
        self._highlighter = ErrorSpan()
        self._error: QueryError | None = None
        self._count_text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="filter-error", markup=False)
        with Horizontal(id="filter-row"):
            yield Static(Text("/"), id="filter-prompt")
            query_input = QueryInput(
                placeholder="user:… action:… status:failure after:7d  (Enter: apply, Esc: close)",
                highlighter=self._highlighter,
                id="filter-input",
                select_on_focus=False,
            )
            query_input.can_focus = False  # only while open (never auto-focused when hidden)
            yield query_input
            yield Static(id="filter-count", markup=False)

    def on_mount(self) -> None:
        if self._on_ready is not None:
            self._on_ready(self)

    # -- state -----------------------------------------------------------------------------

    @property
    def input(self) -> QueryInput:
        return self.query_one("#filter-input", QueryInput)

    @property
    def value(self) -> str:
        """The query text in the input."""
        return self.input.value

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def error(self) -> QueryError | None:
        return self._error

    def open(self, query: str | None = None) -> None:
        """Show the bar and focus the input (optionally with `query`, without `Changed`)."""
        if query is not None:
            self.set_query(query)
        self.add_class("-open")
        self._cursor.reset(self.history.entries, self.value)
        self.input.can_focus = True
        self.input.focus()
        self.input.cursor_position = len(self.value)

    def close(self, *, keep: bool = True) -> None:
        """Hide the bar; a pending `Changed` is posted first and a valid query remembered."""
        self._flush()
        self.remember(self.value)
        self.remove_class("-open")
        self.input.can_focus = False
        self.post_message(self.Closed(self, self.value, keep))

    def set_query(self, query: str) -> None:
        """Put `query` in the input without posting `Changed` (the app already applied it)."""
        self._cancel_timer()
        with self.prevent(Input.Changed):
            self.input.value = query
        self.input.cursor_position = len(query)
        self._cursor.reset(self.history.entries, query)

    def clear(self) -> None:
        """Empty the query and post `Changed("")` now (clears the filter)."""
        self.set_query("")
        self.show_error(None)
        self.post_message(self.Changed(self, ""))

    def show_error(self, error: QueryError | None) -> None:
        """Show an invalid query's message and mark its span in the input (None: clear)."""
        self._error = error
        label = self.query_one("#filter-error", Static)
        if error is None:
            self._highlighter.span = None
            label.update(Text(""))
            self.remove_class("-error")
        else:
            self._highlighter.span = (error.position, error.position + error.length)
            message = Text("✗ ", style="bold")
            message.append(visible(str(error)))
            label.update(message)
            self.add_class("-error")
        self.input.refresh()

    def show_status(self, status: str) -> None:
        """A note in the counter's place (e.g. "indexing payloads…"); `set_counts` ends it."""
        self._counted = None
        self._show_count(status)

    _counted: tuple[int, int] | None = None  # the counts shown (None: a status instead)
    _note = ""

    @property
    def note(self) -> str:
        """A word after the counts ("incomplete": the events are not the whole range)."""
        return self._note

    @note.setter
    def note(self, note: str) -> None:
        if note != self._note:
            self._note = note
            if self._counted is not None:
                self.set_counts(*self._counted)

    def set_counts(self, shown: int, total: int) -> None:
        """The counter: "1,234 of 56,789 events" (and the note: "… · incomplete")."""
        self._counted = (shown, total)
        noun = "event" if total == 1 else "events"
        note = f" · {self._note}" if self._note else ""
        self._show_count(f"{shown:,} of {total:,} {noun}{note}")

    def _show_count(self, text: str) -> None:
        """The counter's text; a relayout only when its width changes (rows streaming in
        change the numbers several times a second)."""
        resized = len(text) != len(self._count_text)
        self._count_text = text
        self.query_one("#filter-count", Static).update(Text(text), layout=resized)

    def remember(self, query: str) -> bool:
        """Add a valid, non-blank query to the history and save it in a thread."""
        text = query.strip()
        if not text:
            return False
        try:
            parse(text)
        except QueryError:
            return False
        if not self.history.add(text):
            return False
        if self.history.path is not None and self.is_mounted:
            self.run_worker(self._save_history, thread=True, group="filter-history")
        return True

    def _save_history(self) -> None:
        with contextlib.suppress(OSError):  # a convenience: the queries stay in memory
            self.history.save()

    # -- history ---------------------------------------------------------------------------

    def history_prev(self) -> None:
        """↑: the previous (older) query in the history."""
        text = self._cursor.older(self.value)
        if text is not None:
            self._replace(text)

    def history_next(self) -> None:
        """↓: the next (newer) query, or back to what was being typed."""
        text = self._cursor.newer()
        if text is not None:
            self._replace(text)

    def _replace(self, text: str) -> None:
        with self.prevent(Input.Changed):
            self.input.value = text
        self.input.cursor_position = len(text)
        self._schedule(text)

    # -- debouncing ------------------------------------------------------------------------

    @on(Input.Changed, "#filter-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._schedule(event.value)

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._cancel_timer()
        self.remember(event.value)
        self._cursor.reset(self.history.entries, event.value)
        self.post_message(self.Submitted(self, event.value))

    def _schedule(self, text: str) -> None:
        self._cancel_timer()
        self._pending = text
        self._timer = self.set_timer(self.debounce, self._fire, name="filter-debounce")

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._pending = None

    def _fire(self) -> None:
        text, self._pending, self._timer = self._pending, None, None
        if text is not None:
            self.post_message(self.Changed(self, text))

    def _flush(self) -> None:
        """Post a pending `Changed` now (before `Closed`)."""
        text = self._pending
        self._cancel_timer()
        if text is not None:
            self.post_message(self.Changed(self, text))
