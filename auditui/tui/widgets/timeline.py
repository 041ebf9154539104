"""Timeline: a one-line sparkline of the filtered events over the loaded range.

The app counts the events once at a fine resolution (`auditui.stats.timeline.histogram`, e.g.
`DEFAULT_BUCKETS` buckets) and calls `show_histogram(histogram)`; the widget merges buckets
to fit its width (one cell per bucket) and redraws on resize. `mark(moment)` marks the
bucket of the selected event. Left/right (or a click) moves the bucket cursor; Enter (or a
double click) posts `Timeline.BucketChosen(start, end)` so the app can add `after:`/`before:`
terms (`auditui.stats.timeline.time_terms`). The cursor bucket's range and count are in the
tooltip and in `describe_cursor()`.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from auditui.stats import Histogram
from auditui.timespec import TimeRange


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


class Timeline(Widget, can_focus=True):
    """A sparkline of event counts over time with a bucket cursor; see the module doc."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--bars",
        "timeline--mark",
        "timeline--cursor",
    }

    DEFAULT_CSS: ClassVar[str] = """
    Timeline {
        height: 1;
        width: 1fr;
        background: $surface;
        & > .timeline--bars { color: $primary; }
        & > .timeline--mark { color: $warning; text-style: bold; }
        & > .timeline--cursor { background: $panel-lighten-2; }
        &:focus > .timeline--cursor { background: $accent; color: $foreground; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1)", "Earlier", show=False, id="timeline.prev"),
        Binding("right,l", "move(1)", "Later", show=False, id="timeline.next"),
        Binding("home", "edge(0)", "First", show=False, id="timeline.first"),
        Binding("end", "edge(1)", "Last", show=False, id="timeline.last"),
        Binding("enter", "choose", "Narrow to bucket", id="timeline.choose"),
    ]

    cursor: reactive[int | None] = reactive(None)

    class BucketChosen(Message):
        """Narrow the filter to [start, end) (one bucket of the timeline)."""

        def __init__(self, timeline: Timeline, start: datetime, end: datetime) -> None:
            super().__init__()
            self.timeline = timeline
            self.start = start
            self.end = end

        @property
        def control(self) -> Timeline:
            return self.timeline

        @property
        def range(self) -> TimeRange:
            return TimeRange(self.start, self.end)

    def __init__(self, *, id: str | None = "timeline", classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source: Histogram | None = None  # as given (fine)
        self.shown: Histogram | None = None  # resampled to the width
        self.marked: datetime | None = None

    # -- data ------------------------------------------------------------------------------

    def show_histogram(self, histogram: Histogram | None) -> None:
        """Show new counts (None: nothing loaded); the cursor keeps its time if it can."""
        moment = self._cursor_moment()
        self.source = histogram
        self._fit()
        if moment is not None and self.shown is not None:
            self.cursor = self.shown.bucket_of(moment)
        self.refresh()

    def mark(self, moment: datetime | None) -> None:
        """Mark the bucket holding `moment` (the selected event's time; None: no mark)."""
        self.marked = moment
        self.refresh()

    @property
    def buckets(self) -> int:
        """How many buckets fit (one per cell)."""
        return max(1, self.content_size.width)

    def _fit(self) -> None:
        self.shown = None if self.source is None else self.source.resample(self.buckets)
        if self.shown is not None and self.cursor is not None:
            self.cursor = min(self.cursor, len(self.shown) - 1)

    def _cursor_moment(self) -> datetime | None:
        if self.shown is None or self.cursor is None:
            return None
        return self.shown.bounds[self.cursor]

    def on_resize(self, event: events.Resize) -> None:
        moment = self._cursor_moment()
        self._fit()
        if moment is not None and self.shown is not None:
            self.cursor = self.shown.bucket_of(moment)

    @property
    def marked_bucket(self) -> int | None:
        if self.shown is None or self.marked is None:
            return None
        return self.shown.bucket_of(self.marked)

    def describe_cursor(self) -> str:
        """The cursor bucket as text: `2026-11-02 13:00:00 → 14:00:00 UTC: 1,234 events`."""
        if self.shown is None or self.cursor is None:
            return ""
        span = self.shown.bucket_range(self.cursor)
        count = self.shown.counts[self.cursor]
        end = _stamp(span.end)
        if span.end.date() == span.start.date():
            end = end[11:]
        noun = "event" if count == 1 else "events"
        return f"{_stamp(span.start)} → {end} UTC: {count:,} {noun}"

    def watch_cursor(self, cursor: int | None) -> None:
        self.tooltip = Text(self.describe_cursor()) if cursor is not None else None
        self.refresh()

    # -- drawing ---------------------------------------------------------------------------

    def render(self) -> Text:
        if self.shown is None:
            return Text("no events", style="dim italic")
        line = self.shown.sparkline()
        bars = self.get_component_rich_style("timeline--bars", partial=True)
        text = Text(line, style=bars, no_wrap=True, overflow="crop", end="")
        marked = self.marked_bucket
        if marked is not None:
            mark = self.get_component_rich_style("timeline--mark", partial=True)
            text.stylize(mark, marked, marked + 1)
            if line[marked] == " ":  # an empty bucket still shows where the event is
                text = _replace_char(text, marked, "·")
        if self.cursor is not None:
            cursor: Style = self.get_component_rich_style("timeline--cursor", partial=True)
            text.stylize(cursor, self.cursor, self.cursor + 1)
        return text

    # -- input -----------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        """Move the bucket cursor by `step` buckets."""
        if self.shown is None:
            return
        if self.cursor is None:
            start = self.marked_bucket
            self.cursor = start if start is not None else (0 if step > 0 else len(self.shown) - 1)
            return
        self.cursor = max(0, min(len(self.shown) - 1, self.cursor + step))

    def action_edge(self, last: int) -> None:
        """Move the cursor to the first (0) or last (1) bucket."""
        if self.shown is not None:
            self.cursor = len(self.shown) - 1 if last else 0

    def action_choose(self) -> None:
        """Post `BucketChosen` for the cursor bucket."""
        if self.shown is None or self.cursor is None:
            return
        span = self.shown.bucket_range(self.cursor)
        self.post_message(self.BucketChosen(self, span.start, span.end))

    def select_bucket(self, bucket: int) -> None:
        """Put the cursor on a bucket (clamped)."""
        if self.shown is not None:
            self.cursor = max(0, min(len(self.shown) - 1, bucket))

    def on_click(self, event: events.Click) -> None:
        if self.shown is None:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        self.focus()
        self.select_bucket(offset.x)
        if event.chain >= 2:
            self.action_choose()


def _replace_char(text: Text, position: int, char: str) -> Text:
    plain = text.plain
    copy = text.copy()
    copy.plain = plain[:position] + char + plain[position + 1 :]
    return copy
