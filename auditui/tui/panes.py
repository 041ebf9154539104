"""`PaneMemory`: the main screen's remembered layout, per profile, applied to the widgets.

Owns the detail pane's open state and size (its share of the body: of the width beside
the table on wide terminals, of the height below it on narrow ones) and the table's
columns as chosen with `C`, and remembers each change in the UI-state file
(`config.state.PaneLayout`, written atomically). The App asks it for the columns to start
with, and calls `apply` after every change or resize: the table's container gets the
share the pane leaves it, so the table always fills the width there is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from msgspec.structs import replace
from textual.widget import Widget

from auditui.config.state import DETAIL_SIZES, PaneLayout, load_pane_layout, save_pane_layout
from auditui.events import KNOWN_COLUMNS

STEP = 5  # percent per `+`/`-`


class PaneMemory:
    """The layout of one profile's main screen, as the user left it."""

    def __init__(self, profile: str, warn: Callable[[str], None]) -> None:
        self._profile = profile
        self._warn = warn
        self._layout = load_pane_layout(profile)
        self._warned = False

    @property
    def layout(self) -> PaneLayout:
        return self._layout

    def columns(self, configured: Sequence[str]) -> tuple[str, ...]:
        """The columns chosen last time (unknown ids dropped), else the configured ones."""
        remembered = [c for c in self._layout.columns or () if c in KNOWN_COLUMNS]
        return tuple(dict.fromkeys(remembered)) or tuple(configured)

    def remember_columns(self, columns: Sequence[str]) -> None:
        self._change(replace(self._layout, columns=tuple(columns)))

    @property
    def detail_open(self) -> bool:
        return self._layout.detail_open

    def set_detail_open(self, shown: bool) -> None:
        if shown != self._layout.detail_open:
            self._change(replace(self._layout, detail_open=shown))

    def resize_detail(self, step: int, *, narrow: bool) -> int:
        """Grow (`step` > 0) or shrink the detail pane along the split; its new share."""
        low, high = DETAIL_SIZES[0], DETAIL_SIZES[-1]
        if narrow:
            size = min(max(self._layout.detail_height + step, low), high)
            self._change(replace(self._layout, detail_height=size, detail_open=True))
        else:
            size = min(max(self._layout.detail_width + step, low), high)
            self._change(replace(self._layout, detail_width=size, detail_open=True))
        return size

    def body_classes(self, *, narrow: bool) -> str:
        """The body's classes for this layout: the App composes the body with them, so that
        the first `apply` changes no class (each change would style the body's panes again)."""
        shown = {"-no-detail": not self._layout.detail_open, "-narrow": narrow}
        return " ".join(name for name, on in shown.items() if on)

    def apply(self, body: Widget, main: Widget, *, narrow: bool) -> None:
        """Show or hide the pane and give the table's container the rest of the body."""
        layout = self._layout
        body.set_class(not layout.detail_open, "-no-detail")
        body.set_class(narrow, "-narrow")
        width, height = "1fr", "1fr"
        if layout.detail_open and narrow:
            height = f"{100 - layout.detail_height}%"
        elif layout.detail_open:
            width = f"{100 - layout.detail_width}%"
        main.styles.width = width
        main.styles.height = height

    def _change(self, layout: PaneLayout) -> None:
        if layout == self._layout:
            return
        self._layout = layout
        try:
            save_pane_layout(self._profile, layout)
        except OSError as exc:
            if not self._warned:  # once: the layout still applies for this session
                self._warned = True
                self._warn(f"Could not remember the layout: {exc}")
