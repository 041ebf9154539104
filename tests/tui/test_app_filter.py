"""Find and slice in the whole App against the demo server: the filter bar (every query form),
errors, counter, Esc/ctrl+u (history, facets, timeline and saved queries: test_app_panels.py).

Every expectation is computed here from the events with plain Python (`oracle` predicates
written against the event fields, not through `auditui.query.matcher`), and every query must keep
some events and drop others, so a filter that does nothing or everything fails.
"""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from textual import events

from auditui.demo import DemoServer
from auditui.events import AuditEvent, EventStore, EventView
from tests.helpers.app import (
    all_events,
    bar,
    cursor_uuid,
    header,
    idle,
    loaded_app,
    messages,
    screen_text,
    settle,
    submit,
    table,
    view_uuids,
    wait_for,
    wait_loaded,
)

# -- helpers --------------------------------------------------------------------------------


def user_text(e: AuditEvent) -> str:
    if e.user_email:
        return e.user_email
    return "" if e.user_id is None else f"user:{e.user_id}"


def object_text(e: AuditEvent) -> str:
    if e.object_id is None:
        return e.object_type or ""
    return f"{e.object_type} #{e.object_id}" if e.object_type else f"#{e.object_id}"


def shown_fields(e: AuditEvent) -> list[str]:
    """What a bare word searches: every field a column or the detail pane shows as text."""
    values = [
        user_text(e), e.action, e.status, e.source, e.client_ip, e.request_type,
        e.user_agent, object_text(e), e.url, e.referer, e.log_entry, e.event_uuid,
    ]  # fmt: skip
    return [(value or "").lower() for value in values]


def any_field(test: Callable[[str], bool]) -> Callable[[AuditEvent], bool]:
    return lambda e: any(test(text) for text in shown_fields(e))


def low(value: str | None) -> str:
    return (value or "").lower()


def payload(e: AuditEvent) -> str:
    return bytes(e.payload).decode().lower()


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# query, oracle (written against the fields, independently of auditui.query.matcher)
FORMS: list[tuple[str, Callable[[AuditEvent], bool]]] = [
    ("nguyen", any_field(lambda t: "nguyen" in t)),
    ("MONITOR", any_field(lambda t: "monitor" in t)),
    ('"viewed monitor"', any_field(lambda t: "viewed monitor" in t)),
    ("user:alice", lambda e: "alice" in low(user_text(e))),
    ("action:data_diff", lambda e: "data_diff" in low(e.action)),
    ("status:failure", lambda e: low(e.status) == "failure"),
    ("source:ci", lambda e: "ci" in low(e.source)),
    ("ip:198.51.100", lambda e: "198.51.100" in low(e.client_ip)),
    ("type:monitor", lambda e: "monitor" in low(e.object_type)),
    ("id:347", lambda e: e.object_id == 347),
    ("uuid:b1", lambda e: "b1" in e.event_uuid),
    ('url:"/api/v1/monitors"', lambda e: "/api/v1/monitors" in low(e.url)),
    ("agent:firefox", lambda e: "firefox" in low(e.user_agent)),
    ("referer:datafold.com/monitors", lambda e: "datafold.com/monitors" in low(e.referer)),
    ("support:true", lambda e: e.is_support_user is True),
    ("support:false", lambda e: e.is_support_user is not True),
    ("payload:match_ratio", lambda e: "match_ratio" in payload(e)),
    ("user:*@acme-analytics.com", lambda e: low(user_text(e)).endswith("@acme-analytics.com")),
    ("action:data_diff.*", lambda e: low(e.action).startswith("data_diff.")),
    ("action:*.view", lambda e: low(e.action).endswith(".view")),
    ("-source:web", lambda e: "web" not in low(e.source)),
    ("NOT status:success", lambda e: "success" not in low(e.status)),
    ("status:failure OR status:denied", lambda e: low(e.status) in ("failure", "denied")),
    (
        "(status:failure OR status:denied) source:web",
        lambda e: low(e.status) in ("failure", "denied") and "web" in low(e.source),
    ),
    ("user:/^[ab].*@/", lambda e: re.search("^[ab].*@", low(user_text(e))) is not None),
    ("/monitor #3[0-9]{2}$/", any_field(lambda t: re.search("monitor #3[0-9]{2}$", t) is not None)),
    (
        "after:2026-11-26T00:00Z before:2026-11-26T06:00Z",
        lambda e: ts("2026-11-26T00:00Z") <= e.timestamp < ts("2026-11-26T06:00Z"),
    ),
    ("before:2026-11-25T18:00Z", lambda e: e.timestamp < ts("2026-11-25T18:00Z")),
]

