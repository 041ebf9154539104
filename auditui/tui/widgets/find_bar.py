"""FindBar: a search that moves the cursor between matching rows without filtering them.

`ctrl+f` opens it (`open()`); the text is a query in the filter language (`status:failure`,
`admin`, `"data diff"`), so a plain word finds it in any shown field. Typing posts
`FindBar.Changed(text)` (debounced: the app counts the matches), Enter posts
`FindBar.Submitted(text)` (the app moves to the next match and focuses the table); the bar
then stays on screen, unfocused, showing the search and "match 3 of 41" while `n`/`N`
move between matches. Esc in the input clears the search and hides the bar
(`FindBar.Cleared`). The app reports back with `show_status(text)` and `show_error(exc)`.
Nothing typed is parsed as markup.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from auditui.query import QueryError
from auditui.textsafe import visible

DEBOUNCE = 0.15  # seconds of quiet typing before the matches are counted


class FindInput(Input):
    """The find bar's input: Esc clears the search and closes the bar."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear_find", "Clear search", show=False, id="find.clear"),
    ]

    def action_clear_find(self) -> None:
        for ancestor in self.ancestors:
            if isinstance(ancestor, FindBar):
                ancestor.clear()
                return


class FindBar(Horizontal):
    """The search bar (hidden until `open()`); see the module doc."""

    DEFAULT_CSS: ClassVar[str] = """
    FindBar {
        height: 1;
        background: $panel;
        display: none;
    }
    FindBar.-shown {
        display: block;
    }
    FindBar #find-prompt {
        width: 7;
        padding-left: 1;
        color: $accent;
        text-style: bold;
    }
    FindBar FindInput, FindBar FindInput:focus {
        border: none;
        height: 1;
        padding: 0;
        width: 1fr;
        background: $panel;
    }
    FindBar #find-status {
        width: auto;
        padding: 0 1;
        color: $text-muted;
    }
    FindBar.-error #find-status {
        color: $text-error;
    }
    """

    class _FindMessage(Message):
        def __init__(self, bar: FindBar, text: str) -> None:
            super().__init__()
            self.bar = bar
            self.text = text

        @property
        def control(self) -> FindBar:
            return self.bar

    class Changed(_FindMessage):
        """The search text changed (debounced): count its matches."""

    class Submitted(_FindMessage):
        """Enter: go to the next match of `text`."""

    class Cleared(_FindMessage):
        """Esc: the search is gone (the bar is hidden)."""

    def __init__(self, *, id: str | None = "find-bar", debounce: float = DEBOUNCE) -> None:
        super().__init__(id=id)
        self.debounce = debounce
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Find:"), id="find-prompt")
        field = FindInput(
            placeholder="text or query (Enter: next match · >/<: next/previous · Esc: clear)",
            id="find-input",
            select_on_focus=False,
        )
        field.can_focus = False  # only while shown
        yield field
        yield Static(id="find-status", markup=False)

    @property
    def input(self) -> FindInput:
        return self.query_one("#find-input", FindInput)

    @property
    def value(self) -> str:
        return self.input.value

    @property
    def is_shown(self) -> bool:
        return self.has_class("-shown")

    def open(self) -> None:
        """Show the bar and focus its input (the last search selected to type over)."""
        self.add_class("-shown")
        field = self.input
        field.can_focus = True
        field.focus()
        field.cursor_position = len(field.value)

    def clear(self) -> None:
        """Forget the search and hide the bar (posts `Cleared`)."""
        self._cancel_timer()
        with self.prevent(Input.Changed):
            self.input.value = ""
        self.show_error(None)
        self.show_status("")
        self.remove_class("-shown")
        self.input.can_focus = False
        self.post_message(self.Cleared(self, ""))

    def show_status(self, text: str) -> None:
        """ "match 3 of 41", "no matches", … after the input."""
        self.query_one("#find-status", Static).update(Text(text))

    def show_error(self, error: QueryError | None) -> None:
        """An invalid search: its message where the status goes (None: no error)."""
        self.set_class(error is not None, "-error")
        if error is not None:
            self.show_status(f"✗ {visible(str(error))}")

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    @on(Input.Changed, "#find-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._cancel_timer()
        text = event.value
        self._timer = self.set_timer(
            self.debounce, lambda: self.post_message(self.Changed(self, text))
        )

    @on(Input.Submitted, "#find-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._cancel_timer()
        if not event.value.strip():
            self.clear()
            return
        self.input.can_focus = False  # the bar stays, showing the search; > and < move
        self.post_message(self.Submitted(self, event.value))
