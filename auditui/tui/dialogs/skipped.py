"""`SkippedDialog`: the events a load left out, each with why and its raw text.

Two kinds are left out: malformed events (not valid JSON, a field missing or of the wrong
type, nested too deep) and events whose `event_uuid` is already a different event's (the
first one is kept). The load keeps up to `session.MAX_SKIPPED_SHOWN` of them with the start
of their text (`events.SkippedEvent`); windows read from the cache (and bad CSV rows of a
file) keep only their count, which the dialog says.

The dialog lists them in a table (reason, size, start of the text) and shows the selected
one's text below, literally: it is untrusted, so it is drawn as `Text` with every control
character made visible (`textsafe.visible_lines`), never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from auditui.events import SkippedEvent
from auditui.events.model import SKIPPED_TEXT_BYTES
from auditui.textsafe import visible, visible_lines
from auditui.tui.session import MAX_SKIPPED_SHOWN
from auditui.units import human_bytes

PREVIEW_CHARS = 60  # of each event's text, in its table row


def _text_of(record: SkippedEvent) -> str:
    return record.text.decode("utf-8", "replace")


class SkippedDialog(ModalScreen[None]):
    """The skipped events of the load shown; Esc or q closes it."""

    DEFAULT_CSS: ClassVar[str] = """
    SkippedDialog {
        align: center middle;
    }
    SkippedDialog > #skipped-box {
        width: 120;
        max-width: 95%;
        height: 90%;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    SkippedDialog #skipped-title {
        text-style: bold;
    }
    SkippedDialog #skipped-table {
        height: 1fr;
        min-height: 4;
    }
    SkippedDialog #skipped-text-box {
        height: 1fr;
        border-top: solid $primary;
    }
    SkippedDialog #skipped-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="skipped.close"),
    ]

    def __init__(self, malformed: int, conflicts: int, records: Sequence[SkippedEvent]) -> None:
        super().__init__()
        self.malformed = malformed
        self.conflicts = conflicts
        self.records: list[SkippedEvent] = list(records)

    def summary(self) -> str:
        """What was left out, and how much of it can be shown."""
        total = self.malformed + self.conflicts
        parts = []
        if self.malformed:
            parts.append(f"{self.malformed:,} malformed")
        if self.conflicts:
            parts.append(f"{self.conflicts:,} sharing a different event's uuid")
        text = f"{total:,} events left out of this load ({', '.join(parts) or 'none'})."
        missing = total - len(self.records)
        if missing > 0:
            text += (
                f" {missing:,} of them are only counted: their text was not kept (windows"
                " read from the cache keep only the count: start auditui with --no-cache to"
                f" see theirs; CSV rows are not kept; a load keeps at most"
                f" {MAX_SKIPPED_SHOWN:,})."
            )
        return text

    def compose(self) -> ComposeResult:
        with Vertical(id="skipped-box"):
            yield Static(Text("Skipped events"), id="skipped-title")
            yield Static(Text(self.summary()), id="skipped-summary")
            yield DataTable[Text](id="skipped-table", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="skipped-text-box"):
                yield Static(Text(""), id="skipped-text")
            yield Static(
                Text("↑↓ choose · Tab then ↑↓ scrolls the text · Esc or q closes"),
                id="skipped-hint",
            )

    def on_mount(self) -> None:
        table = self.query_one("#skipped-table", DataTable)
        table.add_columns(Text("#"), Text("Why"), Text("Size"), Text("Text"))
        for number, record in enumerate(self.records, 1):
            preview = visible(_text_of(record)[:PREVIEW_CHARS])
            table.add_row(
                Text(str(number)),
                Text(visible(record.reason)),
                Text(human_bytes(record.size)),
                Text(preview, style="dim"),
            )
        table.focus()
        self._show(0)

    def on_data_table_row_highlighted(self, message: DataTable.RowHighlighted) -> None:
        self._show(message.cursor_row)

    def _show(self, row: int) -> None:
        """The text of record `row`, literally (the whole kept part, wrapped)."""
        pane = self.query_one("#skipped-text", Static)
        if not 0 <= row < len(self.records):
            pane.update(Text("No text was kept.", style="italic"))
            return
        record = self.records[row]
        text = Text(visible(record.reason), style="bold")
        text.append("\n")
        text.append(visible_lines(_text_of(record)))
        if record.size > len(record.text):
            text.append(
                f"\n… (the first {human_bytes(SKIPPED_TEXT_BYTES)} of {human_bytes(record.size)})",
                style="italic",
            )
        pane.update(text)
        self.query_one("#skipped-text-box", VerticalScroll).scroll_home(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
