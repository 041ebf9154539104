"""The events a load left out can be seen (issue 15 item 13a; issue 16 items 6 and 11).

The demo server (real HTTP on loopback) serves raw JSON events for the App's day: three
good ones, one nested 25,000 levels deep, one with a wrong type and hostile text, and one
that reuses a good event's uuid. The App loads the good ones, the header counts the other
three, a toast says what was left out, and `L` (or the palette's "Skipped events") opens a
dialog listing each with its reason and its raw text, drawn literally.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from auditui.demo import DemoServer, EncodedEvents, encode_events
from auditui.tui.dialogs.skipped import SkippedDialog
from auditui.tui.load_counts import SUMMARY_TITLE
from tests.helpers.app import header, loaded_app, messages, screen_text, search_palette, settle
from tests.helpers.app import wait_for as wait_until
from tests.helpers.hostile import encoded, raw_event_json, stamp

DEEP = "[" * 25_000 + "]" * 25_000
HOSTILE = "\u202e[bold]evil[/bold]"  # a bidi override (raw UTF-8, legal in JSON) and markup
BAD = (
    f'{{"timestamp": "{stamp(3)}", "event_uuid": "bad3", "client_ip": 5, "url": "/x",'
    f' "user_agent": "{HOSTILE}"}}'
).encode()


@pytest.fixture
def server() -> Iterator[DemoServer]:
    blobs = [
        (1, raw_event_json(1, payload='{"ok": true}')),
        (2, raw_event_json(2, payload=DEEP)),
        (3, BAD),
        (4, raw_event_json(4, payload='{"other": 1}', event_uuid="raw1")),  # raw1's uuid
        (5, raw_event_json(5, payload="{}")),
        (6, raw_event_json(6, payload="{}")),
    ]
    with DemoServer(encoded(blobs)) as started:
        yield started


async def test_left_out_events_are_counted_and_shown(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        assert sorted(event.event_uuid for event in app.store.events) == ["raw1", "raw5", "raw6"]
        assert "3 events · 3 skipped" in header(app)
        assert (
            "2 malformed events skipped; 1 event shared an event_uuid with a different event"
            " and was left out (the first of each uuid was kept)"
        ) in messages(app)
        assert any(n.title == SUMMARY_TITLE for n in app._notifications)

        await pilot.press("L")
        await wait_until(pilot, lambda: isinstance(app.screen, SkippedDialog), "the dialog")
        await settle(pilot)
        text = screen_text(app)  # also checks no escape or bidi character reached the screen
        assert "Skipped events" in text
        assert "3 events left out of this load (2 malformed, 1 sharing" in text
        assert "nested more than 19,000 levels deep" in text
        assert "Expected `str`, got `int` - at `$.client_ip`" in text
        assert "also another, different event's" in text

        await pilot.press("down")  # the wrong type: its raw text, literally
        await settle(pilot)
        text = screen_text(app)
        assert "\\u202e[bold]evil[/bold]" in text
        assert '"client_ip": 5' in text

        await pilot.press("down")  # the uuid conflict: the event left out, as JSON
        await settle(pilot)
        assert '"user_email":"raw4@example.com"' in screen_text(app)

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, SkippedDialog), "closing")


async def test_the_palette_and_help_list_the_dialog(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        assert ("App", "L", "Skipped events", "app.skipped") in app.help_rows()
        results = await search_palette(pilot, "skipped events")
        prompts = [str(results.get_option_at_index(i).prompt) for i in range(results.option_count)]
        assert any("App: Skipped events" in prompt for prompt in prompts)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SkippedDialog), "the dialog")


async def test_nothing_left_out_says_so() -> None:
    blobs = [(1, raw_event_json(1, payload="{}"))]
    with DemoServer(encoded(blobs)) as started:
        async with loaded_app(started) as (app, pilot):
            await pilot.press("L")
            await settle(pilot)
            assert not isinstance(app.screen, SkippedDialog)
            assert "No events were left out of this load." in messages(app)


@dataclass(frozen=True)
class IncludingEnd(EncodedEvents):
    """The demo's events with the end instant of a range included, as some APIs answer."""

    def select(self, start: datetime | None = None, end: datetime | None = None) -> list[bytes]:
        return super().select(start, None if end is None else end + timedelta(microseconds=1))


async def test_a_midnight_event_returned_by_both_days_is_not_a_drop() -> None:
    """The App's range spans midnight: that event comes with both days' windows."""
    midnight = {"timestamp": "2026-11-26T00:00:00Z", "event_uuid": "midnight",
                "client_ip": "10.0.0.1", "url": "/x"}  # fmt: skip
    noon = {**midnight, "timestamp": "2026-11-26T11:00:00Z", "event_uuid": "noon"}
    plain = encode_events([midnight, noon])
    with DemoServer(IncludingEnd(plain.neg_micros, plain.blobs, plain.undated)) as started:
        async with loaded_app(started) as (app, _):
            assert sorted(event.event_uuid for event in app.store.events) == ["midnight", "noon"]
            assert "2 events" in header(app)
            assert "dropped" not in header(app) and "skipped" not in header(app)
