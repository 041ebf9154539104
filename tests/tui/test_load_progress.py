"""The progress line of a load: the bar, then what is done in words (no clipped figures);
built only for a load that lasts until the next frame, and never left animating."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import ProgressBar, Static
from textual.widgets._progress_bar import Bar

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


def shown(line: LoadProgress) -> bool:
    return bool(line.display)


def animating(bar: Bar) -> bool:
    return bar.auto_refresh is not None


async def test_a_load_ended_before_the_next_frame_builds_no_bar() -> None:
    app = _Line()
    async with app.run_test(size=(100, 3)) as pilot:
        line = app.query_one(LoadProgress)
        line.start(" loading today · Esc cancels")
        line.advance(1, 1, 10, 100)
        line.stop()  # all before a frame: as the browser's prefetched first load
        await pilot.pause()
        await pilot.pause()
        assert not line.query(ProgressBar) and not line.query(Static)
        assert not shown(line) and not any("windows" in t for t in screen_lines(app))
        line.start(" loading again · Esc cancels")  # a later load that lasts: built then
        await pilot.pause()
        await pilot.pause()
        assert line.query(ProgressBar) and shown(line)
        assert any("loading again" in text for text in screen_lines(app))


async def test_a_stopped_bar_stops_animating() -> None:
    app = _Line()
    async with app.run_test(size=(100, 3)) as pilot:
        line = app.query_one(LoadProgress)
        line.start(" loading today · Esc cancels")  # busy: no total yet
        await pilot.pause()
        await pilot.pause()
        bar = line.query_one(Bar)
        assert animating(bar)  # the busy bar animates while shown
        line.stop()
        await pilot.pause()
        assert not animating(bar) and not shown(line)


async def test_quitting_before_the_bar_is_built_fails_nothing() -> None:
    """Quitting while a load runs: the screen goes before the frame the line's bar waited
    for, and the bar is then never built (building it there failed the App's exit)."""
    for _ in range(5):
        app = _Line()
        async with app.run_test(size=(100, 3)) as pilot:
            app.query_one(LoadProgress).start(" loading today · Esc cancels")
            app.exit()
            await pilot.pause()
        assert app.return_code == 0
