"""FilterBar, FacetsPanel and Timeline in tiny host apps, through Pilot (ExportDialog:
test_export_dialog.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.pilot import Pilot
from textual.timer import Timer
from textual.widgets import Static

from auditui.config.history import QueryHistory, history_file
from auditui.events import EventStore
from auditui.query import QueryError, parse
from auditui.stats import compute_facets, histogram
from auditui.timespec import TimeRange
from auditui.tui.widgets.facets import FacetsPanel
from auditui.tui.widgets.filter_bar import ERROR_STYLE, FilterBar
from auditui.tui.widgets.timeline import Timeline
from tests.helpers.events import decode, raw
from tests.helpers.pilot import screen_text, wait_for

SIZE = (100, 30)


class Host(App[None]):
    """Holds one widget and records the messages it posts."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "open_bar", "Filter", id="host.open_bar")
    ]

    def __init__(self, widget: Any) -> None:
        super().__init__()
        self.widget = widget
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield Static("host", id="host-body")
        yield self.widget

    def action_open_bar(self) -> None:
        if isinstance(self.widget, FilterBar):
            self.widget.open()

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.messages.append(message)

    def on_filter_bar_submitted(self, message: FilterBar.Submitted) -> None:
        self.messages.append(message)

    def on_filter_bar_closed(self, message: FilterBar.Closed) -> None:
        self.messages.append(message)

    def on_facets_panel_add_term(self, message: FacetsPanel.AddTerm) -> None:
        self.messages.append(message)

    def on_timeline_bucket_chosen(self, message: Timeline.BucketChosen) -> None:
        self.messages.append(message)

    def of(self, kind: type[Message]) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]


# -- FilterBar ------------------------------------------------------------------------------


def bar_text(bar: FilterBar, selector: str) -> str:
    return str(bar.query_one(selector, Static).render())


def bar_app(history: QueryHistory | None = None, debounce: float = 60.0) -> Host:
    return Host(FilterBar(history, debounce=debounce))


async def test_bar_opens_with_slash_and_posts_changed_after_typing() -> None:
    app = bar_app(debounce=0.01)
    async with app.run_test(size=SIZE) as pilot:
        bar: FilterBar = app.widget
        assert not bar.display or not bar.is_open
        await pilot.press("slash")
        assert bar.is_open and bar.input.has_focus
        await pilot.press(*"status:x")
        await wait_for(pilot, lambda: app.of(FilterBar.Changed), "Changed")
        await wait_for(pilot, lambda: app.of(FilterBar.Changed)[-1].query == "status:x", "final")


async def test_bar_debounces_keystrokes_into_one_changed() -> None:
    app = bar_app(debounce=60.0)  # never fires by itself during the test
    async with app.run_test(size=SIZE) as pilot:
        bar: FilterBar = app.widget
        bar.open()
        await pilot.press(*"abc")
        await pilot.pause()
        assert app.of(FilterBar.Changed) == []
        await pilot.press("escape")  # closing flushes the pending query first
        await pilot.pause()
        assert [type(m).__name__ for m in app.messages] == ["Changed", "Closed"]
        assert app.of(FilterBar.Changed)[0].query == "abc"
        closed = app.of(FilterBar.Closed)[0]
        assert closed.keep is True and closed.query == "abc"
        assert not bar.is_open
        assert bar.value == "abc"  # the filter stays


class TimerSpyBar(FilterBar):
    """Records the debounce timers it starts."""

    def __init__(self) -> None:
        super().__init__(debounce=60.0)
        self.timers: list[Timer] = []

    def set_timer(self, *args: Any, **kwargs: Any) -> Timer:
        timer = super().set_timer(*args, **kwargs)
        self.timers.append(timer)
        return timer


async def test_each_keystroke_cancels_the_pending_timer() -> None:
    app = Host(TimerSpyBar())
    async with app.run_test(size=SIZE) as pilot:
        bar: TimerSpyBar = app.widget
        bar.open()
        await pilot.press(*"abc")
        await pilot.pause()
        assert len(bar.timers) == 3
        assert [timer._task is None for timer in bar.timers] == [True, True, False]


async def test_bar_enter_submits_at_once_and_remembers() -> None:
    history = QueryHistory.load("default")
    app = bar_app(history)
    async with app.run_test(size=SIZE) as pilot:
        app.widget.open()
        await pilot.press(*"source:ci", "enter")
        await wait_for(pilot, lambda: app.of(FilterBar.Submitted), "Submitted")
        assert app.of(FilterBar.Submitted)[0].query == "source:ci"
        assert app.of(FilterBar.Changed) == []  # Enter cancelled the pending Changed
        await wait_for(pilot, lambda: history_file("default").exists(), "history saved")
        assert history.entries == ["source:ci"]
        assert QueryHistory.load("default").entries == ["source:ci"]


