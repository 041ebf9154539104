"""`DiffView`: what changed, as lines: `~` changed, `+` added, `-` removed, by path.

Each change is one line with its path and the old and new values side by side (columns
laid out for the width, values cut with `…`); two long strings follow with their line
diff, indented. Colours mark the kinds, and so do the `~ + -` markers, so the view reads
without colour. Notes (what could not be compared) come first. Paths and values are
event data: they pass through `textsafe.visible()` into plain `Content`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.events import Resize

from auditui.textsafe import visible
from auditui.tui.widgets.detail.payload_text import PayloadText

if TYPE_CHECKING:
    from auditui.changes import Change, Diff

__all__ = ["MARKERS", "DiffView", "diff_lines"]

MARKERS = {"changed": "~", "added": "+", "removed": "-"}
_STYLES = {"changed": "yellow", "added": "green", "removed": "red", "…": "dim"}
_LINE_STYLES = {"-": "red", "+": "green", " ": "", "…": "dim"}
_ARROW = " → "


def _cell(text: str, width: int) -> str:
    text = visible(text)
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


def _change_line(change: Change, path_width: int, value_width: int) -> Content:
    from auditui.changes import value_text  # lazy: loads with the first diff shown

    kind = change.kind
    marker = Content.styled(MARKERS[kind], f"bold {_STYLES[kind]}")
    path = Content.styled(_cell(change.path or "(the whole value)", path_width), "bold")
    old = "" if kind == "added" else value_text(change.old, value_width + 1)
    new = "" if kind == "removed" else value_text(change.new, value_width + 1)
    if change.lines:  # two long strings: their lines follow
        old = "" if kind == "added" else f"(text, {change.old.count(chr(10)) + 1} lines)"
        new = "" if kind == "removed" else f"(text, {change.new.count(chr(10)) + 1} lines)"
    old_cell = Content.styled(_cell(old, value_width), "red" if old else "")
    new_cell = Content.styled(_cell(new, value_width).rstrip(), "green" if new else "")
    arrow = _ARROW if kind == "changed" else " " * len(_ARROW)
    return Content.assemble(marker, " ", path, "  ", old_cell, arrow, new_cell)


def diff_lines(diff: Diff, width: int, intro: tuple[str, ...] = ()) -> list[Content]:
    """The lines of a diff laid out for `width` cells."""
    lines = [Content.styled(visible(text), "bold") for text in intro]
    lines += [Content.styled(f"! {visible(note)}", "bold yellow") for note in diff.notes]
    if diff.found and not diff.changes and not diff.notes:
        lines.append(Content.styled("= no differences", "dim"))
    if not diff.changes:
        return lines
    longest = max(len(change.path) for change in diff.changes)
    path_width = max(8, min(longest, width // 3))
    value_width = max(6, (width - 2 - path_width - 2 - len(_ARROW)) // 2)
    for change in diff.changes:
        lines.append(_change_line(change, path_width, value_width))
        for line in change.lines:
            style = _LINE_STYLES.get(line.marker, "")
            text = f"    {line.marker} {visible(line.text)}"
            lines.append(Content.styled(text, style) if style else Content(text))
    return lines


class DiffView(PayloadText):
    """The changes of a `Diff`, laid out again when the width changes."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._diff: Diff | None = None
        self._intro: tuple[str, ...] = ()
        self._laid_out = -1

    @property
    def diff(self) -> Diff | None:
        return self._diff

    def set_diff(self, diff: Diff | None, intro: tuple[str, ...] = ()) -> None:
        """Show `diff` (None: only the intro lines, e.g. "comparing…"), scrolled to the top."""
        self._diff, self._intro = diff, intro
        self._laid_out = -1
        self._layout()

    def _layout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        self._laid_out = width
        if self._diff is None:
            self.set_lines([Content.styled(visible(text), "dim") for text in self._intro])
        else:
            self.set_lines(diff_lines(self._diff, width, self._intro))

    def on_resize(self, event: Resize) -> None:
        if self._diff is not None and self.scrollable_content_region.width != self._laid_out:
            offset = self.scroll_offset.y
            self._layout()
            self.scroll_to(0, offset, animate=False)
        super().on_resize(event)
