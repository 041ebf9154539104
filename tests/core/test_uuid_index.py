"""`EventStore.index_of` over the compact uuid lookup (`events.uuid_index`, issue 17):
the same answers as a plain dict before and after `compact()`, repeats included."""

from __future__ import annotations

import pytest

from auditui.events import AuditEvent, EventStore
from auditui.events import uuid_index as uuid_index_module
from auditui.query import prepare_index
from auditui.query.engine.marked import uuid_table
from tests.helpers.events import decode, raw


def _events(numbers: list[int]) -> list[AuditEvent]:
    return decode(*(raw(n) for n in numbers))


def _expected(store: EventStore) -> dict[str, int]:
    """What a dict of uuid → index says (the last added wins)."""
    return {event.event_uuid: i for i, event in enumerate(store.events)}


@pytest.fixture
def small_compaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uuid_index_module, "COMPACT_FROM", 4)


@pytest.mark.usefixtures("small_compaction")
def test_lookups_agree_with_a_dict_before_and_after_compacting() -> None:
    store = EventStore(_events([1, 2, 3, 4, 5, 6, 7, 8]))
    expected = _expected(store)
    assert {uuid: store.index_of(uuid) for uuid in expected} == expected
    store.compact()
    index = store._uuid_index
    assert index is not None and index._hashes is not None  # the arrays hold them now
    assert not index._recent
    assert {uuid: store.index_of(uuid) for uuid in expected} == expected
    assert store.index_of("00000000-0000-4000-8000-000000000099") is None
    assert store.index_of("") is None


@pytest.mark.usefixtures("small_compaction")
def test_repeated_uuids_answer_the_last_added_in_the_arrays_and_after_them() -> None:
    store = EventStore(_events([1, 2, 1, 3, 2, 4]))  # uuids of 1 and 2 twice
    store.compact()
    one, two = store.events[0].event_uuid, store.events[1].event_uuid
    assert store.index_of(one) == 2 and store.index_of(two) == 4
    store.add(_events([5, 1]))  # after compacting: the newly added copy wins
    assert store.index_of(one) == 7
    assert store.index_of(store.events[6].event_uuid) == 6
    assert store.index_of(two) == 4


@pytest.mark.usefixtures("small_compaction")
def test_events_added_after_compacting_are_found_and_compacted_next_time() -> None:
    store = EventStore(_events([1, 2, 3, 4, 5]))
    store.compact()
    store.add(_events([6, 7, 8, 9, 10]))
    expected = _expected(store)
    assert {uuid: store.index_of(uuid) for uuid in expected} == expected
    store.compact()
    index = store._uuid_index
    assert index is not None and index._compacted == 10 and not index._recent
    assert {uuid: store.index_of(uuid) for uuid in expected} == expected


def test_a_small_store_keeps_its_dict_and_never_needs_numpy() -> None:
    store = EventStore(_events([1, 2, 3]))
    store.compact()  # below COMPACT_FROM: nothing moves
    index = store._uuid_index
    assert index is None or index._hashes is None
    store.index_of("x")
    store.compact()
    index = store._uuid_index
    assert index is not None and index._hashes is None and len(index._recent) == 3
    assert store.index_of(store.events[2].event_uuid) == 2


@pytest.mark.usefixtures("small_compaction")
def test_replacing_the_events_forgets_the_old_uuids() -> None:
    store = EventStore(_events([1, 2, 3, 4, 5]))
    old = store.events[0].event_uuid
    store.index_of(old)
    store.compact()
    store.replace(_events([6, 7]))
    assert store.index_of(old) is None
    assert store.index_of(store.events[1].event_uuid) == 1


@pytest.mark.usefixtures("small_compaction")
def test_after_a_load_the_store_shares_the_search_index_uuid_table() -> None:
    store = EventStore(_events([1, 2, 3, 4, 5, 6]))
    store.index_of("")  # as `Session.prepare` does
    index = prepare_index(store)  # compacts the store's lookup with the index's table
    hashes, order = uuid_table(index)
    kept = store._uuid_index
    assert kept is not None and kept._hashes is hashes and kept._positions is order
    expected = _expected(store)
    assert {uuid: store.index_of(uuid) for uuid in expected} == expected


@pytest.mark.usefixtures("small_compaction")
def test_uuids_not_spelled_as_searched_get_their_own_table() -> None:
    events = decode(*(raw(n, event_uuid=f"ABC-{n}") for n in range(6)))  # not lowercase
    store = EventStore(events)
    store.index_of("")
    index = prepare_index(store)
    assert not index.uuids_verbatim
    kept = store._uuid_index
    assert kept is not None and kept._hashes is not None
    assert kept._hashes is not uuid_table(index)[0]
    assert store.index_of("ABC-4") == 4 and store.index_of("abc-4") is None


@pytest.mark.usefixtures("small_compaction")
def test_a_table_of_other_events_is_not_taken() -> None:
    store = EventStore(_events([1, 2, 3, 4, 5, 6]))
    other = EventStore(_events([11, 12, 13, 14, 15, 16]))
    store.index_of("")
    store.compact(uuid_table(prepare_index(other)))  # the same length, other uuids
    expected = _expected(store)
    assert {uuid: store.index_of(uuid) for uuid in expected} == expected


@pytest.mark.usefixtures("small_compaction")
def test_appended_events_are_indexed_when_looked_up_or_compacted_not_as_added() -> None:
    store = EventStore(_events([1, 2]))
    store.index_of("")
    index = store._uuid_index
    assert index is not None
    store.add(_events([3, 4, 5]))
    store.add(_events([6, 7]))
    assert len(index._recent) == 2  # a load's flushes index nothing …
    store.compact()  # … and the compaction after it reads the store itself
    assert index._compacted == 7 and not index._recent
    store.add(_events([8, 9]))
    expected = _expected(store)
    assert {uuid: store.index_of(uuid) for uuid in expected} == expected
    assert len(index._recent) == 2  # the lookup indexed the two added since