TYPED = {"nguyen", '"viewed monitor"', "-source:web", "action:*.view", "user:/^[ab].*@/"}
"""Typed key by key; the other forms are pasted into the bar (Pilot takes ~0.1 s a key)."""


# -- the fast path of EventView (store order newest first, or not) --------------------------


def test_view_takes_ascending_indices_without_a_scan() -> None:
    from tests.helpers.events import decode, raw

    events = decode(*[raw(i, user_email=f"u{i * 7 % 5}@acme.com") for i in range(12)])
    for store in (EventStore(events), EventStore(list(reversed(events)))):
        view = EventView(store)
        subset = [1, 4, 5, 9]
        view.set_filter(subset, ascending=True)
        slow = EventView(store, filter=subset)
        assert view.filtered and list(view.indices) == list(slow.indices) != []
        view.sort("user", False)
        slow.sort("user", False)
        assert list(view.indices) == list(slow.indices)
        store.add(decode(raw(100)))  # a stale filter shows nothing, never other events
        assert len(view) == 0
        view.set_filter(None)
        assert len(view) == len(store) == 13


# -- every query form through the bar -------------------------------------------------------


# The forms run in four Apps (every fourth form each, one after another in the same bar), so
# that the parallel suite can spread them over its workers.
@pytest.mark.parametrize("share", range(4))
async def test_every_query_form_filters_the_table(server: DemoServer, share: int) -> None:
    async with loaded_app(server) as (app, pilot):
        events = all_events(app)
        total = len(events)
        for query, oracle in FORMS[share::4]:
            await submit(pilot, query, paste=query not in TYPED)
            assert bar(app).error is None, (query, bar(app).error)
            assert not bar(app).is_open and table(app).has_focus, query
            expected = {e.event_uuid for e in events if oracle(e)}
            got = view_uuids(app)
            assert 0 < len(expected) < total, (query, len(expected))
            assert set(got) == expected and len(got) == len(expected), query
            assert f"{len(got):,} of {total:,} events" in header(app), query
            assert app.filter_flow.text == query


