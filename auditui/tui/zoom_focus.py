"""Where the focus goes when the detail pane is zoomed (`z`) and back, and j/k on any pane.

Zoomed, only the detail pane is on screen: the focus moves to the part of it that scrolls
(the payload, as text or as a tree), so j/k and the arrows scroll what is shown and the
footer shows that part's keys. Un-zoomed (`z`, Esc, or
Textual's own Esc-to-minimize) the focus returns to the widget that had it before.

`step_focused` is the App's j/k for panes without their own (the field list, the payload,
the facets, the help and column lists): the focused widget's cursor or scroll moves.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.screen import Screen
from textual.widget import Widget

PAYLOAD_TEXT = "#detail-payload-text"
PAYLOAD_TREE = "#detail-tree"
"""The detail pane's parts that show the payload (as text, as a tree)."""


class ZoomFocus:
    """Moves the focus into the zoomed detail pane and back out."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._before: Widget | None = None

    def follow(self, screen: Screen[Any]) -> None:
        """Restore the focus whenever `screen` un-maximizes, however that happens."""
        self._app.watch(screen, "maximized", self._maximized, init=False)

    def zoomed(self, pane: Widget, *, tree: bool) -> None:
        """`pane` was just maximized: focus its payload (the tree if `tree`)."""
        focused = self._app.focused
        if focused is not None and pane not in focused.ancestors_with_self:
            self._before = focused
        # By the pane's mode, not by what shows: a pane that was hidden redraws later.
        for part in pane.query(PAYLOAD_TREE if tree else PAYLOAD_TEXT):
            part.focus()

    def _maximized(self, maximized: Widget | None) -> None:
        if maximized is not None:
            return
        before, self._before = self._before, None
        if before is not None and before.is_attached and before.focusable:
            before.focus()


def step_focused(focused: Widget | None, rows: int) -> None:
    """j/k where the focused widget has no binding of its own: move its cursor, or scroll."""
    if focused is None:
        return
    down = rows > 0
    for name in ("cursor_down" if down else "cursor_up", "scroll_down" if down else "scroll_up"):
        action = getattr(focused, f"action_{name}", None)
        if callable(action):
            for _ in range(abs(rows)):
                action()
            return
