"""`PayloadText`: a read-only, virtual (Line API) view of text lines, folded to the width.

The detail pane shows the payload's JSON in it, and the diff view its changes. Only the
visible lines are rendered, so a few hundred KB of text scrolls smoothly. The caller
hands in inert `Content` (already passed through `textsafe.visible`/`visible_lines`).
"""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["PayloadText"]


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
