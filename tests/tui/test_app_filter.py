"""Find and slice in the whole App against the demo server: the filter bar (every query form),
errors, counter, Esc/ctrl+u, history across restarts, facets, timeline, saved queries.

Every expectation is computed here from the events with plain Python (`oracle` predicates
written against the event fields, not through `auditui.query.matcher`), and every query must keep
some events and drop others, so a filter that does nothing or everything fails.
"""

# Widgets change between awaits; mypy's narrowing across them is wrong here:
# mypy: disable-error-code="unreachable, comparison-overlap"

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.command import CommandPalette

from auditui.config.history import history_file
from auditui.demo import DemoServer
from auditui.events import AuditEvent, EventStore, EventView
from auditui.stats import time_terms
from auditui.tui.app import AuditApp
from auditui.tui.widgets.facets import FacetsPanel
from auditui.tui.widgets.filter_bar import FilterBar
from auditui.tui.widgets.timeline import Timeline
from tests.helpers.app import (
    cursor_uuid,
    header,
    idle,
    loaded_app,
    messages,
    screen_text,
    search_palette,
    settle,
    table,
    view_uuids,
    wait_for,
    wait_loaded,
)

# -- helpers --------------------------------------------------------------------------------


def bar(app: AuditApp) -> FilterBar:
    return app.query_one(FilterBar)


def all_events(app: AuditApp) -> list[AuditEvent]:
    return list(app.store.events)


async def submit(pilot: Any, query: str, *, paste: bool = False) -> None:
    """`/`, clear the bar, type `query` key by key (or paste it), Enter."""
    app = pilot.app
    await pilot.press("slash")
    await settle(pilot, 1)
    assert bar(app).is_open and bar(app).input.has_focus
    await pilot.press("ctrl+u")
    if paste:  # a terminal paste: one event (Pilot takes ~0.1 s per key)
        bar(app).input.post_message(events.Paste(query))
        await wait_for(pilot, lambda: bar(app).value == query, "the paste")
    else:
        await pilot.press(*query)
    await pilot.press("enter")
    await idle(pilot)


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


# -- history --------------------------------------------------------------------------------


async def test_history_walks_with_up_and_down_across_restarts(server: DemoServer) -> None:
    async with loaded_app(server) as (_app, pilot):
        await submit(pilot, "status:failure")  # Enter records
        await pilot.press("slash", "ctrl+u", *"source:ci")
        await pilot.press("escape")  # closing with a valid query records it too
        await idle(pilot)
        await pilot.press("slash", "ctrl+u", *"status:(")  # invalid: never recorded
        await pilot.press("escape")
        await idle(pilot)
    path = history_file("default")
    assert path.is_file() and str(path).startswith(os.environ["XDG_STATE_HOME"])

    async with loaded_app(server) as (again, pilot):
        await pilot.press("slash")
        await settle(pilot)
        await pilot.press("ctrl+u", *"draft")
        await pilot.press("up")
        assert bar(again).value == "source:ci"
        await pilot.press("up")
        assert bar(again).value == "status:failure"
        await pilot.press("up")  # the oldest: stays
        assert bar(again).value == "status:failure"
        await pilot.press("down")
        assert bar(again).value == "source:ci"
        await wait_for(pilot, lambda: again.filter_flow.text == "source:ci", "the filter")
        assert {again.view.event_at(i).source for i in range(len(again.view))} == {"ci"}
        await pilot.press("down")
        assert bar(again).value == "draft"


# -- facets ---------------------------------------------------------------------------------


async def highlight(pilot: Any, panel: FacetsPanel, field: str, value: str) -> None:
    """Home, then ↓ (headers are skipped) until the panel highlights `field` = `value`."""
    await pilot.press("home")
    for _ in range(panel.option_count):
        current = panel.highlighted_value
        if current is not None and current.term.startswith(f"{field}:") and current.value == value:
            return
        await pilot.press("down")
    raise AssertionError(f"{field}={value} is not listed")


