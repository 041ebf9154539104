"""The TUI's `Session` on its own (no App, no Textual): ranges, loads, counts, filter, key."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.query import compile_query
from auditui.sources.connection import Connection
from auditui.sources.windows import WindowBatch
from auditui.timespec import TimeRange
from auditui.tui.session import Session, prepare
from tests.helpers.events import decode, raw

END = datetime(2026, 11, 26, 12, tzinfo=UTC)
DAY = TimeRange(END - timedelta(days=1), END)


def session(since: str | None = None) -> Session:
    profile = load_settings().profile("default", env={})
    connection = Connection(profile, "http://127.0.0.1:9", None, demo=True)
    return Session(connection, DAY, since=since)


def test_importing_the_session_loads_neither_textual_nor_rich() -> None:
    code = "import sys, auditui.tui.session\nprint(sorted(sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "'textual" not in loaded and "'rich" not in loaded


def test_a_range_ending_now_is_reloaded_as_the_last_so_long() -> None:
    state = session()
    hour = TimeRange(END - timedelta(hours=1), END)
    state.choose_range(hour, now=END + timedelta(seconds=2))
    relative = state.since
    state.choose_range(hour, now=END + timedelta(hours=1))
    assert (relative, state.since) == ("3600s", None)
    assert state.reload_target() == (DAY, None)  # nothing installed yet: the same range


def test_install_swaps_store_view_filterer_counts_and_range_together() -> None:
    state = session()
    serial = state.begin_load()
    loading = state.loading
    counts = state.start_counting(retry=False)
    events = decode(*(raw(n, status="failure" if n % 2 else "success") for n in range(6)))
    window = TimeRange(END - timedelta(hours=12), END)
    state.count_failure(TimeRange(END - timedelta(days=1), END - timedelta(hours=12)))
    assert state.counts is not counts  # a new load counts apart until it installs
    prepared = state.preparer(events)()
    assert state.install(prepared, window) is None
    state.count_window(WindowBatch(window, 0, events, malformed=1))
    assert (state.store, state.view, state.filterer) == (
        prepared.store,
        prepared.view,
        prepared.filterer,
    )
    assert state.time_range == window and state.counts is counts
    assert (counts.windows, counts.skipped, len(counts.failed)) == (2, 1, 1)
    state.end_load()
    assert (loading, state.loading, state.is_current(serial)) == (True, False, True)
    assert state.reload_target() == (window, counts.failed)  # `r` retries the failed window


def test_a_filter_applies_to_streamed_events_and_survives_a_reload() -> None:
    state = session()
    first = decode(*(raw(n, status="failure" if n % 2 else "success") for n in range(4)))
    state.install(prepare(first, "", "time", True), DAY)
    result = state.match(compile_query("status:failure"))
    assert len(state.view) == 4  # the view changes with `show` only
    state.show(result)
    assert state.filter_text == "status:failure" and len(state.view) == 2
    assert state.extend(decode(raw(10, status="failure"), raw(11))) is True
    assert len(state.store) == 6 and len(state.view) == 3
    assert state.matches is not None and len(state.matches) == 3
    # a store readied without the filter (typed meanwhile): the query is to be applied again
    assert state.install(prepare(first, "", "time", True), DAY) == "status:failure"


def test_a_login_gives_the_source_the_new_key() -> None:
    state = session()
    before = state.source.credential
    state.with_credential(Credential("k-1", "test"))
    after = state.source.credential
    assert before is None and after is not None and after.key == "k-1"
