"""`DetailPane`: every field of the selected audit event, then its payload or its changes.

The fields are a cursor list (label, value) in `models.FIELD_NAMES` order, the time shown
in the table's clock (UTC, local or the configured zone) and in UTC or local time and,
when the pane follows a store (`follow_store`), how long after the actor's and the
object's previous event it came. The payload is decoded only here, when an event is
shown: small ones as highlighted JSON text, big ones as a lazy `JsonTree`; `x` switches
between them. `toggle_diff` shows instead what changed (the
event's own before/after, or against the previous event on its object), computed in a
worker. The tree and the diff view are mounted the first time they are shown (most starts
show neither). All event text is untrusted: it passes through `textsafe.visible()` and is
rendered as plain `Text`/`Content`, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import TYPE_CHECKING, ClassVar, Literal

import msgspec
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Resize
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from auditui.events import FIELD_NAMES, AuditEvent, payload_text, payload_value
from auditui.gc_pause import gc_paused
from auditui.textsafe import visible_lines
from auditui.tui.bounded_json import PRETTY_BUDGET, fits, json_lines, readable_json
from auditui.tui.widgets.detail.changes_part import ChangesPart, View
from auditui.tui.widgets.detail.diff_view import DiffView
from auditui.tui.widgets.detail.json_highlight import highlight_json
from auditui.tui.widgets.detail.payload_text import PayloadText
from auditui.tui.widgets.detail.rows import (
    copy_value,
    cut_note,
    field_value,
    format_time,
    plain_lines,
    row,
)
from auditui.units import human_bytes

if TYPE_CHECKING:
    from auditui.tui.widgets.json_tree import JsonTree

__all__ = [
    "HIGHLIGHT_CHARS",
    "PRETTY_BYTES",
    "TEXT_CHARS",
    "TREE_BYTES",
    "TREE_DECODE_BYTES",
    "TREE_LINES",
    "DetailPane",
    "Mode",
    "View",
]

Mode = Literal["text", "tree"]

TREE_BYTES = 64 * 1024
"""Payloads bigger than this (raw JSON) open as a tree."""
TREE_LINES = 200
"""Payloads longer than this (pretty JSON lines) open as a tree."""
HIGHLIGHT_CHARS = 64 * 1024
"""Pretty JSON longer than this is shown without syntax highlighting."""
TEXT_CHARS = 256 * 1024
"""Pretty JSON longer than this is cut short in the text view."""
PRETTY_BYTES = 4 * 1024 * 1024
"""Payloads bigger than this (raw JSON) are shown as received (cut), never indented."""
TREE_DECODE_BYTES = 8 * 1024 * 1024
"""Payloads bigger than this (raw JSON) are not decoded for the tree (raw text, cut)."""


class DetailPane(ChangesPart):
    """The selected event's fields and payload (text or tree), or what changed."""

    ALLOW_MAXIMIZE = True

    DEFAULT_CSS: ClassVar[str] = """
    DetailPane {
        height: 1fr;
    }
    DetailPane #detail-empty {
        color: $text-muted;
        padding: 1 2;
    }
    DetailPane #detail-fields {
        height: auto;
        max-height: 50%;
        border: none !important;
        padding: 0;
        scrollbar-gutter: stable;
    }
    DetailPane #detail-payload-header {
        background: $boost;
        color: $text-muted;
        padding: 0 1;
    }
    DetailPane #detail-tree, DetailPane #detail-diff {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "toggle_tree", "Text/tree", id="detail.toggle_tree"),
        Binding(
            "asterisk,right_square_bracket", "expand_all", "Expand all", id="detail.expand_all"
        ),
        Binding("left_square_bracket", "collapse_all", "Collapse all", id="detail.collapse_all"),
    ]

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._event: AuditEvent | None = None
        self._utc = True
        self._zone: tzinfo | None = None  # the configured zone while the table shows it
        self._mode: Mode = "text"
        self._prefer_tree = False
        self._field_values: list[tuple[str, str]] = []
        self._tree_event: AuditEvent | None = None
        self._text_event: AuditEvent | None = None
        self._stale = False
        self._rows: list[tuple[str, Content]] = []
        self._rows_width = 0
        self.note_of: Callable[[str], str | None] = lambda uuid: None  # the marks' notes

    def compose(self) -> ComposeResult:
        # composed as `_render_event` leaves the pane with no event: the mount draws nothing
        yield Static(Text("No event selected"), id="detail-empty")
        for hidden in (
            OptionList(id="detail-fields", markup=False),
            Static(id="detail-payload-header", markup=False),
            PayloadText(id="detail-payload-text"),
        ):
            hidden.display = False
            yield hidden
        # then #detail-tree and #detail-diff, mounted when first shown (`_tree`, `_changes`)

    def _tree(self, *, mount: bool = False) -> JsonTree | None:
        """The payload's tree (None until first shown; `mount`: mount it now)."""
        found = self.query_children("#detail-tree")
        if not found and not mount:
            return None  # (its module not imported either)
        from auditui.tui.widgets.json_tree import JsonTree  # lazy: loads with the first tree

        if found:
            return found.first(JsonTree)
        tree = JsonTree(id="detail-tree")
        self.mount(tree, after="#detail-payload-text")
        return tree

    def _changes(self, *, mount: bool = False) -> DiffView | None:
        """The diff view (None until first shown; `mount`: mount it now)."""
        found = self.query_children(DiffView)
        if found or not mount:
            return found.first() if found else None
        changes = DiffView(id="detail-diff")
        self.mount(changes, after=self._tree() or "#detail-payload-text")
        return changes

    def on_mount(self) -> None:
        if self._event is not None:  # shown before the mount (else composed empty)
            self._render_event()

    # -- public API ---------------------------------------------------------------------

    @property
    def event(self) -> AuditEvent | None:
        """The event shown, or None."""
        return self._event

    @property
    def mode(self) -> Mode:
        """How the payload is shown: "text" (highlighted JSON) or "tree"."""
        return self._mode

    def show_event(
        self, event: AuditEvent | None, *, utc: bool, zone: tzinfo | None = None
    ) -> None:
        """Show `event` (None: the empty state); `utc` picks which time comes first, `zone`
        (the configured zone, when the table shows it) the clock of the first when not UTC."""
        same = event is self._event
        self._event = event
        self._utc, self._zone = utc, None if utc else zone
        if not same and event is not None:
            self._mode = "tree" if self._prefer_tree or self._is_big(event) else "text"
        if self.is_mounted and self.display:
            self._render_event(keep_cursor=same)
        else:  # hidden: decode and draw only once it is shown again
            self._stale = True

    def notes_changed(self) -> None:
        """A note was written or removed: the `note` row follows (the cursor stays)."""
        if self._event is not None:
            self._render_event(keep_cursor=True)

    def on_show(self) -> None:
        if self._stale:
            self._render_event()

    def set_mode(self, mode: Mode) -> None:
        """Show the payload as "text" or as a "tree" (remembered for the next events)."""
        self._mode = mode
        self._prefer_tree = mode == "tree"
        if self.is_mounted:
            self._render_payload()

    def value_under_cursor(self) -> tuple[str, str] | None:
        """(label, text) to copy: the focused tree node's value or the highlighted field.

        The label is safe to display; the text is the exact value (JSON for subtrees).
        """
        if self._event is None or not self.is_mounted:
            return None
        tree, changes = self._tree(), self._changes()
        if (
            self._mode == "tree"
            and tree is not None
            and tree.display
            and (tree.has_focus or not self._fields_focused())
        ):
            node = tree.cursor_node
            if node is not None:
                return tree.node_path(node), tree.node_copy_text(node)
        if self.query_one("#detail-payload-text").has_focus:
            return "payload", self._payload_copy_text(self._event)
        if changes is not None and changes.has_focus:
            return "changes", changes.plain
        fields = self.query_one("#detail-fields", OptionList)
        index = fields.highlighted
        if index is None or not 0 <= index < len(self._field_values):
            return None
        return self._field_values[index]

    # -- actions ------------------------------------------------------------------------

    def action_toggle_tree(self) -> None:
        if self._event is None:
            return
        text_view = self.query_one("#detail-payload-text", PayloadText)
        tree = self._tree()
        payload_focused = text_view.has_focus or (tree is not None and tree.has_focus)
        self.set_mode("text" if self._mode == "tree" else "tree")
        tree = self._tree()  # mounted by the first tree shown
        if payload_focused:  # keep the focus on the payload, whichever way it is shown
            (tree if tree is not None and tree.display else text_view).focus()

    def action_expand_all(self) -> None:
        if self._event is None:
            return
        if self._mode != "tree":
            self.set_mode("tree")
        tree = self._tree()
        if tree is not None and tree.display:
            tree.expand_all()

    def action_collapse_all(self) -> None:
        tree = self._tree()
        if self._mode == "tree" and tree is not None and tree.display:
            tree.collapse_all()

    # -- rendering ----------------------------------------------------------------------

    def _fields_focused(self) -> bool:
        return self.query_one("#detail-fields", OptionList).has_focus

    @staticmethod
    def _is_big(event: AuditEvent) -> bool:
        raw = bytes(event.payload)
        if len(raw) > TREE_BYTES:
            return True
        return json_lines(raw) > TREE_LINES  # counted, not indented (see bounded_json)

    def _render_event(self, *, keep_cursor: bool = False) -> None:
        self._stale = False
        event = self._event
        empty = event is None
        self.query_one("#detail-empty").display = empty
        fields = self.query_one("#detail-fields", OptionList)
        for selector in ("#detail-fields", "#detail-payload-header"):
            self.query_one(selector).display = not empty
        if event is None:
            self._field_values = []
            self._rows = []
            fields.clear_options()
            self.query_one("#detail-payload-text").display = False
            for part in (self._tree(), self._changes()):
                if part is not None:
                    part.display = False
            return
        highlighted = fields.highlighted if keep_cursor else None
        rows: list[tuple[str, Content, str, str]] = []  # label, shown, copy label, copy text
        for name in FIELD_NAMES:
            if name == "payload":
                continue
            if name == "timestamp":
                stamp = event.timestamp
                first = format_time(stamp, utc=self._utc, zone=self._zone)
                second = format_time(stamp, utc=not self._utc)
                zone = "UTC" if not self._utc else "local"
                rows.append(("timestamp", Content(first), "timestamp", copy_value(stamp)))
                second_content = Content.styled(second, "dim")
                rows.append((f"  ({zone})", second_content, f"time ({zone})", second))
                rows += self._relative_rows(event)
                continue
            value = getattr(event, name)
            rows.append((name, field_value(value), name, copy_value(value)))
            if name == "event_uuid" and (note := self.note_of(event.event_uuid)):
                rows.append(("note", field_value(note), "note", note))  # `n` wrote it
        self._field_values = [(label, copy) for _, _, label, copy in rows]
        self._rows = [(label, shown) for label, shown, _, _ in rows]
        self._fill_fields(highlighted or 0)
        self._render_payload()

    def _fill_fields(self, highlighted: int) -> None:
        fields = self.query_one("#detail-fields", OptionList)
        width = fields.scrollable_content_region.width or self.size.width or 80
        self._rows_width = width
        fields.set_options(Option(row(label, shown, width)) for label, shown in self._rows)
        fields.highlighted = highlighted

    def on_resize(self, _event: Resize) -> None:
        fields = self.query_one("#detail-fields", OptionList)
        if self._rows and fields.scrollable_content_region.width != self._rows_width:
            self._fill_fields(fields.highlighted or 0)

    def _render_payload(self) -> None:
        event = self._event
        header = self.query_one("#detail-payload-header", Static)
        scroll = self.query_one("#detail-payload-text", PayloadText)
        if event is None:
            return
        if self._view != "payload":
            changes = self._changes(mount=True)
            assert changes is not None
            self._render_diff(event, header, changes)
            scroll.display = False
            if (shown := self._tree()) is not None:
                shown.display = False
            changes.display = True
            return
        if (hidden := self._changes()) is not None:
            hidden.display = False
        raw = bytes(event.payload)
        other = "text" if self._mode == "tree" else "tree"
        header.update(
            Text.assemble(
                ("payload", "bold"),
                f"  {human_bytes(len(raw))} · {self._mode} view · x: {other}",
            )
        )
        tree = self._tree(mount=self._mode == "tree")
        if self._mode == "tree" and tree is not None:
            problem = self._show_tree(event, tree)
            if problem is None:
                scroll.display = False
                tree.display = True
                return
            self._show_problem(problem, raw)
        else:
            self._show_text(event)
        if tree is not None:
            tree.display = False
        scroll.display = True

    def _show_tree(self, event: AuditEvent, tree: JsonTree) -> str | None:
        """Load the payload into the tree; returns a problem message if it can't be decoded."""
        if self._tree_event is event:
            return None
        size = len(event.payload)
        if size > TREE_DECODE_BYTES:
            return (
                f"The payload is {human_bytes(size)}, too big for the tree; showing the raw "
                "JSON (o opens it all)."
            )
        try:
            with gc_paused():  # a big payload is many objects and no cycles
                value = payload_value(event)
        except RecursionError:
            return "The payload is nested too deeply to decode; showing the raw JSON."
        except msgspec.DecodeError as exc:
            return f"The payload is not valid JSON ({exc}); showing the raw text."
        tree.load(value)
        self._tree_event = event
        return None

    def _show_text(self, event: AuditEvent) -> None:
        if self._text_event is event:
            return
        raw = bytes(event.payload)
        if len(raw) > PRETTY_BYTES or not fits(raw, PRETTY_BUDGET):
            why = "too big" if len(raw) > PRETTY_BYTES else "nested too deeply"
            self._show_problem(f"The payload is {why} to indent; showing the raw JSON.", raw)
            self._text_event = event
            return
        try:
            pretty = payload_text(event)
        except RecursionError:
            self._show_problem(
                "The payload is nested too deeply to format; showing the raw JSON.", raw
            )
            return
        except msgspec.DecodeError as exc:
            self._show_problem(f"The payload is not valid JSON ({exc}); showing the raw text.", raw)
            return
        view = self.query_one("#detail-payload-text", PayloadText)
        if raw == b"null":
            view.set_content(Content.styled("null", "dim italic"))
        elif len(pretty) <= HIGHLIGHT_CHARS:
            view.set_content(highlight_json(visible_lines(pretty)))
        else:
            lines = plain_lines(pretty[:TEXT_CHARS])
            if len(pretty) > TEXT_CHARS:
                lines.append(cut_note(TEXT_CHARS, len(pretty)))
            view.set_lines(lines)
        self._text_event = event

    @staticmethod
    def _payload_copy_text(event: AuditEvent) -> str:
        raw = bytes(event.payload)
        try:
            return readable_json(raw, lambda: payload_text(event))
        except msgspec.DecodeError:
            return raw.decode("utf-8", "replace")

    def _show_problem(self, message: str, raw: bytes) -> None:
        text = raw[:TEXT_CHARS].decode("utf-8", "replace")  # never all of a huge payload
        lines = [Content.styled(message, "bold"), *plain_lines(text)]
        if len(raw) > TEXT_CHARS:
            lines.append(cut_note(TEXT_CHARS, len(raw)))
        self.query_one("#detail-payload-text", PayloadText).set_lines(lines)
        self._text_event = None
        self._tree_event = None
