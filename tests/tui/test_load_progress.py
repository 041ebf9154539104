"""The progress line of a load: the bar, then what is done in words (no clipped figures)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from auditui.tui.widgets.status_bar import LoadProgress
from tests.helpers.pilot import screen_lines


class _Line(App[None]):
    def compose(self) -> ComposeResult:
        yield LoadProgress()


async def test_the_line_shows_the_bar_and_the_caption_only() -> None:
    app = _Line()
    async with app.run_test(size=(100, 3)) as pilot:
        line = app.query_one(LoadProgress)
        line.start(" loading today · Esc cancels")
        for done in (1, 2):  # half way, then the last window (always drawn)
            line.advance(done, 2, 100 * done, 1000 * done)
            await pilot.pause()
            (drawn,) = [text for text in screen_lines(app) if "windows" in text]
            before, after = drawn.split("windows", 1)
            assert after.startswith(f" {done}/2 · ")
            # only the bar's cells and blanks before the caption: no clipped percentage
            assert set(before) <= set("━╸╺ "), repr(before)
