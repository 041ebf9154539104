"""EventTable: the virtualized list of events (Textual Line API over an `EventView`).

Only the rows on screen are ever formatted: `render_line(y)` maps screen line `y` through
the view's index list to an event, formats the visible columns from plain strings into one
`Strip` (cached per event) and crops it to the horizontal scroll. Line 0 is a sticky header
that scrolls horizontally with the body. Nothing from event data is ever parsed as markup:
cells are `Segment`s of `textsafe.visible()` text.

Messages (the App wires them): `Highlighted(event)` when the cursor lands on another event
(None: empty view), `Selected(event)` on Enter or a double click, `SortRequested(column_id,
descending)` on a header click (the App decides, usually by calling `sort_by`), and
`Sorted(column_id, descending)` after every sort the table performed (`sort_by`, `s`, `S`).

The clock of the time cells (`zone_choice`): `u` cycles UTC → local → the configured zone
(`configured_zone`, set by the App from `timezone`/`--tz`; `timezones.next_choice`), and
`TimeZoneChanged(utc, zone)` follows each change; `redraw()` draws the rows again (`ago`).

`marker` (set by the App): a narrow mark column before the others, its one-cell text per
event (`●` marked, `✎` with a note, " "); `refresh_row(row)` redraws just that row.
`fresh` (set by the follow flow): the uuids of rows drawn highlighted, just arrived.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.strip import Strip

from auditui.events import (
    DEFAULT_COLUMNS,
    AuditEvent,
    Bookmark,
    Column,
    EventView,
    default_descending,
    status_class,
)
from auditui.tui.widgets.table.clock import TableClock
from auditui.tui.widgets.table.layout import Sizer, fit, layout, resolve_columns
from auditui.tui.widgets.table.look import COMPONENT_CLASSES, DEFAULT_CSS
from auditui.tui.widgets.table.messages import SortMessage, TableMessage
from auditui.tui.widgets.table.row_cursor import RowCursorTable
from auditui.tui.widgets.table.rows import (
    cursor_strip,
    header_strip,
    message_lines,
    row_cells,
    row_strip,
)

__all__ = ["MARK_CELLS", "EventTable", "fit"]

MARK_CELLS = 1  # the mark column: one cell (the next cell's padding parts them)


class EventTable(TableClock, RowCursorTable):
    """A fast, read-only table of audit events with a row cursor and a cell cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = COMPONENT_CLASSES
    DEFAULT_CSS = DEFAULT_CSS

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="table.cursor_up"),
        Binding("down,j", "move(1)", "Down", show=False, id="table.cursor_down"),
        Binding("left,h", "column(-1)", "Left", show=False, id="table.cursor_left"),
        Binding("right,l", "column(1)", "Right", show=False, id="table.cursor_right"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "first", "First", show=False, id="table.first"),
        Binding("end,G", "last", "Last", show=False, id="table.last"),
        Binding("enter", "select", "Open", id="table.select"),
        Binding("s", "sort_next", "Sort", id="table.sort_next"),
        Binding("S", "sort_reverse", "Reverse", show=False, id="table.sort_reverse"),
    ]

    class Highlighted(TableMessage):
        """The cursor is on another event (None: the view is empty)."""

        def __init__(self, table: EventTable, event: AuditEvent | None) -> None:
            super().__init__(table)
            self.event = event

    class Selected(TableMessage):
        """Enter (or a double click) on an event."""

        def __init__(self, table: EventTable, event: AuditEvent) -> None:
            super().__init__(table)
            self.event = event

    class SortRequested(SortMessage):
        """A header cell was clicked; `descending` is what `sort_by(column_id)` would pick."""

    class Sorted(SortMessage):
        """The table sorted its view by `column_id`."""

    class TimeZoneChanged(TableMessage):
        """Times switched between UTC (`utc` True), the local time zone and the configured
        one; `zone` is the configured zone while it is shown, else None."""

        def __init__(self, table: EventTable, utc: bool, zone: tzinfo | None = None) -> None:
            super().__init__(table)
            self.utc = utc
            self.zone = zone

    def __init__(
        self,
        view: EventView | None = None,
        *,
        columns: Sequence[str] = DEFAULT_COLUMNS,
        utc: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._view = view
        self._columns: tuple[Column, ...] = resolve_columns(columns)
        self._choice = "utc" if utc else "local"
        self._configured = None  # `timezone` in config or --tz
        self.cursor_column = 0
        self._sizer = Sizer()  # widths measured over the store
        self._widths: list[int] = []  # ... with the last column stretched to fill
        self._offsets: list[int] = [0]  # x where each cell starts; [-1] is the total width
        self._row_cache: LRUCache[int, Strip] = LRUCache(2048)  # store index -> row strip
        self._header: Strip | None = None
        self._styles: dict[str, Style] = {}
        self._selected: Bookmark | None = None
        self._posted: tuple[AuditEvent | None] | None = None
        self._marker: Callable[[AuditEvent], str] | None = None
        self._fresh: frozenset[str] = frozenset()  # uuids drawn highlighted (just followed)
        self._drawn: tuple[object, ...] | None = None  # `_on_screen()` at the last refresh_rows
        self._measure()

    # -- public API -----------------------------------------------------------------------

    @property
    def view(self) -> EventView | None:
        return self._view

    @property
    def columns(self) -> tuple[str, ...]:
        """Ids of the visible columns, in order (settable; unknown ids raise KeyError)."""
        return tuple(column.id for column in self._columns)

    @columns.setter
    def columns(self, column_ids: Sequence[str]) -> None:
        resolved, current = resolve_columns(column_ids), self.current_column
        self._columns = resolved
        ids = self.columns
        self.cursor_column = ids.index(current) if current in ids else 0
        self._relayout()

    @property
    def column_widths(self) -> tuple[int, ...]:
        """Each visible column's width in cells, as laid out (without padding)."""
        return tuple(self._widths)

    @property
    def current_column(self) -> str:
        """The id of the column under the cell cursor (moved by ←/→ and h/l)."""
        return self._columns[self.cursor_column].id

    def _zone_changed(self) -> None:
        self.post_message(self.TimeZoneChanged(self, self.utc, self.zone))

    def redraw(self) -> None:
        """Draw the visible rows again (cells whose text changes with time: `ago`)."""
        self._clear_caches()
        self.refresh()

    @property
    def row_count(self) -> int:
        return 0 if self._view is None else len(self._view)

    @property
    def cursor_event(self) -> AuditEvent | None:
        """The event under the cursor, or None for an empty view."""
        if not 0 <= self.cursor_row < self.row_count:
            return None
        assert self._view is not None
        return self._view.event_at(self.cursor_row)

    def set_view(self, view: EventView | None) -> None:
        """Show another view; the selected event stays selected wherever it still exists."""
        self._view = view
        self.refresh_rows()

    def refresh_rows(self, *, remeasure: bool = True, appended: bool = False) -> None:
        """Re-read the view after its data, filter or sort changed.

        The selected event keeps the cursor (and its line on screen) if still in the view;
        otherwise the cursor stays at its row number, clamped. Widths follow the store, never
        the filter; `remeasure` False: a store that grew keeps its widths at least.
        `appended`: the store only grew (a load's or a follow's new events): the rows are
        drawn again only if those on screen changed (each flush of a streamed load would
        otherwise draw every row again, though the new ones are mostly below the screen).
        """
        if remeasure:
            self._sizer.forget()
        screen_line = self.cursor_row - round(self.scroll_offset.y)
        row = None
        if self._view is not None and self._selected:
            row = self._view.find(self._selected, near=self.cursor_row)
        if row is None:
            row = min(self.cursor_row, max(self.row_count - 1, 0))
        self.cursor_row = row
        self._measure()
        self._update_virtual_size()
        screen_line = min(max(screen_line, 0), self._body_height() - 1)
        self.scroll_to(y=max(row - screen_line, 0), animate=False)
        self._scroll_to_cursor()
        self._cursor_moved()
        drawn, shown = self._drawn, self._on_screen()
        self._drawn = shown
        if appended and shown and drawn and shown[0] is drawn[0] and shown[1:] == drawn[1:]:
            return  # the same rows, cells and cursor: nothing to draw again
        self._clear_caches()
        self.refresh()

    def _on_screen(self) -> tuple[object, ...] | None:
        """What the rows on screen show: the store's events (compared by identity), the
        sort, the cells' offsets, the scroll, the cursor and the rows' store indices; None
        when there is nothing to compare (no rows, not mounted)."""
        view = self._view
        if view is None or not self.is_mounted or not len(view):
            return None
        top = round(self.scroll_offset.y)
        rows = tuple(view.indices[top : top + self._body_height()])
        scroll = (round(self.scroll_offset.x), top)
        cursor = (self.cursor_row, self.cursor_column)
        sort = (view.sort_column, view.descending)
        return (view.store.events, sort, tuple(self._offsets), scroll, cursor, rows)

    def sort_by(self, column_id: str, descending: bool | None = None) -> None:
        """Sort the view in place (None: flip the current column, else its usual direction)."""
        if self._view is None:
            return
        if descending is None:
            descending = self._next_direction(column_id)
        self._view.sort(column_id, descending)
        self.refresh_rows(remeasure=False)
        self.post_message(self.Sorted(self, column_id, descending))

    def cell_under_cursor(self) -> tuple[str, str]:
        """(column title, the whole value to copy: a time in ISO 8601 with its offset) at the
        cell cursor; ("", "") if empty."""
        event = self.cursor_event
        if event is None:
            return ("", "")
        column = self._columns[self.cursor_column]
        return (column.title, column.copy_text(event, self.tz))

    @property
    def mark_width(self) -> int:
        """The cells of the mark column (0 without one)."""
        return MARK_CELLS if self._marker is not None else 0

    @property
    def marker(self) -> Callable[[AuditEvent], str] | None:
        """Each event's mark, one cell (None: no mark column)."""
        return self._marker

    @marker.setter
    def marker(self, marker: Callable[[AuditEvent], str] | None) -> None:
        self._marker = marker
        self._relayout()

    def refresh_row(self, row: int) -> None:
        """Draw this row again (its event's mark changed)."""
        if self._view is not None and 0 <= row < self.row_count:
            self._row_cache.discard(self._view.index_at(row))
            self._refresh_row(row)

    @property
    def fresh(self) -> frozenset[str]:
        """The uuids of events drawn highlighted: new ones a follow just added (`F`)."""
        return self._fresh

    @fresh.setter
    def fresh(self, uuids: frozenset[str]) -> None:
        if uuids != self._fresh:
            self._fresh = uuids
            self.redraw()

    # -- actions --------------------------------------------------------------------------

    def action_column(self, delta: int) -> None:
        column = min(max(self.cursor_column + delta, 0), len(self._columns) - 1)
        if column != self.cursor_column:
            self.cursor_column = column
            self._refresh_row(self.cursor_row)
            self._scroll_to_cursor()

    def action_select(self) -> None:
        event = self.cursor_event
        if event is not None:
            self.post_message(self.Selected(self, event))

    def action_sort_next(self) -> None:
        """Sort by the next visible column (after the current sort column), cycling."""
        ids = self.columns
        current = self._view.sort_column if self._view is not None else ids[0]
        target = ids[(ids.index(current) + 1) % len(ids)] if current in ids else ids[0]
        self.sort_by(target, default_descending(target))

    def action_sort_reverse(self) -> None:
        if self._view is not None:
            self.sort_by(self._view.sort_column, not self._view.descending)

    # -- events ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.refresh_rows()

    def on_resize(self, event: events.Resize) -> None:
        self._layout()
        self._update_virtual_size()
        self._clear_caches()
        self._scroll_to_cursor()

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        x = offset.x + round(self.scroll_offset.x)
        column = next((i for i in range(len(self._columns)) if x < self._offsets[i + 1]), None)
        if offset.y == 0:
            if column is not None:
                column_id = self._columns[column].id
                direction = self._next_direction(column_id)
                self.post_message(self.SortRequested(self, column_id, direction))
            return
        row = round(self.scroll_offset.y) + offset.y - 1
        if not 0 <= row < self.row_count:
            return
        if column is not None and column != self.cursor_column:
            self.cursor_column = column
            self._refresh_row(self.cursor_row)
        self.move_cursor(row)
        if event.chain >= 2:
            self.action_select()

    # -- rendering ------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._fitted != self.content_region.width:  # laid out for another width (rows shown
            # before the table had its size): its Resize comes only after this frame
            self._layout()
            self._clear_caches()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        right = scroll_x + (self.scrollable_content_region.width or self.size.width)
        if y == 0:
            header_style = self._style("event-table--header")
            return self._header_strip().crop_extend(scroll_x, right, header_style)
        base, view, row = self._style(""), self._view, scroll_y + y - 1
        if view is None or not len(view):
            lines = message_lines(self._empty_note, view, right - scroll_x - 2)
            text = " " + lines[y - 1] if 1 <= y <= len(lines) else ""
            message = Strip([Segment(text, self._style("event-table--message"))])
            return message.crop_extend(scroll_x, right, base)
        if row >= len(view):
            return Strip([]).crop_extend(scroll_x, right, base)
        index = view.index_at(row)
        if row == self.cursor_row:
            cursor = self._style("event-table--cursor")
            line = self._cursor_strip(view.store.events[index], cursor)
            return line.crop_extend(scroll_x, right, cursor)
        cached = self._row_cache.get(index)
        if cached is None:
            cached = self._row_cache[index] = self._row_strip(view.store.events[index])
        return cached.crop_extend(scroll_x, right, base)

    _empty_note = ""

    @property
    def empty_note(self) -> str:
        """Shown (wrapped) instead of "No events to show.": why the range is empty."""
        return self._empty_note

    @empty_note.setter
    def empty_note(self, note: str) -> None:
        if note != self._empty_note:
            self._empty_note = note
            self.refresh()

    def _row_strip(self, event: AuditEvent) -> Strip:
        kind = status_class(event)
        style = self._style(f"event-table--status-{kind}" if kind else "")
        if self._fresh and event.event_uuid in self._fresh:
            style += self._style("event-table--fresh")
        return row_strip(self._cells(event), style, self._offsets[-1])

    def _cursor_strip(self, event: AuditEvent, cursor: Style) -> Strip:
        cell_cursor = self._style("event-table--cell-cursor")
        cells, width = self._cells(event), self._offsets[-1]
        active = self.cursor_column + (self._marker is not None)
        return cursor_strip(cells, active, cursor, cell_cursor, width)

    def _cells(self, event: AuditEvent) -> list[str]:
        cells = row_cells(self._columns, self._widths, event, self.tz)
        if self._marker is not None:
            cells.insert(0, fit(self._marker(event), MARK_CELLS))
        return cells

    def _header_strip(self) -> Strip:
        if self._header is None:
            view = self._view
            self._header = header_strip(
                self._columns,
                self._widths,
                utc=self.utc,
                zone=self.tz,
                sort=None if view is None else (view.sort_column, view.descending),
                style=self._style("event-table--header"),
                width=self._offsets[-1],
                indent=self._offsets[0],
            )
        return self._header

    def _style(self, name: str) -> Style:
        """The widget's style plus a component's (cached until styles or focus change)."""
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style
            if name:
                partial = name.startswith("event-table--status-")  # colour only
                style += self.get_component_rich_style(name, partial=partial)
            self._styles[name] = style
        return style

    # -- layout ---------------------------------------------------------------------------

    def _measure(self) -> None:
        """Size the columns from the header and a sample of the whole store (`Sizer`)."""
        store = None if self._view is None else self._view.store
        self._sizer.measure(self._columns, None if store is None else store.events, self.tz)
        self._layout()

    def _layout(self) -> None:
        """Fit the measured columns to the width left beside the vertical scrollbar, kept
        whether or not it shows: the widths never jump when a filter leaves fewer rows."""
        available = self._fitted = self.content_region.width if self.is_mounted else -1
        if available > 0 and self.styles.overflow_y in ("scroll", "auto"):
            available -= self.styles.scrollbar_size_vertical
        sizer, gutter = self._sizer, self.mark_width
        widths, offsets = layout(sizer.widths, max(available - gutter, 0), floors=sizer.floors)
        self._widths, self._offsets = widths, [offset + gutter for offset in offsets]

    def _relayout(self) -> None:
        self._measure()
        self._update_virtual_size()
        self._clear_caches()
        self._scroll_to_cursor()
        self.refresh()

    def _update_virtual_size(self) -> None:
        self._set_virtual_size(Size(self._offsets[-1], max(self.row_count, 1) + 1))

    def _clear_caches(self) -> None:
        self._row_cache.clear()
        self._header = None
        self._styles.clear()

    def _scroll_to_cursor(self) -> None:
        """The cursor's row into view (`RowCursorTable`), then its cell."""
        super()._scroll_to_cursor()
        if not self.is_mounted:
            return
        left, width = round(self.scroll_offset.x), self.scrollable_content_region.width
        start, end = self._offsets[self.cursor_column], self._offsets[self.cursor_column + 1]
        start = start if self.cursor_column else 0  # the first column: the marks show too
        if start < left:
            self.scroll_to(x=start, animate=False)
        elif end > left + width:
            self.scroll_to(x=min(start, end - width), animate=False)

    def _next_direction(self, column_id: str) -> bool:
        view = self._view
        if view is not None and view.sort_column == column_id:
            return not view.descending
        return default_descending(column_id)

    # -- selection tracking ---------------------------------------------------------------

    def _cursor_moved(self) -> None:
        """Remember the selected event; post Highlighted when it is another one."""
        event = self.cursor_event
        self._selected = None
        if event is not None and self._view is not None:
            self._selected = self._view.bookmark(self.cursor_row)
        if self._posted is None or self._posted[0] is not event:
            self._posted = (event,)
            self.post_message(self.Highlighted(self, event))
