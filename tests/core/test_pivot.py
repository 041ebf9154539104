"""Pivots select exactly the events sharing a value: for any value of any pivotable field.

The oracle here spells each field on its own (from `auditui.events.fields` and the event's
attributes), never through the query package, and the query runs every way the TUI and the
CLI run it: per event (`filter_events`), over the store's index (whole-store masks, per
combination, per event), and narrowing from a previous query (`Filterer`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditui.events import AuditEvent, EventStore
from auditui.events.columns import KNOWN_COLUMNS
from auditui.events.fields import object_text, support_text, user_text
from auditui.events.model import FIELD_NAMES
from auditui.query import (
    PIVOT_FIELDS,
    Filterer,
    Term,
    add_term,
    compile_query,
    parse,
    pivot_query,
    pivot_term,
)
from auditui.query.engine import index as query_index
from auditui.textsafe import visible

NOW = datetime(2026, 12, 6, 14, 30, tzinfo=UTC)
MINUTE = datetime(2026, 12, 6, 13, 59, tzinfo=UTC)

HOSTILE = [
    "", " ", '"', "\\", '\\"', '"\\', "a:b", "user:x", "*", "a*b", "(", ")", "()", "[bold]x[/]",
    "\x1b[2J", "\x00", "\n", "\r\n", "\t", "-x", "-", "É", "é", "ß", "İ", "\u202e", "\U000e0041",
    "OR", "AND", "NOT", "/x/", '"q"', "Maya@Acme.com", "maya@acme.com", "maya@acme.com ",
    "x maya@acme.com", "\\x1b", "\\u202e", "\\n", "\\", "\x85", "\u2028", "monitor #1",
]  # fmt: skip
HOSTILE_CHARS = '"\\:*()[]- \x1b\x00\n\r\tÉéßİ/#\u202e\x85xX1'

# the expected text of each query field, spelled without the query package
ORACLE: dict[str, Callable[[AuditEvent], str]] = {
    "user": lambda e: user_text(e.user_email, e.user_id),
    "action": lambda e: e.action or "",
    "status": lambda e: e.status or "",
    "source": lambda e: e.source or "",
    "ip": lambda e: e.client_ip or "",
    "method": lambda e: e.request_type or "",
    "agent": lambda e: e.user_agent or "",
    "type": lambda e: e.object_type or "",
    "id": lambda e: "" if e.object_id is None else str(e.object_id),
    "object": lambda e: object_text(e.object_type, e.object_id),
    "support": lambda e: support_text(e.is_support_user),
    "url": lambda e: e.url or "",
    "referer": lambda e: e.referer or "",
    "entry": lambda e: e.log_entry or "",
    "uuid": lambda e: e.event_uuid,
    "time": lambda e: e.timestamp.replace(second=0, microsecond=0).isoformat(),
}
NAMES = sorted(set(PIVOT_FIELDS) | set(KNOWN_COLUMNS) | set(FIELD_NAMES) - {"payload"})


def texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(st.sampled_from(HOSTILE_CHARS), max_size=6),
        st.text(max_size=6),
    )


@st.composite
def pools(draw: st.DrawFn) -> list[str]:
    """A few values and their near misses: other case, a prefix or suffix more."""
    base = draw(st.lists(texts(), min_size=1, max_size=3))
    pool = list(base)
    for value in base:
        pool += [value.upper(), value.lower(), value + "x", "x" + value, value.swapcase()]
    return pool


@st.composite
def event_lists(draw: st.DrawFn) -> list[AuditEvent]:
    pool = draw(pools())
    text = st.sampled_from(pool)
    maybe = st.one_of(st.none(), text)
    events = []
    for n in range(draw(st.integers(1, 8))):
        offset = draw(st.sampled_from([0, 59_999_999, 60_000_000, -1, 3_600_000_000]))
        events.append(
            AuditEvent(
                timestamp=MINUTE + timedelta(microseconds=offset),
                event_uuid=draw(text) + draw(st.sampled_from(["", f"-{n}"])),
                client_ip=draw(text),
                url=draw(text),
                action=draw(maybe),
                is_support_user=draw(st.sampled_from([None, True, False])),
                log_entry=draw(maybe),
                object_id=draw(st.sampled_from([None, 0, 1, 11, -1, 2**70])),
                object_type=draw(maybe),
                payload=msgspec.Raw(draw(st.sampled_from([b"null", b'{"a": 1}', b"[]"]))),
                referer=draw(maybe),
                request_type=draw(maybe),
                source=draw(maybe),
                status=draw(maybe),
                user_agent=draw(maybe),
                user_email=draw(maybe),
                user_id=draw(st.sampled_from([None, 1, 42])),
            )
        )
    return events


@contextmanager
def vector_share(share: int) -> Iterator[None]:
    """Move the point where the index path prefers whole-store masks (see test_query_index)."""
    original = query_index.VECTOR_SHARE
    query_index.VECTOR_SHARE = share
    try:
        yield
    finally:
        query_index.VECTOR_SHARE = original


def expected(events: list[AuditEvent], chosen: AuditEvent, field: str) -> list[int]:
    spell = ORACLE[field]
    return [i for i, event in enumerate(events) if spell(event) == spell(chosen)]


def check_selects(events: list[AuditEvent], query: str, wanted: list[int]) -> None:
    """The query selects exactly `wanted`, every way it can run."""
    store = EventStore(events)
    matcher = compile_query(query, now=NOW)
    assert matcher.filter_events(events) == [events[i] for i in wanted], query
    assert list(matcher.filter_indices(store)) == wanted, query
    for share in (0, 10**9):  # per combination and per event, then whole-store masks
        with vector_share(share):
            backwards = list(range(len(events)))[::-1]
            assert list(matcher.filter_indices(store, backwards)) == wanted[::-1], query
    filterer = Filterer(store)
    first = filterer.apply("a", now=NOW)
    narrowed = filterer.apply(add_term("a", query), now=NOW)
    assert list(narrowed.indices) == [i for i in wanted if i in set(first.indices)], query


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event_lists(), st.data())
def test_pivot_selects_exactly_the_events_sharing_the_value(
    events: list[AuditEvent], data: st.DataObject
) -> None:
    chosen = data.draw(st.sampled_from(events))
    for name in NAMES:
        field = PIVOT_FIELDS[name]
        query = pivot_query(chosen, name)
        assert query is not None, name
        wanted = expected(events, chosen, field)
        assert wanted, name  # the chosen event itself
        check_selects(events, query, wanted)
        excluded = pivot_query(chosen, name, exclude=True)
        assert excluded is not None
        rest = [i for i in range(len(events)) if i not in set(wanted)]
        check_selects(events, excluded, rest)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(set(PIVOT_FIELDS.values()) - {"time"})),
    st.one_of(texts(), st.text(st.characters(exclude_categories=()), max_size=20)),
)
def test_a_pivot_term_parses_back_to_exactly_its_value(field: str, value: str) -> None:
    term = pivot_term(field, value)
    assert visible(term) == term  # safe to show as it is, on one line
    assert parse(term).root == Term(field, "exact", value)
    root = parse(pivot_term(field, value, exclude=True)).root
    assert root is not None and getattr(root, "item", None) == Term(field, "exact", value)


def test_the_time_pivot_is_the_events_utc_minute() -> None:
    event = AuditEvent(
        timestamp=MINUTE + timedelta(seconds=42), event_uuid="u", client_ip="", url=""
    )
    assert pivot_query(event, "time") == "after:2026-12-06T13:59Z before:2026-12-06T14:00Z"
    assert pivot_query(event, "timestamp", exclude=True) == (
        "-(after:2026-12-06T13:59Z before:2026-12-06T14:00Z)"
    )


def test_the_payload_and_unknown_names_cannot_be_pivoted() -> None:
    event = AuditEvent(timestamp=MINUTE, event_uuid="u", client_ip="", url="")
    assert pivot_query(event, "payload") is None
    assert pivot_query(event, "nonsense") is None
    with pytest.raises(ValueError, match="not a query field"):
        pivot_term("time", "x")


def test_every_column_and_detail_field_but_the_payload_pivots() -> None:
    assert set(KNOWN_COLUMNS) <= set(PIVOT_FIELDS)
    assert set(FIELD_NAMES) - set(PIVOT_FIELDS) == {"payload"}


def test_a_one_mebibyte_value_pivots_to_exactly_its_events() -> None:
    """1 MiB of the worst characters to quote (each escape 4 to 10 characters long)."""
    unit = '"\\\x1b\x00\n*:()[b]-é\u202e\U000e0041'
    value = (unit * (1024 * 1024 // len(unit) + 1))[: 1024 * 1024]
    near = [value, value[:-1], value + "x", value.upper(), "x" + value]
    events = [
        AuditEvent(timestamp=MINUTE, event_uuid=f"u{n}", client_ip=text, url="", user_agent=text)
        for n, text in enumerate([*near, value])
    ]
    for name in ("ip", "user_agent"):
        query = pivot_query(events[0], name)
        assert query is not None and len(query) > 2 * len(value)
        check_selects(events, query, [0, 5])
        excluded = pivot_query(events[0], name, exclude=True)
        assert excluded is not None
        check_selects(events, excluded, [1, 2, 3, 4])


@pytest.mark.parametrize("char", ["\U000e0041", "\x00", '"', "a"])
def test_a_one_mebibyte_value_of_one_character_fits_a_query(char: str) -> None:
    """The longest escape (10 characters) times 1 MiB still parses, back to the value."""
    value = char * (1024 * 1024)
    assert parse(pivot_term("entry", value)).root == Term("entry", "exact", value)
