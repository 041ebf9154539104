"""The key footer: what Textual's `Footer` shows, its keys drawn by one widget.

Textual's footer makes a `FooterKey` widget per key (17 here), each composed, styled by the
CSS engine, laid out and rendered: ~40 ms of the first screen on a 2-core VM, more than the
rest of the footer's work. Here the keys are one `KeyLine` that draws the same cells
(Textual's `FooterKey` rules, its component classes and its text, key by key) and answers
the mouse as the keys did: hovering a key highlights it and shows its tooltip, pressing it
presses the key (or rings the bell when it is disabled). The command palette's key stays
Textual's own `FooterKey`, docked right. A footer in compact style, or one showing grouped
keys, is composed by Textual as before.

Textual's footer also recomposes once per "bindings updated" signal, which the screen sends
for every focus change, every `refresh_bindings()` and every screen change (about ten before
the first rows). Here the signals before one refresh make at most one recompose, and none
when what the footer shows is unchanged. The first keys are composed at the first signal,
not after a refresh: waiting for one left the first frames without a footer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

if TYPE_CHECKING:
    from textual.app import ComposeResult
    from textual.binding import Binding
    from textual.screen import Screen

_DIM = Style(dim=True)


class ShownKey(NamedTuple):
    """One key as the footer shows it (a `FooterKey`'s arguments)."""

    key: str
    display: str
    description: str
    action: str
    disabled: bool
    tooltip: str


class KeyLine(Widget):
    """The footer's keys in one widget, drawn as Textual's `FooterKey`s draw them."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "footer-key--key",
        "footer-key--description",
        "footer-key--hover",
    }
    # `FooterKey`'s rules (Textual 8), less `:hover` and `-compact`: the hovered key is drawn
    # with the hover component's colours (`FooterKey:hover`'s), the line is never compact.
    DEFAULT_CSS = """
    KeyLine {
        width: auto;
        height: 1;
        text-wrap: nowrap;
        background: $footer-item-background;
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
            padding: 0 1;
        }
        .footer-key--description {
            padding: 0 1 0 0;
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .footer-key--hover {
            color: $footer-key-foreground;
            background: $block-hover-background;
        }
        &:hover {
            pointer: pointer;
        }
    }
    """

    def __init__(self, keys: Iterable[ShownKey]) -> None:
        super().__init__()
        self.keys = tuple(keys)
        self._hovered: int | None = None

    def _labels(self) -> list[tuple[str, str]]:
        """Each key's two parts as `FooterKey` pads them: the key, then its description
        ("" when it has none: then the key shows unpadded)."""
        key_pad = self.get_component_styles("footer-key--key").padding
        description_pad = self.get_component_styles("footer-key--description").padding
        return [
            (" " * key_pad.left + shown.display + " " * key_pad.right,
             " " * description_pad.left + shown.description + " " * description_pad.right)
            if shown.description else (shown.display, "")
            for shown in self.keys
        ]  # fmt: skip

    def render(self) -> Text:
        key_style = self.get_component_rich_style("footer-key--key")
        description_style = self.get_component_rich_style("footer-key--description")
        hover = self.get_component_rich_style("footer-key--hover")
        base = self.rich_style
        parts: list[Text] = []
        labels = zip(self.keys, self._labels(), strict=True)
        for index, (shown, (key, description)) in enumerate(labels):
            below, on_key, on_description = base, key_style, description_style
            if index == self._hovered:  # `FooterKey:hover`: its colours under the key's
                below = hover
                on_key += Style(bgcolor=hover.bgcolor)
                on_description += Style(bgcolor=hover.bgcolor)
            if shown.disabled:  # `FooterKey.-disabled`
                below, on_key, on_description = below + _DIM, on_key + _DIM, on_description + _DIM
            text = Text.assemble((key, on_key), (description, on_description))
            text.stylize_before(below)
            parts.append(text)
        return Text("").join(parts)

    def key_at(self, x: int) -> int | None:
        """The index of the key drawn at column `x` of this widget, if any."""
        start = 0
        for index, (key, description) in enumerate(self._labels()):
            start += cell_len(key) + cell_len(description)
            if x < start:
                return index if x >= 0 else None
        return None

    def _hover(self, index: int | None) -> None:
        if index != self._hovered:
            self._hovered = index
            self.tooltip = self.keys[index].tooltip or None if index is not None else None
            self.refresh()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._hover(self.key_at(event.x))

    def on_leave(self, event: events.Leave) -> None:
        self._hover(None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        index = self.key_at(event.x)
        if index is None:
            return
        shown = self.keys[index]
        if shown.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(shown.key)


class Footer(TextualFooter):
    """Textual's footer with its keys in one widget and no redundant recompose (module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending = False
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        app = self.app
        active = self.screen.active_bindings
        first: dict[str, tuple[Binding, bool, str]] = {}  # per action, as Textual's footer
        for _, binding, enabled, tooltip in active.values():
            if binding.show:
                first.setdefault(binding.action, (binding, enabled, tooltip))
        if self.compact or any(binding.group is not None for binding, _, _ in first.values()):
            yield from super().compose()  # Textual's keys, its groups and compact style
            return
        self.styles.grid_size_columns = len(first)
        yield KeyLine(
            ShownKey(binding.key, app.get_key_display(binding), binding.description,
                     binding.action, not enabled, tooltip)
            for binding, enabled, tooltip in first.values()
        )  # fmt: skip
        if self.show_command_palette and app.ENABLE_COMMAND_PALETTE:
            palette = active.get(app.COMMAND_PALETTE_BINDING)
            if palette is not None:
                _, binding, enabled, _tip = palette
                yield FooterKey(
                    binding.key,
                    app.get_key_display(binding),
                    binding.description,
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=binding.tooltip or binding.description,
                )

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
        """Everything `compose` reads from the bindings, in its order."""
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
        return (keys, self.show_command_palette, self.compact, app.ENABLE_COMMAND_PALETTE)
