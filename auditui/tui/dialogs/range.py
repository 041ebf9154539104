"""`RangeDialog`: pick the time range to load (presets or custom From/To).

Presets (15m … 90d; buttons and keys 1-6) apply at once; the dialog opens with Apply
focused so the digits reach the presets, and Tab moves into the inputs. The From/To inputs take the
WHEN forms of the command line (`timespec.parse_when`) and are checked as you type: an
error line says what is wrong and Apply stays disabled; a preview shows the resolved range
in UTC and local time. Enter applies, Esc cancels. Dismisses with a `TimeRange` or None.

`zone` is the clock the table shows (UTC, None for local, or the configured zone): the
inputs open with the current range in it (with its offset), a date or a time typed without
an offset is read in it, and the preview shows the range in it first, named with its offset.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from auditui.errors import UsageError
from auditui.textsafe import visible
from auditui.timespec import TimeRange, format_utc, parse_duration, parse_when, utcnow
from auditui.timezones import zone_label

PRESETS: tuple[str, ...] = ("15m", "1h", "24h", "7d", "30d", "90d")
"""The preset durations back from now, in key order (1-6)."""


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def _in(moment: datetime, zone: tzinfo | None) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


class RangeDialog(ModalScreen[TimeRange | None]):
    """Choose a range: a preset, or custom From/To in the CLI's WHEN forms."""

    DEFAULT_CSS: ClassVar[str] = """
    RangeDialog {
        align: center middle;
    }
    RangeDialog > #range-box {
        width: 76;
        max-width: 95%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    RangeDialog #range-title {
        text-style: bold;
    }
    RangeDialog #range-presets {
        height: auto;
        margin: 1 0;
    }
    RangeDialog #range-presets Button {
        min-width: 9;
        margin-right: 1;
    }
    RangeDialog #range-fields {
        grid-size: 2;
        grid-columns: 6 1fr;
        grid-rows: 3;
        height: auto;
    }
    RangeDialog #range-fields Label {
        padding: 1 0 0 0;
    }
    RangeDialog #range-error {
        color: $text-error;
        height: auto;
    }
    RangeDialog #range-preview {
        color: $text-muted;
        height: auto;
    }
    RangeDialog #range-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    RangeDialog #range-buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="range.cancel"),
        *(
            Binding(str(number), f"preset({number - 1})", f"Last {spec}", id=f"range.preset_{spec}")
            for number, spec in enumerate(PRESETS, start=1)
        ),
    ]

    def __init__(
        self,
        current: TimeRange | None = None,
        *,
        now: Callable[[], datetime] = utcnow,
        zone: tzinfo | None = UTC,
    ) -> None:
        super().__init__()
        self.current = current
        self._now = now
        self.zone = zone  # times typed without an offset are read in it (None: local)
        self._valid: TimeRange | None = current

    def compose(self) -> ComposeResult:
        with Vertical(id="range-box"):
            title = "Time range" if self.zone is UTC else f"Time range · times in {self._label()}"
            yield Static(Text(title), id="range-title")
            with Horizontal(id="range-presets"):
                for number, spec in enumerate(PRESETS, start=1):
                    button = Button(f"{number} {spec}", id=f"range-preset-{spec}", compact=True)
                    button.can_focus = False  # reached with keys 1-6 (or the mouse)
                    yield button
            with Grid(id="range-fields"):
                yield Label(Text("From"))
                yield Input(
                    self._initial("start"),
                    placeholder="2026-11-02, 2026-11-02T13:00Z, 7d, yesterday",
                    id="range-from",
                )
                yield Label(Text("To"))
                yield Input(self._initial("end"), placeholder="now", id="range-to")
            yield Static(id="range-error", markup=False)
            yield Static(id="range-preview", markup=False)
            with Horizontal(id="range-buttons"):
                yield Button("Cancel", id="range-cancel")
                yield Button("Apply", id="range-apply", variant="primary")

    def _initial(self, role: str) -> str:
        if self.current is None:
            return ""
        moment = self.current.start if role == "start" else self.current.end
        if self.zone is UTC:
            return format_utc(moment)
        return moment.astimezone(self.zone).isoformat(timespec="seconds")

    def _label(self, shown: TimeRange | None = None) -> str:
        """The zone named with its offset: now, or over `shown` (both offsets across DST)."""
        if shown is None:
            return zone_label(self.zone, self._now())
        first, last = (zone_label(self.zone, moment) for moment in (shown.start, shown.end))
        return first if first == last else f"{first[:-1]} → {last.rsplit('(', 1)[1]}"

    def on_mount(self) -> None:
        self._validate()
        # Not an input, so that keys 1-6 pick presets; Tab reaches From/To.
        self.query_one("#range-apply", Button).focus()

    # -- validation ---------------------------------------------------------------------

    def resolve(self) -> TimeRange:
        """The range the inputs describe now; raises `UsageError` when they don't."""
        now = self._now()
        start_text = self.query_one("#range-from", Input).value
        end_text = self.query_one("#range-to", Input).value
        start = parse_when(start_text, role="start", now=now, zone=self.zone)
        end = parse_when(end_text, role="end", now=now, zone=self.zone) if end_text.strip() else now
        if end <= start:
            raise UsageError(
                f"End before start: {format_utc(end)} is not after {format_utc(start)}."
            )
        return TimeRange(start, end)

    def _validate(self) -> TimeRange | None:
        error = self.query_one("#range-error", Static)
        preview = self.query_one("#range-preview", Static)
        apply = self.query_one("#range-apply", Button)
        try:
            resolved = self.resolve()
        except UsageError as exc:
            self._valid = None
            error.update(Text(visible(str(exc))))
            error.display = True
            preview.update(Text(""))
            apply.disabled = True
            return None
        self._valid = resolved
        error.update(Text(""))
        error.display = False
        in_utc = f"{format_utc(resolved.start)} → {format_utc(resolved.end)}  (UTC)"
        if self.zone is UTC:
            shown = f"{in_utc}\n{_local(resolved.start)} → {_local(resolved.end)}  (local)"
        else:
            start, end = (_in(moment, self.zone) for moment in (resolved.start, resolved.end))
            shown = f"{start} → {end}  in {self._label(resolved)}\n{in_utc}"
        preview.update(Text(f"{shown}\n{_duration(resolved.duration)}"))
        apply.disabled = False
        return resolved

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._validate()

    # -- applying -----------------------------------------------------------------------

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id or ""
        if button == "range-apply":
            self.action_apply()
        elif button == "range-cancel":
            self.action_cancel()
        elif button.startswith("range-preset-"):
            self.action_preset(PRESETS.index(button.removeprefix("range-preset-")))

    def action_apply(self) -> None:
        """Apply the custom range if it is valid (Enter in an input does the same)."""
        resolved = self._validate()
        if resolved is not None:
            self.dismiss(resolved)

    def action_preset(self, index: int) -> None:
        """Apply preset `index` (0 = 15m … 5 = 90d) back from now."""
        duration = parse_duration(PRESETS[index])
        assert duration is not None
        now = self._now()
        self.dismiss(TimeRange(now - duration, now))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    units = ((days, "d"), (hours, "h"), (minutes, "m"), (0 if days else seconds, "s"))
    parts = [f"{amount}{unit}" for amount, unit in units if amount]
    return "spans " + (" ".join(parts) or "less than a second")
