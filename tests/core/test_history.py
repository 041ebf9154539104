"""Query history: per profile in the state dir, deduped, capped, atomic 0600, never crashing."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from auditui.config.history import (
    MAX_ENTRIES,
    MAX_ENTRY_LENGTH,
    HistoryCursor,
    QueryHistory,
    history_file,
    read_entries,
)
from auditui.paths import state_dir
from auditui.query import MAX_QUERY_LENGTH, QueryError, parse


def test_history_file_is_per_profile_in_the_state_dir() -> None:
    assert history_file("work") == state_dir() / "query-history" / "work.json"
    assert history_file("work") != history_file("default")
    assert history_file("../../etc/passwd") == history_file("default")


def test_missing_file_gives_empty_history() -> None:
    history = QueryHistory.load("default")
    assert history.entries == []
    assert not history_file("default").exists()  # loading creates nothing


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[1, 2]", b'{"queries": "x"}', b"\xff\xfe", b'{"queries": [1, null]}',
     b"[" * 100_000],
)  # fmt: skip
def test_corrupt_file_gives_empty_history(content: bytes) -> None:
    path = history_file("default")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert QueryHistory.load("default").entries == []


def test_unreadable_path_gives_empty_history(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.json"
    folder.mkdir()
    assert read_entries(folder) == []


def test_add_dedupes_keeps_newest_last_and_caps() -> None:
    history = QueryHistory(limit=3)
    for query in ("a", "b", "  a  ", "", "   ", "c", "d"):
        history.add(query)
    assert history.entries == ["a", "c", "d"]
    assert history.add("x" * 5000) is False
    assert history.entries == ["a", "c", "d"]


def test_record_writes_atomically_with_mode_0600() -> None:
    history = QueryHistory.load("work")
    assert history.record("status:failure")
    assert history.record("user:maya")
    assert history.record("status:failure")
    path = history_file("work")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc == {"version": 1, "queries": ["user:maya", "status:failure"]}
    if sys.platform != "win32":
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["work.json"]  # no temp files left
    assert QueryHistory.load("work").entries == ["user:maya", "status:failure"]
    assert QueryHistory.load("other").entries == []


def test_cap_is_500_on_disk() -> None:
    history = QueryHistory.load("default")
    for n in range(MAX_ENTRIES + 20):
        history.add(f"q{n}")
    history.save()
    entries = QueryHistory.load("default").entries
    assert len(entries) == MAX_ENTRIES
    assert entries[0] == "q20" and entries[-1] == f"q{MAX_ENTRIES + 19}"


def test_two_windows_keep_each_others_queries() -> None:
    first = QueryHistory.load("default")
    second = QueryHistory.load("default")
    first.record("one")
    second.record("two")
    first.record("three")
    assert QueryHistory.load("default").entries == ["one", "two", "three"]


def test_record_reports_a_write_failure_without_raising(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    history = QueryHistory(path=blocker / "h.json")
    assert history.record("status:failure") is False
    assert history.entries == ["status:failure"]  # kept in memory


def test_in_memory_history_never_writes() -> None:
    history = QueryHistory()
    assert history.record("x") is True
    history.save()
    assert not (state_dir() / "query-history").exists()


def test_cursor_walks_up_and_down_keeping_the_draft() -> None:
    cursor = HistoryCursor(["old", "mid", "new"])
    assert cursor.newer() is None  # already at the draft
    assert cursor.older("typing") == "new"
    assert cursor.older("new") == "mid"
    assert cursor.older("mid") == "old"
    assert cursor.older("old") is None  # the oldest: stays
    assert cursor.newer() == "mid"
    assert cursor.newer() == "new"
    assert cursor.newer() == "typing"  # the in-progress text comes back
    assert cursor.newer() is None
    assert cursor.at_draft


def test_cursor_over_empty_history_and_reset() -> None:
    cursor = HistoryCursor([])
    assert cursor.older("x") is None
    assert cursor.newer() is None
    cursor.reset(["a"], "draft")
    assert cursor.older("draft2") == "a"
    assert cursor.newer() == "draft2"
    history = QueryHistory(["a", "b"])
    assert history.cursor("t").older("t") == "b"


def test_history_keeps_the_queries_up_to_its_limit_and_skips_longer_ones() -> None:
    """config sits below query: its limit is its own, at most the language's (a pivot on a
    huge value makes a longer query, which works but is not remembered)."""
    assert MAX_ENTRY_LENGTH <= MAX_QUERY_LENGTH
    longest = "a" * MAX_ENTRY_LENGTH
    parse(longest + "a")
    with pytest.raises(QueryError):
        parse("a" * (MAX_QUERY_LENGTH + 1))
    history = QueryHistory()
    assert history.add(longest) and not history.add(longest + "a")
