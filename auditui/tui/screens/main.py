"""`MainScreen`: the browser's own screen (the App's default), styled once at start.

Textual restyles every node of a screen when it resumes, the first time too, right after
its widgets were styled at their mount: ~7 ms of the first frame for the main screen's
nodes (issue 17). Its first resume here skips that pass; every later one (back from a
dialog or another screen, after a theme change) restyles as Textual does. What the first
resume changes (the focus it gives the table) restyles the nodes it touches by itself.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen


class MainScreen(Screen[Any]):
    """The App's default screen (see the module doc)."""

    def __init__(self) -> None:
        super().__init__(id="_default")  # the id Textual gives its default screen
        self._resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False  # styled at the mount, a moment ago
        super()._on_screen_resume(event)
