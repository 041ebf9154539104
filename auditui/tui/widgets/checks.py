"""Check boxes, radio buttons and check lists whose state reads without colour.

Textual draws every toggle as the same "X" (or "●") in a coloured cell, on or off: with
`NO_COLOR` or 16 colours the two states look alike, and a list's cursor is a colour too.
These draw the state in characters: `[x]` / `[ ]` for check boxes and list rows, `(•)` /
`( )` for radio buttons, and a `›` before the row or option the cursor is on. Colour
still helps (ticked in the success colour, bold) but is never the only sign.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, RadioButton, RadioSet, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

TICKED = "[x]"
UNTICKED = "[ ]"
CHOSEN = "(•)"
UNCHOSEN = "( )"
CURSOR = "›"
"""Marks the list row (or radio option) the cursor is on."""

_TOGGLE_CSS = """
{name} > .toggle--button {{
    color: $text-muted;
    background: transparent;
    text-style: none;
}}
{name}.-on > .toggle--button {{
    color: $text-success;
    text-style: bold;
}}
"""


class Check(Checkbox):
    """A check box drawn `[x]` (ticked) or `[ ]`."""

    DEFAULT_CSS: ClassVar[str] = _TOGGLE_CSS.format(name="Check")

    @property
    def _button(self) -> Content:
        return Content.styled(
            TICKED if self.value else UNTICKED, self.get_visual_style("toggle--button")
        )


class Choice(RadioButton):
    """A radio button drawn `(•)` (chosen) or `( )`, after a `›` while the cursor of its
    focused `RadioSet` is on it."""

    DEFAULT_CSS: ClassVar[str] = _TOGGLE_CSS.format(name="Choice")

    @property
    def _button(self) -> Content:
        parent = self.parent
        cursor = self.has_class("-selected") and isinstance(parent, RadioSet) and parent.has_focus
        style = self.get_visual_style("toggle--button")
        return Content.assemble(
            (CURSOR if cursor else " ", "bold"),
            (CHOSEN if self.value else UNCHOSEN, style),
        )


class CheckList(SelectionList[str]):
    """A selection list whose rows start `›[x] ` (cursor, ticked) or ` [ ] `."""

    DEFAULT_CSS: ClassVar[str] = """
    CheckList > .option-list--option-highlighted {
        text-style: bold;
    }
    """

    def _get_left_gutter_width(self) -> int:
        return len(CURSOR + TICKED + " ")

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)  # the prompt, without SelectionList's "X"
        index = self.scroll_offset.y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        ticked = selection.value in self.selected
        highlighted = self.highlighted == index
        component = "selection-list--button" + ("-selected" if ticked else "")
        component += "-highlighted" if highlighted else ""
        underlying = next(iter(line)).style or self.rich_style
        colour = self.get_component_rich_style(component).color
        meta = Style(meta={"option": index})
        box = underlying + Style(color=colour, bold=ticked) + meta
        return Strip(
            [
                Segment(CURSOR if highlighted else " ", underlying + Style(bold=True) + meta),
                Segment(TICKED if ticked else UNTICKED, box),
                Segment(" ", underlying),
                *line,
            ]
        )
