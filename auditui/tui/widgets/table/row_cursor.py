"""`RowCursorTable`: what the event table and the actor table share: a Line-API scroll view
with a sticky header line (line 0), rows below it and a row cursor.

It owns the cursor (`move_cursor`, clamped and scrolled into view), the moves bound to keys
(`action_move`, `action_page`, `action_first`, `action_last`), the row a click lands on,
dropping the subclass's caches when the focus or the styles change (the cursor looks
different with and without the focus), and the scrollable size (`_set_virtual_size`,
which lays the screen out again only when the scrollbars shown change). Subclasses draw
(`render_line`), say how many rows there are (`row_count`), what their caches are
(`_clear_caches`) and what follows a cursor move (`_cursor_moved`).
"""

from __future__ import annotations

from rich.segment import Segment
from textual import events, on
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar

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

    def _set_virtual_size(self, size: Size) -> None:
        """The scrollable size (rows and header by the cells' total width).

        Assigning `virtual_size` lays the whole screen out again (every widget placed and
        drawn: ~50 ms on the main screen), which each flush of a streamed load did. The
        table's own box never depends on it (its CSS sizes it), so when the scrollbars
        shown stay the same only they are refreshed (the callers draw the rows again).
        """
        old = self.virtual_size
        if size == old:
            return
        if not self._same_box(size):
            self.virtual_size = size
            return
        self.set_reactive(ScrollView.virtual_size, size)
        if size.width == old.width and self._same_thumb(old.height, size.height):
            # a scrollbar draws in ~5 ms: not again when it would look the same (a million
            # rows and 10,000 more give the same thumb)
            bar = self.vertical_scrollbar
            bar.set_reactive(ScrollBar.window_virtual_size, size.height)
            self.scroll_y = self.validate_scroll_y(self.scroll_y)
        else:
            self._scroll_update(size)  # scrollbars: thumb size and position; scroll clamped

    def _same_thumb(self, old: int, new: int) -> bool:
        """Whether the vertical scrollbar (shown) draws the same for both virtual heights
        (drawn by the scrollbar's own renderer, without styles: ~40 µs each)."""
        if not self.show_vertical_scrollbar:
            return False
        bar = self.vertical_scrollbar

        def thumb(virtual: int) -> list[Segment]:
            window = bar.window_size if bar.window_size < virtual else 0
            drawn = bar.renderer.render_bar(
                size=bar.size.height,
                virtual_size=virtual,
                window_size=window,
                position=bar.position,
                thickness=bar.thickness,
                vertical=True,
            )
            return list(drawn.segments)

        return thumb(old) == thumb(new)

    def _same_box(self, size: Size) -> bool:
        """Whether the box and scrollbars stay as they are with this virtual size: width
        and height are not `auto`, and on each axis the old and new sizes are on the same
        side of every limit Textual's `_refresh_scrollbars` compares them with."""
        styles, old = self.styles, self.virtual_size
        if not self.is_mounted or not self.container_size or not old:
            return False
        if styles.width is None or styles.width.is_auto:
            return False
        if styles.height is None or styles.height.is_auto:
            return False
        width, height = self.container_size
        limits = (
            (old.width, size.width, (width, width - styles.scrollbar_size_vertical)),
            (old.height, size.height, (height, height - styles.scrollbar_size_horizontal)),
        )
        return all(
            (before > limit) == (after > limit) for before, after, axis in limits for limit in axis
        )
