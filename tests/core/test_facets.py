"""Facets: top values and counts per field, and terms that select exactly what was counted."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from auditui.events import EventStore
from auditui.query import SearchIndex, compile_query, parse
from auditui.stats import FACET_FIELDS, compute_facets, facet_term, quote_value
from tests.helpers.events import decode, raw

EVENTS = decode(
    raw(0),
    raw(1, status="failure"),
    raw(2, status="failure", user_email="ci-bot@acme.com", source="ci"),
    raw(3, user_email="Maya@Acme.com", client_ip="10.0.0.12"),
    raw(4, user_email=None, user_id=42, action="monitor.create_bulk"),
    raw(5, user_email="jo smith@acme.com", source=None, object_type=None),
    raw(6, action='say "hi" *now*', client_ip="2001:db8::1"),
)  # fmt: skip


def store() -> EventStore:
    return EventStore(EVENTS)


def by_field(facets: list[Any]) -> dict[str, dict[str, int]]:
    return {facet.field: {v.value: v.count for v in facet.values} for facet in facets}


def test_all_fields_in_order_with_counts() -> None:
    facets = compute_facets(store())
    assert [(f.field, f.title) for f in facets] == list(FACET_FIELDS)
    counts = by_field(facets)
    assert counts["status"] == {"success": 5, "failure": 2}
    assert counts["source"] == {"web": 5, "ci": 1, "": 1}
    assert counts["type"] == {"monitor": 6, "": 1}
    assert counts["ip"] == {"10.0.0.1": 5, "10.0.0.12": 1, "2001:db8::1": 1}
    # case-insensitive like the query language; the most frequent spelling is shown
    assert counts["user"]["maya@acme.com"] == 4
    assert "Maya@Acme.com" not in counts["user"]
    assert counts["user"]["user:42"] == 1
    assert all(f.total == 7 for f in facets)


def test_counts_only_the_given_indices() -> None:
    s = store()
    facets = compute_facets(s, [1, 2])
    counts = by_field(facets)
    assert counts["status"] == {"failure": 2}
    assert counts["user"] == {"ci-bot@acme.com": 1, "maya@acme.com": 1}
    assert facets[0].total == 2
    assert compute_facets(s, [])[0].values == ()


def test_matches_given_as_an_int64_array_count_the_same() -> None:
    """A query's many matches come as array("q"); facets count them with numpy."""
    from array import array

    s = store()
    for indices in ([1, 2], [0, 2, 3], list(range(len(s)))):
        assert compute_facets(s, array("q", indices)) == compute_facets(s, indices)


def test_top_n_other_and_distinct() -> None:
    facets = compute_facets(store(), top=1)
    status = next(f for f in facets if f.field == "status")
    assert [v.value for v in status.values] == ["success"]
    assert status.distinct == 2
    assert status.other == 2


def test_ties_are_ordered_by_value() -> None:
    ip = next(f for f in compute_facets(store()) if f.field == "ip")
    assert [v.value for v in ip.values] == ["10.0.0.1", "10.0.0.12", "2001:db8::1"]


def test_accepts_a_search_index() -> None:
    index = SearchIndex(EVENTS)
    assert by_field(compute_facets(index, [0]))["status"] == {"success": 1}


def test_every_term_selects_exactly_the_counted_events() -> None:
    s = store()
    selection = list(range(len(EVENTS)))
    for facet in compute_facets(s, selection):
        for value in facet.values:
            matched = compile_query(value.term).filter_indices(s, selection)
            assert len(matched) == value.count, (value.term, matched)
            excluded = compile_query(value.exclude_term).filter_indices(s, selection)
            assert len(excluded) == len(selection) - value.count, value.exclude_term


def test_ambiguous_values_get_an_anchored_regex() -> None:
    terms = {v.value: v.term for f in compute_facets(store()) for v in f.values}
    assert terms["10.0.0.1"] == "ip:/^10\\.0\\.0\\.1$/"  # also inside 10.0.0.12
    assert terms["10.0.0.12"] == "ip:10.0.0.12"
    assert terms["monitor.create"].startswith("action:/^")  # inside monitor.create_bulk
    assert terms["ci-bot@acme.com"] == "user:ci-bot@acme.com"
    assert terms["jo smith@acme.com"] == 'user:"jo smith@acme.com"'


@pytest.mark.parametrize(
    "value",
    ["plain", "two words", 'a "quote"', "star*", "back\\slash", "(paren)", "-dash", "x:y",
     "/slashes/", "AND", "tab\there"],
)  # fmt: skip
def test_quote_value_round_trips_through_the_parser(value: str) -> None:
    query = parse(f"user:{quote_value(value)}")
    assert query.root is not None
    term = query.root
    assert getattr(term, "kind", None) == "contains"
    assert getattr(term, "value", None) == value.lower()


@pytest.mark.parametrize("value", ["a/b", "x.y", "sp ace", "back\\slash", 'q"uote', "(p)"])
def test_exact_term_matches_only_that_value(value: str) -> None:
    events = decode(raw(0, user_email=value), raw(1, user_email=value + "z"))
    matched = compile_query(facet_term("user", value, exact=True)).filter_events(events)
    assert [e.user_email for e in matched] == [value]


def test_missing_value_term() -> None:
    assert facet_term("source", "") == 'source:""'
    s = store()
    assert compile_query('source:""').filter_indices(s) == [5]


def test_fast_path_agrees_with_a_naive_count() -> None:
    s = store()
    naive = Counter((e.status or "").lower() for e in EVENTS)
    status = next(f for f in compute_facets(s) if f.field == "status")
    assert {v.value.lower(): v.count for v in status.values} == dict(naive)


def test_store_growth_is_seen() -> None:
    s = EventStore(EVENTS[:2])
    assert by_field(compute_facets(s))["status"] == {"success": 1, "failure": 1}
    s.add(decode(raw(9, status="denied", user_email="new@x.io")))
    counts = by_field(compute_facets(s))
    assert counts["status"] == {"success": 1, "failure": 1, "denied": 1}
    assert counts["user"]["new@x.io"] == 1
