"""Issue 15 items 9 and 10: the header keeps the range and the count when space is short,
never cuts a word, speaks the table's clock, shows the active filter once the bar is
closed; and `y` on a time cell copies an unambiguous time.

The Pilot tests load from the demo server over loopback HTTP (`server` fixture);
`kolkata` makes local time UTC+05:30 (without `at_midday`, which pins the zone to UTC;
the range loaded is fixed).
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from auditui.demo import DemoServer
from auditui.tui.widgets.status_bar import HeaderInfo, header_text
from tests.helpers.app import (
    RANGE,
    at_midday,
    bar,
    header,
    loaded_app,
    messages,
    settle,
    submit,
    table,
    wait_for,
)

INFO = HeaderInfo(
    profile="production-eu",
    host="https://audit.eu.example.com",
    time_range=RANGE,
    total=12_345,
    shown=877,
    skipped=21,
    windows=3,
    cached_windows=2,
)
RANGE_FORMS = (
    "2026-11-25 12:00 → 2026-11-26 12:00 UTC",
    "11-25 12:00 → 11-26 12:00 UTC",
    "11-25 12:00→11-26 12:00 UTC",
    "11-25 12:00→11-26 12:00Z",
)
WORDS = set(re.split(r"[\s·]+", header_text(INFO).plain)) | {"877/12,345"}
for form in RANGE_FORMS:
    WORDS |= set(form.split())


@pytest.mark.parametrize("width", [120, 80, 60, 40])
def test_a_narrow_header_keeps_the_range_and_the_count_and_whole_words(width: int) -> None:
    text = header_text(INFO, width).plain
    assert len(text) <= width
    assert any(form in text for form in RANGE_FORMS)
    assert "877 of 12,345 events" in text or "877/12,345" in text
    assert "…" not in text  # whole parts went, no word was cut
    assert set(re.split(r"[\s·]+", text)) <= WORDS
    if width >= 60:
        assert "2/3 windows from cache" not in text and INFO.host not in text  # went first


def test_the_host_goes_first_then_the_cache_note_then_the_profile_details() -> None:
    full = header_text(INFO).plain
    assert INFO.host in full and "windows from cache" in full
    without_host = header_text(INFO, len(full) - 1).plain
    assert INFO.host not in without_host and "windows from cache" in without_host
    assert "2026-11-25 12:00 → 2026-11-26 12:00 UTC" in without_host


def test_the_incomplete_note_stays_beside_the_count() -> None:
    note = "incomplete: 1 of 3 windows failed (HTTP 500)"
    info = HeaderInfo("default", "h", RANGE, total=5_477, incomplete=note)
    for width in (200, 100, 80, 60):
        text = header_text(info, width)
        assert "5,477 events · incomplete: 1 of" in text.plain
        assert "11-26 12:00" in text.plain
    full = header_text(info)
    start = full.plain.index("incomplete")
    styles = [str(span.style) for span in full.spans if span.start <= start < span.end]
    assert any("yellow" in style for style in styles)  # a warning


def test_the_filter_is_shown_literally_and_cut_to_fit() -> None:
    info = HeaderInfo("default", "h", RANGE, total=122, shown=3, filter="status:failure [bold]x")
    full = header_text(info).plain
    assert full.endswith(" · filter: status:failure [bold]x")
    text = header_text(info, 80).plain
    assert len(text) == 80 and "3 of 122 events" in text and "11-26 12:00" in text
    assert "filter: status:fail" in text and text.endswith("…")


async def test_the_header_range_follows_the_tables_clock(server: DemoServer, kolkata: None) -> None:
    async with loaded_app(server) as (app, pilot):
        assert not table(app).utc  # local time: Asia/Kolkata, UTC+05:30
        top = header(app)
        assert "2026-11-25 17:30 → 2026-11-26 17:30 UTC+05:30" in top
        await pilot.press("u")
        await settle(pilot)
        assert table(app).utc
        assert "2026-11-25 12:00 → 2026-11-26 12:00 UTC ·" in header(app)


async def test_y_on_a_time_copies_iso_8601_with_its_offset(
    server: DemoServer, kolkata: None
) -> None:
    async with loaded_app(server) as (app, pilot):
        event = table(app).cursor_event
        assert event is not None and table(app).current_column == "time"
        await pilot.press("y")
        await settle(pilot)
        copied = app.clipboard
        assert copied.endswith("+05:30") and "T" in copied
        assert datetime.fromisoformat(copied) == event.timestamp  # the same instant
        assert any(m.startswith("Copied Time") for m in messages(app))
        await pilot.press("u", "y")
        await settle(pilot)
        assert app.clipboard.endswith("Z")
        assert datetime.fromisoformat(app.clipboard) == event.timestamp


async def test_the_active_filter_shows_in_the_header_once_the_bar_closes(
    server: DemoServer,
) -> None:
    with at_midday():
        async with loaded_app(server, (80, 24)) as (app, pilot):
            assert "filter:" not in header(app)
            await submit(pilot, "status:failure")
            await wait_for(pilot, lambda: not bar(app).is_open, "the bar to close")
            await settle(pilot)
            top = header(app)
            assert f"{len(app.view)} of {len(app.store)} events" in top
            assert "filter: status:failure" in top
            await pilot.press("slash")  # the bar shows the query: the header need not
            await settle(pilot)
            assert "filter:" not in header(app)
            await pilot.press("escape")  # closed, the filter kept
            await settle(pilot)
            assert "filter: status:failure" in header(app)
            await pilot.press("ctrl+u")
            await wait_for(pilot, lambda: len(app.view) == len(app.store), "no filter")
            await settle(pilot)
            assert "filter:" not in header(app)
