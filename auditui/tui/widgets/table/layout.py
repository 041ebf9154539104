"""Laying the event table out on a terminal: header titles, column widths, cells cut to fit.

Cell widths, not characters: wide CJK characters and emoji count 2 (Rich's `cells`). The
columns themselves (ids, titles, cell text, sort keys) are core: `auditui.events.columns`.

Widths are measured once per store (never per filtered view, so they do not jump while a
filter is typed), then `layout` shares the width there is: when the columns are too wide
the widest text columns give way first (their cells end in "…"), down to a floor; when
there is room left the last column takes it. The last column is cut by `fit` like any
other, never by the screen's edge.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, tzinfo

from rich.cells import cell_len, set_cell_size

from auditui.events import AuditEvent, Column, get_column, time_title
from auditui.textsafe import visible

__all__ = ["Sizer", "fit", "floor_widths", "header_title", "layout", "measure_widths"]

FLOOR = 7  # the narrowest a shrunk text column gets ("success" still reads whole)


def header_title(column: Column, utc: bool, zone: tzinfo | None = None) -> str:
    """What the header shows for a column (the time column names its clock)."""
    return time_title(utc, zone) if column.id == "time" else column.title


def fit(text: str, width: int) -> str:
    """`text` padded or cut (ending in "…") to exactly `width` terminal cells.

    Cell widths, not characters: wide CJK characters and emoji count 2.
    """
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    if width <= 1:
        return "…"[:width]
    return set_cell_size(text, width - 1) + "…"


def measure_widths(
    columns: Sequence[Column],
    events: Iterable[AuditEvent],
    tz: tzinfo | None,
    *,
    header_extra: int = 2,
) -> list[int]:
    """Column widths fitting the header (+ room for a sort arrow) and these events, capped."""
    sample = list(events)
    utc = tz is UTC
    widths = []
    for column in columns:
        width = cell_len(header_title(column, utc, tz)) + header_extra
        raw, fmt, seen = column.raw, column.fmt, set()
        for event in sample[:1] if column.same_width else sample:
            if width >= column.max_width:
                break
            value = raw(event)
            if value not in seen:  # a cell's text depends on its value only: measured once
                seen.add(value)
                width = max(width, cell_len(visible(fmt(value, tz))))
        widths.append(min(max(width, column.min_width), column.max_width))
    return widths


def floor_widths(columns: Sequence[Column], widths: Sequence[int]) -> list[int]:
    """How narrow each column may get: the time and `ago` columns keep their whole width (a
    cut time reads as another time), the others `FLOOR` cells (or their own width if
    narrower)."""
    return [
        width if column.id in ("time", "ago") else min(width, max(FLOOR, column.min_width))
        for column, width in zip(columns, widths, strict=True)
    ]


def shrink(widths: Sequence[int], floors: Sequence[int], excess: int) -> list[int]:
    """`widths` made up to `excess` cells narrower in all, widest first (never below `floors`).

    Every column wider than a level comes down to it (the lowest level that frees enough),
    so a long e-mail column gives way before a short status column does; the cells freed
    beyond `excess` go back to the leftmost of the shrunk columns.
    """

    def at(level: int) -> list[int]:
        return [max(floor, min(width, level)) for width, floor in zip(widths, floors, strict=True)]

    target = sum(widths) - excess
    low, high = 0, max(widths, default=0)
    while low < high:  # the highest level whose widths fit in `target`
        middle = (low + high + 1) // 2
        if sum(at(middle)) <= target:
            low = middle
        else:
            high = middle - 1
    result = at(low)
    spare = target - sum(result)
    for i, width in enumerate(widths):
        if spare <= 0:
            break
        if result[i] < width:
            result[i] += 1
            spare -= 1
    return result


def layout(
    widths: Sequence[int],
    available: int,
    pad: int = 1,
    floors: Sequence[int] | None = None,
) -> tuple[list[int], list[int]]:
    """Widths shared out over `available` cells, and each cell's offset.

    Too wide: the widest columns shrink (see `shrink`) down to `floors` (default: the
    widths themselves, nothing shrinks); beyond that the table scrolls sideways. Room
    left: the last column is stretched to fill it. Each cell is `pad` blanks, the text,
    `pad` blanks; `offsets[i]` is where cell `i` starts and `offsets[-1]` the total width.
    """
    shared = list(widths)
    if shared and available > 0:
        spare = available - sum(shared) - 2 * pad * len(shared)
        if spare >= 0:
            shared[-1] += spare
        else:
            shared = shrink(shared, widths if floors is None else floors, -spare)
    offsets = [0]
    for width in shared:
        offsets.append(offsets[-1] + width + 2 * pad)
    return shared, offsets


SAMPLE_ROWS = 2000  # events of the store (evenly spaced) measured to size the columns


class Sizer:
    """The columns' measured widths over a store, kept while the store, the columns and
    the clock stay the same: a filter never changes them (typing a query would make the
    columns jump). A store that grew (windows streaming in) only widens them."""

    def __init__(self) -> None:
        self.widths: list[int] = []  # measured, before `layout` shares the width out
        self.floors: list[int] = []  # how narrow each column may get when space is short
        self._key: tuple[int, int, tuple[str, ...], tzinfo | None] | None = None

    def forget(self) -> None:
        """Measure afresh next time (a store that grew may then shrink columns back)."""
        self._key = None

    def measure(
        self, columns: Sequence[Column], events: Sequence[AuditEvent] | None, tz: tzinfo | None
    ) -> None:
        """Measure `columns` over `events` (the store's), unless nothing changed."""
        ids = tuple(column.id for column in columns)
        key = (id(events), 0 if events is None else len(events), ids, tz)
        if key == self._key and self.widths:
            return
        last = self._key
        grew = last is not None and (last[0], last[2:]) == (key[0], key[2:])
        added = events[last[1] :] if grew and last is not None and events else events
        sample = added[:: max(len(added) // SAMPLE_ROWS, 1)] if added else ()  # new ones only
        widths = measure_widths(columns, sample, tz)
        if grew and len(self.widths) == len(widths):
            widths = [max(old, new) for old, new in zip(self.widths, widths, strict=True)]
        self.widths, self._key = widths, key
        self.floors = floor_widths(columns, widths)


def resolve_columns(column_ids: Sequence[str]) -> tuple[Column, ...]:
    """The columns of `column_ids` (at least one: a table without columns is a bug)."""
    columns = tuple(get_column(column_id) for column_id in column_ids)
    if not columns:
        raise ValueError("the table needs at least one column")
    return columns
