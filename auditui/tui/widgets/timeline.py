"""Timeline: a caption, a sparkline of the events over the loaded range, and a time axis.

The app counts the events once at a fine resolution (`auditui.stats.timeline.histogram`, e.g.
`DEFAULT_BUCKETS` buckets) and calls `show_histogram(histogram, selection, selected)`; the
widget merges buckets to fit its width (one cell per bucket) and redraws on resize.
Three lines:

- the caption: the cursor bucket's span and count (`Nov 26 14:00 → 15:00 · 412 events`),
  else the span the query's time terms select and how many events it holds, else the
  whole range;
- the bars; buckets outside the selected span are dim, so the rest of the range stays
  visible and can be picked (the app counts the query *without* its time terms);
- the axis: a few time labels, each starting at its time's column, in the table's zone
  (`utc`, `zone`: `u` on the table switches them).

`show_missing(spans)` marks the spans that did not load (failed windows): their buckets draw
`╳` and the caption says how many windows are missing, so a gap in the data is never read as
a quiet hour. `mark(moment)` marks the bucket of the selected event. Left/right (or a click)
moves the bucket cursor; Enter (or a double click) posts `Timeline.BucketChosen(start, end)`
(the app *replaces* the query's time terms with that bucket's,
`auditui.query.replace_time_terms`); Backspace posts `Timeline.SpanCleared` (the app drops
the time terms: the whole range).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
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
from auditui.timezones import zone_name

# (step, a label is the day) from the finest: the first whose labels do not touch is used
_STEPS: tuple[tuple[timedelta, bool], ...] = (
    *((timedelta(minutes=m), False) for m in (1, 2, 5, 10, 15, 30)),
    *((timedelta(hours=h), False) for h in (1, 2, 3, 6, 12)),
    *((timedelta(days=d), True) for d in (1, 2, 7, 14, 30, 60, 91, 182, 365)),
)
_GAP = 2  # cells at least between two labels


def _zone(utc: bool, zone: tzinfo | None = None) -> tzinfo | None:
    """UTC, else the configured zone when shown (`zone`), else None (the local zone)."""
    return UTC if utc else zone


def _local(moment: datetime, utc: bool, zone: tzinfo | None = None) -> datetime:
    return moment.astimezone(_zone(utc, zone))


def _clock(moment: datetime) -> str:
    if moment.second or moment.microsecond:
        return moment.strftime("%H:%M:%S")
    return moment.strftime("%H:%M")


def span_text(span: TimeRange, *, utc: bool, zone: tzinfo | None = None) -> str:
    """`Nov 26 14:00 → 15:00` (the end's day only when it differs) in the zone shown."""
    start, end = _local(span.start, utc, zone), _local(span.end, utc, zone)
    first = f"{start:%b %d} {_clock(start)}"
    if end.date() == start.date():
        return f"{first} → {_clock(end)}"
    next_midnight = start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    if end == next_midnight:  # the rest of the day
        return f"{first} → 24:00"
    return f"{first} → {end:%b %d} {_clock(end)}"


def _count_text(count: int) -> str:
    return f"{count:,} event{'' if count == 1 else 's'}"


def axis_ticks(shown: Histogram, *, utc: bool, zone: tzinfo | None = None) -> list[tuple[int, str]]:
    """(column, label) of the axis: round times in the zone shown, spaced so labels never
    touch; a tick at midnight (or every tick, for steps of days) reads as the day."""
    width = len(shown)
    span = shown.bounds[-1] - shown.bounds[0]
    if width < 1 or span <= timedelta(0):
        return []
    for step, days in _STEPS:
        label_width = 6 if days else 5
        if step * width / span >= label_width + _GAP:
            break
    else:
        step, days = _STEPS[-1]
    start = _local(shown.bounds[0], utc, zone)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if days:
        tick = midnight
        if step >= timedelta(days=30):  # months and more: from the first of a month
            tick = tick.replace(day=1)
    else:
        since = start - midnight
        tick = midnight + step * (since // step)
    ticks: list[tuple[int, str]] = []
    end = shown.bounds[-1]
    while tick < end:
        if tick >= shown.bounds[0]:
            column = shown.bucket_of(tick)
            if column is not None:
                at_midnight = not (tick.hour or tick.minute or tick.second)
                label = f"{tick:%b %d}" if days or at_midnight else _clock(tick)
                ticks.append((column, label))
        tick = (tick + step).astimezone(_zone(utc, zone))
    placed: list[tuple[int, str]] = []
    for column, label in ticks:  # drop a label that would run into the previous one
        if placed and column < placed[-1][0] + len(placed[-1][1]) + 1:
            continue
        if column + len(label) > width:
            break
        placed.append((column, label))
    return placed


class Timeline(Widget, can_focus=True):
    """Caption, sparkline and time axis with a bucket cursor; see the module doc."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--bars",
        "timeline--outside",
        "timeline--mark",
        "timeline--cursor",
        "timeline--axis",
        "timeline--caption",
        "timeline--missing",
    }

    DEFAULT_CSS: ClassVar[str] = """
    Timeline {
        height: 3;
        width: 1fr;
        background: $surface;
        & > .timeline--bars { color: $primary; }
        & > .timeline--outside { color: $primary 45%; }
        & > .timeline--mark { color: $warning; text-style: bold; }
        & > .timeline--cursor { background: $panel-lighten-2; }
        & > .timeline--axis { color: $text-muted; }
        & > .timeline--caption { color: $text-muted; }
        & > .timeline--missing { color: $error; text-style: bold; }
        &:focus > .timeline--cursor { background: $accent; color: $foreground; }
        &:focus > .timeline--caption { color: $text; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "move(-1)", "Earlier", show=False, id="timeline.prev"),
        Binding("right,l", "move(1)", "Later", show=False, id="timeline.next"),
        Binding("home", "edge(0)", "First", show=False, id="timeline.first"),
        Binding("end", "edge(1)", "Last", show=False, id="timeline.last"),
        Binding("enter", "choose", "Narrow to bucket", id="timeline.choose"),
        Binding("backspace", "clear_span", "Whole range", id="timeline.whole_range"),
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

    class SpanCleared(Message):
        """Drop the query's time terms: back to the whole loaded range."""

        def __init__(self, timeline: Timeline) -> None:
            super().__init__()
            self.timeline = timeline

        @property
        def control(self) -> Timeline:
            return self.timeline

    def __init__(self, *, id: str | None = "timeline", classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.source: Histogram | None = None  # as given (fine)
        self.shown: Histogram | None = None  # resampled to the width
        self.marked: datetime | None = None
        self.selection: TimeRange | None = None  # the span the query's time terms select
        self.selected: int | None = None  # events the whole query matches in it
        self.missing: tuple[TimeRange, ...] = ()  # spans that did not load (failed windows)
        self._utc = False
        self._shown_zone: tzinfo | None = None  # the configured zone while shown

    # -- data ------------------------------------------------------------------------------

    def show_histogram(
        self,
        histogram: Histogram | None,
        selection: TimeRange | None = None,
        selected: int | None = None,
    ) -> None:
        """Show new counts (None: nothing loaded); the cursor keeps its time if it can.

        `selection`: the span the query's time terms select (the rest is drawn dim) and
        `selected` how many events the query matches there (for the caption).
        """
        moment = self._cursor_moment()
        self.source = histogram
        if selection != self.selection:
            self.refresh_bindings()
        self.selection = selection
        self.selected = selected
        self._fit()
        if moment is not None and self.shown is not None:
            self.cursor = self.shown.bucket_of(moment)
        self._update_tooltip()
        self.refresh()

    def show_missing(self, spans: Sequence[TimeRange]) -> None:
        """Mark `spans` as not loaded (failed windows; empty: the whole range loaded)."""
        missing = tuple(spans)
        if missing != self.missing:
            self.missing = missing
            self._update_tooltip()
            self.refresh()

    def missing_buckets(self) -> list[int]:
        """The shown buckets that overlap a span that did not load."""
        shown = self.shown
        if shown is None or not self.missing:
            return []
        bounds = shown.bounds
        return [
            bucket
            for bucket in range(len(shown))
            if any(s.start < bounds[bucket + 1] and bounds[bucket] < s.end for s in self.missing)
        ]

    def mark(self, moment: datetime | None) -> None:
        """Mark the bucket holding `moment` (the selected event's time; None: no mark)."""
        self.marked = moment
        self.refresh()

    @property
    def utc(self) -> bool:
        """Labels and caption in UTC (True) or in the local time zone (False)."""
        return self._utc

    @utc.setter
    def utc(self, value: bool) -> None:
        if value != self._utc:
            self._utc = value
            self._update_tooltip()
            self.refresh()

    @property
    def zone(self) -> tzinfo | None:
        """The configured zone the labels are in when not UTC (None: the local zone)."""
        return self._shown_zone

    @zone.setter
    def zone(self, value: tzinfo | None) -> None:
        if value != self._shown_zone:
            self._shown_zone = value
            self._update_tooltip()
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
        """The cursor bucket as text: `Nov 02 13:00 → 14:00 · 1,234 events`."""
        if self.shown is None or self.cursor is None:
            return ""
        span = self.shown.bucket_range(self.cursor)
        count = self.shown.counts[self.cursor]
        text = f"{span_text(span, utc=self._utc, zone=self._shown_zone)} · {_count_text(count)}"
        if self.cursor in self.missing_buckets():
            return f"{text}, part not loaded"
        return text

    def caption(self) -> str:
        """The first line: the cursor bucket, else the selected span, else the whole range."""
        shown = self.shown
        if shown is None:
            return ""
        zone = "UTC" if self._utc else "local time"
        if not self._utc and self._shown_zone is not None:
            zone = zone_name(self._shown_zone)
        if self.missing:
            noun = "window" if len(self.missing) == 1 else "windows"
            zone += f" · ╳ {len(self.missing)} {noun} not loaded"
        if self.cursor is not None:
            return f"{self.describe_cursor()} ({zone})"
        if self.selection is not None:
            count = self.selected if self.selected is not None else self._count_in(self.selection)
            span = span_text(self.selection, utc=self._utc, zone=self._shown_zone)
            return f"selected {span} · {_count_text(count)} ({zone}) · ⌫ whole range"
        whole = span_text(shown.range, utc=self._utc, zone=self._shown_zone)
        return f"{whole} · {_count_text(shown.total)} ({zone})"

    def _count_in(self, span: TimeRange) -> int:
        source = self.source
        if source is None:
            return 0
        return sum(
            count
            for count, start in zip(source.counts, source.bounds, strict=False)
            if span.start <= start < span.end
        )

    def _selected_buckets(self) -> tuple[int, int] | None:
        """[first, last) of the shown buckets inside the selection (None: no selection)."""
        shown, selection = self.shown, self.selection
        if shown is None or selection is None:
            return None
        first = next((i for i, b in enumerate(shown.bounds[:-1]) if b >= selection.start), None)
        if first is None:
            return (len(shown), len(shown))
        last = first
        while last < len(shown) and shown.bounds[last + 1] <= selection.end:
            last += 1
        return (first, last)

    def watch_cursor(self, cursor: int | None) -> None:
        self._update_tooltip()
        self.refresh()

    def _update_tooltip(self) -> None:
        self.tooltip = Text(self.caption()) if self.shown is not None else None

    # -- drawing ---------------------------------------------------------------------------

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append_text(self._caption_line())
        text.append("\n")
        text.append_text(self._bars_line())
        text.append("\n")
        text.append_text(self._axis_line())
        return text

    def _caption_line(self) -> Text:
        style = self.get_component_rich_style("timeline--caption", partial=True)
        caption = Text(self.caption(), style=style, no_wrap=True, end="")
        caption.truncate(max(self.content_size.width, 1), overflow="ellipsis")  # one line
        return caption

    def _bars_line(self) -> Text:
        if self.shown is None:
            return Text("no events", style="dim italic", end="")
        line = self.shown.sparkline()
        bars = self.get_component_rich_style("timeline--bars", partial=True)
        text = Text(line, style=bars, no_wrap=True, end="")
        inside = self._selected_buckets()
        if inside is not None:
            outside = self.get_component_rich_style("timeline--outside", partial=True)
            text.stylize(outside, 0, inside[0])
            text.stylize(outside, inside[1], len(line))
        missing = self.missing_buckets()
        if missing:
            failed = self.get_component_rich_style("timeline--missing", partial=True)
            for bucket in missing:
                text = _replace_char(text, bucket, "╳")
                text.stylize(failed, bucket, bucket + 1)
        marked = self.marked_bucket
        if marked is not None:
            mark = self.get_component_rich_style("timeline--mark", partial=True)
            if line[marked] == " ":  # an empty bucket still shows where the event is
                text = _replace_char(text, marked, "·")
            text.stylize(mark, marked, marked + 1)
        if self.cursor is not None:
            cursor: Style = self.get_component_rich_style("timeline--cursor", partial=True)
            text.stylize(cursor, self.cursor, self.cursor + 1)
        return text

    def _axis_line(self) -> Text:
        if self.shown is None:
            return Text("", end="")
        cells = [" "] * len(self.shown)
        for column, label in axis_ticks(self.shown, utc=self._utc, zone=self._shown_zone):
            cells[column : column + len(label)] = label
        style = self.get_component_rich_style("timeline--axis", partial=True)
        return Text("".join(cells), style=style, no_wrap=True, end="")

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Backspace shows (dimmed) only while the query selects a span."""
        if action == "clear_span" and self.selection is None:
            return None
        return True

    def action_clear_span(self) -> None:
        """Backspace: post `SpanCleared` (the app drops the query's time terms)."""
        if self.selection is not None:
            self.post_message(self.SpanCleared(self))

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
