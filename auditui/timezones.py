"""Time zones: which clock times are shown in, and the words for "how long ago".

Owns the zone choice the browser cycles with `u` (`ZoneChoice`: "utc", "local" or
"configured", the IANA zone from `timezone = "..."` in config.toml or `--tz`), resolving a
zone name (`resolve_zone`: one clear `UsageError` line for an unknown name), the cycle
order (`next_choice`: UTC → local → configured → UTC; "configured" only when a zone is set
and differs from both UTC and the local zone), the tzinfo a choice means (`zone_for`: None is
the local zone, as `datetime.astimezone()` takes it), the label that names a clock with
its offset at a given moment (`zone_label`: `Europe/Berlin (UTC+01:00)`, `UTC`,
`local time (UTC+05:30)`) and the relative-time text of the `ago` column (`ago_text`).

No Textual, no Rich; "now" is always passed in (the caller reads `timespec.utcnow()`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from auditui.errors import UsageError

ZoneChoice = Literal["utc", "local", "configured"]
CYCLE: tuple[ZoneChoice, ...] = ("utc", "local", "configured")

_UTC_NAMES = frozenset({"utc", "z", "etc/utc", "etc/uct", "uct", "zulu", "etc/zulu", "gmt"})
_HALF_YEAR = timedelta(days=182)


def resolve_zone(name: str) -> tzinfo:
    """The zone named `name` (an IANA name such as `Europe/Berlin`, or `UTC`).

    Raises `UsageError` with one line naming the bad value and what to use instead.
    """
    text = name.strip()
    if text.lower() in _UTC_NAMES:
        return UTC
    bad = UsageError(
        f"Unknown time zone {name!r}: use an IANA name such as Europe/Berlin, "
        "America/New_York or UTC."
    )
    if not text or len(text) > 64 or text.startswith(("/", ".")) or ".." in text:
        raise bad
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # here: only a named zone needs it

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise bad from None


def zone_name(zone: tzinfo) -> str:
    """The name a zone is known by: its IANA key, `UTC`, or whatever `tzname` says."""
    if zone is UTC:
        return "UTC"
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) else (zone.tzname(None) or "UTC")


def _offsets(zone: tzinfo | None, now: datetime) -> tuple[timedelta | None, ...]:
    return tuple((moment.astimezone(zone)).utcoffset() for moment in (now, now + _HALF_YEAR))


def same_clock(zone: tzinfo | None, other: tzinfo | None, now: datetime) -> bool:
    """Whether two zones (None: local) read the same now and half a year from now."""
    return _offsets(zone, now) == _offsets(other, now)


def offers_configured(configured: tzinfo | None, now: datetime) -> bool:
    """Whether `u` should stop at the configured zone: set, and not UTC or local again."""
    if configured is None:
        return False
    return not same_clock(configured, UTC, now) and not same_clock(configured, None, now)


def next_choice(current: ZoneChoice, configured: tzinfo | None, now: datetime) -> ZoneChoice:
    """The choice after `current` in UTC → local → configured → UTC (configured skipped
    when `offers_configured` is False: then `u` toggles UTC ↔ local)."""
    order = [
        choice for choice in CYCLE if choice != "configured" or offers_configured(configured, now)
    ]
    if current not in order:
        return order[0]
    return order[(order.index(current) + 1) % len(order)]


def zone_for(choice: ZoneChoice, configured: tzinfo | None) -> tzinfo | None:
    """The tzinfo a choice shows times in: UTC, None (the local zone) or the configured one."""
    if choice == "utc":
        return UTC
    if choice == "configured" and configured is not None:
        return configured
    return None


def offset_text(offset: timedelta | None) -> str:
    """`UTC` for no offset, else `UTC+05:30` / `UTC-04:00`."""
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_label(zone: tzinfo | None, now: datetime) -> str:
    """A clock named with its offset at `now`: `UTC`, `local time (UTC+05:30)`,
    `Europe/Berlin (UTC+01:00)` in winter and `(UTC+02:00)` in summer."""
    if zone is UTC:
        return "UTC"
    offset = offset_text(now.astimezone(zone).utcoffset())
    name = "local time" if zone is None else zone_name(zone)
    return f"{name} ({offset})"


def ago_text(stamp: datetime, now: datetime) -> str:
    """How long before `now` `stamp` was: `just now`, `3 min ago`, `2 h ago`, `5 d ago`
    (whole units, rounded down); a time after `now` reads `in 4 min`."""
    seconds = int((now - stamp).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        if seconds < 10:
            return "just now"
        return f"in {seconds} s" if future else f"{seconds} s ago"
    for size, unit in ((86_400 * 365, "y"), (86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= size:
            amount = f"{seconds // size} {unit}"
            return f"in {amount}" if future else f"{amount} ago"
    raise AssertionError("unreachable")  # pragma: no cover
