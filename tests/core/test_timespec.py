"""The WHEN grammar: dates, date-times, durations, ranges and their errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auditui.errors import UsageError
from auditui.timespec import TimeRange, format_utc, parse_duration, parse_when, resolve_range

NOW = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("1h", timedelta(hours=1)),
        ("24h", timedelta(hours=24)),
        ("7d", timedelta(days=7)),
        ("30d", timedelta(days=30)),
        ("2w", timedelta(weeks=2)),
        ("90s", timedelta(seconds=90)),
        (" 7D ", timedelta(days=7)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert parse_when(text, now=NOW) == NOW - expected


@pytest.mark.parametrize("text", ["", "7", "d7", "1.5h", "7 days", "-1h"])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_date_alone_covers_the_whole_day() -> None:
    assert parse_when("2026-11-02", role="start") == datetime(2026, 11, 2, tzinfo=UTC)
    assert parse_when("2026-11-02", role="end") == datetime(2026, 11, 3, tzinfo=UTC)
    assert resolve_range(start="2026-11-02", end="2026-11-02").duration == timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-02T13:00", datetime(2026, 11, 2, 13, tzinfo=UTC)),
        ("2026-11-02T13:00Z", datetime(2026, 11, 2, 13, tzinfo=UTC)),
        ("2026-11-02T15:00+02:00", datetime(2026, 11, 2, 13, tzinfo=UTC)),
        ("2026-11-02 13:00:00.250", datetime(2026, 11, 2, 13, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_datetimes_are_utc(text: str, expected: datetime) -> None:
    value = parse_when(text)
    assert value == expected
    assert value.tzinfo is UTC


def test_words() -> None:
    assert parse_when("now", now=NOW) == NOW
    assert parse_when("today", now=NOW) == datetime(2026, 11, 26, tzinfo=UTC)
    assert parse_when("yesterday", role="end", now=NOW) == datetime(2026, 11, 26, tzinfo=UTC)


@pytest.mark.parametrize("text", ["blah", "2026-13-01", "2026-02-30", "tomorrowish", "  "])
def test_nonsense_is_a_usage_error_naming_the_value(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_when(text)
    assert "\n" not in str(info.value)
    if text.strip():
        assert repr(text) in str(info.value)


def test_since_runs_until_now() -> None:
    r = resolve_range(since="7d", now=NOW)
    assert r == TimeRange(NOW - timedelta(days=7), NOW)


def test_default_range_when_nothing_given() -> None:
    assert resolve_range(now=NOW, default_since="1h").start == NOW - timedelta(hours=1)


def test_from_alone_runs_until_now() -> None:
    assert resolve_range(start="2026-11-20", now=NOW).end == NOW


@pytest.mark.parametrize(
    "kwargs",
    [
        {"since": "1h", "start": "2026-11-01"},
        {"end": "2026-11-01"},
        {"start": "2026-11-03", "end": "2026-11-02"},
    ],
)
def test_bad_combinations(kwargs: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        resolve_range(now=NOW, **kwargs)


def test_format_utc_uses_z() -> None:
    assert format_utc(datetime(2026, 11, 2, 13, tzinfo=UTC)) == "2026-11-02T13:00:00Z"
    aware = datetime.fromisoformat("2026-11-02T15:00:00.5+02:00")
    assert format_utc(aware) == "2026-11-02T13:00:00.500000Z"


def test_range_label_and_slug() -> None:
    r = TimeRange(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    assert r.label() == "2026-11-01 00:00 → 2026-11-02 00:00 UTC"
    assert r.slug() == "20261101T0000Z-20261102T0000Z"
    assert r.contains(r.start) and not r.contains(r.end)
