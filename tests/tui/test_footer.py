"""The key footer (`widgets/footer.py`): Textual's keys drawn by one widget, composed at once."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer as TextualFooter
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from auditui.demo import DemoServer
from auditui.tui.widgets.footer import Footer, KeyLine
from tests.helpers.app import loaded_app

SIZE = (60, 4)


class Keys(App[None]):
    """Keys of every kind the footer draws: a tooltip, a dimmed one, a shown key name."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "alpha", "Alpha", tooltip="Say alpha"),
        Binding("backspace", "wipe", "Wipe"),  # disabled below: dimmed, rings the bell
        Binding("ctrl+b", "beta", "Beta", key_display="B!"),
        Binding("x", "hidden", "Hidden", show=False),
        Binding("y", "alpha", "Alpha again"),  # the same action: not shown twice
    ]

    def __init__(self, footer: type[TextualFooter]) -> None:
        super().__init__()
        self.footer = footer
        self.said: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield self.footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "wipe" else True

    def action_alpha(self) -> None:
        self.said.append("alpha")

    def action_beta(self) -> None:
        self.said.append("beta")

    def bell(self) -> None:
        self.said.append("bell")


def footer_line(app: App[Any]) -> list[tuple[str, str]]:
    """The screen's last line as drawn: each segment's text and style."""
    strips = app.screen._compositor.render_strips()
    return [(segment.text, str(segment.style)) for segment in strips[-1]]


async def drawn(footer: type[TextualFooter], theme: str) -> list[list[tuple[str, str]]]:
    """The footer's line, then the line with the mouse over each column of it in turn."""
    app = Keys(footer)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = theme
        await pilot.pause()
        lines = [footer_line(app)]
        for x in [*range(30), 48, 52, 58]:  # the keys, then the gap and the palette's key
            await pilot.hover(None, offset=(x, SIZE[1] - 1))
            lines.append(footer_line(app))
    return lines


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_the_keys_are_drawn_as_textuals_footer_draws_them(theme: str) -> None:
    ours = await drawn(Footer, theme)
    assert ours == await drawn(TextualFooter, theme)  # segment by segment, hovered or not
    assert len({tuple(line) for line in ours}) > 3  # the hover shows (and the test can fail)
    assert "dim" in str(ours[0]) and "B!" in str(ours[0]) and "Hidden" not in str(ours[0])


async def test_the_keys_are_one_widget_beside_the_palettes() -> None:
    app = Keys(Footer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        line = app.query_one(KeyLine)
        assert [key.description for key in line.keys] == ["Alpha", "Wipe", "Beta"]
        assert [key.key for key in app.query(FooterKey)] == ["ctrl+p"]
        assert app.query_one(FooterKey).has_class("-command-palette")


async def test_pressing_a_key_presses_it_and_a_dimmed_one_rings() -> None:
    app = Keys(Footer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        line = app.query_one(KeyLine)
        # " a Alpha " is columns 0-8, " ⌫ Wipe " 9-16, " B! Beta " 17-25
        for x in (1, 10, 20, line.size.width + 5):  # the last one is beyond the keys
            await pilot.click(KeyLine, offset=(x, 0))
            await pilot.pause()
        assert app.said == ["alpha", "bell", "beta"]


async def test_hovering_a_key_shows_its_tooltip() -> None:
    app = Keys(Footer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tips: list[object] = []
        for widget, x in ((KeyLine, 2), (KeyLine, 20), (Static, 1)):
            await pilot.hover(widget, offset=(x, 0))
            tips.append(app.query_one(KeyLine).tooltip)
        assert tips == ["Say alpha", None, None]  # Beta has none, as Textual's key had none


class Grouped(Keys):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "left", "Left", group=Binding.Group("Move")),
        Binding("right", "right", "Right", group=Binding.Group("Move")),
    ]


async def test_grouped_keys_are_composed_by_textual() -> None:
    app = Grouped(Footer)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.query(KeyLine)
        assert [key.key for key in app.query(FooterKey)] == ["a", "backspace", "ctrl+b", "left",
                                                              "right", "ctrl+p"]  # fmt: skip


async def test_the_first_keys_do_not_wait_for_a_refresh(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # waiting for a refresh left the first frames without a footer (~0.1 s at start)
    waited: list[int] = []  # the footer's keys when it put a recompose after a refresh
    after_refresh = Footer.call_after_refresh

    def recording(self: Footer, callback: Any, *args: Any, **kwargs: Any) -> bool:
        waited.append(len(self.query(KeyLine)))
        return after_refresh(self, callback, *args, **kwargs)

    monkeypatch.setattr(Footer, "call_after_refresh", recording)
    async with loaded_app(server) as (app, _pilot):
        keys = [key.description for key in app.query_one(KeyLine).keys]
        assert "Sort" in keys and "Filter" in keys  # the table's keys and the App's
        assert 0 not in waited  # a footer without keys composed them at once