async def test_bar_does_not_remember_invalid_or_blank_queries() -> None:
    history = QueryHistory()
    app = bar_app(history)
    async with app.run_test(size=SIZE) as pilot:
        bar: FilterBar = app.widget
        bar.open()
        await pilot.press(*"user:(", "enter")
        await pilot.press("escape")
        await pilot.pause()
        bar.open("  ")
        await pilot.press("escape")
        await pilot.pause()
        assert history.entries == []


async def test_ctrl_u_clears_now() -> None:
    app = bar_app()
    async with app.run_test(size=SIZE) as pilot:
        bar: FilterBar = app.widget
        bar.open("status:failure")
        bar.show_error(QueryError("bad", 0, 3))
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert bar.value == ""
        assert [m.query for m in app.of(FilterBar.Changed)] == [""]
        assert bar.error is None
        assert bar.is_open


async def test_set_query_posts_nothing() -> None:
    app = bar_app(debounce=0.01)
    async with app.run_test(size=SIZE) as pilot:
        bar: FilterBar = app.widget
        bar.open("status:failure")
        bar.set_query("status:failure source:ci")
        await pilot.pause(0.05)
        await pilot.pause()
        assert bar.value == "status:failure source:ci"
        assert app.of(FilterBar.Changed) == []


async def test_history_walk_keeps_the_draft() -> None:
    history = QueryHistory(["old", "new"])
    app = bar_app(history)
    async with app.run_test(size=SIZE) as pilot:
        bar: FilterBar = app.widget
        bar.open()
        await pilot.press("d", "r")
        seen = []
        for key in ("up", "up", "up", "down", "down", "down"):
            await pilot.press(key)
            seen.append(bar.value)
        assert seen == ["new", "old", "old", "new", "dr", "dr"]


async def test_error_line_and_span_highlight() -> None:
    app = bar_app()
    async with app.run_test(size=SIZE) as pilot:
        bar: FilterBar = app.widget
        bar.open("status:ok nope:x")
        try:
            parse(bar.value)
        except QueryError as exc:
            bar.show_error(exc)
        await pilot.pause()
        error = bar.error
        assert error is not None and (error.position, error.length) == (10, 4)
        rendered = bar.input._value
        styled = [(s.start, s.end) for s in rendered.spans if str(s.style) == ERROR_STYLE]
        assert styled == [(10, 14)]
        assert "Unknown field 'nope'" in bar_text(bar, "#filter-error")
        assert bar.query_one("#filter-error").display
        bar.show_error(None)
        await pilot.pause()
        assert not [s for s in bar.input._value.spans if str(s.style) == ERROR_STYLE]
        assert "Unknown field" not in bar_text(bar, "#filter-error")
        assert not bar.query_one("#filter-error").display


async def test_error_and_counter_are_literal_text() -> None:
    app = bar_app()
    async with app.run_test(size=SIZE) as pilot:
        bar: FilterBar = app.widget
        bar.open("x")
        bar.show_error(QueryError("bad [bold]value[/bold] \x1b[31m", 0))
        bar.set_counts(1234, 56789)
        await pilot.pause()
        assert "bad [bold]value[/bold] \\x1b[31m" in bar_text(bar, "#filter-error")
        assert bar_text(bar, "#filter-count") == "1,234 of 56,789 events"
        bar.set_counts(1, 1)
        assert bar_text(bar, "#filter-count") == "1 of 1 event"


# -- FacetsPanel ----------------------------------------------------------------------------

FACET_EVENTS = decode(
    raw(0, status="failure"),
    raw(1, status="failure"),
    raw(2, status="success", user_email="[b]x[/b]\u202e@e.io"),
)  # fmt: skip


def facets_app() -> Host:
    return Host(FacetsPanel())


async def show(pilot: Pilot[Any], panel: FacetsPanel, indices: list[int] | None = None) -> None:
    panel.show_facets(compute_facets(EventStore(FACET_EVENTS), indices))
    panel.focus()
    await pilot.pause()


async def test_facets_enter_and_minus_add_terms() -> None:
    app = facets_app()
    async with app.run_test(size=SIZE) as pilot:
        panel: FacetsPanel = app.widget
        await show(pilot, panel)
        assert panel.highlighted_value is not None
        first = panel.highlighted_value
        assert first.value == "maya@acme.com" and first.count == 2
        await pilot.press("enter")
        await pilot.press("minus")
        await pilot.pause()
        assert [m.term for m in app.of(FacetsPanel.AddTerm)] == [
            "user:maya@acme.com",
            "-user:maya@acme.com",
        ]


