"""The detail pane's field rows: how a value, a time and a `label  value` row are drawn.

Every value is untrusted event text: it passes through `textsafe.visible()` into plain
`Content` (never markup). Values too long for the list are cut with a note.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from textual.content import Content

from auditui.textsafe import visible, visible_lines
from auditui.timezones import zone_name
from auditui.units import human_bytes

__all__ = [
    "FIELD_CHARS",
    "LABEL_WIDTH",
    "MORE",
    "copy_value",
    "cut_note",
    "field_value",
    "format_time",
    "plain_lines",
    "row",
]

FIELD_CHARS = 4096
"""Field values longer than this (characters) are cut short, with a note, in the list."""
MORE = "o opens it all in $PAGER"
LABEL_WIDTH = 17

_NULL = Content.styled("null", "dim italic")


def plain_lines(text: str) -> list[Content]:
    return [Content(line) for line in visible_lines(text).split("\n")]


def format_time(moment: datetime, *, utc: bool, zone: tzinfo | None = None) -> str:
    """In UTC, else in `zone` (named: `Europe/Berlin (+0100)`), else in the local zone."""
    if utc:
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"
    local = moment.astimezone(zone)
    name = local.strftime("%Z") if zone is None else zone_name(zone)
    return local.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + f" {name}" + local.strftime(" (%z)")


def field_value(value: Any) -> Content:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return Content("true" if value else "false")
    if isinstance(value, str):
        if len(value) > FIELD_CHARS:  # cut before escaping and wrapping: both grow with it
            rest = len(value.encode("utf-8", "surrogatepass")) - FIELD_CHARS
            note = Content.styled(f" … {human_bytes(rest)} more · y copies it, o shows it", "dim")
            return Content(visible(value[:FIELD_CHARS])) + note
        return Content(visible(value)) if value else Content.styled('""', "dim")
    return Content(visible(str(value)))


def cut_note(shown: int, total: int) -> Content:
    """The line after text cut short: how much more there is and where to see it."""
    cut = f"… cut at {human_bytes(shown)}: {human_bytes(total - shown)} more"
    return Content.styled(f"{cut} · {MORE}", "dim")


def copy_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def row(label: str, value: Content, width: int) -> Content:
    """`label  value`, the value wrapped to `width` with a hanging indent under the label."""
    indent = " " * (LABEL_WIDTH + 1)
    lines = value.wrap(max(8, width - len(indent)), overflow="fold") or [Content()]
    head = Content.styled(label.ljust(LABEL_WIDTH), "bold") + " " + lines[0]
    return Content("\n").join([head, *(indent + line for line in lines[1:])])
