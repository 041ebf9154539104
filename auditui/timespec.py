"""The WHEN grammar shared by the command line, the range dialog and the query language.

WHEN is one of:
- an ISO date (`2026-11-02`): as a start it means that day's 00:00 UTC, as an end the
  following midnight, so a date alone covers its whole day;
- an ISO date-time (`2026-11-02T13:00`, `...Z`, `...+02:00`; naive means UTC, or the
  zone passed as `parse_when(zone=...)`: the range dialog reads it in the zone shown);
- a relative duration back from now: `90s`, `15m`, `1h`, `24h`, `7d`, `2w`;
- `now`, `today` or `yesterday`.

Every WHEN lies between `EARLIEST` (1970, before any audit log) and `LATEST` (the year 9000,
far enough from the last date Python knows for any window arithmetic to stay exact).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal

import msgspec

from auditui.errors import UsageError

Role = Literal["start", "end"]

_DURATION = re.compile(r"^\s*(\d{1,7})\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)

WHEN_HELP = "use a date (2026-11-02), a date-time (2026-11-02T13:00Z) or a duration (15m, 24h, 7d)"


class TimeRange(msgspec.Struct, frozen=True):
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeRange needs aware datetimes")
        if self.end <= self.start:
            raise UsageError(
                f"The range ends ({format_utc(self.end)}) before it starts "
                f"({format_utc(self.start)}); swap --from and --to."
            )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def label(self) -> str:
        """A short human label, e.g. `2026-11-01 00:00 → 2026-11-02 00:00 UTC`."""
        fmt = "%Y-%m-%d %H:%M"
        return f"{self.start.strftime(fmt)} → {self.end.strftime(fmt)} UTC"

    def slug(self) -> str:
        """A file-name-safe form, e.g. `20261101T0000Z-20261102T0000Z`."""
        fmt = "%Y%m%dT%H%MZ"
        return f"{self.start.strftime(fmt)}-{self.end.strftime(fmt)}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def format_utc(moment: datetime) -> str:
    """ISO-8601 in UTC with a `Z`, as the API expects (`2026-11-02T13:00:00Z`)."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def parse_duration(text: str) -> timedelta | None:
    """`15m` → 15 minutes; None when the text is not a duration."""
    match = _DURATION.match(text)
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2).lower()
    return timedelta(**{_UNITS[unit]: amount})


def _in_zone(naive: datetime, zone: tzinfo | None) -> datetime:
    """A wall-clock time read in `zone` (None: the local zone), as UTC."""
    moment = naive.astimezone() if zone is None else naive.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _midnight(day: date, zone: tzinfo | None = UTC) -> datetime:
    return _in_zone(datetime(day.year, day.month, day.day), zone)


def parse_when(
    text: str,
    *,
    role: Role = "start",
    now: datetime | None = None,
    zone: tzinfo | None = UTC,
) -> datetime:
    """Parse one WHEN value into an aware UTC datetime.

    `role` matters only for a date alone: as an end it means the end of that day.
    A date, `today`, `yesterday` and a date-time without an offset are read in `zone`
    (UTC unless told; None is the local zone, as the browser's range dialog reads them).
    Raises `UsageError` naming the value and the accepted forms.
    """
    value = text.strip()
    if not value:
        raise UsageError(f"An empty time was given; {WHEN_HELP}.")
    try:
        moment = _parse_when(value, role, now or utcnow(), zone)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise UsageError(
            f"{value!r} is outside the times auditui handles; use a time from "
            f"{EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}."
        )
    return moment


def _parse_when(value: str, role: Role, now: datetime, zone: tzinfo | None) -> datetime:
    lowered = value.lower()
    if lowered == "now":
        return now
    if lowered in ("today", "yesterday"):
        day = now.astimezone(zone).date() - timedelta(days=1 if lowered == "yesterday" else 0)
        return _midnight(day + timedelta(days=1) if role == "end" else day, zone)
    duration = parse_duration(value)
    if duration is not None:
        return now - duration  # too far back: OverflowError, or before EARLIEST
    if _DATE_ONLY.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"{value!r} is not a real date; {WHEN_HELP}.") from None
        return _midnight(day + timedelta(days=1) if role == "end" else day, zone)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"Cannot read {value!r} as a time; {WHEN_HELP}.") from None
    if moment.tzinfo is None:
        return _in_zone(moment, zone)
    return moment.astimezone(UTC)


def resolve_range(
    *,
    since: str | None = None,
    start: str | None = None,
    end: str | None = None,
    default_since: str = "24h",
    now: datetime | None = None,
) -> TimeRange:
    """Turn `--since` or `--from/--to` into a TimeRange (`--since` means from then until now).

    With neither, the range is `default_since` back from now. `--from` alone runs until now.
    """
    now = now or utcnow()
    if since is not None and (start is not None or end is not None):
        raise UsageError("Use either --since or --from/--to, not both.")
    if start is None and end is not None:
        raise UsageError("--to needs --from as well (or use --since).")
    if start is not None:
        begin = parse_when(start, role="start", now=now)
        finish = parse_when(end, role="end", now=now) if end is not None else now
        return TimeRange(begin, finish)
    spec = since if since is not None else default_since
    return TimeRange(parse_when(spec, role="start", now=now), now)
