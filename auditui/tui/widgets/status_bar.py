"""The one-line header (profile, host, range, counts) and the loading progress line.

Both draw `rich.text.Text` built from plain strings, never markup: the host and profile
come from the user's config, the counts from the data, and none of it is interpreted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import ProgressBar, Static

from auditui.textsafe import visible
from auditui.timespec import TimeRange
from auditui.units import human_bytes

REDRAW_EVERY = 0.1  # seconds between progress redraws while windows arrive


@dataclass(frozen=True)
class HeaderInfo:
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


def header_text(info: HeaderInfo, width: int | None = None) -> Text:
    """The header line: `profile · host · range · 12,345 events · 5/7 windows from cache`.

    Given a `width`, the host and then the range make room so that the counts, the part
    that changes, always show: first the host goes, then the range's year, then the range.
    """
    variants = ((True, "full"), (False, "full"), (False, "short"), (False, None))
    text = Text()
    for show_host, range_form in variants:
        text = _header_text(info, show_host=show_host, range_form=range_form)
        if width is None or text.cell_len <= width:
            break
    return text


def _range_label(time_range: TimeRange, form: str) -> str:
    if form == "full":
        return time_range.label()
    fmt = "%m-%d %H:%M"
    return f"{time_range.start.strftime(fmt)} → {time_range.end.strftime(fmt)} UTC"


def _header_text(info: HeaderInfo, *, show_host: bool, range_form: str | None) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" auditui ", style="bold reverse")
    text.append(" ")
    text.append(visible(info.profile), style="bold")
    if info.demo:
        text.append(" (demo)", style="italic")
    if show_host:
        text.append(" · ")
        text.append("built-in demo server" if info.demo else visible(info.host), style="dim")
    if info.time_range is not None and range_form is not None:
        text.append(" · ")
        text.append(_range_label(info.time_range, range_form))
    text.append(" · ")
    if info.shown is not None and info.shown != info.total:
        text.append(f"{info.shown:,} of {info.total:,} events", style="bold")
    else:
        text.append(f"{info.total:,} events", style="bold")
    if info.cached_windows:
        text.append(f" · {info.cached_windows:,}/{info.windows:,} windows from cache", style="dim")
    if info.skipped:
        text.append(f" · {info.skipped:,} skipped", style="yellow")
    if info.dropped:
        text.append(f" · {info.dropped:,} outside range dropped", style="yellow")
    if info.loading:
        text.append(" · loading…", style="italic")
    return text


class HeaderLine(Static):
    """The top line of the main screen."""

    DEFAULT_CSS = """
    HeaderLine {
        height: 1;
        width: 100%;
        background: $panel;
        color: $foreground;
    }
    """

    info: reactive[HeaderInfo | None] = reactive(None)

    def watch_info(self, info: HeaderInfo | None) -> None:
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        info, width = self.info, self.size.width
        # one line, full width: new text never changes the layout (a relayout for each
        # streamed window would cost more than the window's rows)
        self.update(header_text(info, width or None) if info else Text(""), layout=False)


class LoadProgress(Horizontal):
    """A progress bar with a caption (`windows 3/7 · 12,345 events · 4.2 MiB · Esc cancels`)."""

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

    def compose(self) -> ComposeResult:
        yield ProgressBar(total=None, show_eta=False, id="load-bar")
        yield Static("", id="load-caption")

    _drawn_at = 0.0

    def start(self, caption: str) -> None:
        self._drawn_at = 0.0
        self.add_class("-active")
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#load-caption", Static).update(Text(caption))

    def advance(self, done: int, total: int, events: int, size: int) -> None:
        """Show progress; at most every `REDRAW_EVERY` seconds until the last window (each
        redraw repaints the screen, which competes with loading for the CPU)."""
        now = time.monotonic()
        if done < total and now - self._drawn_at < REDRAW_EVERY:
            return
        self._drawn_at = now
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        caption = f" windows {done}/{total} · {events:,} events · {human_bytes(size)} · Esc cancels"
        self.query_one("#load-caption", Static).update(Text(caption), layout=False)

    def stop(self) -> None:
        self.remove_class("-active")
