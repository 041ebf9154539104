"""The one-line header (profile, host, range, counts, filter) and the loading progress line.

Both draw `rich.text.Text` built from plain strings, never markup: the host and profile
come from the user's config, the counts from the data, the filter from the user, and none
of it is interpreted. When the header is too narrow its parts go whole, least useful
first (`STEPS`); the history's depth (`◀ 3`), the range (in the table's clock) and the
counts stay.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import msgspec
from msgspec.structs import replace
from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from auditui.textsafe import visible
from auditui.timespec import TimeRange
from auditui.timezones import zone_name
from auditui.units import human_bytes

if TYPE_CHECKING:
    from textual.widgets import ProgressBar

REDRAW_EVERY = 0.1  # seconds between progress redraws while windows arrive


class HeaderInfo(msgspec.Struct, frozen=True):
    """Everything the header line shows."""

    profile: str
    host: str
    time_range: TimeRange | None = None
    total: int = 0
    shown: int | None = None
    skipped: int = 0
    dropped: int = 0
    demo: bool = False
    loading: bool = False
    windows: int = 0  # windows of the loaded range
    cached_windows: int = 0  # of those, read from the local cache
    archived_events: int = 0  # events read from the local archive ("812,004 from the archive")
    incomplete: str = ""  # e.g. "incomplete: 1 of 3 windows failed (HTTP 500)"; never dropped
    incomplete_short: str = ""  # its narrow form ("incomplete: 1/3 failed (HTTP 500)")
    utc: bool = True  # the range in UTC (True) or local time, as the table shows times
    zone: tzinfo | None = None  # ... or this configured zone (`u`), named in the header
    filter: str = ""  # the query applied, shown while the filter bar is closed
    back: int = 0  # history steps Backspace can go back (`◀ 3`); never dropped
    forward: int = 0  # ... and shift+Backspace forward (`▶ 1`)
    follow: str = ""  # `following · polled 4 s ago · +12` while following (`F`); never dropped


class _Form(msgspec.Struct, frozen=True):
    """How much of each optional part the header draws (see `STEPS`)."""

    host: bool = True
    cache: bool = True
    archive: str = "full"  # "812,004 from the archive", "short" ("… archived") or "none"
    demo: bool = True
    brand: bool = True
    profile: bool = True
    loading: bool = True
    range_form: str = "full"  # "full", "short" (no year), "compact" (no spaces), "tiny"
    count: str = "full"  # "12 of 345 events", or "short": "12/345"
    warnings: str = "full"  # skipped/dropped: "full", "short", "none"
    incomplete: str = "full"  # the incomplete note: "full" or "short"
    filter_width: int | None = None  # cells for the filter's text (None: all of it)
    filter: bool = True


FILTER_MIN = 6  # cells of the filter's own text below which it is left out
STEPS: tuple[dict[str, object], ...] = (
    {"host": False},
    {"cache": False},
    {"demo": False},
    {"brand": False},
    {"range_form": "short"},
    {"loading": False},
    {"warnings": "short"},
    {"archive": "short"},
    {"profile": False},
    {"incomplete": "short"},
    {"filter_width": -1},  # -1: from here on, the filter gets whatever width is left
    {"range_form": "compact"},
    {"warnings": "none"},
    {"archive": "none"},
    {"filter": False},
    {"count": "short"},
    {"range_form": "tiny"},
)
"""What goes, in order, when the header is too wide: the range, the count and the
"incomplete" note go last (the range and the note only shorten), and whole parts go, never half a
word; only the filter's text is cut (with "…"), and the line as a whole if nothing else
is left."""


def header_text(info: HeaderInfo, width: int | None = None) -> Text:
    """The header line: `auditui profile · host · range · 12,345 events · filter: …`.

    Given a `width`, parts make room in the order of `STEPS`: first the host, then the
    cache note, the profile's details, …; the range and the counts stay to the end.
    """
    form = _Form()
    text = _header_text(info, form)
    if width is None:
        return text
    for step in STEPS:
        if text.cell_len <= width:
            break
        form = replace(form, **step)
        if form.filter_width is not None and info.filter and form.filter:
            others = _header_text(info, replace(form, filter=False)).cell_len
            room = width - others - cell_len(f" · {FILTER_LABEL}")
            form = replace(form, filter_width=max(room, FILTER_MIN))
        text = _header_text(info, form)
    if text.cell_len > width:  # the last resort: cut the line, ending in "…"
        text.truncate(width, overflow="ellipsis")
    return text


FILTER_LABEL = "filter: "


def range_label(
    time_range: TimeRange, *, utc: bool, zone: tzinfo | None = None, form: str = "full"
) -> str:
    """The range in UTC, in `zone` (the configured one, when shown) or in local time, naming
    its clock: `2026-11-25 17:30 → 2026-11-26 17:30 UTC+05:30` (the offset, by each end when
    they differ; a configured zone also by name in the "full" and "short" forms:
    `… 17:30 Europe/Berlin UTC+01:00`); `form` "short" leaves out the year, "compact" also
    the spaces around the arrow, "tiny" writes the clock as in ISO 8601 (`11-25
    12:00→11-26 12:00Z`, `…17:30+05:30`)."""
    clock = UTC if utc else zone
    start, end = time_range.start.astimezone(clock), time_range.end.astimezone(clock)
    fmt = "%Y-%m-%d %H:%M" if form == "full" else "%m-%d %H:%M"
    arrow = " → " if form in ("full", "short") else "→"
    first, last = _zone(start), _zone(end)
    if form == "tiny":
        first, last = (zone.replace("UTC", "") or "Z" for zone in (first, last))
        if first == last:
            return f"{start.strftime(fmt)}{arrow}{end.strftime(fmt)}{first}"
        return f"{start.strftime(fmt)}{first}{arrow}{end.strftime(fmt)}{last}"
    name = f" {zone_name(clock)}" if clock is not None and clock is not UTC else ""
    if first == last:
        return f"{start.strftime(fmt)}{arrow}{end.strftime(fmt)}{name} {first}"
    return f"{start.strftime(fmt)} {first}{arrow}{end.strftime(fmt)} {last}{name}"


def _zone(stamp: datetime) -> str:
    """`UTC`, or the offset from it (`UTC+05:30`): a zone's abbreviation is ambiguous."""
    offset = stamp.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _header_text(info: HeaderInfo, form: _Form) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    parts: list[Text] = []
    if form.brand:
        text.append(" auditui ", style="bold reverse")
    if form.profile:
        who = Text(visible(info.profile), style="bold")
        if info.demo and form.demo:
            who.append(" (demo)", style="italic")
        parts.append(who)
    if form.host:
        parts.append(Text("built-in demo server" if info.demo else visible(info.host), "dim"))
    if info.back or info.forward:
        parts.append(Text(history_mark(info.back, info.forward), style="bold"))
    if info.time_range is not None:
        parts.append(
            Text(range_label(info.time_range, utc=info.utc, zone=info.zone, form=form.range_form))
        )
    if info.shown is not None and info.shown != info.total:
        counted = f"{info.shown:,}/{info.total:,}" if form.count == "short" else None
        count = Text(counted or f"{info.shown:,} of {info.total:,} events", style="bold")
    else:
        count = Text(f"{info.total:,} events", style="bold")
    if info.archived_events and form.archive != "none":
        where = "from the archive" if form.archive == "full" else "archived"
        count.append(f" · {info.archived_events:,} {where}", style="dim")
    note = info.incomplete_short if form.incomplete == "short" else ""
    if note or info.incomplete:
        count.append(" · ")
        count.append(visible(note or info.incomplete), style="bold yellow")
    parts.append(count)
    if info.follow:
        parts.append(Text(visible(info.follow), style="bold green"))
    if info.filter and form.filter:
        shown = visible(info.filter)
        if form.filter_width is not None:
            shown = _cut(shown, form.filter_width)
        parts.append(Text.assemble((FILTER_LABEL, "dim"), (shown, "bold")))
    if info.cached_windows and form.cache:
        note = f"{info.cached_windows:,}/{info.windows:,} windows from cache"
        parts.append(Text(note, style="dim"))
    if info.skipped and form.warnings != "none":
        parts.append(Text(f"{info.skipped:,} skipped", style="yellow"))
    if info.dropped and form.warnings != "none":
        label = "outside range dropped" if form.warnings == "full" else "dropped"
        parts.append(Text(f"{info.dropped:,} {label}", style="yellow"))
    if info.loading and form.loading:
        parts.append(Text("loading…", style="italic"))
    text.append(" ")
    text.append_text(Text(" · ").join(parts))
    return text


