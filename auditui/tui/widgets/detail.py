"""`DetailPane`: every field of the selected audit event, then its payload.

The fields are a cursor list (label, value) in `models.FIELD_NAMES` order, the time shown
in UTC and local time. The payload is decoded only here, when an event is shown: small
ones as highlighted JSON text, big ones as a lazy `JsonTree`; `x` switches between them.
All event text is untrusted: it passes through `textsafe.visible()` and is rendered as
plain `Text`/`Content`, never as markup.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

import msgspec
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import Resize
from textual.geometry import Size
from textual.highlight import highlight
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from auditui.events import FIELD_NAMES, AuditEvent, payload_text, payload_value
from auditui.gc_pause import gc_paused
from auditui.textsafe import visible, visible_lines
from auditui.tui.bounded_json import PRETTY_BUDGET, fits, json_lines, readable_json
from auditui.tui.widgets.json_tree import JsonTree
from auditui.units import human_bytes

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
FIELD_CHARS = 4096
"""Field values longer than this (characters) are cut short, with a note, in the list."""
MORE = "o opens it all in $PAGER"

_LABEL_WIDTH = 17
_NULL = Content.styled("null", "dim italic")


def _plain_lines(text: str) -> list[Content]:
    return [Content(line) for line in visible_lines(text).split("\n")]


def _format_time(moment: datetime, *, utc: bool) -> str:
    if utc:
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " UTC"
    local = moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + local.strftime(" %Z (%z)")


def _field_value(value: Any) -> Content:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return Content("true" if value else "false")
    if isinstance(value, str):
        if len(value) > FIELD_CHARS:  # cut before escaping and wrapping: both grow with it
            rest = len(value.encode("utf-8", "surrogatepass")) - FIELD_CHARS
            note = Content.styled(f" … {human_bytes(rest)} more · y copies it, o shows it", "dim")
            return Content(visible(value[:FIELD_CHARS])) + note
        return Content(visible(value)) if value else Content.styled('""', "dim")
    return Content(visible(str(value)))


def _cut_note(shown: int, total: int) -> Content:
    """The line after text cut short: how much more there is and where to see it."""
    cut = f"… cut at {human_bytes(shown)}: {human_bytes(total - shown)} more"
    return Content.styled(f"{cut} · {MORE}", "dim")


def _copy_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def _row(label: str, value: Content, width: int) -> Content:
    """`label  value`, the value wrapped to `width` with a hanging indent under the label."""
    indent = " " * (_LABEL_WIDTH + 1)
    lines = value.wrap(max(8, width - len(indent)), overflow="fold") or [Content()]
    head = Content.styled(label.ljust(_LABEL_WIDTH), "bold") + " " + lines[0]
    return Content("\n").join([head, *(indent + line for line in lines[1:])])


class PayloadText(ScrollView, can_focus=True):
    """Read-only, virtual view of (highlighted) payload text, folded to the width.

    Only the visible lines are rendered, so a few hundred KB of JSON scrolls smoothly.
    The caller hands in inert `Content` (already passed through `textsafe.visible_lines`).
    """

    DEFAULT_CSS: ClassVar[str] = """
    PayloadText {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-gutter: stable;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[Content] = []
        self._folded: list[Content] = []
        self._fold_width = -1

    @property
    def plain(self) -> str:
        """The text shown (escaped), without styles."""
        return "\n".join(line.plain for line in self._lines)

    def set_content(self, content: Content) -> None:
        """Show `content` (one Content, split on newlines), scrolled to the top."""
        self.set_lines(content.split("\n", allow_blank=True))

    def set_lines(self, lines: list[Content]) -> None:
        """Show these lines, scrolled to the top."""
        self._lines = lines
        self._fold_width = -1
        self._fold()
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def _fold(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._fold_width:
            return
        folded: list[Content] = []
        for line in self._lines:
            if line.cell_length <= width:
                folded.append(line)
            else:
                folded.extend(line.fold(width))
        self._folded = folded
        self._fold_width = width
        self.virtual_size = Size(width, len(folded))

    def on_resize(self, _event: Resize) -> None:
        self._fold()

    def render_line(self, y: int) -> Strip:
        self._fold()
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if index >= len(self._folded):
            return Strip.blank(width, self.rich_style)
        line = self._folded[index]
        strip = Strip(line.render_segments(self.visual_style), line.cell_length)
        return strip.extend_cell_length(width, self.rich_style)


class DetailPane(Vertical):
    """The selected event's fields and payload (text or tree)."""

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
    DetailPane #detail-tree {
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
        self._mode: Mode = "text"
        self._prefer_tree = False
        self._field_values: list[tuple[str, str]] = []
        self._tree_event: AuditEvent | None = None
        self._text_event: AuditEvent | None = None
        self._stale = False
        self._rows: list[tuple[str, Content]] = []
        self._rows_width = 0

    def compose(self) -> ComposeResult:
        yield Static(Text("No event selected"), id="detail-empty")
        yield OptionList(id="detail-fields", markup=False)
        yield Static(id="detail-payload-header", markup=False)
        yield PayloadText(id="detail-payload-text")
        yield JsonTree(id="detail-tree")

    def on_mount(self) -> None:
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

    def show_event(self, event: AuditEvent | None, *, utc: bool) -> None:
        """Show `event` (None: the empty state); `utc` picks which time comes first."""
        same = event is self._event
        self._event = event
        self._utc = utc
        if not same and event is not None:
            self._mode = "tree" if self._prefer_tree or self._is_big(event) else "text"
        if self.is_mounted and self.display:
            self._render_event(keep_cursor=same)
        else:  # hidden: decode and draw only once it is shown again
            self._stale = True

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
        tree = self.query_one("#detail-tree", JsonTree)
        if self._mode == "tree" and tree.display and (tree.has_focus or not self._fields_focused()):
            node = tree.cursor_node
            if node is not None:
                return tree.node_path(node), tree.node_copy_text(node)
        if self.query_one("#detail-payload-text").has_focus:
            return "payload", self._payload_copy_text(self._event)
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
        tree = self.query_one("#detail-tree", JsonTree)
        payload_focused = text_view.has_focus or tree.has_focus
        self.set_mode("text" if self._mode == "tree" else "tree")
        if payload_focused:  # keep the focus on the payload, whichever way it is shown
            (tree if tree.display else text_view).focus()

    def action_expand_all(self) -> None:
        if self._event is None:
            return
        if self._mode != "tree":
            self.set_mode("tree")
        tree = self.query_one("#detail-tree", JsonTree)
        if tree.display:
            tree.expand_all()

    def action_collapse_all(self) -> None:
        tree = self.query_one("#detail-tree", JsonTree)
        if self._mode == "tree" and tree.display:
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
            self.query_one("#detail-tree").display = False
            return
        highlighted = fields.highlighted if keep_cursor else None
        rows: list[tuple[str, Content, str, str]] = []  # label, shown, copy label, copy text
        for name in FIELD_NAMES:
            if name == "payload":
                continue
            if name == "timestamp":
                stamp = event.timestamp
                first = _format_time(stamp, utc=self._utc)
                second = _format_time(stamp, utc=not self._utc)
                zone = "UTC" if not self._utc else "local"
                rows.append(("timestamp", Content(first), "timestamp", _copy_value(stamp)))
                second_content = Content.styled(second, "dim")
                rows.append((f"  ({zone})", second_content, f"time ({zone})", second))
                continue
            value = getattr(event, name)
            rows.append((name, _field_value(value), name, _copy_value(value)))
        self._field_values = [(label, copy) for _, _, label, copy in rows]
        self._rows = [(label, shown) for label, shown, _, _ in rows]
        self._fill_fields(highlighted or 0)
        self._render_payload()

    def _fill_fields(self, highlighted: int) -> None:
        fields = self.query_one("#detail-fields", OptionList)
        width = fields.scrollable_content_region.width or self.size.width or 80
        self._rows_width = width
        fields.set_options(Option(_row(label, shown, width)) for label, shown in self._rows)
        fields.highlighted = highlighted

    def on_resize(self, _event: Resize) -> None:
        fields = self.query_one("#detail-fields", OptionList)
        if self._rows and fields.scrollable_content_region.width != self._rows_width:
            self._fill_fields(fields.highlighted or 0)

    def _render_payload(self) -> None:
        event = self._event
        header = self.query_one("#detail-payload-header", Static)
        scroll = self.query_one("#detail-payload-text", PayloadText)
        tree = self.query_one("#detail-tree", JsonTree)
        if event is None:
            return
        raw = bytes(event.payload)
        other = "text" if self._mode == "tree" else "tree"
        header.update(
            Text.assemble(
                ("payload", "bold"),
                f"  {human_bytes(len(raw))} · {self._mode} view · x: {other}",
            )
        )
        if self._mode == "tree":
            problem = self._show_tree(event, tree)
            if problem is None:
                scroll.display = False
                tree.display = True
                return
            self._show_problem(problem, raw)
        else:
            self._show_text(event)
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
            view.set_content(highlight(visible_lines(pretty), language="json"))
        else:
            lines = _plain_lines(pretty[:TEXT_CHARS])
            if len(pretty) > TEXT_CHARS:
                lines.append(_cut_note(TEXT_CHARS, len(pretty)))
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
        lines = [Content.styled(message, "bold"), *_plain_lines(text)]
        if len(raw) > TEXT_CHARS:
            lines.append(_cut_note(TEXT_CHARS, len(raw)))
        self.query_one("#detail-payload-text", PayloadText).set_lines(lines)
        self._text_event = None
        self._tree_event = None
