"""Driving and reading any Textual app under `Pilot`: waiting, the screen as text, toasts.

Nothing here knows the auditui App (that is `tests/helpers/app.py`): `settle` and
`wait_for` pause the app until it is idle or a condition holds (bounded, so a test fails
instead of hanging), `idle` also waits for the app's workers, `screen_text` rebuilds what
a terminal would show from the SVG screenshot (and checks no escape or bidi character
reached it), `messages` and `toast_texts` read the notifications, `search_palette` types
into the command palette.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, TextArea
from textual.worker import WorkerCancelled

MAX_PAUSES = 400
"""How many 10 ms pauses `wait_for` makes before it gives up."""

_SVG_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)" textLength[^>]*>([^<]*)</text>'
)


async def settle(pilot: Pilot[Any], pauses: int = 3) -> None:
    """Let pending messages and refreshes run (`pauses` pauses of the app)."""
    for _ in range(pauses):
        await pilot.pause()


async def steady_cursors(pilot: Pilot[Any]) -> None:
    """Stop every input's and text area's cursor blinking (shown steadily), then settle: a
    screenshot taken on a busy machine must not catch the cursor in its hidden half-second."""
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
        for area in screen.query(TextArea):
            area.cursor_blink = False
    await settle(pilot)


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], object], what: str = "condition"
) -> None:
    """Pause until `condition()` is true; fail after a bounded number of pauses."""
    for _ in range(MAX_PAUSES):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"gave up waiting for {what}")


async def workers_done(app: App[Any]) -> None:
    """Wait for every worker of the App to end. A worker cancelled meanwhile (an exclusive
    worker replaced by a newer one, as the facets and timeline are) is not a failure: wait
    for the rest and for the one that replaced it."""
    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue
    raise AssertionError("workers kept being cancelled and restarted")


async def idle(pilot: Pilot[Any]) -> None:
    """Let pending timers, messages and workers (facets, timeline, history...) finish."""
    await settle(pilot)
    await workers_done(pilot.app)
    await settle(pilot)


async def search_palette(pilot: Pilot[Any], text: str, at_least: int = 1) -> CommandList:
    """Open the command palette (Ctrl+P), type `text`, wait for `at_least` results."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    await pilot.press(*text)
    results = app.screen.query_one(CommandList)
    await wait_for(pilot, lambda: results.option_count >= at_least, "palette results")
    await settle(pilot)
    return results


def screen_lines(app: App[Any]) -> list[str]:
    """The screen as text lines, rebuilt from the SVG screenshot (cells are 12.2 px wide)."""
    svg = app.export_screenshot()
    assert "\x1b" not in svg and "\u202e" not in svg
    rows: dict[float, list[tuple[int, str]]] = {}
    for match in _SVG_TEXT.finditer(svg):
        text = html.unescape(match.group(3)).replace("\xa0", " ")
        rows.setdefault(float(match.group(2)), []).append(
            (round(float(match.group(1)) / 12.2), text)
        )
    lines = []
    for y in sorted(rows):
        cells: list[str] = []
        for column, text in sorted(rows[y]):
            cells.extend(" " * (column - len(cells)))
            cells[column : column + len(text)] = text
        lines.append("".join(cells).rstrip())
    return lines


def screen_text(app: App[Any]) -> str:
    """Everything on screen as plain text, one line per terminal row."""
    return "\n".join(screen_lines(app))


def messages(app: App[Any]) -> list[str]:
    """The text of every toast currently shown, oldest first."""
    return [str(notification.message) for notification in app._notifications]


def toast_texts(app: App[Any]) -> list[str]:
    """The text the toasts on screen show (needs `run_test(notifications=True)`)."""
    from textual.widgets._toast import Toast

    return [toast.render().plain for toast in app.screen.query(Toast)]
