"""Pivots: the query term that selects exactly the events sharing one event's value (core).

The TUI's `=`/`!` keys (on a table cell or a field of the detail pane) and `auditui fetch`'s
`--actor`/`--ip`/`--object` build their terms here, so every pivot is one grammar: an exact
term (`field:="value"`, see `auditui.query.syntax`) whose value is quoted so that it parses
back to exactly that value, whatever it holds (quotes, backslashes, `*`, markup, control
characters: those become the escapes `auditui.textsafe.visible` writes, so the query shows
as printable text). A time pivots to the event's UTC minute.

- `PIVOT_FIELDS`: table column id or event attribute name → query field (`time` for the
  timestamp); the payload has none (it cannot be pivoted).
- `pivot_term(field, text, exclude=False)`: `user:="maya@acme.com"` / `-user:="…"`.
- `pivot_query(event, name, exclude=False)`: the term for one event's field, or None.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from auditui.events.model import AuditEvent
from auditui.query.engine.search_index import spelling
from auditui.query.fields import FIELDS
from auditui.textsafe import visible
from auditui.timespec import EARLIEST, LATEST

__all__ = ["PIVOT_FIELDS", "pivot_query", "pivot_term", "time_pivot"]

PIVOT_FIELDS: dict[str, str] = {
    # the query fields themselves
    **{name: name for name in FIELDS if name != "payload"},
    "time": "time",
    "ago": "time",  # the relative-time column pivots like the time
    # table column ids (auditui.events.columns.KNOWN_COLUMNS)
    "request_type": "method",
    "user_agent": "agent",
    # event attributes (auditui.events.FIELD_NAMES, the detail pane's field list)
    "timestamp": "time",
    "event_uuid": "uuid",
    "user_email": "user",
    "user_id": "user",  # the user field: the e-mail, else `user:<id>`
    "is_support_user": "support",
    "object_type": "type",
    "object_id": "id",
    "client_ip": "ip",
    "log_entry": "entry",
}


def pivot_term(field: str, text: str, *, exclude: bool = False) -> str:
    """The exact term for a query field and a value: `field:="text"`, `-field:="text"`.

    The value is quoted so the term parses back to exactly `text` (any string): `"` and
    `\\` are escaped, and unsafe characters (controls, bidi, invisible) written as `\\xHH`,
    `\\uHHHH` or `\\UHHHHHHHH`. `ValueError` for a name that is not a query field.
    """
    if field not in FIELDS:
        raise ValueError(f"not a query field: {field!r}")
    quoted = visible(text.replace("\\", "\\\\").replace('"', '\\"'))
    return f'{"-" if exclude else ""}{field}:="{quoted}"'


def time_pivot(event: AuditEvent, *, exclude: bool = False) -> str | None:
    """The event's UTC minute: `after:…T13:59Z before:…T14:00Z` (exclude: `-(…)`).

    `after:` keeps events at or after its time and `before:` those before its own, so this
    selects exactly [minute, minute + 1). None outside the times a query can name
    (`auditui.timespec.EARLIEST` to `LATEST`).
    """
    minute = event.timestamp.astimezone(UTC).replace(second=0, microsecond=0)
    if not EARLIEST <= minute < LATEST:
        return None
    following = minute + timedelta(minutes=1)
    terms = f"after:{_minute_text(minute)} before:{_minute_text(following)}"
    return f"-({terms})" if exclude else terms


def _minute_text(moment: datetime) -> str:
    day = f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
    return f"{day}T{moment.hour:02d}:{moment.minute:02d}Z"


def pivot_query(event: AuditEvent, name: str, *, exclude: bool = False) -> str | None:
    """The term selecting exactly the events whose field `name` (a column id or attribute
    name, see `PIVOT_FIELDS`) is this event's (`exclude`: all the others); None when the
    field cannot be pivoted (the payload, an unknown name)."""
    field = PIVOT_FIELDS.get(name)
    if field is None:
        return None
    if field == "time":
        return time_pivot(event, exclude=exclude)
    return pivot_term(field, spelling(event, field), exclude=exclude)
