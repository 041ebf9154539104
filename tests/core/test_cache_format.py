"""The window file's columnar layout: exact round trips, shared values, stale and bad files."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditui.events import AuditEvent, encode_event
from auditui.sources import cache_format as cache_file
from auditui.sources.cache import (
    CorruptWindow,
    StaleWindow,
    WindowCache,
    cache_info,
    default_root,
    encode_window_file,
    read_index,
    read_window_file,
)
from auditui.sources.cache_format import file_name
from auditui.timespec import TimeRange
from tests.helpers.cache_files import v1_file

BASE = datetime(2026, 3, 1, tzinfo=UTC)
WINDOW = TimeRange(BASE, BASE + timedelta(days=1))
HOST = "https://app.datafold.com"


def event(n: int, **fields: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "timestamp": BASE + timedelta(minutes=n),
        "event_uuid": f"uuid-{n}",
        "client_ip": "10.0.0.1",
        "url": f"/api/v1/monitors/{n % 3}",
        "action": "monitor.update",
        "user_email": "ada@example.com",
        "user_id": 7,
        "object_id": n % 2,
        "payload": msgspec.Raw(b'{"n":%d}' % n),
    }
    values.update(fields)
    return AuditEvent(**values)


def test_events_round_trip_exactly_with_nulls_and_large_ids() -> None:
    events = [
        event(0),
        event(1, action=None, user_email=None, user_id=None, object_id=None, url=""),
        event(2, user_id=2**70, object_id=-(2**65), log_entry="é\u2028\x00", referer="r"),
        event(3, is_support_user=True, payload=msgspec.Raw(b"null")),
    ]
    header, decoded = read_window_file(encode_window_file(WINDOW, events, malformed=3))
    assert (header.events, header.malformed) == (4, 3)
    assert decoded == events
    assert [encode_event(e) for e in decoded] == [encode_event(e) for e in events]
    assert read_window_file(encode_window_file(WINDOW, []))[1] == []


_texts = st.none() | st.text(max_size=12)
_ids = st.none() | st.integers(min_value=-(2**66), max_value=2**66)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "action": _texts,
                "url": st.text(max_size=8),
                "user_agent": _texts,
                "user_id": _ids,
                "object_id": _ids,
                "log_entry": _texts,
                "is_support_user": st.none() | st.booleans(),
            }
        ),
        max_size=30,
    )
)
def test_any_events_round_trip(rows: list[dict[str, Any]]) -> None:
    events = [event(n, **row) for n, row in enumerate(rows)]
    assert read_window_file(encode_window_file(WINDOW, events))[1] == events


def test_repeated_values_are_shared_through_the_load_table() -> None:
    later = TimeRange(WINDOW.end, WINDOW.end + timedelta(days=1))
    one = [event(n) for n in range(4)]
    two = [event(n, timestamp=later.start + timedelta(minutes=n)) for n in range(4)]
    table: dict[Any, Any] = {}
    _, first = read_window_file(encode_window_file(WINDOW, one), table)
    _, second = read_window_file(encode_window_file(later, two), table)
    assert first[0].user_email == "ada@example.com"
    assert first[0].user_email is second[3].user_email  # across windows, via the table
    assert first[0].url is second[3].url and first[0].url is not first[1].url
    assert first[0].user_id is second[1].user_id
    _, alone = read_window_file(encode_window_file(WINDOW, one))
    assert alone[0].client_ip is alone[3].client_ip  # within one window without a table


def resigned(data: bytes, change: Any) -> bytes:
    """`data` with its columns section rewritten by `change`, checksum made valid again."""
    header = cache_file.HEADER
    fields = list(header.unpack_from(data))
    columns_len, payloads_len = fields[8], fields[10]
    columns_raw = zlib.decompress(data[header.size : header.size + columns_len])
    payloads = data[header.size + columns_len : header.size + columns_len + payloads_len]
    columns = msgspec.msgpack.decode(columns_raw)
    change(columns)
    new_raw = msgspec.msgpack.encode(columns)
    new_body = zlib.compress(new_raw, 1)
    fields[7], fields[8] = len(new_raw), len(new_body)
    head = header.pack(*fields)
    digest = hashlib.blake2b(head + new_body + payloads, digest_size=16).digest()
    return head + new_body + payloads + digest + cache_file.END_MAGIC


def _index_past_the_values(columns: list[Any]) -> None:
    columns[2][0] = struct.pack("<I", 999) * 3


@pytest.mark.parametrize(
    "change",
    [
        _index_past_the_values,
        lambda c: c[2].pop(),  # a column missing
        lambda c: c[2].__setitem__(0, b"\0\0\0"),  # a partial index
        lambda c: c[4].pop(),  # one event short in the uuid column
        lambda c: c[3].__setitem__(0, "not a time"),
        lambda c: c.__setitem__(1, b"[1,"),  # ids that are not JSON
    ],
)
def test_intact_files_whose_columns_disagree_are_corrupt(change: Any) -> None:
    data = encode_window_file(WINDOW, [event(n) for n in range(3)])
    assert len(read_window_file(resigned(data, lambda c: None))[1]) == 3  # the helper is right
    with pytest.raises(CorruptWindow):
        read_window_file(resigned(data, change))


def test_a_file_of_the_previous_version_is_stale() -> None:
    with pytest.raises(StaleWindow, match="version 1"):
        read_window_file(v1_file(WINDOW, [event(0)]))


NEWER = TimeRange(WINDOW.end, WINDOW.end + timedelta(days=1))


def old_beside_new() -> tuple[WindowCache, Path]:
    """A cache holding `NEWER` (indexed) and, beside it, `WINDOW` in the version-1 layout."""
    cache = WindowCache("default", HOST)
    cache.put(NEWER, [event(0, timestamp=NEWER.start)])
    cache.flush()
    old = default_root() / cache._scope / file_name(WINDOW)
    old.write_bytes(v1_file(WINDOW, [event(0)]))
    return cache, old


def test_the_cache_treats_an_old_file_as_a_miss_and_deletes_it() -> None:
    cache, old = old_beside_new()
    path = cache.lookup(WINDOW)
    assert path is not None
    assert cache.read(path, WINDOW) is None
    assert (cache.stats.misses, cache.stats.corrupt, cache.stats.hits) == (1, 0, 0)
    assert not old.exists() and cache.lookup(WINDOW) is None
    cache.put(WINDOW, [event(0)])  # fetched again, stored in the current layout
    assert cache.read(cache.lookup(WINDOW) or "", WINDOW) == ([event(0)], 0)


def test_the_index_and_info_skip_old_files_without_failing() -> None:
    _, old = old_beside_new()
    assert [e.start for e in read_index(default_root()).values()] == [NEWER.start]
    assert not old.exists()
    [info] = cache_info()
    assert (info.windows, info.events) == (1, 1)


def test_an_index_of_the_previous_version_is_rebuilt_without_its_old_files() -> None:
    cache, old = old_beside_new()
    index = default_root() / "index.json"
    doc = json.loads(index.read_text())
    doc["windows"][f"{cache._scope}/{old.name}"] = {**next(iter(doc["windows"].values())),
                                                     "start": cache_file.micros(WINDOW.start),
                                                     "end": cache_file.micros(WINDOW.end),
                                                     "size": old.stat().st_size}  # fmt: skip
    index.write_text(json.dumps(doc))
    assert len(read_index(default_root())) == 2  # an index of this version is trusted
    index.write_text(json.dumps({**doc, "version": 1}))  # as an older auditui wrote it
    assert [e.start for e in read_index(default_root()).values()] == [NEWER.start]
    assert not old.exists()
