"""Exact terms, `field:="value"`: syntax, meaning, the fast paths agree, narrowing is sound."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditui.events import AuditEvent, EventStore
from auditui.query import FIELDS, Filterer, Not, QueryError, Term, compile_query, parse
from auditui.query.engine import index as query_index
from auditui.query.engine import vector as query_vector

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
UUID = "0000000A-0000-4000-8000-00000000000{}"

QUERIES = [
    'user:="Maya@Acme.com"', 'user:="maya@acme.com"', "user:=maya@acme.com", 'user:=""',
    'user:="user:42"', 'action:="monitor.*"', "action:=monitor.*", 'status:="Failure"',
    '-status:="failure"', 'NOT status:="failure" OR source:="ci"', 'ip:="10.0.0.1"',
    'ip:=""', 'method:="GET"', 'agent:="Mozilla/5.0"', 'object:="monitor #12"',
    'object:="#12"', 'object:="monitor"', 'type:="monitor"', 'id:="12"', "id:=1", 'id:=""',
    'support:="true"', 'support:="false"', 'support:="TRUE"', 'url:="/api/v1/monitors"',
    'referer:=""', 'entry:="Dead deleted"', 'entry:="dead deleted"', 'entry:=""',
    f'uuid:="{UUID.format(1)}"', f'uuid:="{UUID.format(1).lower()}"', 'uuid:="x\\ny-2"',
    'uuid:=""', 'payload:="null"', 'payload:="{\\"k\\":\\"dead\\"}"', 'payload:="\\"é\\n\\""',
    'payload:="[1,2]"', 'payload:=""', '(user:="Maya@Acme.com" OR ip:="") -action:=""',
    'user:="Maya@Acme.com" admin', 'user:="Maya@Acme.com" status:fail', "a", "admin",
    'entry:="Dead deleted" OR uuid:="x\\ny-2"', '-(object:="monitor #12" entry:="a deleted")',
]  # fmt: skip

PAYLOADS = [b"null", b'{"k":"dead"}', b"[1,2]", '"é\\n"'.encode(), b'"\xff"', b'{"K":"DEAD"}']


@st.composite
def event_lists(draw: st.DrawFn) -> list[AuditEvent]:
    def pick(*values: object) -> object:
        return draw(st.sampled_from(values))

    events = []
    for n in range(draw(st.integers(0, 12))):
        uuid = pick(UUID.format(n % 3), UUID.format(n % 3).lower(), f"x\ny-{n % 3}", "")
        events.append(
            AuditEvent(
                timestamp=NOW - timedelta(minutes=draw(st.integers(0, 600))),
                event_uuid=uuid,  # type: ignore[arg-type]
                client_ip=pick("10.0.0.1", "10.0.0.10", ""),  # type: ignore[arg-type]
                url=pick("/api/v1/monitors", "/API/v1/monitors", ""),  # type: ignore[arg-type]
                action=pick(None, "", "monitor.*", "monitor.run", "Monitor.run"),  # type: ignore[arg-type]
                is_support_user=pick(None, True, False),  # type: ignore[arg-type]
                log_entry=pick(None, "", "Dead deleted", "dead deleted", "a deleted"),  # type: ignore[arg-type]
                object_id=pick(None, 1, 12, 123),  # type: ignore[arg-type]
                object_type=pick(None, "", "monitor", "Monitor"),  # type: ignore[arg-type]
                payload=msgspec.Raw(pick(*PAYLOADS)),  # type: ignore[call-overload]
                referer=pick(None, "", "x"),  # type: ignore[arg-type]
                request_type=pick(None, "GET", "get"),  # type: ignore[arg-type]
                source=pick(None, "ci", "CI"),  # type: ignore[arg-type]
                status=pick(None, "failure", "Failure", "success"),  # type: ignore[arg-type]
                user_agent=pick(None, "Mozilla/5.0", "mozilla/5.0"),  # type: ignore[arg-type]
                user_email=pick(None, "", "Maya@Acme.com", "maya@acme.com", "user:42"),  # type: ignore[arg-type]
                user_id=pick(None, 42),  # type: ignore[arg-type]
            )
        )
    return events


@contextmanager
def paths(share: int) -> Iterator[None]:
    """`share` moves the point where the index path prefers whole-store masks."""
    original, array_from = query_index.VECTOR_SHARE, query_vector.ARRAY_FROM
    query_index.VECTOR_SHARE = share
    if share > 128:
        query_vector.ARRAY_FROM = 0
    try:
        yield
    finally:
        query_index.VECTOR_SHARE, query_vector.ARRAY_FROM = original, array_from


@pytest.mark.parametrize("share", [0, 128, 10**9], ids=["per-event", "default", "masks"])
def test_the_index_paths_agree_with_the_reference(share: int) -> None:
    with paths(share):
        check_index_paths()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_lists(), st.data())
def check_index_paths(events: list[AuditEvent], data: st.DataObject) -> None:
    store = EventStore(events)
    for text in QUERIES:
        matcher = compile_query(text, now=NOW)
        expected = [i for i, event in enumerate(events) if matcher.matches(event)]
        assert list(matcher.filter_indices(store)) == expected, text
        candidates = data.draw(st.permutations(range(len(events))))[: data.draw(st.integers(0, 12))]
        wanted = [i for i in candidates if i in set(expected)]
        assert list(matcher.filter_indices(store, candidates)) == wanted, text


@settings(max_examples=60, deadline=None)
@given(event_lists(), st.sampled_from(QUERIES), st.sampled_from(QUERIES))
def test_narrows_is_sound_with_exact_terms(
    events: list[AuditEvent], first: str, second: str
) -> None:
    if not parse(second).narrows(parse(first)):
        return
    old, new = compile_query(first, now=NOW), compile_query(second, now=NOW)
    for event in events:
        assert not new.matches(event) or old.matches(event), (first, second)


def test_an_exact_term_narrows_what_its_value_implies() -> None:
    exact = parse('user:="Maya@Acme.com"')
    assert exact.narrows(parse("user:maya")) and exact.narrows(parse("acme"))
    assert exact.narrows(parse('user:="Maya@Acme.com"'))
    assert not exact.narrows(parse('user:="maya@acme.com"'))
    assert not exact.narrows(parse("user:bob")) and not exact.narrows(parse("action:maya"))
    assert parse('support:="true"').narrows(parse("support:true"))
    assert not parse("user:maya").narrows(exact)
    assert not parse('payload:="{}"').narrows(parse("{}"))  # the payload is not a bare field


def test_the_filterer_narrows_from_a_query_to_its_pivot() -> None:
    events = [
        AuditEvent(timestamp=NOW, event_uuid=f"u{n}", client_ip="", url="", user_email=email)
        for n, email in enumerate(["Maya@Acme.com", "maya@acme.com", "bob@acme.com"])
    ]
    filterer = Filterer(EventStore(events))
    filterer.apply("acme", now=NOW)
    result = filterer.apply('acme user:="Maya@Acme.com"', now=NOW)
    assert result.narrowed and list(result.indices) == [0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('user:="Maya@Acme.com"', "Maya@Acme.com"),
        ("user:=Maya@Acme.com", "Maya@Acme.com"),
        ('ip:=""', ""),
        ("action:=monitor.*", "monitor.*"),
        ("url:=/api/", "/api/"),
        ("url:=a\\ b", "a b"),
        ("url:=a\\x", "a\\x"),
        ('entry:="a\\"b\\\\c\\*d"', 'a"b\\c*d'),
        ('entry:="\\n\\r\\t\\x1b\\x00\\u202e\\U0001f600"', "\n\r\t\x1b\x00\u202e\U0001f600"),
        ('entry:="\\q \\x1 \\U00110000 \\\\"', None),  # bad escapes: backslashes kept
        ('entry:="raw\x00\n\x1b"', "raw\x00\n\x1b"),
        ('entry:="-(a OR b)"', "-(a OR b)"),
    ],
)
def test_exact_values_parse_to_their_text(text: str, value: str | None) -> None:
    root = parse(text).root
    assert isinstance(root, Term) and root.kind == "exact"
    if value is None:
        assert root.value == "\\q \\x1 \\U00110000 \\"
    else:
        assert root.value == value


def test_exact_terms_negate_and_combine_as_usual() -> None:
    root = parse('-user:="a" OR ip:=b').root
    items: tuple[object, ...] = getattr(root, "items", ())
    assert root is not None and items[0] == Not(Term("user", "exact", "a"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("user:=", "Missing value after 'user:='"),
        ("user:= x", "Missing value after 'user:='"),
        ('user:="abc', "Unterminated quote"),
        ("after:=2026-11-01", "takes a time, not an exact value"),
        ('nope:="x"', "Unknown field"),
    ],
)
def test_bad_exact_terms_are_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(text)


def test_every_field_takes_an_exact_term() -> None:
    event = AuditEvent(
        timestamp=NOW, event_uuid="U-1", client_ip="10.0.0.1", url="/u", action="A.b",
        is_support_user=True, log_entry="E", object_id=7, object_type="Monitor", referer="R",
        request_type="GET", source="Web", status="Ok", user_agent="Ag", user_email="M@x",
    )  # fmt: skip
    spelled = {
        "user": "M@x", "action": "A.b", "status": "Ok", "source": "Web", "ip": "10.0.0.1",
        "method": "GET", "agent": "Ag", "object": "Monitor #7", "type": "Monitor", "id": "7",
        "support": "true", "url": "/u", "referer": "R", "entry": "E", "uuid": "U-1",
        "payload": "null",
    }  # fmt: skip
    assert set(spelled) == set(FIELDS)
    store = EventStore([event])
    for field, text in spelled.items():
        for value, hit in ((text, True), (text.swapcase(), text.swapcase() == text)):
            matcher = compile_query(f'{field}:="{value}"', now=NOW)
            assert matcher.matches(event) is hit, (field, value)
            assert list(matcher.filter_indices(store)) == ([0] if hit else []), (field, value)
