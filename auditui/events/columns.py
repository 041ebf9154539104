"""The event table's columns: ids, titles, cell text and sort keys (core: no Textual, no Rich).

A `Column` turns an `AuditEvent` into the text of one cell and into a sort key. Both go
through a cheap `raw` extractor (an `operator.attrgetter`) so the store can compute sort
keys for a million events by looking at each *distinct* raw value only once.

Conventions:
- Cell text is always passed through `textsafe.visible()`; it is plain text, never markup.
- A missing value shows as "" (or "—" for the user) and has the sort key `None`; the store
  sorts `None` last in both directions.
- Time cells read `2026-11-26 14:03:07` in the local time zone (`tz=None`) and
  `2026-11-26 14:03:07Z` in UTC (`tz=UTC`): the trailing `Z` marks UTC. `time_title(utc)`
  gives the matching header, "Time (UTC)" or "Time (local)". Seconds are shown;
  fractions are kept for sorting only. A copied cell (`copy_text`) is never ambiguous:
  a time copies as ISO 8601 with its offset (`2026-11-26T19:33:07.048302+05:30`).
- The `ago` column (optional) reads how long before now each event was (`3 min ago`,
  `timezones.ago_text` over `timespec.utcnow()`): it sorts and copies like the time.
- User, object and support texts follow `auditui.events.fields` (shared with the query
  language and the facets).

Laying cells out on a terminal (cell widths, cutting to fit) is the table widget's job:
`auditui.tui.widgets.table.layout`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from operator import attrgetter
from typing import Any, Literal

import msgspec

from auditui.events.fields import object_text, support_label, user_text
from auditui.events.model import AuditEvent
from auditui.textsafe import visible
from auditui.timespec import utcnow
from auditui.timezones import ago_text, zone_name

NULL_USER = "—"

StatusClass = Literal["failure", "denied"]

_FAILURE_WORDS = frozenset({"failure", "failed", "fail", "error", "errored"})
_DENIED_WORDS = frozenset({"denied", "forbidden", "unauthorized", "unauthorised", "rejected"})


class Column(msgspec.Struct, frozen=True):
    """One column of the event table.

    `raw(event)` extracts the hashable value the column is about; `fmt(raw, tz)` turns it
    into display text (before `visible()`); `key(raw)` into a sort key (None = missing).
    `many_values` hints the store that nearly every event has its own value (no ranking);
    `same_width`: every value's text has the same width (the table measures one).
    """

    id: str
    title: str
    raw: Callable[[AuditEvent], Any]
    fmt: Callable[[Any, tzinfo | None], str]
    key: Callable[[Any], Any]
    min_width: int = 4
    max_width: int = 40
    many_values: bool = False
    copy: Callable[[Any, tzinfo | None], str] | None = None  # None: copies as `fmt`
    same_width: bool = False

    def text(self, event: AuditEvent, tz: tzinfo | None = None) -> str:
        """The cell text, safe for display (`tz=None` is the local time zone)."""
        return visible(self.fmt(self.raw(event), tz))

    def copy_text(self, event: AuditEvent, tz: tzinfo | None = None) -> str:
        """What copying the cell gives: its whole value, unambiguous (a time in ISO 8601
        with its offset, whichever clock the table shows)."""
        copy = self.copy or self.fmt
        return visible(copy(self.raw(event), tz))

    def sort_key(self, event: AuditEvent) -> Any:
        """The key the store sorts by (None for a missing value)."""
        return self.key(self.raw(event))


def format_time(stamp: datetime, tz: tzinfo | None = None) -> str:
    """`YYYY-MM-DD HH:MM:SS` in local time (tz=None), with a trailing `Z` when tz is UTC."""
    if tz is UTC:
        local, suffix = stamp.astimezone(UTC), "Z"
    elif tz is None:
        local, suffix = stamp.astimezone(), ""
    else:
        local, suffix = stamp.astimezone(tz), ""
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}{suffix}"
    )


def iso_time(stamp: datetime, tz: tzinfo | None = None) -> str:
    """ISO 8601 with the offset, in local time (tz=None) or `tz`; UTC ends in `Z`.

    The whole fraction, as stored: `2026-11-26T19:33:07.048302+05:30`.
    """
    text = stamp.astimezone(tz).isoformat()
    return text[:-6] + "Z" if tz is UTC and text.endswith("+00:00") else text


def time_title(utc: bool, zone: tzinfo | None = None) -> str:
    """The time column's header: it says which clock the cells use (`zone`, when neither
    UTC nor local: the last part of its IANA name, `Time (Berlin)`, `Time (New_York)`, so the
    column stays as wide as its times; the header line names the zone in full)."""
    if utc:
        return "Time (UTC)"
    return "Time (local)" if zone is None else f"Time ({zone_name(zone).rsplit('/', 1)[-1]})"


def status_class(event: AuditEvent) -> StatusClass | None:
    """The class of status that should stand out (`failure` or `denied`), else None."""
    status = event.status
    if not status:
        return None
    word = status.strip().lower()
    if word in _FAILURE_WORDS or word.startswith(("fail", "error")):
        return "failure"
    if word in _DENIED_WORDS or word.startswith("deni"):
        return "denied"
    return None


# -- formatters and keys over raw values ---------------------------------------------------


def _fmt_str(value: str | None, tz: tzinfo | None) -> str:
    return value or ""


def _key_str(value: str | None) -> str | None:
    return value.lower() if value else None


def _key_exact(value: str | None) -> str | None:
    return value or None


def _fmt_time(value: datetime, tz: tzinfo | None) -> str:
    return format_time(value, tz)


def _key_time(value: datetime) -> datetime:
    return value


def _fmt_ago(value: datetime, tz: tzinfo | None) -> str:
    # The one cell that reads the clock: the table redraws it while the column shows.
    return ago_text(value, utcnow())


def _fmt_user(value: tuple[str | None, int | None], tz: tzinfo | None) -> str:
    return user_text(*value) or NULL_USER


def _key_user(value: tuple[str | None, int | None]) -> str | None:
    # E-mails first (by address), then bare user ids (by number): one comparable string.
    email, user_id = value
    if email:
        return "0" + email.lower()
    if user_id is not None:
        return "1" + _sortable_int(user_id)
    return None


def _fmt_object(value: tuple[str | None, int | None], tz: tzinfo | None) -> str:
    return object_text(*value)


def _sortable_int(number: int | None) -> str:
    """An int as text that sorts like the number (for 64-bit ids; None first)."""
    if number is None:
        return ""
    return f"{number + 2**63:020d}" if -(2**63) <= number < 2**63 else f"~{number:+}"


def _key_object(value: tuple[str | None, int | None]) -> str | None:
    # One string (type, NUL, id as sortable text): compares faster than a tuple.
    kind, object_id = value
    if not kind and object_id is None:
        return None
    return f"{(kind or '').lower()}\x00{_sortable_int(object_id)}"


def _key_ip(value: str | None) -> tuple[int, int, Any] | None:
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return (1, 0, value.lower())
    return (0, address.version, int(address))


def _fmt_support(value: bool | None, tz: tzinfo | None) -> str:
    return support_label(value)


def _key_support(value: bool | None) -> int:
    return 1 if value else 0


def _text_column(
    column_id: str,
    title: str,
    field: str,
    *,
    min_width: int = 4,
    max_width: int = 40,
    many_values: bool = False,
    exact: bool = False,
) -> Column:
    return Column(
        column_id,
        title,
        attrgetter(field),
        _fmt_str,
        _key_exact if exact else _key_str,
        min_width,
        max_width,
        many_values,
    )


_ALL: tuple[Column, ...] = (
    # max 30: room for a long zone's name in the title, `Time (Port-au-Prince)`
    Column(
        "time",
        "Time",
        attrgetter("timestamp"),
        _fmt_time,
        _key_time,
        19,
        30,
        True,
        iso_time,
        same_width=True,
    ),
    Column("user", "User", attrgetter("user_email", "user_id"), _fmt_user, _key_user, 4, 32),
    _text_column("action", "Action", "action", max_width=28),
    Column(
        "object", "Object", attrgetter("object_type", "object_id"), _fmt_object, _key_object, 6, 30
    ),
    _text_column("status", "Status", "status", max_width=16),
    _text_column("source", "Source", "source", max_width=16),
    Column("ip", "Client IP", attrgetter("client_ip"), _fmt_str, _key_ip, 9, 39),
    _text_column(
        "uuid", "UUID", "event_uuid", min_width=8, max_width=36, many_values=True, exact=True
    ),
    _text_column("request_type", "Method", "request_type", max_width=10),
    _text_column("url", "URL", "url", max_width=60),
    _text_column("user_agent", "User agent", "user_agent", max_width=50),
    _text_column("referer", "Referer", "referer", max_width=50),
    Column("support", "Support", attrgetter("is_support_user"), _fmt_support, _key_support, 7, 7),
    Column("ago", "Ago", attrgetter("timestamp"), _fmt_ago, _key_time, 10, 12, True, iso_time),
)

KNOWN_COLUMNS: dict[str, Column] = {column.id: column for column in _ALL}
DEFAULT_COLUMNS: tuple[str, ...] = ("time", "user", "action", "object", "status", "source", "ip")


def get_column(column_id: str) -> Column:
    """The column with this id; `KeyError` naming the known ids otherwise."""
    try:
        return KNOWN_COLUMNS[column_id]
    except KeyError:
        known = ", ".join(KNOWN_COLUMNS)
        raise KeyError(f"unknown column {column_id!r} (known: {known})") from None


def default_descending(column_id: str) -> bool:
    """The direction a column sorts in first: newest first for time (and `ago`), A→Z for
    the rest."""
    return column_id in ("time", "ago")
