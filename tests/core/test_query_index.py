"""filter_indices (the search index) agrees with matches(); narrows() is sound; the index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditui.events import AuditEvent, EventStore, decode_logs
from auditui.query import (
    BARE_FIELDS,
    FIELDS,
    QueryError,
    SearchIndex,
    compile_query,
    index_for,
    parse,
)
from auditui.query.engine import field_text
from auditui.query.engine import index as query_index
from auditui.query.engine import vector as query_vector

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

# A small vocabulary, so random events and queries often meet.
WORDS = ["adm", "admin", "Admin", "ci", "run", "monitor", "a", "ab", "00", "dead", "é", "x y"]
EMAILS = [None, "admin@datafold.com", "ci-bot@acme.com", "Maya@Acme.com", "dead@beef.io"]
ACTIONS = [None, "monitor.run", "monitor.delete", "ci.run", "api_key.create", ""]
STATUSES = [None, "success", "failure", "Failure", "denied"]
QUERIES = [
    "", "admin", "adm", "ADMIN", '"x y"', "a b", "a OR run", "-a", "NOT ci", "-(a OR b)",
    "user:admin", "user:*@acme.com", "user:*", "user:\"\"", "action:monitor.*", "status:fail",
    "status:failure -user:acme", "source:ci OR source:web", "type:monitor", "id:1", "id:1*",
    "object:#1", "support:true", "support:false", "ip:10.", "uuid:dead", "uuid:*00ab",
    "url:/api/", "agent:/moz/", "referer:x", "entry:deleted", "method:get", "payload:dead",
    "payload:\"\\\"k\\\"\"", "/^adm/", "/un$/", "/[0-9]{3}/", "/(?<=i)n/", "*bot*", "ad*",
    "after:3h", "before:3h", "after:5h before:2h", "after:3h admin", "(a OR ci) -status:denied",
    "dead", "de", "00", "é", "É", "-dead", "NOT (user:* OR after:1h)", "-payload:null",
    "payload:ad", "payload:i\u0307", "payload:*dead*", "payload:{*}", "uuid:*-0001",
    "uuid:d*", "payload:[*", "d",
]  # fmt: skip


PAYLOADS = [None, {"k": "dead"}, [1, 2], "é\n", {"İ": "Ad"}, {"K": "DEAD"}]


@st.composite
def raw_events(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 12))
    items = []
    words = st.sampled_from(WORDS)
    for n in range(count):
        item: dict[str, Any] = {
            "timestamp": (NOW - timedelta(minutes=draw(st.integers(0, 600)))).isoformat(),
            "event_uuid": draw(st.sampled_from(["", "00ab", "DEAD-1", "x\ny"])) + f"-{n:04x}",
            "client_ip": draw(st.sampled_from(["10.0.0.1", "2001:db8::1", ""])),
            "url": draw(st.sampled_from(["/api/v1/monitors", "https://x/run", ""])),
            "user_email": draw(st.sampled_from(EMAILS)),
            "user_id": draw(st.sampled_from([None, 1, 42])),
            "action": draw(st.sampled_from(ACTIONS)),
            "status": draw(st.sampled_from(STATUSES)),
            "source": draw(st.sampled_from([None, "ci", "web", "api"])),
            "object_type": draw(st.sampled_from([None, "monitor", "data_diff"])),
            "object_id": draw(st.sampled_from([None, 1, 12, 123])),
            "is_support_user": draw(st.sampled_from([None, True, False])),
            "request_type": draw(st.sampled_from([None, "GET", "POST"])),
            "user_agent": draw(st.sampled_from([None, "Mozilla/5.0", "python"])),
            "referer": draw(st.sampled_from([None, "x", ""])),
            "log_entry": draw(st.one_of(st.none(), words.map(lambda w: f"{w} deleted"))),
            "payload": draw(st.sampled_from(PAYLOADS)),
        }
        items.append(item)
    return items


def decode(items: list[dict[str, Any]]) -> list[AuditEvent]:
    return decode_logs(msgspec.json.encode({"logs": items})).events


@pytest.mark.parametrize("share", [0, 128, 10**9], ids=["per-event", "default", "masks"])
def test_filter_indices_equals_matches(share: int) -> None:
    """Every evaluation path (whole-store numpy masks, per combination, per event) agrees
    with `matches`: `share` moves the point where candidates are too few for masks."""
    original, array_from = query_index.VECTOR_SHARE, query_vector.ARRAY_FROM
    query_index.VECTOR_SHARE = share
    if share > 128:  # masks everywhere, and every result an array("q")
        query_vector.ARRAY_FROM = 0
    try:
        check_filter_indices()
    finally:
        query_index.VECTOR_SHARE, query_vector.ARRAY_FROM = original, array_from


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(raw_events(), st.data())
def check_filter_indices(items: list[dict[str, Any]], data: st.DataObject) -> None:
    events = decode(items)
    store = EventStore(events)
    for text in QUERIES:
        matcher = compile_query(text, now=NOW)
        expected = [i for i, event in enumerate(events) if matcher.matches(event)]
        assert list(matcher.filter_indices(store)) == expected, text
        candidates = data.draw(st.permutations(range(len(events))).flatmap(
            lambda order: st.integers(0, len(order)).map(lambda k: order[:k])))  # fmt: skip
        got = matcher.filter_indices(store, candidates)
        assert list(got) == [i for i in candidates if i in set(expected)], text
        # narrowing from the last result itself (the remembered-mask path)
        last = compile_query("a", now=NOW).filter_indices(store)
        wanted = [i for i in last if i in set(expected)]
        assert list(matcher.filter_indices(store, last)) == wanted, text


@settings(max_examples=40, deadline=None)
@given(raw_events(), st.sampled_from(QUERIES), st.sampled_from(QUERIES))
def test_narrows_is_sound(items: list[dict[str, Any]], first: str, second: str) -> None:
    events = decode(items)
    for new, old in ((second, first), (first + " " + second, first), (first, first)):
        try:
            new_query, old_query = parse(new), parse(old)
        except QueryError:
            continue
        if new_query.narrows(old_query):
            new_m, old_m = compile_query(new_query, now=NOW), compile_query(old_query, now=NOW)
            for event in events:
                assert not new_m.matches(event) or old_m.matches(event), (new, old)


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ("admin", "adm"),
        ("admin", ""),
        ("status:failure user:*@datafold.com", "status:failure"),
        ("status:failure user", "status:failure u"),
        ("user:admin", "admin"),  # a field term narrows a bare word on a shown field
        ("user:admin@x", "user:adm"),
        ("user:*@datafold.com", "datafold"),  # the glob's literal part
        ("user:adm*", "user:ad*"),
        ("user:a*b*c*", "user:a*b*"),
        ("user:adm*x", "user:adm"),  # whole-field glob containing the substring
        ("user:*b", "user:*"),
        ("-admin", "-admin"),
        ("-adm", "-admin"),  # excluding more
        ("a OR b", "a OR b OR c"),
        ("(a OR b) c", "a OR b"),
        ("a", "a OR b"),
        ("after:2h x", "after:2h"),  # relative after: the cutoff only moves forward
        ("before:2026-11-02 x", "before:2026-11-02"),
        ("id:12 x", "id:12"),
        ("/^a/ b", "/^a/"),
    ],
)
def test_narrows_true(new: str, old: str) -> None:
    assert parse(new).narrows(parse(old))


@pytest.mark.parametrize(
    ("new", "old"),
    [
        ("adm", "admin"),
        ("", "admin"),
        ("-admin", "-adm"),
        ("a OR b", "a"),
        ("user:admin", "action:admin"),
        ("admin", "user:admin"),
        ("type:monitor", "monitor"),  # type is not a bare-word field on its own
        ("id:123", "id:12"),  # id compares whole values
        ("user:*", "user:adm"),
        ("user:*b", "user:*a"),
        ("before:2h x", "before:2h"),  # relative before: the cutoff moves forward
        ("/^ab/", "/^a/"),
        ("payload:x", "x"),
    ],
)
def test_narrows_false(new: str, old: str) -> None:
    assert not parse(new).narrows(parse(old))


def test_narrowing_search_gives_the_same_result() -> None:
    events = decode([
        {"timestamp": NOW.isoformat(), "event_uuid": f"u{n}", "client_ip": "", "url": "",
         "user_email": email, "status": status}
        for n, (email, status) in enumerate(
            [("admin@x", "failure"), ("adam@x", "failure"), ("admin@x", "success"), (None, None)])
    ])  # fmt: skip
    store = EventStore(events)
    first = compile_query("status:failure ad", now=NOW)
    base = first.filter_indices(store)
    second = compile_query("status:failure admin", now=NOW)
    assert second.query.narrows(first.query)
    assert second.filter_indices(store, base) == second.filter_indices(store) == [0]
    assert second.filter_indices(store, [3, 2, 1, 0]) == [0]


def test_index_for_caches_per_generation_and_extends_appends() -> None:
    events = decode([
        {"timestamp": NOW.isoformat(), "event_uuid": f"u{n}", "client_ip": "", "url": "",
         "user_email": f"user{n}@x"} for n in range(6)
    ])  # fmt: skip
    store = EventStore(events[:3])
    index = index_for(store)
    assert index_for(store) is index and len(index) == 3
    store.add(events[3:])
    assert index_for(store) is index and len(index) == 6  # extended in place
    matcher = compile_query("user:user4", now=NOW)
    assert matcher.filter_indices(store) == [4]
    store.replace(events[:2])
    assert index_for(store) is not index and len(index_for(store)) == 2
    assert matcher.filter_indices(store) == []
    assert matcher.filter_indices(SearchIndex(events)) == [4]  # an index directly
    assert matcher.filter_events(events) == [events[4]]


def test_every_field_has_a_text_and_bare_fields_are_documented() -> None:
    raw = {"timestamp": NOW.isoformat(), "event_uuid": "U", "client_ip": "", "url": ""}
    event = decode([raw])[0]
    for name in FIELDS:
        assert isinstance(field_text(event, name), str)
    assert field_text(event, "uuid") == "u"
    assert field_text(event, "support") == "false"
    assert field_text(event, "payload") == "null"
    assert set(BARE_FIELDS) == {
        "user", "action", "status", "source", "ip", "method", "agent", "object", "url",
        "referer", "entry", "uuid",
    }  # fmt: skip


def test_relative_times_count_from_the_given_now() -> None:
    events = decode([
        {"timestamp": (NOW - timedelta(hours=h)).isoformat(), "event_uuid": f"u{h}",
         "client_ip": "", "url": ""} for h in range(5)
    ])  # fmt: skip
    assert [e.event_uuid for e in compile_query("after:2h", now=NOW).filter_events(events)] == [
        "u0", "u1", "u2"]  # fmt: skip
    later = NOW + timedelta(hours=1)
    assert len(compile_query("after:2h", now=later).filter_events(events)) == 2
    store = EventStore(list(reversed(events)))  # oldest first: no sorted-time shortcut
    assert compile_query("after:2h", now=NOW).filter_indices(store) == [2, 3, 4]
    assert compile_query("before:2h", now=NOW).filter_indices(store) == [0, 1]


def test_catastrophic_regex_is_bounded_by_length_only() -> None:
    # Python's re has no timeout: the cap on pattern length is the only guard (documented).
    query = parse("/(a+)+b/")
    matcher = compile_query(query, now=NOW)
    event = decode([{"timestamp": NOW.isoformat(), "event_uuid": "a" * 12, "client_ip": "",
                     "url": ""}])[0]  # fmt: skip
    assert not matcher.matches(event)
