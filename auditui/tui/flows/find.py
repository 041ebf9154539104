"""The find flow: a search over the rows shown that moves the cursor, never filters.

`FindBar` (ctrl+f) gives the search text; `FindFlow` compiles it with the filter language
(`auditui.query`), finds the rows of the current view (filtered and sorted as shown) whose
events match, and moves the table's cursor to the next (`n`) or previous (`N`) one,
wrapping around the ends and saying so. The bar shows "match 3 of 41". The rows are
worked out again when the view changed (a filter, a sort, a load), so they always follow
what the table shows. A search that first needs the search index of a large store
(`Matcher.preparation`) builds it in a worker and goes on when it is done.

The search text is the bar's (a widget's own state, like the cursor); the rows here are
derived from it and the session's view, never stored elsewhere.
"""

from __future__ import annotations

import contextlib
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from auditui.query import Matcher, QueryError, compile_query, parse
from auditui.tui.widgets.table.event_table import EventTable

if TYPE_CHECKING:
    from textual.app import App

    from auditui.tui.on_demand import OnDemand
    from auditui.tui.session import Session
    from auditui.tui.widgets.find_bar import FindBar


def matching_rows(view_indices: Sequence[int], found: Sequence[int]) -> list[int]:
    """The rows (positions in `view_indices`) whose store index is in `found`, ascending."""
    if len(view_indices) > 50_000:  # a million rows: let numpy walk them
        import numpy as np

        order = np.asarray(view_indices, dtype=np.int64)
        wanted = np.asarray(found, dtype=np.int64)
        rows: list[int] = np.flatnonzero(np.isin(order, wanted)).tolist()
        return rows
    members = set(found)
    return [row for row, index in enumerate(view_indices) if index in members]


class FindFlow:
    """Answers the find bar and `n`/`N`; see the module doc."""

    def __init__(self, app: App[Any], session: Session, widgets: OnDemand) -> None:
        self.app = app
        self.session = session
        self._widgets = widgets  # the bar: mounted when first opened
        self._text = ""
        self._matcher: Matcher | None = None
        self._key: tuple[object, ...] | None = None  # what `_rows` was worked out for
        self._rows: list[int] = []
        self._pending: int | None = None  # a move asked for while the index is built

    @property
    def bar(self) -> FindBar:
        """The bar (opened before anything here uses it: only its messages set a search)."""
        bar = self._widgets.find_bar_shown
        assert bar is not None, "the find bar is used before it was opened"
        return bar

    @property
    def table(self) -> EventTable:
        return self.app.query_one(EventTable)

    @property
    def active(self) -> bool:
        """True while a valid search is set."""
        return self._matcher is not None

    # -- from the bar ----------------------------------------------------------------------

    async def open(self) -> None:
        (await self._widgets.find_bar()).open()  # mounted the first time

    def changed(self, text: str) -> None:
        """The search text changed: count its matches (no move)."""
        if self._set(text):
            self._report()

    def submitted(self, text: str) -> None:
        """Enter: go to the first match at or after the cursor."""
        self.table.focus()
        if self._set(text):
            self.move(0)

    def cleared(self) -> None:
        self._text, self._matcher, self._key, self._rows = "", None, None, []
        self.table.focus()

    def _set(self, text: str) -> bool:
        """Use `text` as the search; False (the error shown) when it is not a valid query."""
        if text == self._text and self._matcher is not None:
            return True
        self._text, self._key, self._rows = text, None, []
        if not text.strip():
            self._matcher = None
            self.bar.show_error(None)
            self.bar.show_status("")
            return False
        try:
            self._matcher = compile_query(parse(text), marks=self.session.mark_notes())
        except QueryError as exc:
            self._matcher = None
            self.bar.show_error(exc)
            return False
        self.bar.show_error(None)
        return True

    def view_changed(self) -> None:
        """The table shows other rows (a filter, a sort, a load): the count on the bar is
        worked out again on the next move (cheap now: nothing is matched here)."""
        if self._matcher is not None and self._key is not None and self._view_key() != self._key:
            self.bar.show_status(">/<: next/previous match")

    # -- moving ----------------------------------------------------------------------------

    def move(self, step: int) -> None:
        """`step` 1: the next match after the cursor, -1: the previous one, 0: the first
        at or after the cursor; wraps around the ends."""
        if self._matcher is None:
            self.app.notify("No search: press ctrl+f to find rows.", timeout=3)
            return
        rows = self._current_rows(step)
        if rows is None:  # the index is being built: moves when it is done
            return
        if not rows:
            self.bar.show_status("no matches")
            self.app.notify(f"No row matches {self._text!r}.", severity="warning", timeout=3)
            return
        table = self.table
        here = table.cursor_row
        wrapped = False
        if step >= 0:
            at = bisect_left(rows, here) if step == 0 else bisect_right(rows, here)
            if at >= len(rows):
                at, wrapped = 0, True
        else:
            at = bisect_left(rows, here) - 1
            if at < 0:
                at, wrapped = len(rows) - 1, True
        table.move_cursor(rows[at])
        self._report(at)
        if wrapped:
            where = "top" if step >= 0 else "bottom"
            self.app.notify(f"Search wrapped to the {where}.", timeout=2)

    def _view_key(self) -> tuple[object, ...]:
        session = self.session
        view = session.view
        store = session.store
        return (
            id(view),
            id(store),
            store.generation,
            len(store),
            len(view),
            session.filter_text,
            view.sort_column,
            view.descending,
        )

    def _current_rows(self, step: int | None = None) -> list[int] | None:
        """The matching rows of the view as shown (None: the index is being built first;
        `step` is the move to make once it is)."""
        matcher = self._matcher
        assert matcher is not None
        key = self._view_key()
        if key == self._key:
            return self._rows
        session = self.session
        preparation = session.preparation(matcher)
        if preparation is not None:
            self.bar.show_status(preparation.label)
            self._pending = step
            text = self._text

            def run() -> None:
                preparation.run()
                with contextlib.suppress(RuntimeError):  # the App is closing
                    self.app.call_from_thread(self._prepared, text)

            self.app.run_worker(run, thread=True, group="find-prepare", exit_on_error=False)
            return None
        candidates = session.matches
        found = matcher.filter_indices(session.store, candidates)
        self._rows = matching_rows(session.view.indices, found)
        self._key = key
        return self._rows

    def _prepared(self, text: str) -> None:
        step, self._pending = self._pending, None
        if text != self._text or self._matcher is None:
            return
        if step is None:
            self._report()
        else:
            self.move(step)

    def _report(self, at: int | None = None) -> None:
        """Show "match 3 of 41" (or "41 matches" when the cursor is on none)."""
        if self._matcher is None:
            return
        rows = self._current_rows()
        if rows is None:
            return
        if not rows:
            self.bar.show_status("no matches")
            return
        if at is None:
            here = self.table.cursor_row
            found = bisect_left(rows, here)
            at = found if found < len(rows) and rows[found] == here else None
        total = f"{len(rows):,}"
        if at is None:
            noun = "match" if len(rows) == 1 else "matches"
            self.bar.show_status(f"{total} {noun} · Enter/n: next · N: previous")
        else:
            self.bar.show_status(f"match {at + 1:,} of {total} · >/<")