async def test_counter_header_and_rows_sorted_newest_first(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        total = len(app.store)
        await submit(pilot, "status:success")
        shown = len(app.view)
        assert 0 < shown < total
        await pilot.press("slash")
        await settle(pilot)
        counter = f"{shown:,} of {total:,} events"
        assert str(bar(app).query_one("#filter-count").render()) == counter
        assert counter in screen_text(app).split("\n")[-2]  # the bar, above the footer
        stamps = [app.view.event_at(i).timestamp for i in range(shown)]
        assert stamps == sorted(stamps, reverse=True)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("s")  # sorting keeps the filter
        await settle(pilot)
        assert len(app.view) == shown and app.view.sort_column == "user"


async def test_typing_filters_without_enter(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("slash", *"status:denied")
        await wait_for(pilot, lambda: app.filter_flow.text == "status:denied", "the filter")
        await idle(pilot)
        assert bar(app).is_open  # still typing
        assert {app.view.event_at(i).status for i in range(len(app.view))} == {"denied"}


async def test_payload_text_of_a_large_store_is_built_in_a_worker_first(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `payload:` query on a large store (here: any size) says "indexing payloads…",
    builds the payload text off the UI thread, then filters."""
    from auditui.query import SearchIndex
    from auditui.query.engine import vector as query_vector

    monkeypatch.setattr(query_vector, "ASYNC_PAYLOAD_FROM", 0)
    monkeypatch.setattr(query_vector, "PREBUILT_PAYLOAD_EVENTS", -1)  # not built by `warm`
    threads: list[str] = []
    original = SearchIndex.payload_data

    def recording(index: SearchIndex) -> tuple[bytes, bytes]:
        threads.append(threading.current_thread().name)
        return original(index)

    monkeypatch.setattr(SearchIndex, "payload_data", recording)
    async with loaded_app(server) as (app, pilot):
        await idle(pilot)
        await pilot.press("slash")
        bar(app).input.post_message(events.Paste("payload:tier-1"))
        await wait_for(pilot, lambda: app.filter_flow.text == "payload:tier-1", "the filter")
        await idle(pilot)
        assert 0 < len(app.view) < len(app.store)
        assert set(view_uuids(app)) == {
            e.event_uuid for e in all_events(app) if "tier-1" in payload(e)
        }
        assert threads and threading.main_thread().name not in threads
        assert f"{len(app.view):,} of {len(app.store):,}" in str(
            bar(app).query_one("#filter-count").render()
        )


async def test_a_failed_payload_build_is_a_toast_and_the_table_stays(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditui.query import SearchIndex
    from auditui.query.engine import vector as query_vector

    monkeypatch.setattr(query_vector, "ASYNC_PAYLOAD_FROM", 0)
    monkeypatch.setattr(query_vector, "PREBUILT_PAYLOAD_EVENTS", -1)

    def failing(index: SearchIndex) -> tuple[bytes, bytes]:
        raise MemoryError("no room")

    monkeypatch.setattr(SearchIndex, "payload_data", failing)
    async with loaded_app(server) as (app, pilot):
        await idle(pilot)
        before = view_uuids(app)
        await pilot.press("slash")
        bar(app).input.post_message(events.Paste("payload:tier-1"))
        await wait_for(
            pilot, lambda: any("Failed indexing payloads" in m for m in messages(app)), "toast"
        )
        await idle(pilot)
        assert view_uuids(app) == before
        count = str(bar(app).query_one("#filter-count").render())
        assert "indexing" not in count and f"{len(app.store):,}" in count


async def test_invalid_query_shows_the_error_and_keeps_the_table(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:failure OR status:denied")
        before = view_uuids(app)
        assert before
        await pilot.press("slash")
        await pilot.press("space", "left_parenthesis")
        await wait_for(pilot, lambda: bar(app).error is not None, "the error")
        await idle(pilot)
        error = bar(app).error
        assert error is not None
        assert bar(app).value == "status:failure OR status:denied ("
        assert error.position == bar(app).value.index("(")
        assert bar(app)._highlighter.span == (error.position, error.position + error.length)
        assert "✗ " + str(error) in screen_text(app)
        assert f"column {error.position + 1}" in str(error)
        assert view_uuids(app) == before
        assert app.filter_flow.text.strip() == "status:failure OR status:denied"
        await pilot.press("enter")  # Enter on an invalid query: the bar stays open
        await idle(pilot)
        assert bar(app).is_open and view_uuids(app) == before
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace")
        await wait_for(pilot, lambda: bar(app).error is None, "the error to go")
        await idle(pilot)
        assert view_uuids(app) == before


async def test_esc_keeps_the_filter_second_esc_and_ctrl_u_clear(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        total = len(app.store)
        await pilot.press("slash", *"source:api")
        await wait_for(pilot, lambda: app.filter_flow.text == "source:api", "the filter")
        await pilot.press("escape")  # leaves the bar, keeps the filter
        await idle(pilot)
        assert not bar(app).is_open and table(app).has_focus
        kept = len(app.view)
        assert 0 < kept < total and f"{kept:,} of {total:,} events" in header(app)
        await pilot.press("escape")  # the second Esc clears it
        await idle(pilot)
        assert len(app.view) == total and bar(app).value == ""
        assert f"· {total:,} events" in header(app) and " of " not in header(app)

        await submit(pilot, "source:api")
        assert len(app.view) == kept
        await pilot.press("ctrl+u")  # from the table
        await idle(pilot)
        assert len(app.view) == total and bar(app).value == ""

        await pilot.press("slash", *"source:api")
        await wait_for(pilot, lambda: len(app.view) == kept, "the filter")
        await pilot.press("ctrl+u")  # inside the bar: empties it and clears at once
        await idle(pilot)
        assert len(app.view) == total and bar(app).is_open and bar(app).value == ""

        # Esc still un-maximizes first, and does not clear the filter then
        await pilot.press("escape")
        await submit(pilot, "source:api")
        await pilot.press("z")
        await settle(pilot)
        assert app.screen.maximized is not None
        await pilot.press("escape")
        await idle(pilot)
        assert app.screen.maximized is None and len(app.view) == kept


async def test_selection_stays_on_the_event_when_it_still_matches(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        rows = [app.view.event_at(i) for i in range(len(app.view))]
        row = next(i for i, e in enumerate(rows) if i > 3 and e.source == "web")
        await pilot.press(*["j"] * row)
        await settle(pilot)
        chosen = cursor_uuid(app)
        await submit(pilot, "source:web")
        assert cursor_uuid(app) == chosen and table(app).cursor_row < row
        await submit(pilot, "source:ci")  # gone: the cursor stays in range
        event = table(app).cursor_event
        assert event is not None and event.source == "ci"


async def test_filter_persists_across_a_reload(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:failure OR status:denied")
        await pilot.press("j")
        chosen, before = cursor_uuid(app), view_uuids(app)
        old_store = app.store
        await pilot.press("r")
        await wait_for(pilot, lambda: app.store is not old_store, "the reload")
        await wait_loaded(pilot)
        assert view_uuids(app) == before and cursor_uuid(app) == chosen
        assert app.filter_flow.text == "status:failure OR status:denied"
        assert f"{len(before)} of {len(app.store)} events" in header(app)
