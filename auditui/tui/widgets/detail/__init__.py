"""The detail pane: the selected event's fields, its payload, and what changed.

- `pane`: `DetailPane` (fields, payload as text or tree, the diff view, `value_under_cursor`);
- `rows`: how a field row, a value and a time are drawn;
- `payload_text`: `PayloadText`, the Line-API view of text lines (payload JSON, changes);
- `relative`: the rows with the time since the actor's and the object's previous event;
- `diff_view`: `DiffView`, the changes of a `auditui.changes.Diff` as `~ + -` lines;
- `previous`: the diff against the previous event on the same object.
Callers import from here (`from auditui.tui.widgets.detail import DetailPane`).
"""

from auditui.tui.widgets.detail.diff_view import DiffView, diff_lines
from auditui.tui.widgets.detail.pane import (
    HIGHLIGHT_CHARS,
    PRETTY_BYTES,
    TEXT_CHARS,
    TREE_BYTES,
    TREE_DECODE_BYTES,
    TREE_LINES,
    DetailPane,
    Mode,
    View,
)
from auditui.tui.widgets.detail.payload_text import PayloadText
from auditui.tui.widgets.detail.relative import gap_text, relative_rows
from auditui.tui.widgets.detail.rows import FIELD_CHARS, MORE

__all__ = [
    "FIELD_CHARS",
    "HIGHLIGHT_CHARS",
    "MORE",
    "PRETTY_BYTES",
    "TEXT_CHARS",
    "TREE_BYTES",
    "TREE_DECODE_BYTES",
    "TREE_LINES",
    "DetailPane",
    "DiffView",
    "Mode",
    "PayloadText",
    "View",
    "diff_lines",
    "gap_text",
    "relative_rows",
]
