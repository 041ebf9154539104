"""The one-place helpers: de-duplication, the event-source protocol, the atomic writer,
literal lines, CSV formula cells and byte sizes."""

from __future__ import annotations

import os
import platform
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditui.config.settings import Profile
from auditui.errors import UsageError
from auditui.events import AuditEvent
from auditui.paths import atomic_writer, write_atomic
from auditui.sources.connection import Connection
from auditui.sources.files import FileSource
from auditui.sources.protocol import EventSource, api_connection
from auditui.sources.windows import unique_events
from auditui.textsafe import neutralize_cell, restore_cell, visible, visible_lines
from auditui.units import human_bytes

BASE = datetime(2026, 3, 1, tzinfo=UTC)


def event(uuid: str, minute: int = 0) -> AuditEvent:
    return AuditEvent(
        timestamp=BASE + timedelta(minutes=minute),
        event_uuid=uuid,
        client_ip="10.0.0.1",
        url="https://app.datafold.com/x",
        payload=msgspec.Raw(b"{}"),
    )


def test_unique_events_keeps_the_first_copy_and_counts_the_rest() -> None:
    seen = {"a"}
    events = [event("a"), event("b"), event("c"), event("b", 1)]
    fresh, dropped = unique_events(events, seen)
    assert [e.event_uuid for e in fresh] == ["b", "c"] and fresh[0] is events[1]
    assert dropped == 2 and seen == {"a", "b", "c"}
    clean = [event("d"), event("e")]
    assert unique_events(clean, seen) == (clean, 0) and {"d", "e"} <= seen


def test_both_sources_are_event_sources_and_only_the_api_has_a_client(tmp_path: Path) -> None:
    path = tmp_path / "e.ndjson"
    path.write_text("")
    file_source: EventSource = FileSource(path, Profile("default"))
    api: EventSource = Connection(Profile("default"), "https://app.datafold.com")
    assert api_connection(api) is api
    assert file_source.offline and not api.offline
    assert not hasattr(file_source, "client") and not hasattr(file_source, "with_credential")
    with pytest.raises(UsageError, match="is a file: there is no API"):
        api_connection(file_source)


def test_atomic_writer_streams_with_an_exact_mode_and_leaves_nothing_on_failure(
    tmp_path: Path,
) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.bin"
    old = os.umask(0o077)
    try:
        with atomic_writer(target, mode=0o644) as out:
            out.write(b"one ")
            out.write(b"two")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"one two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    with pytest.raises(RuntimeError), atomic_writer(target) as out:
        out.write(b"partial")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"one two" and os.listdir(target.parent) == ["out.bin"]
    write_atomic(target, b"new", fsync=False)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@given(st.text())
def test_visible_lines_is_visible_on_each_line(text: str) -> None:
    assert visible_lines(text) == "\n".join(visible(line) for line in text.split("\n"))


@given(st.text())
def test_restore_cell_undoes_neutralize_cell(text: str) -> None:
    if not text.startswith("'"):  # the one documented ambiguity: `'=` reads back as `=`
        assert restore_cell(neutralize_cell(text)) == text


def test_byte_sizes_are_iec_everywhere() -> None:
    assert human_bytes(0) == "0 B" and human_bytes(1023) == "1023 B"
    assert human_bytes(1024) == "1.0 KiB" and human_bytes(64 * 1024) == "64.0 KiB"
    assert human_bytes(1_500_000) == "1.4 MiB"
    assert human_bytes(2 * 1024**3) == "2.0 GiB"


def test_lazy_exports_import_a_module_on_first_access() -> None:
    import sys
    import types

    from auditui.lazy import lazy_exports

    getattr_, dir_ = lazy_exports("auditui", {"human_bytes": "units", "visible": "textsafe"})
    assert dir_() == ["human_bytes", "visible"]
    assert getattr_("human_bytes") is sys.modules["auditui.units"].human_bytes
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        getattr_("nope")
    assert isinstance(sys.modules["auditui.units"], types.ModuleType)


def test_memory_calls_glibc_where_it_is_the_c_library() -> None:
    from auditui import memory

    glibc = platform.libc_ver()[0] == "glibc"
    assert memory.fix_mmap_threshold() is glibc  # mallopt answers 1 on success
    assert isinstance(memory.trim(), bool)  # 1: memory went back; 0: nothing to give


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "0 days"), (1, "1 day"), (2, "2 days"), (1204, "1,204 days")],
)
def test_quantity_says_a_count_with_its_noun(count: int, expected: str) -> None:
    from auditui.units import quantity

    assert quantity(count, "day") == expected
    assert quantity(count, "entry", "entries").endswith("entry" if count == 1 else "entries")
