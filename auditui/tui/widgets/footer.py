"""The key footer: Textual's `Footer`, recomposed only when the keys it shows change.

Textual's footer recomposes (a dozen `FooterKey` widgets made, styled and mounted again)
once per "bindings updated" signal, and the screen sends one for every focus change, every
`refresh_bindings()` and every screen change: at start-up that is about ten recomposes
(~0.1 s of the first rows' time), almost all of them showing the same keys. Here the
signals before one refresh make at most one recompose, and none when what the footer
would show (keys, their display, descriptions, enabled state, tooltips, groups) is
unchanged. What it shows is exactly Textual's. The first keys are composed at the first
signal, not after a refresh: waiting for one left the first frames without a footer (the
screen's other updates at start put that refresh off by ~0.1 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import Footer as TextualFooter

if TYPE_CHECKING:
    from textual.screen import Screen


class Footer(TextualFooter):
    """Textual's footer without the redundant recomposes (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending = False
        self._shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            if self._shown is None:  # no keys yet: now, so the first frame has them
                self.call_later(self._recompose_if_changed)
            else:
                self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._what_is_shown()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def _what_is_shown(self) -> tuple[object, ...]:
        """Everything `Footer.compose` reads from the bindings, in its order."""
        app = self.app
        active = self.screen.active_bindings
        keys: tuple[object, ...] = tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.description,
                binding.action,
                binding.group,
                binding.tooltip,
                enabled,
                tooltip,
            )
            for (_, binding, enabled, tooltip) in active.values()
            if binding.show
        )
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        if palette is not None:
            _, binding, enabled, _tip = palette
            keys += ((binding.key, app.get_key_display(binding), binding.description,
                      binding.action, binding.tooltip, enabled),)  # fmt: skip
        return (keys, self.show_command_palette, app.ENABLE_COMMAND_PALETTE)
