"""`JsonTree`: a lazy, collapsible tree of one decoded JSON value (an event payload).

Children are added only when a node is first expanded (a page at a time for huge
containers), so a payload with 100k values opens instantly. Every node keeps its JSON
path (`$.a[3].b`) and its value; `node_value_text()` gives the JSON text to copy.
Labels are `rich.text.Text` built from plain strings: keys and values pass through
`textsafe.visible()` and are never read as markup.
"""

from __future__ import annotations

import itertools
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, ClassVar

import msgspec
from rich.text import Text, TextType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from auditui.textsafe import visible
from auditui.tui.bounded_json import readable_json
from auditui.units import human_bytes

PAGE_SIZE = 1000
"""Children added per expansion of a big object/array (a "show more" node follows)."""

EXPAND_ALL_LIMIT = 20_000
"""`expand_all` stops before showing more nodes than this."""

MAX_DEPTH = 100
"""Containers nested deeper than this cannot be expanded (the value can still be copied)."""

LABEL_MAX = 400
"""Leaf values longer than this (in characters) are cut short in the label."""

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_KEY_STYLE = "bold"
_INDEX_STYLE = "dim"
_STRING_STYLE = "green"
_NUMBER_STYLE = "cyan"
_BOOL_STYLE = "magenta"
_NULL_STYLE = "dim italic"
_SUMMARY_STYLE = "dim"


@dataclass(slots=True, eq=False)
class JsonNodeData:
    """What a tree node stands for: its JSON path, its value and how much of it is shown."""

    path: str
    value: Any
    depth: int
    loaded: int = 0
    """How many children have been added so far."""
    more: bool = False
    """True for the "show more" placeholder at the end of a partly loaded container."""


