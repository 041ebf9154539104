"""Laying the event table out on a terminal: header titles, column widths, cells cut to fit.

Cell widths, not characters: wide CJK characters and emoji count 2 (Rich's `cells`). The
columns themselves (ids, titles, cell text, sort keys) are core: `auditui.events.columns`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, tzinfo

from rich.cells import cell_len, set_cell_size

from auditui.events import AuditEvent, Column, time_title

__all__ = ["fit", "header_title", "layout", "measure_widths"]


def header_title(column: Column, utc: bool) -> str:
    """What the header shows for a column (the time column names its clock)."""
    return time_title(utc) if column.id == "time" else column.title


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
        width = cell_len(header_title(column, utc)) + header_extra
        for event in sample:
            if width >= column.max_width:
                break
            width = max(width, cell_len(column.text(event, tz)))
        widths.append(min(max(width, column.min_width), column.max_width))
    return widths


def layout(widths: Sequence[int], available: int, pad: int = 1) -> tuple[list[int], list[int]]:
    """Widths with the last column stretched to fill `available` cells, and cell offsets.

    Each cell is `pad` blanks, the text, `pad` blanks; `offsets[i]` is where cell `i`
    starts and `offsets[-1]` is the total width.
    """
    stretched = list(widths)
    if stretched:
        stretched[-1] += max(available - sum(stretched) - 2 * pad * len(stretched), 0)
    offsets = [0]
    for width in stretched:
        offsets.append(offsets[-1] + width + 2 * pad)
    return stretched, offsets
