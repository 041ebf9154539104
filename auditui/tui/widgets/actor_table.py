"""ActorTable: the actor view's rows (Textual Line API over an `ActorEvents`).

Like the event table (`widgets/table/`), only the lines on screen are formatted: line 0 is
a sticky header, line `y` maps to a row of the actor's events, whose cells (time, gap to
the previous row, badges, action, object, status, source, IP, user agent; the user too
when the subject is an IP or an object) are joined into one `Strip` of `Segment`s, cached
per row. Event text is never markup: cells come from the event columns
(`auditui.events.columns`, through `textsafe.visible`). 100,000 rows open as fast as ten.

Messages: `Chosen(store_index)` on Enter or a double click. `b`/`B` move to the next or
previous row with a "first seen" badge.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from auditui.events import AuditEvent, Column, get_column, status_class
from auditui.stats import ActorEvents, format_gap
from auditui.tui.widgets.table.layout import fit, header_title, layout, measure_widths
from auditui.tui.widgets.table.row_cursor import RowCursorTable

__all__ = ["ActorTable", "actor_columns", "badge_text", "measure"]

SAMPLE_ROWS = 1000  # rows (evenly spaced) measured to size the columns
GAP_WIDTH = 8  # "+23h59m", "+12d3h"
_SHORT = {"ip": "IP", "agent": "agent", "source": "source", "user": "user", "action": "action"}


def badge_text(names: Sequence[str]) -> str:
    """A row's badges in one cell: `new IP`, `new IP, agent, source`."""
    return "new " + ", ".join(_SHORT[name] for name in names) if names else ""


def actor_columns(actor: ActorEvents) -> tuple[Column, ...]:
    """The event columns of the rows (the subject's own column left out; no user column
    for a user: the title names them)."""
    ids = ["time", "user"] if actor.subject.kind != "user" else ["time"]
    ids += ["action", "object", "status", "source", "ip", "user_agent"]
    if actor.subject.kind == "object":
        ids.remove("object")
    return tuple(get_column(column_id) for column_id in ids)