async def test_facets_navigation_skips_headers_and_finds_status() -> None:
    app = facets_app()
    async with app.run_test(size=SIZE) as pilot:
        panel: FacetsPanel = app.widget
        await show(pilot, panel)
        terms = []
        for _ in range(6):
            await pilot.press("down")
            value = panel.highlighted_value
            assert value is not None  # never lands on a header
            terms.append(value.term)
        assert "status:failure" in terms
        await pilot.press("up")
        assert panel.highlighted_value is not None


async def test_facets_keep_the_highlighted_value_on_update() -> None:
    app = facets_app()
    async with app.run_test(size=SIZE) as pilot:
        panel: FacetsPanel = app.widget
        await show(pilot, panel)
        while (value := panel.highlighted_value) is not None and value.term != "status:success":
            await pilot.press("down")
        await show(pilot, panel, [2])  # under a filter: success is still listed
        assert panel.highlighted_value is not None
        assert panel.highlighted_value.term == "status:success"


async def test_facet_values_are_shown_literally_and_click_adds() -> None:
    app = facets_app()
    async with app.run_test(size=SIZE) as pilot:
        panel: FacetsPanel = app.widget
        await show(pilot, panel)
        await pilot.pause()
        await wait_for(pilot, lambda: "Client IP" in screen_text(app), "the listing")
        text = screen_text(app)
        assert "[b]x[/b]\\u202e@e.io" in text
        assert "User" in text and "Object type" in text and "67%" in text
        row = next(i for i, line in enumerate(text.splitlines()) if "[b]x" in line)
        await pilot.click(FacetsPanel, offset=(5, row - panel.region.y))
        await pilot.pause()
        terms = [m.term for m in app.of(FacetsPanel.AddTerm)]
        assert terms == ['user:"[b]x[/b]\u202e@e.io"']


# -- Timeline -------------------------------------------------------------------------------

START = datetime(2026, 11, 1, tzinfo=UTC)
DAY = TimeRange(START, START + timedelta(days=1))
STAMPS = [START + timedelta(hours=h, minutes=30) for h in (1, 1, 1, 5, 23)]


def timeline_app() -> Host:
    return Host(Timeline())


async def test_timeline_draws_and_chooses_a_bucket() -> None:
    app = timeline_app()
    async with app.run_test(size=(48, 10)) as pilot:
        line: Timeline = app.widget
        line.show_histogram(histogram(STAMPS, None, DAY, 480))
        await pilot.pause()
        assert line.shown is not None and len(line.shown) == 48  # one bucket per cell
        await wait_for(pilot, lambda: "█" in screen_text(app), "the sparkline")
        line.focus()
        await pilot.press("right")  # the first move lands on the first bucket
        await pilot.press("right", "right", "right")
        assert line.cursor == 3  # 30-minute buckets: 01:30 is the fourth
        await pilot.press("enter")
        await pilot.pause()
        chosen = app.of(Timeline.BucketChosen)
        assert len(chosen) == 1
        assert chosen[0].range == line.shown.bucket_range(3)
        assert chosen[0].start == START + timedelta(hours=1, minutes=30)
        assert chosen[0].end == START + timedelta(hours=2)
        assert "3 events" in line.describe_cursor()


async def test_timeline_marks_the_selected_event_and_clicks() -> None:
    app = timeline_app()
    async with app.run_test(size=(48, 10)) as pilot:
        line: Timeline = app.widget
        line.show_histogram(histogram(STAMPS, None, DAY, 480))
        line.mark(STAMPS[-1])
        await pilot.pause()
        assert line.marked_bucket == 47  # 23:30 in 30-minute buckets
        line.focus()
        await pilot.press("left")  # starts from the marked bucket
        assert line.cursor == 47
        await pilot.press("home")
        assert line.cursor == 0
        await pilot.click(Timeline, offset=(10, 0))
        assert line.cursor == 10
        assert app.of(Timeline.BucketChosen) == []
        line.mark(None)
        assert line.marked_bucket is None


async def test_timeline_without_data() -> None:
    app = timeline_app()
    async with app.run_test(size=(48, 10)) as pilot:
        line: Timeline = app.widget
        line.focus()
        await pilot.press("right", "enter")
        await pilot.pause()
        assert app.of(Timeline.BucketChosen) == []
        await wait_for(pilot, lambda: "no events" in screen_text(app), "the empty state")
