"""The TUI's `Session` on its own (no App, no Textual): ranges, loads, counts, filter, key."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.errors import NetworkError, ServerError
from auditui.query import compile_query
from auditui.sources.connection import Connection
from auditui.sources.windows import WindowBatch
from auditui.timespec import TimeRange
from auditui.tui import session as session_module
from auditui.tui.load_counts import LoadCounts, incomplete_note
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


def shown_after_load(state: Session, time_range: TimeRange) -> str | None:
    """Load `time_range` (no events) to its end; the `since` it is then shown with."""
    state.begin_load()
    state.start_counting(retry=False)
    state.install(state.preparer([])(), time_range)
    state.end_load()
    return state.since


def test_a_range_ending_now_is_reloaded_as_the_last_so_long() -> None:
    state = session()
    hour = TimeRange(END - timedelta(hours=1), END)
    state.choose_range(hour, now=END + timedelta(seconds=2))
    assert state.since is None  # nothing of the new range is shown yet
    assert state.reload_target() == (DAY, None)  # nothing installed yet: the same range
    relative = shown_after_load(state, hour)
    state.choose_range(hour, now=END + timedelta(hours=1))
    assert (relative, shown_after_load(state, hour)) == ("3600s", None)


def test_install_swaps_store_view_filterer_counts_and_range_together() -> None:
    state = session()
    serial = state.begin_load()
    loading = state.loading
    counts = state.start_counting(retry=False)
    events = decode(*(raw(n, status="failure" if n % 2 else "success") for n in range(6)))
    window = TimeRange(END - timedelta(hours=12), END)
    state.count_failure(
        TimeRange(END - timedelta(days=1), END - timedelta(hours=12)), ServerError(500, "h")
    )
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


# -- what the screen says of a load that is not the whole range (issue 15, 1 and 2) -------


def loaded(state: Session, events: int, time_range: TimeRange, text: str = "") -> None:
    """`events` events of `time_range` shown, filtered by `text`, as a finished load."""
    state.begin_load()
    state.start_counting(retry=False)
    prepared = prepare(decode(*(raw(n) for n in range(events))), text, "time", True)
    state.install(prepared, time_range)
    state.end_load()


def test_the_note_names_failed_windows_and_why() -> None:
    counts = LoadCounts(windows=3)
    assert incomplete_note(counts) == ""
    counts.fail(DAY, "HTTP 500", "The server at h answered HTTP 500.")
    assert incomplete_note(counts) == "incomplete: 1 of 3 windows failed (HTTP 500) · r retries"
    for reason in ("HTTP 500", "network error", "HTTP 429"):
        counts.fail(DAY, reason)
    assert incomplete_note(counts) == (
        "incomplete: 4 of 3 windows failed (HTTP 500, network error, …) · r retries"
    ).replace("4 of 3", "4 of 4")
    assert counts.error == "The server at h answered HTTP 500."


def test_nothing_loaded_yet_is_not_an_empty_range() -> None:
    assert incomplete_note(LoadCounts(), loaded=False) == "not loaded · r loads"
    assert incomplete_note(LoadCounts(), loaded=False, loading=True) == ""


def test_cancelling_a_new_range_puts_back_exactly_what_was_shown() -> None:
    state = session()
    loaded(state, 5, DAY, "status:success")
    before = (state.store, state.view, state.filterer, state.time_range, state.counts)
    week = TimeRange(END - timedelta(days=7), END)
    state.choose_range(week, now=END)
    state.begin_load()
    state.start_counting(retry=False)
    state.install(prepare(decode(raw(40)), "", "time", True), week)
    assert (state.time_range, state.since) == (week, "604800s")
    assert state.cancel_load() == "restored"
    assert (state.store, state.view, state.filterer, state.time_range, state.counts) == before
    assert (state.since, state.filter_text) == (None, "status:success")
    assert not state.loading and incomplete_note(state.counts) == ""


def test_a_cancelled_load_too_big_to_keep_the_previous_one_says_it_is_partial(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(session_module, "RESTORE_LIMIT", 3)  # the 5 shown events are "too many"
    state = session()
    loaded(state, 5, DAY)
    state.begin_load()
    state.start_counting(retry=False)
    state.expect_windows(4)
    state.install(prepare(decode(raw(40)), "", "time", True), DAY)
    state.count_window(WindowBatch(DAY, 0, []))
    assert state.cancel_load() == "partial"
    assert len(state.store) == 1
    assert incomplete_note(state.counts) == (
        "incomplete: cancelled, 3 of 4 windows not loaded · r reloads"
    )


def test_a_cancelled_retry_keeps_the_windows_it_did_not_reach_failed() -> None:
    state = session()
    windows = [TimeRange(END - timedelta(hours=h + 1), END - timedelta(hours=h)) for h in (0, 1)]
    state.begin_load()
    state.start_counting(retry=False)
    state.install(prepare(decode(raw(1)), "", "time", True), DAY)
    for window in windows:
        state.count_failure(window, ServerError(503, "h"))
    state.end_load()
    state.begin_load()
    state.start_counting(retry=True)
    state.count_window(WindowBatch(windows[0], 0, []))
    assert state.cancel_load() == "retry"
    assert state.counts.failed == [windows[1]] and state.counts.reasons == ["HTTP 503"]
    assert state.reload_target() == (state.time_range, [windows[1]])


def test_a_cancel_before_anything_was_shown_changes_nothing() -> None:
    state = session()
    loaded(state, 5, DAY)
    store = state.store
    state.begin_load()
    state.start_counting(retry=False)
    state.count_failure(DAY, NetworkError("h", "refused"))
    assert state.cancel_load() == "unchanged"
    assert state.store is store and state.counts.failed == []
