"""Replacing a query's time terms (issue 15, item 5): picking timeline buckets one after
another keeps one `after:` and one `before:`, and every other term as typed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auditui.events import EventStore
from auditui.query import (
    Filterer,
    TimeTerm,
    parse,
    replace_time_terms,
    top_time_terms,
    without_time_terms,
)
from auditui.stats import time_terms
from auditui.timespec import TimeRange
from tests.helpers.events import decode, raw

START = datetime(2026, 11, 26, tzinfo=UTC)
HOUR = timedelta(hours=1)
FIRST = TimeRange(START + 2 * HOUR, START + 3 * HOUR)
SECOND = TimeRange(START + 5 * HOUR, START + 6 * HOUR)


@pytest.mark.parametrize(
    ("query", "rest"),
    [
        ("", ""),
        ("status:failure", "status:failure"),
        ("after:2026-11-26 before:2026-11-27", ""),
        ("status:failure after:2026-11-26 before:2026-11-27", "status:failure"),
        (
            "after:2026-11-26 status:failure before:2026-11-27 -source:ci",
            "status:failure -source:ci",
        ),
        ("foo AND after:2026-11-26 AND bar", "foo AND bar"),
        ("after:2026-11-26 AND bar", "bar"),
        ("(after:2026-11-26 before:2026-11-27) foo", "foo"),
        ("(a OR b) after:2026-11-26", "(a OR b)"),
        ('"two  spaces" after:2026-11-26', '"two  spaces"'),
        ('"()" after:2026-11-26', '"()"'),
        # not ANDed to the whole query: left alone
        ("a OR after:2026-11-26", "a OR after:2026-11-26"),
        ("-after:2026-11-26 x", "-after:2026-11-26 x"),
        # invalid: as it is
        ("status:( after:2026-11-26", "status:( after:2026-11-26"),
    ],
)
def test_without_time_terms(query: str, rest: str) -> None:
    assert without_time_terms(query) == rest


def test_top_time_terms() -> None:
    terms = top_time_terms("x after:2026-11-26 (y before:7d) z")
    assert [(t.bound, t.text) for t in terms] == [("after", "2026-11-26"), ("before", "7d")]
    assert all(isinstance(t, TimeTerm) for t in terms)
    assert top_time_terms("a OR after:1d") == ()
    assert top_time_terms("status:(") == ()


def test_two_buckets_in_a_row_keep_one_after_and_one_before() -> None:
    query = replace_time_terms("-status:denied", time_terms(FIRST))
    query = replace_time_terms(query, time_terms(SECOND))
    assert query == f"-status:denied {time_terms(SECOND)}"
    root = parse(query).root
    assert root is not None
    assert len(top_time_terms(query)) == 2
    assert query.count("after:") == 1 and query.count("before:") == 1


def test_replace_keeps_an_or_whole() -> None:
    query = replace_time_terms("a OR b", time_terms(FIRST))
    assert query == f"(a OR b) {time_terms(FIRST)}"
    assert replace_time_terms(query, time_terms(SECOND)) == f"(a OR b) {time_terms(SECOND)}"
    both = f"(a) OR (b) {time_terms(FIRST)}"  # not one pair of parentheses
    assert replace_time_terms(both, time_terms(SECOND)).startswith("((a) OR (b")


def test_the_second_bucket_selects_its_events() -> None:
    # raw(n): 11:00 UTC on 2026-11-26 minus n hours
    events = decode(*(raw(n, status="denied" if n == 7 else "success") for n in range(12)))
    store = EventStore(events)
    filterer = Filterer(store)
    query = replace_time_terms("-status:denied", time_terms(FIRST))
    assert {store.events[i].timestamp.hour for i in filterer.apply(query).indices} == {2}
    query = replace_time_terms(query, time_terms(SECOND))
    hours = {store.events[i].timestamp.hour for i in filterer.apply(query).indices}
    assert hours == {5}