def measure(actor: ActorEvents, events: Sequence[AuditEvent], tz: tzinfo | None) -> list[int]:
    """Each cell's width (time, gap, badges, then the columns) from the header and a sample
    of the rows, the badges from all of them. Pure: run it in the worker."""
    step = max(len(actor) // SAMPLE_ROWS, 1)
    sample = [events[actor.indices[row]] for row in range(0, len(actor), step)]
    time, *rest = measure_widths(actor_columns(actor), sample, tz)
    labels = [len(badge_text(names)) for names in actor.badges.values()]
    return [time, GAP_WIDTH, max([len("First seen"), *labels]), *rest]


class ActorTable(RowCursorTable):
    """The rows of one actor's (IP's, object's) events, oldest first, with a row cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "actor-table--header",
        "actor-table--cursor",
        "actor-table--badge",
        "actor-table--status-failure",
        "actor-table--status-denied",
    }

    DEFAULT_CSS = """
    ActorTable {
        background: $surface; color: $foreground; height: 1fr;
        & > .actor-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .actor-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .actor-table--badge { color: $text-accent; text-style: bold; }
        & > .actor-table--status-failure { color: $text-error; }
        & > .actor-table--status-denied { color: $text-warning; }
        &:focus > .actor-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Up", show=False, id="actor.cursor_up"),
        Binding("down,j", "move(1)", "Down", show=False, id="actor.cursor_down"),
        Binding("left,h", "sideways(-8)", "Left", show=False, id="actor.scroll_left"),
        Binding("right,l", "sideways(8)", "Right", show=False, id="actor.scroll_right"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="actor.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="actor.page_down"),
        Binding("home,g", "first", "First", show=False, id="actor.first"),
        Binding("end,G", "last", "Last", show=False, id="actor.last"),
        Binding("b", "badge(1)", "Next badge", id="actor.next_badge"),
        Binding("B", "badge(-1)", "Previous badge", show=False, id="actor.previous_badge"),
        Binding("enter", "choose", "Show in table", id="actor.choose"),
    ]

    class Chosen(Message):
        """Enter (or a double click) on a row: the store index of its event."""

        def __init__(self, store_index: int) -> None:
            super().__init__()
            self.store_index = store_index

    def __init__(
        self, *, utc: bool = False, zone: tzinfo | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self._actor: ActorEvents | None = None
        self._events: Sequence[AuditEvent] = ()
        self._utc = utc
        self._zone = None if utc else zone  # the configured zone (None: local)
        self._columns: tuple[Column, ...] = ()
        self._widths: list[int] = []
        self._offsets: list[int] = [0]
        self._measured: list[int] = []  # before `layout` shares the width out
        self._cache: LRUCache[int, Strip] = LRUCache(1024)  # row -> strip
        self._styles: dict[str, Style] = {}

    # -- public API -----------------------------------------------------------------------

    @property
    def actor(self) -> ActorEvents | None:
        return self._actor

    @property
    def tz(self) -> tzinfo | None:
        return UTC if self._utc else self._zone

    @property
    def row_count(self) -> int:
        return 0 if self._actor is None else len(self._actor)

    @property
    def cursor_index(self) -> int | None:
        """The store index of the event under the cursor (None: no rows)."""
        if self._actor is None or not 0 <= self.cursor_row < len(self._actor):
            return None
        return self._actor.indices[self.cursor_row]

    def show(
        self,
        actor: ActorEvents,
        events: Sequence[AuditEvent],
        row: int = 0,
        widths: Sequence[int] | None = None,
    ) -> None:
        """Show these rows (`events`: the store's events the indices point into); `widths`:
        `measure`'s (made in a worker), else measured here."""
        self._actor, self._events = actor, events
        self._columns = actor_columns(actor)
        self._measured = list(widths or measure(actor, events, self.tz))
        self.cursor_row = min(max(row, 0), max(len(actor) - 1, 0))
        self._relayout()

    def cells(self, row: int) -> list[str]:
        """The text of each cell of a row (unpadded): time, gap, badges, then the columns."""
        assert self._actor is not None
        actor, tz = self._actor, self.tz
        event = self._events[actor.indices[row]]
        time, *rest = (column.text(event, tz) for column in self._columns)
        badges = badge_text(actor.badges.get(row, ()))
        return [time, format_gap(actor.gap(row)), badges, *rest]

    # -- actions --------------------------------------------------------------------------

    def action_sideways(self, cells: int) -> None:
        self.scroll_to(x=max(round(self.scroll_offset.x) + cells, 0), animate=False)

    def action_badge(self, step: int) -> None:
        if self._actor is None:
            return
        row = self._actor.next_badge(self.cursor_row, step)
        if row is None:
            self.notify("No further badge that way.", timeout=2)
        else:
            self.move_cursor(row)

    def action_choose(self) -> None:
        index = self.cursor_index
        if index is not None:
            self.post_message(self.Chosen(index))

    # -- events ---------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def on_click(self, event: events.Click) -> None:
        row = self._clicked_row(event)
        if row is not None:
            self.move_cursor(row)
            if event.chain >= 2:
                self.action_choose()

    # -- rendering ------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        right = scroll_x + (self.scrollable_content_region.width or self.size.width)
        base = self._style("")
        if self._actor is None:
            return Strip([]).crop_extend(scroll_x, right, base)
        if y == 0:
            header = self._style("actor-table--header")
            return self._header_strip(header).crop_extend(scroll_x, right, header)
        row = scroll_y + y - 1
        if row >= self.row_count:
            return Strip([]).crop_extend(scroll_x, right, base)
        if row == self.cursor_row:
            cursor = self._style("actor-table--cursor")
            return self._row_strip(row, cursor, cursor).crop_extend(scroll_x, right, cursor)
        strip = self._cache.get(row)
        if strip is None:
            event = self._events[self._actor.indices[row]]
            kind = status_class(event)
            style = self._style(f"actor-table--status-{kind}" if kind else "")
            strip = self._cache[row] = self._row_strip(row, style, None)
        return strip.crop_extend(scroll_x, right, base)

    def _row_strip(self, row: int, style: Style, badge_style: Style | None) -> Strip:
        cells = [
            f" {fit(text, width)} "
            for text, width in zip(self.cells(row), self._widths, strict=True)
        ]
        if badge_style is None:
            badge_style = style + self._style("actor-table--badge")
        segments = [
            Segment("".join(cells[:2]), style),
            Segment(cells[2], badge_style),
            Segment("".join(cells[3:]), style),
        ]
        return Strip(segments, self._offsets[-1])

    def _header_strip(self, style: Style) -> Strip:
        time, *rest = (header_title(column, self._utc, self.tz) for column in self._columns)
        titles = [time, "Gap", "First seen", *rest]
        cells = [
            f" {fit(title, width)} " for title, width in zip(titles, self._widths, strict=True)
        ]
        return Strip([Segment("".join(cells), style)], self._offsets[-1])

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.rich_style
            if name:
                partial = name.startswith("actor-table--status-") or name.endswith("--badge")
                style += self.get_component_rich_style(name, partial=partial)
            self._styles[name] = style
        return style

    # -- layout ---------------------------------------------------------------------------

    def _relayout(self) -> None:
        available = 0
        if self.is_mounted:
            available = self.content_region.width - self.styles.scrollbar_size_vertical
        self._widths, self._offsets = layout(self._measured, available)
        self.virtual_size = Size(self._offsets[-1], self.row_count + 1)
        self._clear_caches()
        self._scroll_to_cursor()
        self.refresh()

    def _clear_caches(self) -> None:
        self._cache.clear()
        self._styles.clear()
