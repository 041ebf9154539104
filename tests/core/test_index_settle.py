"""A settled search index (issue 17: its large groups' dicts dropped after a load, made
again when needed) answers every query, exact terms included, as before; and it grows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import cycle, islice

import pytest

from auditui.events import AuditEvent, EventStore
from auditui.query import compile_query, prepare_index
from auditui.query.engine import search_index
from auditui.query.engine.search_index import SearchIndex, index_for

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
QUERIES = [
    'object:="monitor #12"', 'object:="Monitor #1"', 'id:="123"', 'entry:="Dead deleted"',
    'entry:="dead deleted"', 'url:="/api/v1/monitors"', 'referer:="x"', "object:monitor",
    "dead", "entry:deleted -object:12", 'user:="maya@acme.com"', "status:failure",
]  # fmt: skip


def _events(count: int, offset: int = 0) -> list[AuditEvent]:
    def values(*choices: object) -> list[object]:
        return list(islice(cycle(choices), offset, offset + count))

    entries = values(None, "", "Dead deleted", "dead deleted", "a deleted", "Other")
    objects = values(None, 1, 12, 123, 7)
    types = values("monitor", "Monitor", "", None)
    urls = values("/api/v1/monitors", "/API/v1/monitors", "", "/api/v1/monitors/7")
    users = values("maya@acme.com", "Maya@Acme.com", None)
    return [
        AuditEvent(
            timestamp=NOW - timedelta(minutes=offset + n),
            event_uuid=f"00000000-0000-4000-8000-{offset + n:012d}",
            client_ip="10.0.0.1",
            log_entry=entries[n],  # type: ignore[arg-type]
            object_id=objects[n],  # type: ignore[arg-type]
            object_type=types[n],  # type: ignore[arg-type]
            url=urls[n],  # type: ignore[arg-type]
            user_email=users[n],  # type: ignore[arg-type]
            referer="x" if n % 7 == 0 else None,
            status="failure" if n % 4 == 0 else "success",
        )
        for n in range(count)
    ]


@pytest.fixture(autouse=True)
def settle_small_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_index, "SETTLE_FROM", 2)


def _answers(store: EventStore) -> dict[str, list[int]]:
    return {text: list(compile_query(text, now=NOW).filter_indices(store)) for text in QUERIES}


def test_a_settled_index_drops_its_dicts_and_answers_as_before() -> None:
    events = _events(60)
    expected = {
        text: [i for i, event in enumerate(events) if compile_query(text, now=NOW).matches(event)]
        for text in QUERIES
    }
    store = EventStore(events)
    index = prepare_index(store)  # builds, warms, then settles
    for name in ("high", "entry"):
        group = index.groups[name]
        assert group._settled and not group.combos and not any(group._ids.values())
    assert not index.groups["low"]._settled  # facets read its combinations
    assert _answers(store) == expected


def test_text_ids_and_raws_come_back_after_settling() -> None:
    events = _events(40)
    fresh, settled = SearchIndex(events), SearchIndex(events)
    settled.settle()
    for name, group in fresh.groups.items():
        other = settled.groups[name]
        assert [group.raw(code) for code in range(len(group.counts))] == [
            other.raw(code) for code in range(len(other.counts))
        ]
        for spec in group.fields:
            for text in [*group.texts[spec.name], "not there"]:
                assert other.text_id(spec.name, text) == group.text_id(spec.name, text)
    assert settled.groups["entry"]._settled  # text_id answered without making them again
    assert not any(settled.groups["entry"]._ids.values())


def test_a_settled_index_grows_like_a_fresh_one() -> None:
    store = EventStore(_events(50))
    prepare_index(store)
    store.add(_events(30, offset=50))  # new combinations and repeats of old ones
    grown = index_for(store)
    assert len(grown) == 80
    fresh = SearchIndex(store.events)
    for name, group in fresh.groups.items():
        other = grown.groups[name]
        assert other.codes == group.codes and other.counts == group.counts
        assert other.texts == group.texts and other.field_codes == group.field_codes
    everything = EventStore(list(store.events))
    assert _answers(store) == _answers(everything)
