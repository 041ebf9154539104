"""`MainScreen` (tui/screens/main.py): styled once at start, restyled on every later resume."""

from __future__ import annotations

import pytest
from textual import events

from auditui.demo import DemoServer
from auditui.tui.dialogs.help import HelpScreen
from auditui.tui.screens.main import MainScreen
from tests.helpers.app import loaded_app, wait_for


async def test_the_first_resume_restyles_nothing_and_the_next_ones_do(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    restyled: list[str] = []  # each restyle of the whole main screen
    whole = MainScreen.update_node_styles

    def recording(self: MainScreen, animate: bool = True) -> None:
        restyled.append("screen")
        whole(self, animate)

    monkeypatch.setattr(MainScreen, "update_node_styles", recording)
    async with loaded_app(server) as (app, pilot):
        assert isinstance(app.screen, MainScreen) and app.screen.id == "_default"
        assert restyled == []  # its nodes were styled at their mount
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "back")
        assert app.table.has_focus
        app.screen.post_message(events.ScreenResume())  # as a switch of modes or screens does
        await wait_for(pilot, lambda: bool(restyled), "a restyle, as Textual does")
