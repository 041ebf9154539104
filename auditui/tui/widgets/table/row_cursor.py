"""`RowCursorTable`: what the event table and the actor table share: a Line-API scroll view
with a sticky header line (line 0), rows below it and a row cursor.

It owns the cursor (`move_cursor`, clamped and scrolled into view), the moves bound to keys
(`action_move`, `action_page`, `action_first`, `action_last`), the row a click lands on,
and dropping the subclass's caches when the focus or the styles change (the cursor looks
different with and without the focus). Subclasses draw (`render_line`), say how many rows
there are (`row_count`), what their caches are (`_clear_caches`) and what follows a cursor
move (`_cursor_moved`).
"""

from __future__ import annotations

from textual import events, on
from textual.scroll_view import ScrollView

__all__ = ["RowCursorTable"]


class RowCursorTable(ScrollView, can_focus=True):
    """A scroll view of rows under a one-line header, with a row cursor."""

    cursor_row: int = 0

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def move_cursor(self, row: int) -> None:
        """Put the row cursor on `row` (clamped) and scroll it into view."""
        row = min(max(row, 0), max(self.row_count - 1, 0))
        if row != self.cursor_row:
            old, self.cursor_row = self.cursor_row, row
            self._refresh_row(old)
            self._refresh_row(row)
        self._scroll_to_cursor()
        self._cursor_moved()

    def _cursor_moved(self) -> None:
        """After every `move_cursor` (the row may be the same)."""

    def _clear_caches(self) -> None:
        """Drop what was drawn (strips, styles): the look changed."""

    # -- actions --------------------------------------------------------------------------

    def action_move(self, rows: int) -> None:
        self.move_cursor(self.cursor_row + rows)

    def action_page(self, pages: int) -> None:
        self.move_cursor(self.cursor_row + pages * self._body_height())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    # -- events ---------------------------------------------------------------------------

    @on(events.Focus)
    @on(events.Blur)
    def _focus_changed(self) -> None:
        self._clear_caches()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._clear_caches()

    def _clicked_row(self, event: events.Click) -> int | None:
        """The row a click on the body landed on (None: the header, or below the rows)."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return None
        row = round(self.scroll_offset.y) + offset.y - 1
        return row if 0 <= row < self.row_count else None

    # -- geometry -------------------------------------------------------------------------

    def _body_height(self) -> int:
        height = self.scrollable_content_region.height if self.is_mounted else 0
        return max(height - 1, 1)

    def _refresh_row(self, row: int) -> None:
        top = round(self.scroll_offset.y)
        if 0 <= row - top < self._body_height():
            self.refresh_line(row + 1)  # virtual line of the row (the header is line 0)

    def _scroll_to_cursor(self) -> None:
        if not self.is_mounted:
            return
        top, body, row = round(self.scroll_offset.y), self._body_height(), self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + body:
            self.scroll_to(y=row - body + 1, animate=False)