async def test_facets_enter_and_minus_add_terms(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        events = all_events(app)
        panel = app.query_one(FacetsPanel)
        assert not panel.display
        await pilot.press("f")
        await idle(pilot)
        assert panel.display and panel.has_focus and panel.region.width > 0
        assert panel.region.right <= table(app).region.x  # beside the table, on its left
        by_field = {facet.field: facet for facet in panel.facets}
        assert list(by_field) == ["user", "action", "status", "source", "type", "ip"]
        assert by_field["status"].total == len(events)
        counts = {v.value: v.count for v in by_field["status"].values}
        assert counts == {s: sum(e.status == s for e in events) for s in {e.status for e in events}}
        assert "Status" in screen_text(app)

        # Enter on source "web" → source:web
        await highlight(pilot, panel, "source", "web")
        assert panel.highlighted_value is not None
        assert panel.highlighted_value.value == "web"
        await pilot.press("enter")
        await idle(pilot)
        assert bar(app).value == "source:web" and panel.has_focus
        web = [e for e in events if e.source == "web"]
        assert set(view_uuids(app)) == {e.event_uuid for e in web}
        # the facets now count the matches only
        status = next(f for f in panel.facets if f.field == "status")
        assert status.total == len(web)

        # `-` on status "success" → -status:success, ANDed to the query
        await highlight(pilot, panel, "status", "success")
        assert panel.highlighted_value is not None
        assert panel.highlighted_value.value == "success"
        await pilot.press("minus")
        await idle(pilot)
        assert bar(app).value == "source:web -status:success"
        expected = {e.event_uuid for e in web if e.status != "success"}
        assert expected and set(view_uuids(app)) == expected

        await pilot.press("f")  # hides the panel, back to the table
        await settle(pilot)
        assert not panel.display and table(app).has_focus


async def test_facet_term_on_an_or_query_is_parenthesised(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await submit(pilot, "status:failure OR status:denied")
        await pilot.press("f")
        await idle(pilot)
        panel = app.query_one(FacetsPanel)
        source = next(f for f in panel.facets if f.field == "source")
        top = source.values[0]
        await highlight(pilot, panel, "source", top.value)
        await pilot.press("enter")
        await idle(pilot)
        assert bar(app).value == f"(status:failure OR status:denied) {top.term}"
        assert len(app.view) == top.count


# -- timeline -------------------------------------------------------------------------------


async def test_timeline_marks_the_selection_and_enter_narrows_to_a_bucket(
    server: DemoServer,
) -> None:
    async with loaded_app(server) as (app, pilot):
        timeline = app.query_one(Timeline)
        assert timeline.shown is not None and timeline.shown.total == len(app.store)
        assert timeline.region.y > table(app).region.bottom - 1  # under the table
        event = table(app).cursor_event
        assert event is not None and timeline.marked == event.timestamp
        newest_bucket = timeline.marked_bucket
        assert newest_bucket is not None
        await pilot.press("G")  # the oldest event: the mark moves
        await settle(pilot)
        assert timeline.marked_bucket is not None and timeline.marked_bucket < newest_bucket

        await pilot.press("shift+tab")  # the timeline is before the table in focus order
        await settle(pilot)
        assert timeline.has_focus
        await pilot.press("right")  # the cursor starts on the marked bucket
        assert timeline.cursor == timeline.marked_bucket
        await pilot.press("right")
        chosen = timeline.shown.bucket_range(timeline.cursor)
        count = timeline.shown.counts[timeline.cursor]
        await pilot.press("enter")
        await idle(pilot)
        assert bar(app).value == time_terms(chosen)
        inside = [e for e in all_events(app) if chosen.start <= e.timestamp < chosen.end]
        assert len(app.view) == len(inside) == count
        assert set(view_uuids(app)) == {e.event_uuid for e in inside}
        # the histogram now counts the matches only
        assert timeline.shown.total == count

        # filtered: the sparkline follows the filter
        await submit(pilot, "status:failure")
        failures = sum(e.status == "failure" for e in all_events(app))
        assert timeline.shown.total == failures


# -- saved queries --------------------------------------------------------------------------


async def test_saved_queries_are_palette_commands(server: DemoServer) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "auditui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        '[queries]\n"support failures" = "support:true OR status:failure"\n'
        'odd = "user:[x] [b]bold"\n'
    )
    async with loaded_app(server) as (app, pilot):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Query: support failures" in titles
        results = await search_palette(pilot, "query: support")
        first = str(results.get_option_at_index(0).prompt)
        assert first.startswith("Query: support failures"), first
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, CommandPalette), "closing")
        await idle(pilot)
        assert bar(app).value == "support:true OR status:failure"
        expected = {
            e.event_uuid for e in all_events(app) if e.is_support_user or e.status == "failure"
        }
        assert expected and set(view_uuids(app)) == expected
        # a saved query with markup-like text is shown literally in the palette
        results = await search_palette(pilot, "query: odd")
        assert "user:[x] [b]bold" in screen_text(app)
        await pilot.press("escape")
