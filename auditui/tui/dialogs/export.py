"""`ExportDialog`: where and how to write the shown events (path + NDJSON/JSON/CSV/OCSF/ECS).

The path starts as `./auditui-<range slug>.<ext>` in the working directory, with a short
form of the query when filtered (`./auditui-<range slug>-status-failure.ndjson`,
`query_slug`); the format radio (NDJSON by default, JSON, CSV, OCSF, ECS) swaps the
extension (OCSF and ECS: `.ocsf.ndjson`, `.ecs.ndjson`), and typing a known extension
picks the format (never OCSF or ECS: a name ending in theirs keeps them); "Only the N
marked events" (`marked`: how many of the shown events are marked; off and disabled when
none) narrows the export. The path
is checked as you type: a missing folder or a folder as the target is an error; an
existing file needs "Overwrite" ticked. Enter applies from any focus (a focused button:
Enter presses it; Tab reaches Export before Cancel), Esc cancels (a toast says nothing
was written). Dismisses with an `ExportRequest` (absolute path) or None. The writing itself
is `auditui.export.job.export_events`, in a worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from auditui.export.formats import FORMATS, ExportFormat, format_for_path
from auditui.textsafe import visible
from auditui.timespec import TimeRange
from auditui.tui.widgets.checks import Check, Choice

EXTENSIONS: dict[ExportFormat, str] = {
    "ndjson": ".ndjson",
    "json": ".json",
    "csv": ".csv",
    "ocsf": ".ocsf.ndjson",
    "ecs": ".ecs.ndjson",
}
LABELS: dict[ExportFormat, str] = {
    "ndjson": "NDJSON (one per line)",  # at most 26 characters: two columns fit 80 wide
    "json": "JSON array",
    "csv": "CSV (payload as JSON text)",
    "ocsf": "OCSF API Activity (NDJSON)",
    "ecs": "ECS for Elastic (NDJSON)",
}
# Longest first: the security formats' names end in `.ndjson` too.
_KNOWN_SUFFIXES = (".ocsf.ndjson", ".ecs.ndjson", ".ndjson", ".jsonl", ".json", ".csv")


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """What the user asked for: an absolute path, a format, and whether to overwrite."""

    path: Path
    format: ExportFormat
    overwrite: bool
    marked_only: bool = False  # only the marked events of those shown


QUERY_SLUG_LENGTH = 40  # at most this many characters of the query in a file name
_SLUG_NEGATION = re.compile(r"(^|[\s(])-(?=\S)")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9._]+")
_SLUG_DASHES = re.compile(r"[-.]*-[-.]*")  # `-.`, `.-`, `-..-`: one dash
_SLUG_DOTS = re.compile(r"\.{2,}")


def query_slug(query: str, limit: int = QUERY_SLUG_LENGTH) -> str:
    """A short, file-name-safe form of a query: `status:failure -source:ci` reads
    `status-failure-not-source-ci` (ASCII letters, digits, `.`, `_` and `-`; cut at a `-`
    to at most `limit` characters; "" for an empty query)."""
    text = _SLUG_NEGATION.sub(r"\1not-", query.strip()).lower()
    slug = _SLUG_UNSAFE.sub("-", text)
    slug = _SLUG_DOTS.sub(".", _SLUG_DASHES.sub("-", slug)).strip("-.")
    if len(slug) > limit:
        cut = slug[: limit + 1].rfind("-")
        slug = slug[: cut if cut > limit // 2 else limit].rstrip("-.")
    return slug


def default_name(
    time_range: TimeRange | None,
    fmt: ExportFormat = "ndjson",
    query: str = "",
    *,
    marked: bool = False,
) -> str:
    """`./auditui-<range slug>[-<query slug>][-marked].<ext>` (`./auditui-events.<ext>`
    without a range); a filtered export carries a short form of its query (`query_slug`),
    one of the marked events only `-marked`."""
    slug = time_range.slug() if time_range is not None else "events"
    extra = query_slug(query)
    if extra:
        slug = f"{slug}-{extra}"
    if marked:
        slug = f"{slug}-marked"
    return f"./auditui-{slug}{EXTENSIONS[fmt]}"


def with_extension(path: str, fmt: ExportFormat) -> str:
    """`path` with its known extension swapped for `fmt`'s (appended when it has none)."""
    lowered = path.lower()
    for suffix in _KNOWN_SUFFIXES:
        if lowered.endswith(suffix):
            return path[: -len(suffix)] + EXTENSIONS[fmt]
    return path + EXTENSIONS[fmt] if path.strip() else path


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Ask for the export path and format; see the module doc."""

    DEFAULT_CSS: ClassVar[str] = """
    ExportDialog {
        align: center middle;
    }
    ExportDialog > #export-box {
        width: 76;
        max-width: 95%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    ExportDialog #export-title {
        text-style: bold;
    }
    ExportDialog #export-warning { color: $warning; text-style: bold; }
    ExportDialog #export-summary, ExportDialog #export-hint {
        color: $text-muted;
        height: auto;
    }
    ExportDialog #export-path {
        margin-top: 1;
    }
    ExportDialog #export-formats {
        width: 100%;
        margin-top: 1;
        layout: grid;  /* two columns: five formats in three rows, so 80x24 still fits */
        grid-size: 2;
        grid-rows: 1;
        height: auto;
    }
    ExportDialog #export-error {
        color: $text-error;
        height: auto;
    }
    ExportDialog #export-overwrite {
        display: none;
    }
    ExportDialog.-exists #export-overwrite {
        display: block;
    }
    ExportDialog #export-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    ExportDialog #export-buttons Button {
        margin-left: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
        Binding("ctrl+s", "apply", "Export", id="export.apply"),
        # Enter exports wherever the focus is (the format list and the checkbox would
        # take it as Space); on a focused button it presses that button.
        Binding("enter", "enter", "Export", id="export.enter", show=False, priority=True),
    ]

    def __init__(
        self,
        count: int,
        time_range: TimeRange | None = None,
        *,
        cwd: Path | None = None,
        fmt: ExportFormat = "ndjson",
        warning: str = "",
        saved_as: str = "0600 (private)",
        query: str = "",
        marked: int = 0,
    ) -> None:
        super().__init__()
        self.count = count
        self.marked = marked  # how many of the shown events are marked
        self.query_text = query  # the filter applied: a short form goes in the file name
        self.saved_as = saved_as  # the file's permissions, e.g. "0600 (private)"
        self.warning = warning  # the events are not the whole range: why
        self.time_range = time_range
        self.cwd = cwd if cwd is not None else Path.cwd()
        self.format: ExportFormat = fmt
        self._valid: ExportRequest | None = None

    def _summary(self, marked: bool) -> Text:
        if marked:
            noun = "event" if self.marked == 1 else "events"
            what = f"the {self.marked:,} marked {noun} of those shown, sorted as shown"
        else:
            noun = "event" if self.count == 1 else "events"
            what = f"{self.count:,} {noun}, filtered and sorted as shown"
        return Text(f"{what}; every field; saved {self.saved_as}.")

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(Text("Export"), id="export-title")
            yield Static(self._summary(False), id="export-summary")
            if self.warning:
                yield Static(Text(f"⚠ {self.warning}"), id="export-warning")
            yield Input(
                default_name(self.time_range, self.format, self.query_text), id="export-path"
            )
            with RadioSet(id="export-formats"):
                for fmt in FORMATS:
                    yield Choice(LABELS[fmt], value=fmt == self.format, id=f"export-{fmt}")
            yield Static(id="export-error", markup=False)
            only = f"the {self.marked:,} marked events" if self.marked else "marked events"
            yield Check(f"Only {only} (notes go in every export)", id="export-marked")
            yield Check("Overwrite the existing file", id="export-overwrite")
            yield Static(
                Text("Enter exports · Esc cancels · Tab, then arrows and Space pick a format"),
                id="export-hint",
            )
            with Horizontal(id="export-buttons"):  # Tab reaches Export before Cancel
                yield Button("Export", id="export-apply", variant="primary")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        self.query_one("#export-marked", Checkbox).disabled = not self.marked
        self._validate()
        self.query_one("#export-path", Input).focus()

    # -- state -----------------------------------------------------------------------------

    @property
    def path_text(self) -> str:
        return self.query_one("#export-path", Input).value

    def resolve(self) -> Path:
        """The path typed, made absolute against the working directory (`~` expanded)."""
        path = Path(self.path_text.strip()).expanduser()
        return path if path.is_absolute() else self.cwd / path

    def _problem(self, path: Path, exists: bool, overwrite: bool) -> str | None:
        if not self.path_text.strip():
            return "Enter a file name."
        if path.is_dir():
            return f"{visible(str(path))} is a folder: add a file name."
        parent = path.parent
        if not parent.is_dir():
            return f"Folder {visible(str(parent))} does not exist."
        if exists and not overwrite:
            return f"{visible(path.name)} exists: tick Overwrite to replace it."
        return None

    def _validate(self) -> ExportRequest | None:
        path = self.resolve()
        exists = path.is_file() or (path.exists() and not path.is_dir())
        overwrite_box = self.query_one("#export-overwrite", Checkbox)
        self.set_class(exists, "-exists")
        overwrite = exists and overwrite_box.value
        problem = self._problem(path, exists, overwrite)
        error = self.query_one("#export-error", Static)
        error.update(Text(problem or ""))
        error.display = problem is not None
        self.query_one("#export-apply", Button).disabled = problem is not None
        marked = self.query_one("#export-marked", Checkbox).value
        self._valid = None if problem else ExportRequest(path, self.format, overwrite, marked)
        return self._valid

    # -- events ----------------------------------------------------------------------------

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        event.stop()
        guessed = format_for_path(event.value, default=self.format)
        if event.value.lower().endswith(EXTENSIONS[self.format]):
            guessed = self.format  # OCSF and ECS are chosen, never guessed: kept on `.ndjson`
        if guessed != self.format:
            self.format = guessed
            with self.prevent(RadioSet.Changed):
                self.query_one(f"#export-{guessed}", RadioButton).value = True
        self._validate()

    @on(RadioSet.Changed, "#export-formats")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        chosen = next((fmt for fmt in FORMATS if event.pressed.id == f"export-{fmt}"), None)
        if chosen is None or chosen == self.format:
            return
        self.format = chosen
        path_input = self.query_one("#export-path", Input)
        path_input.value = with_extension(path_input.value, self.format)
        self._validate()

    @on(Checkbox.Changed, "#export-overwrite, #export-marked")
    def _overwrite_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox.id == "export-marked":  # the summary and a default name follow
            marked = event.value
            self.query_one("#export-summary", Static).update(self._summary(marked))
            path_input = self.query_one("#export-path", Input)
            name = partial(default_name, self.time_range, self.format, self.query_text)
            if path_input.value == name(marked=not marked):
                path_input.value = name(marked=marked)
        self._validate()

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "export-apply":
            self.action_apply()
        elif event.button.id == "export-cancel":
            self.action_cancel()

    def action_apply(self) -> None:
        """Export if the path is valid (else the error line says why)."""
        request = self._validate()
        if request is not None:
            self.dismiss(request)
        elif self.has_class("-exists"):
            self.query_one("#export-overwrite", Checkbox).focus()

    def action_enter(self) -> None:
        """Enter: press the focused button, else export (as Enter in the path does)."""
        focused = self.focused
        if isinstance(focused, Button):
            focused.press()
        else:
            self.action_apply()

    def action_cancel(self) -> None:
        self.app.notify("Export cancelled: nothing was written.", timeout=3)
        self.dismiss(None)
