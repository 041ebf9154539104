"""Filterer: narrowing within the last matches when sound, errors leave state, add_term."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from auditui.events import EventStore, EventView
from auditui.query import Filterer, QueryError, add_term, compile_query, index_ready
from auditui.query import matcher as query
from tests.helpers.events import decode, raw

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

EVENTS = decode(
    raw(0, status="failure", user_email="admin@datafold.com", is_support_user=True),
    raw(1, status="failure", source="ci"),
    raw(2, status="success", user_email="admin@datafold.com"),
    raw(3, status="denied", action="api_key.create"),
    raw(4, status="failure", user_email="admin2@datafold.com", is_support_user=True),
)  # fmt: skip


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    calls: list[Any] = []
    from auditui.query import matcher as query

    original = query.Matcher.filter_indices

    def recording(self: Any, store: Any, candidates: Any = None) -> Sequence[int]:
        calls.append(None if candidates is None else list(candidates))
        return original(self, store, candidates)

    monkeypatch.setattr(query.Matcher, "filter_indices", recording)
    return calls


def expected(text: str, events: list[Any] = EVENTS) -> list[int]:
    matcher = compile_query(text, now=NOW)
    return [i for i, event in enumerate(events) if matcher.matches(event)]


def test_apply_returns_ascending_store_indices() -> None:
    filterer = Filterer(EventStore(EVENTS))
    result = filterer.apply("status:failure", now=NOW)
    assert result.indices == [0, 1, 4] == expected("status:failure")
    assert not result.narrowed
    assert result.view_filter == [0, 1, 4]
    assert filterer.text == "status:failure"


def test_typing_narrows_within_the_previous_matches(spy: list[Any]) -> None:
    filterer = Filterer(EventStore(EVENTS))
    filterer.apply("status:fail", now=NOW)
    result = filterer.apply("status:failure support:true", now=NOW)
    assert result.narrowed
    assert result.indices == [0, 4] == expected("status:failure support:true")
    assert spy == [None, [0, 1, 4]]


def test_a_broader_query_searches_everything(spy: list[Any]) -> None:
    filterer = Filterer(EventStore(EVENTS))
    filterer.apply("status:failure", now=NOW)
    result = filterer.apply("status:fail OR status:denied", now=NOW)
    assert not result.narrowed
    assert result.indices == [0, 1, 3, 4]
    assert spy == [None, None]


def test_store_change_stops_narrowing(spy: list[Any]) -> None:
    store = EventStore(EVENTS[:3])
    filterer = Filterer(store)
    filterer.apply("status:failure", now=NOW)
    store.add(EVENTS[3:])
    result = filterer.apply("status:failure support:true", now=NOW)
    assert not result.narrowed
    assert result.indices == [0, 4]
    assert spy[-1] is None


def test_add_events_matches_only_the_new_events(spy: list[Any]) -> None:
    store = EventStore(EVENTS[:3])
    filterer = Filterer(store)
    before = filterer.apply("status:failure", now=NOW)
    result = filterer.add_events(EVENTS[3:])
    assert result is not None and filterer.last is result
    assert list(result.indices) == [0, 1, 4] == expected("status:failure")
    assert before.indices == [0, 1]  # the earlier result is not changed in place
    assert spy[-1] == [3, 4]  # only the appended events were searched
    assert len(store) == 5
    narrowed = filterer.apply("status:failure support:true", now=NOW)
    assert narrowed.narrowed and narrowed.indices == [0, 4]


def test_add_events_without_a_current_query_returns_none() -> None:
    store = EventStore(EVENTS[:2])
    filterer = Filterer(store)
    assert filterer.add_events(EVENTS[2:3]) is None  # nothing applied yet
    filterer.apply("", now=NOW)
    assert filterer.add_events(EVENTS[3:4]) is None  # no filter: the view shows all
    filterer.apply("status:failure", now=NOW)
    store.add(EVENTS[4:])  # changed behind the filterer's back: its result is stale
    assert filterer.add_events([]) is None
    assert filterer.text == "status:failure"  # the caller applies it again
    assert len(store) == 5


def test_a_large_store_without_its_index_is_indexed_in_a_preparation_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(query, "ASYNC_INDEX_FROM", 0)  # every store counts as large
    store = EventStore(EVENTS)
    filterer = Filterer(store)
    assert compile_query("").preparation(store) is None  # no filter: nothing to search
    preparation = compile_query("status:failure").preparation(store)
    assert preparation is not None and preparation.label == "indexing events…"
    assert not index_ready(store)
    preparation.run()
    assert index_ready(store)
    assert compile_query("status:failure").preparation(store) is None
    assert filterer.apply("status:failure", now=NOW).indices == [0, 1, 4]


def test_a_small_store_is_indexed_on_the_spot() -> None:
    store = EventStore(EVENTS)
    assert compile_query("status:failure").preparation(store) is None  # < ASYNC_INDEX_FROM


def test_invalid_query_raises_and_keeps_the_last_result() -> None:
    filterer = Filterer(EventStore(EVENTS))
    good = filterer.apply("status:failure", now=NOW)
    with pytest.raises(QueryError) as info:
        filterer.apply("status:failure (", now=NOW)
    assert info.value.position == 15
    assert filterer.last is good
    assert filterer.apply("status:failure source:ci", now=NOW).narrowed


def test_empty_query_means_no_filter() -> None:
    store = EventStore(EVENTS)
    filterer = Filterer(store)
    filterer.apply("status:failure", now=NOW)
    result = filterer.apply("   ", now=NOW)
    assert result.is_empty
    assert result.view_filter is None
    assert list(result.indices) == list(range(len(EVENTS)))
    assert filterer.apply("status:failure", now=NOW).indices == [0, 1, 4]  # narrows from all
    view = EventView(store)
    view.set_filter(result.view_filter)
    assert not view.filtered


def test_clear_and_refresh() -> None:
    store = EventStore(EVENTS[:2])
    filterer = Filterer(store)
    assert filterer.refresh(now=NOW) is None
    filterer.apply("status:failure", now=NOW)
    store.replace(EVENTS)
    refreshed = filterer.refresh(now=NOW)
    assert refreshed is not None and refreshed.indices == [0, 1, 4]
    assert not refreshed.narrowed
    filterer.clear()
    assert filterer.last is None and filterer.text == ""


def test_result_feeds_a_view() -> None:
    store = EventStore(EVENTS)
    view = EventView(store)
    view.set_filter(Filterer(store).apply("support:true", now=NOW).view_filter)
    assert len(view) == 2
    assert {view.event_at(row).event_uuid for row in range(2)} == {
        EVENTS[0].event_uuid,
        EVENTS[4].event_uuid,
    }


@pytest.mark.parametrize(
    ("query", "term", "result"),
    [
        ("", "status:failure", "status:failure"),
        ("  ", "-source:ci", "-source:ci"),
        ("user:maya", "status:failure", "user:maya status:failure"),
        ("a OR b", "c", "(a OR b) c"),
        ("(a OR b) c", "d", "(a OR b) c d"),
        ("NOT a", "b", "NOT a b"),
        ("status:failure (", "x", "status:failure ( x"),
    ],
)
def test_add_term(query: str, term: str, result: str) -> None:
    assert add_term(query, term) == result


def test_add_term_applies_to_the_whole_query() -> None:
    combined = add_term("status:denied OR status:success", "user:admin@datafold.com")
    assert expected(combined) == [2]
