"""FacetsPanel: the side panel of top values per field under the current filter.

For each field of `auditui.stats.facets` (user, action, status, source, object type, client IP)
a header line and its top values, each with its count and a bar scaled to the field's
largest count. Enter (or a click) on a value posts `FacetsPanel.AddTerm(term)` with the
value's `field:value` term; `-` posts `AddTerm("-field:value")`. The app adds the term to
the query (`auditui.query.narrowing.add_term`).

The app computes the facets (`auditui.stats.facets.compute_facets`, in a worker for big stores)
and calls `show_facets(facets)`; the highlighted value stays put when it is still listed.
Values come from events: they are shown through `textsafe.visible()` as plain `Text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from auditui.stats import Facet, FacetValue
from auditui.textsafe import visible
from auditui.tui.widgets.table.layout import fit

BAR_WIDTH = 8
VALUE_WIDTH = 20
MISSING = "(none)"


def _bar(count: int, peak: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of `count` out of `peak` in eighths of a cell."""
    if peak <= 0 or count <= 0:
        return " " * width
    eighths = max(1, round(count * width * 8 / peak))
    full, rest = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[rest] if rest else ""
    return ("█" * full + partial).ljust(width)[:width]


class FacetsPanel(OptionList):
    """Top values per field; Enter adds `field:value` to the filter, `-` excludes it."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"facets--bar"}

    DEFAULT_CSS: ClassVar[str] = """
    FacetsPanel {
        width: 48;
        height: 1fr;
        background: $surface;
        & > .option-list--option-disabled { color: $text; text-style: bold; }
        & > .facets--bar { color: $accent; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "include", "Filter to value", id="facets.include"),
        Binding("minus", "exclude", "Exclude value", id="facets.exclude"),
    ]

    class AddTerm(Message):
        """Add `term` (`field:value` or `-field:value`) to the filter query."""

        def __init__(self, panel: FacetsPanel, term: str) -> None:
            super().__init__()
            self.panel = panel
            self.term = term

        @property
        def control(self) -> FacetsPanel:
            return self.panel

    def __init__(self, *, id: str | None = "facets", classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._values: dict[str, FacetValue] = {}  # option id -> value
        self.facets: list[Facet] = []

    def show_facets(self, facets: Sequence[Facet]) -> None:
        """Replace the listing; keep the highlight on the same field and value if listed."""
        highlighted = self.highlighted_option
        keep = highlighted.id if highlighted is not None else None
        self.facets = list(facets)
        self._values = {}
        bar = (
            self.get_component_rich_style("facets--bar", partial=True) if self.is_mounted else None
        )
        options: list[Option] = []
        for facet in facets:
            options.append(Option(self._header(facet), id=f"h:{facet.field}", disabled=True))
            peak = max((value.count for value in facet.values), default=0)
            for value in facet.values:
                option_id = f"v:{facet.field}\x00{value.value}"
                self._values[option_id] = value
                options.append(Option(self._row(value, peak, facet.total, bar), id=option_id))
            if not facet.values:
                options.append(Option(Text("  no events", style="dim italic"), disabled=True))
        self.set_options(options)
        target = _find(options, keep)
        if target is None:
            target = next((i for i, o in enumerate(options) if not o.disabled), None)
        self.highlighted = target

    @staticmethod
    def _header(facet: Facet) -> Text:
        text = Text(facet.title, style="bold", no_wrap=True, overflow="ellipsis", end="")
        more = f"  {facet.distinct:,} value{'s' if facet.distinct != 1 else ''}"
        text.append(more, style="dim")
        return text

    @staticmethod
    def _row(value: FacetValue, peak: int, total: int, bar: Style | None) -> Text:
        shown = visible(value.value) if value.value else MISSING
        text = Text("  ", no_wrap=True, overflow="ellipsis", end="")
        text.append(fit(shown, VALUE_WIDTH), style="dim italic" if not value.value else "")
        count = f"{value.count:,}"
        text.append(" " + count.rjust(max(6, cell_len(count))) + " ")
        text.append(_bar(value.count, peak), style=bar or "")
        if total:
            text.append(f" {value.count * 100 / total:4.0f}%", style="dim")
        return text

    def value_at(self, index: int | None) -> FacetValue | None:
        """The facet value of an option index (None for headers or no index)."""
        if index is None or not 0 <= index < self.option_count:
            return None
        option_id = self.get_option_at_index(index).id
        return None if option_id is None else self._values.get(option_id)

    @property
    def highlighted_value(self) -> FacetValue | None:
        return self.value_at(self.highlighted)

    def action_include(self) -> None:
        """Enter: add the highlighted value's `field:value` term."""
        value = self.highlighted_value
        if value is not None:
            self.post_message(self.AddTerm(self, value.term))

    def action_exclude(self) -> None:
        """`-`: add the highlighted value's `-field:value` term."""
        value = self.highlighted_value
        if value is not None:
            self.post_message(self.AddTerm(self, value.exclude_term))

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        value = self.value_at(event.option_index)
        if value is not None:
            self.post_message(self.AddTerm(self, value.term))


def _find(options: Sequence[Option], option_id: str | None) -> int | None:
    if option_id is None:
        return None
    for index, option in enumerate(options):
        if option.id == option_id:
            return index
    return None
