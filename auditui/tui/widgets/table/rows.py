"""Building the EventTable's lines: cells, rows, the cursor row and the header as Strips.

Pure functions from plain strings to `Strip`s of `Segment`s (never markup), so the widget
only decides *which* line to draw and with which styles.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import tzinfo

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from auditui.events import AuditEvent, Column, EventView
from auditui.tui.widgets.table.layout import fit, header_title

ARROWS = {False: " ▲", True: " ▼"}


def row_cells(
    columns: Sequence[Column], widths: Sequence[int], event: AuditEvent, tz: tzinfo | None
) -> list[str]:
    """Each visible column's text fitted to its width, padded by a space on each side."""
    return [
        f" {fit(column.text(event, tz), width)} "
        for column, width in zip(columns, widths, strict=True)
    ]


def row_strip(cells: Sequence[str], style: Style, width: int) -> Strip:
    return Strip([Segment("".join(cells), style)], width)


def cursor_strip(
    cells: Sequence[str], active: int, cursor: Style, cell_cursor: Style, width: int
) -> Strip:
    """The cursor row, with the cell under the cell cursor in its own style."""
    segments = [
        Segment("".join(cells[:active]) + " ", cursor),
        Segment(cells[active][1:-1], cell_cursor),
        Segment(" " + "".join(cells[active + 1 :]), cursor),
    ]
    return Strip(segments, width)


def header_strip(
    columns: Sequence[Column],
    widths: Sequence[int],
    *,
    utc: bool,
    zone: tzinfo | None = None,
    sort: tuple[str, bool] | None,
    style: Style,
    width: int,
    indent: int = 0,
) -> Strip:
    """Column titles, the sort column marked ▲ (ascending) or ▼ (descending); `indent`
    blank cells first (the mark column)."""
    parts = [" " * indent]
    for column, column_width in zip(columns, widths, strict=True):
        title = header_title(column, utc, zone)
        if sort is not None and sort[0] == column.id:
            title += ARROWS[sort[1]]
        parts.append(f" {fit(title, column_width)} ")
    return Strip([Segment("".join(parts), style)], width)


def message_lines(note: str, view: EventView | None, width: int) -> list[str]:
    """What an empty table says, wrapped to `width`: `note` (why the range is empty: a load
    that failed) when the store is empty, else why nothing shows."""
    if note and not (view is not None and len(view.store)):
        text = note
    elif view is None:
        text = "No events loaded."
    elif view.filtered and len(view.store):
        text = "No events match the filter."
    else:
        text = "No events to show."
    return textwrap.wrap(text, max(width, 20))
