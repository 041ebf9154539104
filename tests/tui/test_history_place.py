"""A history step's `Place` (a msgspec Struct since issue 17) is equal by query, sort and
range whatever `since` says, and `!=` is the opposite of `==` (a Struct's own `!=` compares
identity: going back once failed to find its place again)."""

from __future__ import annotations

from datetime import UTC, datetime

from msgspec.structs import replace

from auditui.timespec import TimeRange
from auditui.tui.history import Place


def compared(a: object, b: object) -> tuple[bool, bool]:
    """(a == b, a != b): both operators, each asked."""
    return a == b, a != b


RANGE = TimeRange(datetime(2026, 11, 25, 12, tzinfo=UTC), datetime(2026, 11, 26, 12, tzinfo=UTC))


def test_places_are_equal_whatever_since_says() -> None:
    place = Place("status:failure", "time", True, RANGE, "24h")
    chosen = replace(place, since=None)
    assert compared(place, chosen) == (True, False) and hash(place) == hash(chosen)


def test_places_that_differ_are_unequal() -> None:
    place = Place("status:failure", "time", True, RANGE)
    for other in (replace(place, query=""), replace(place, descending=False),
                  replace(place, sort_column="user")):  # fmt: skip
        assert compared(place, other) == (False, True)
