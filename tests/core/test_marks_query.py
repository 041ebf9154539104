"""`marked:` and `note:` terms: parsing, the reference matcher, and every fast path agreeing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditui.events import AuditEvent, EventStore, decode_logs
from auditui.query import Filterer, QueryError, compile_query, parse
from auditui.query.engine import index as query_index
from auditui.query.engine import marked as query_marked
from auditui.query.engine import vector as query_vector

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
UUIDS = ["a-1", "A-1", "b-2", "dead-3", "x\ny", "c-4", "c-4"]  # case, newline, a repeat
MARK_QUERIES = [
    "marked:true", "marked:false", "marked:yes", "-marked:true", "note:urgent", "note:URG",
    'note:"two words"', 'note:""', "-note:\"\"", "marked:true status:failure",
    "marked:true OR user:admin", "NOT marked:true admin", "(note:urgent OR note:x) after:3h",
    "marked:false -note:urgent", "note:<b>",
]  # fmt: skip


def decode(items: list[dict[str, Any]]) -> list[AuditEvent]:
    return decode_logs(msgspec.json.encode({"logs": items})).events


@st.composite
def events_and_marks(draw: st.DrawFn) -> tuple[list[AuditEvent], dict[str, str]]:
    count = draw(st.integers(0, 10))
    items = [
        {
            "timestamp": (NOW - timedelta(minutes=draw(st.integers(0, 600)))).isoformat(),
            "event_uuid": draw(st.sampled_from(UUIDS)),
            "client_ip": "",
            "url": "",
            "user_email": draw(st.sampled_from([None, "admin@x.io", "maya@acme.com"])),
            "status": draw(st.sampled_from([None, "success", "failure"])),
        }
        for _ in range(count)
    ]
    notes = st.sampled_from(["", "Urgent!", "two words here", "<b>[red]x", "x"])
    marks = draw(st.dictionaries(st.sampled_from([*UUIDS, "gone-9"]), notes, max_size=6))
    return decode(items), marks


@pytest.mark.parametrize("few", [4096, 0], ids=["few-tested-each", "table-always"])
@pytest.mark.parametrize("share", [0, 128, 10**9], ids=["per-event", "default", "masks"])
def test_mark_terms_agree_on_every_path(
    share: int, few: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole-store masks, per-combination and per-event paths, with the uuid table or the
    candidates tested one by one, all agree with `matches`."""
    monkeypatch.setattr(query_marked, "FEW", few)
    monkeypatch.setattr(query_index, "VECTOR_SHARE", share)
    if share > 128:
        monkeypatch.setattr(query_vector, "ARRAY_FROM", 0)
    check_paths()


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(events_and_marks(), st.data())
def check_paths(case: tuple[list[AuditEvent], dict[str, str]], data: st.DataObject) -> None:
    events, marks = case
    store = EventStore(events)
    for text in MARK_QUERIES:
        matcher = compile_query(text, now=NOW, marks=marks)
        expected = [i for i, event in enumerate(events) if matcher.matches(event)]
        assert list(matcher.filter_indices(store)) == expected, text
        candidates = data.draw(st.permutations(range(len(events))))
        got = matcher.filter_indices(store, candidates)
        assert list(got) == [i for i in candidates if i in set(expected)], text


def test_reference_semantics() -> None:
    events = decode([
        {"timestamp": NOW.isoformat(), "event_uuid": uuid, "client_ip": "", "url": ""}
        for uuid in ("u1", "U1", "u2", "u3")
    ])  # fmt: skip
    marks = {"u1": "Call Maya [b]now[/b]", "u2": "", "missing": "x"}
    store = EventStore(events)

    def found(text: str) -> list[int]:
        return list(compile_query(text, now=NOW, marks=marks).filter_indices(store))

    assert found("marked:true") == [0, 2]  # exact spelling: U1 is another uuid
    assert found("marked:false") == [1, 3]
    assert found("note:maya") == [0]
    assert found("note:[b]now") == [0]  # markup in a note is just text
    assert found('note:""') == [1, 2, 3]
    assert found("marked:true -note:maya") == [2]
    assert list(compile_query("marked:true", now=NOW).filter_indices(store)) == []  # no marks


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("marked:maybe", "'marked:' takes true or false"),
        ("marked:/x/", "'marked:' takes true or false"),
        ("note:a*", "'note:' takes a word"),
        ("note:/a/", "'note:' takes a word"),
        ("note:=x", "'note:' takes a word, not an exact value"),
        ("marked:=true", "'marked:' takes true or false, not an exact value"),
        ("note:", "Missing value after 'note:'"),
    ],
)
def test_bad_mark_terms_say_so(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(text)


def test_mark_terms_never_narrow_and_the_query_says_it_reads_marks() -> None:
    assert not parse("marked:true x").narrows(parse("marked:true"))
    assert not parse("note:ab").narrows(parse("note:a"))
    assert parse("x marked:true").narrows(parse("x"))  # a subset of the previous query
    assert parse("a OR -note:x").reads_marks
    assert not parse("a OR b").reads_marks


def test_filterer_reads_the_marks_as_each_query_runs() -> None:
    events = decode([
        {"timestamp": NOW.isoformat(), "event_uuid": f"u{n}", "client_ip": "", "url": ""}
        for n in range(5)
    ])  # fmt: skip
    marks: dict[str, str] = {"u1": ""}
    filterer = Filterer(EventStore(events[:3]))
    filterer.marks = lambda: marks
    assert list(filterer.apply("marked:true").indices) == [1]
    marks = {"u1": "", "u2": "n"}
    assert list(filterer.apply("marked:true").indices) == [1, 2]
    marks = {"u1": "", "u2": "n", "u4": ""}
    result = filterer.add_events(events[3:])  # streamed events: matched with the marks
    assert result is not None and list(result.indices) == [1, 2, 4]


def test_the_uuid_table_follows_a_growing_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_marked, "FEW", 0)  # the table, never a per-candidate test
    events = decode([
        {"timestamp": NOW.isoformat(), "event_uuid": f"u{n}", "client_ip": "", "url": ""}
        for n in range(6)
    ])  # fmt: skip
    store = EventStore(events[:3])
    matcher = compile_query("marked:true", now=NOW, marks={"u1": "", "u4": ""})
    assert list(matcher.filter_indices(store)) == [1]
    store.add(events[3:])
    assert list(matcher.filter_indices(store)) == [1, 4]
    assert list(matcher.filter_indices(store, [4, 0, 1])) == [4, 1]