def history_mark(back: int, forward: int) -> str:
    """The history's depth: `◀ 3` (steps back), `◀ 3 ▶ 1` with steps forward."""
    marks = [f"◀ {back:,}"] if back else []
    if forward:
        marks.append(f"▶ {forward:,}")
    return " ".join(marks)


def _cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, ending in "…" when cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)) + "…"


class HeaderLine(Widget):
    """The top line of the main screen, drawn from `info` when the screen is drawn (once a
    frame, however many times the session's counts changed in between)."""

    DEFAULT_CSS = """
    HeaderLine {
        height: 1;
        width: 100%;
        background: $panel;
        color: $foreground;
    }
    """

    # one line, full width: new text never changes the layout (a relayout for each
    # streamed window would cost more than the window's rows); a change repaints the line
    info: reactive[HeaderInfo | None] = reactive(None)

    def render(self) -> Text:
        info = self.info
        return header_text(info, self.size.width or None) if info else Text("")


class LoadProgress(Horizontal):
    """A progress bar with a caption (`windows 3/7 · 12,345 events · 4.2 MiB · Esc cancels`).

    The bar and the caption are made at the first start that lasts until the next frame:
    a load that ends before it (the browser's first, prefetched, or the demo's) never
    builds them. That spares the start-up their composition and styling, and leaves no
    indeterminate bar animating (15 frames a second) out of sight. Until they exist, the
    line keeps what it would show (`_shown`) for them."""

    DEFAULT_CSS = """
    LoadProgress {
        height: 1;
        width: 100%;
        display: none;
        background: $boost;
    }
    LoadProgress.-active { display: block; }
    LoadProgress ProgressBar { width: 34; }
    LoadProgress #load-caption { width: 1fr; }
    """

    _drawn_at = 0.0
    _bar: ProgressBar | None = None  # (Textual's module imported with the first)
    _caption: Static | None = None
    _building = False
    # what the line shows: the caption, and the bar's (total, progress) (total None: busy)
    _shown: tuple[str, float | None, float] = ("", None, 0)

    def start(self, caption: str) -> None:
        self._drawn_at = 0.0
        self.add_class("-active")
        self.show(caption, None, 0)
        if self._bar is None and not self._building:
            self._building = True
            self.call_after_refresh(self._build)

    def advance(self, done: int, total: int, events: int, size: int) -> None:
        """Show progress; at most every `REDRAW_EVERY` seconds until the last window (each
        redraw repaints the screen, which competes with loading for the CPU)."""
        now = time.monotonic()
        if done < total and now - self._drawn_at < REDRAW_EVERY:
            return
        self._drawn_at = now
        caption = f" windows {done}/{total} · {events:,} events · {human_bytes(size)} · Esc cancels"
        self.show(caption, max(total, 1), done)

    def stop(self) -> None:
        self.remove_class("-active")
        if self._bar is not None and self._bar.total is None:
            self._bar.update(total=1, progress=0)  # not busy: its animation stops

    def show(self, caption: str, total: float | None, progress: float) -> None:
        """Show `caption` and the bar at `progress` of `total` (None: busy, no total yet)."""
        self._shown = (caption, total, progress)
        if self._bar is not None and self._caption is not None:
            self._bar.update(total=total, progress=progress)
            self._caption.update(Text(caption), layout=False)

    def _build(self) -> None:
        """The bar and the caption, if the line is still shown a frame after its start (and
        still on the screen: the App may be closing)."""
        self._building = False
        if self._bar is not None or not self.has_class("-active") or not self.is_attached:
            return
        from textual.widgets import ProgressBar

        # no percentage: it had 2 of the 5 cells it needs beside the bar ("1" for 100%), and
        # the caption says the windows done
        self._bar = ProgressBar(total=None, show_eta=False, show_percentage=False, id="load-bar")
        self._caption = Static("", id="load-caption")
        self.mount(self._bar, self._caption)
        self.show(*self._shown)