def child_path(path: str, key: str | int) -> str:
    """The JSON path of `key` below `path`: `$.a`, `$["b c"]`, `$[3]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{path}.{key}"
    return f"{path}[{msgspec.json.encode(key).decode()}]"


def json_text(value: Any, *, indent: int = 2) -> str:
    """The JSON text of a decoded value: indented for objects/arrays when that stays
    small (`bounded_json`), compact otherwise (a value nested thousands deep)."""
    encoded = msgspec.json.encode(value)
    if isinstance(value, dict | list) and value:
        return readable_json(encoded, lambda: msgspec.json.format(encoded, indent=indent).decode())
    return encoded.decode()


def _count(value: Any) -> int:
    return len(value) if isinstance(value, dict | list) else 0


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def value_text(value: Any) -> Text:
    """The styled, inert label text of a JSON leaf (or a container summary)."""
    if isinstance(value, dict):
        return Text.assemble(("{…}", "bold"), (f" ({_plural(len(value), 'key')})", _SUMMARY_STYLE))
    if isinstance(value, list):
        return Text.assemble(("[…]", "bold"), (f" ({_plural(len(value), 'item')})", _SUMMARY_STYLE))
    if value is None:
        return Text("null", style=_NULL_STYLE)
    if isinstance(value, bool):
        return Text("true" if value else "false", style=_BOOL_STYLE)
    if isinstance(value, int | float):
        return Text(msgspec.json.encode(value).decode(), style=_NUMBER_STYLE)
    if isinstance(value, str):
        # Only the head is encoded and escaped: a 50 MB string costs no more than a short one.
        text = visible(msgspec.json.encode(value[:LABEL_MAX]).decode())
        if len(value) > LABEL_MAX or len(text) > LABEL_MAX:
            extra = len(value.encode("utf-8", "surrogatepass")) - len(
                value[:LABEL_MAX].encode("utf-8", "surrogatepass")
            )
            more = f"… {human_bytes(extra)} more · y copies it" if extra else "…"
            return Text.assemble((text[:LABEL_MAX], _STRING_STYLE), (more, _SUMMARY_STYLE))
        return Text(text, style=_STRING_STYLE)
    return Text(visible(repr(value)))


def node_label(key: str | int | None, value: Any, *, too_deep: bool = False) -> Text:
    """`key: value` for a node; the key is shown escaped, never as markup."""
    label = Text()
    if isinstance(key, int):
        label.append(f"[{key}]", style=_INDEX_STYLE)
        label.append(": ")
    elif key is not None:
        label.append(visible(key), style=_KEY_STYLE)
        label.append(": ")
    label.append_text(value_text(value))
    if too_deep:
        label.append("  nested too deeply to open here; copy the value instead", _SUMMARY_STYLE)
    return label


class JsonTree(Tree[JsonNodeData]):
    """A collapsible view of a decoded JSON value that loads children on demand."""

    DEFAULT_CSS: ClassVar[str] = """
    JsonTree {
        height: 1fr;
    }
    """

    def __init__(
        self,
        value: Any = None,
        *,
        label: str = "payload",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(Text(), name=name, id=id, classes=classes)
        self.load(value, label=label)

    def process_label(self, label: TextType) -> Text:
        """Labels are plain text (never markup); only the first line is shown."""
        text = Text(label) if isinstance(label, str) else label
        return text.split()[0] if "\n" in text.plain else text

    def load(self, value: Any, *, label: str = "payload") -> None:
        """Show `value` (a decoded JSON value), replacing whatever was shown."""
        self.clear()
        data = JsonNodeData(path="$", value=value, depth=0)
        self.root.data = data
        self.root.set_label(node_label(label, value))
        self.root.allow_expand = _count(value) > 0
        if self.root.allow_expand:
            self._load_children(self.root, PAGE_SIZE)
            with self.prevent(Tree.NodeExpanded):
                self.root.expand()
        if self.is_mounted:
            self.cursor_line = 0

    def on_mount(self) -> None:
        self.cursor_line = 0

    # -- lazy loading -------------------------------------------------------------------

    def _load_children(self, node: TreeNode[JsonNodeData], limit: int | None) -> int:
        """Add up to `limit` more children to `node` (all with None); returns how many."""
        data = node.data
        if data is None or data.more or not isinstance(data.value, dict | list):
            return 0
        total = len(data.value)
        if data.loaded >= total:
            return 0
        for child in list(node.children):
            if child.data is not None and child.data.more:
                child.remove()
        start = data.loaded
        stop = total if limit is None else min(total, start + limit)
        items: Any
        if isinstance(data.value, dict):
            items = itertools.islice(data.value.items(), start, stop)
        else:
            items = zip(range(start, stop), itertools.islice(data.value, start, stop), strict=True)
        depth = data.depth + 1
        for key, value in items:
            path = child_path(data.path, key)
            child_data = JsonNodeData(path=path, value=value, depth=depth)
            too_deep = depth >= MAX_DEPTH and _count(value) > 0
            label = node_label(key, value, too_deep=too_deep)
            if _count(value) > 0 and not too_deep:
                node.add(label, child_data)
            else:
                node.add_leaf(label, child_data)
        data.loaded = stop
        if stop < total:
            more = Text(f"… {total - stop:,} more (enter to show)", style=_SUMMARY_STYLE)
            node.add_leaf(more, JsonNodeData(path=data.path, value=None, depth=depth, more=True))
        return stop - start

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[JsonNodeData]) -> None:
        node = event.node
        if node.data is not None and node.data.loaded == 0:
            self._load_children(node, PAGE_SIZE)

    def on_tree_node_selected(self, event: Tree.NodeSelected[JsonNodeData]) -> None:
        node = event.node
        if node.data is not None and node.data.more and node.parent is not None:
            event.stop()
            parent = node.parent
            before = len(parent.children) - 1
            self._load_children(parent, PAGE_SIZE)
            if before < len(parent.children):
                self.call_after_refresh(self.move_cursor, parent.children[before])

    # -- whole-tree operations ----------------------------------------------------------

    def expand_all(self, node: TreeNode[JsonNodeData] | None = None) -> int:
        """Expand `node` (default: root) and everything below it, breadth first.

        Stops before more than `EXPAND_ALL_LIMIT` nodes would be shown and says so in a
        notification. Returns how many nodes were added or made visible.
        """
        start = node or self.root
        shown = 0
        stopped = False
        queue: deque[TreeNode[JsonNodeData]] = deque([start])
        with self.prevent(Tree.NodeExpanded):
            while queue:
                current = queue.popleft()
                data = current.data
                if data is None or data.more or not current.allow_expand:
                    continue
                size = _count(data.value)
                if shown + size > EXPAND_ALL_LIMIT:
                    stopped = True
                    break
                self._load_children(current, None)
                current.expand()
                shown += size
                queue.extend(current.children)
        if stopped:
            self.notify(
                f"Expanded {shown:,} values; the rest is larger than {EXPAND_ALL_LIMIT:,}. "
                "Expand deeper nodes one at a time.",
                title="Payload too large to expand fully",
                severity="warning",
                markup=False,
            )
        return shown

    def collapse_all(self) -> None:
        """Collapse every node, leaving the first level of the root visible."""
        with self.prevent(Tree.NodeCollapsed, Tree.NodeExpanded):
            self.root.collapse_all()
            if self.root.allow_expand:
                self.root.expand()
        self.move_cursor(self.root)

    # -- values -------------------------------------------------------------------------

    def node_value_text(self, node: TreeNode[JsonNodeData]) -> str:
        """The JSON text of `node`'s value (indented for objects/arrays), for copying."""
        data = node.data
        if data is None:
            return ""
        if data.more and node.parent is not None and node.parent.data is not None:
            data = node.parent.data
        return json_text(data.value)

    def node_copy_text(self, node: TreeNode[JsonNodeData]) -> str:
        """What `y` copies: a string value as itself, anything else as JSON text."""
        data = node.data
        if data is not None and not data.more and isinstance(data.value, str):
            return data.value
        return self.node_value_text(node)

    def node_path(self, node: TreeNode[JsonNodeData]) -> str:
        """The JSON path of `node` (`$.a[3].b`), made safe to display."""
        return visible(node.data.path) if node.data is not None else "$"
