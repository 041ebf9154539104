"""FacetsPanel: the side panel of the values per field under the current filter.

For each field of `auditui.stats.facets` (user, action, status, source, object type, client IP)
a header line ("Action  25 values") and its values, most frequent first, each with its
count, a bar scaled to the field's largest count and its share. The first `FIRST_ROWS`
values of a field are listed; a "▸ 15 more values" row lists the next `MORE_ROWS` on Enter
(or a click), until every value is listed: nothing is out of reach, and a field of 100,000
IPs is not drawn up front. The fields a user opened stay open while the filter changes.

Values take the width the panel leaves them and are cut with "…" only there; the
highlighted value is shown whole (wrapped over as many lines as it needs) and in the
tooltip. Enter (or a click) on a value posts `FacetsPanel.AddTerm(term)` with the value's
`field:value` term; `-` posts `AddTerm("-field:value")`. The app adds the term to the query
(`auditui.query.narrowing.add_term`). Esc posts `FacetsPanel.Closed` (the app hides the
panel and focuses the table).

The app computes the facets (`auditui.stats.facets.compute_facets`, in a worker for big stores)
and calls `show_facets(facets)`; the highlighted value stays put when it is still listed.
Values come from events: they are shown through `textsafe.visible()` as plain `Text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from auditui.textsafe import visible
from auditui.tui.widgets.table.layout import fit

if TYPE_CHECKING:
    from auditui.stats import Facet, FacetValue

BAR_WIDTH = 6
FIRST_ROWS = 10  # values listed per field at first
MORE_ROWS = 500  # values a "more" row adds
MIN_VALUE_WIDTH = 8
MISSING = "(none)"
_DEFAULT_WIDTH = 46  # before the panel has a size


def _bar(count: int, peak: int, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of `count` out of `peak` in eighths of a cell."""
    if peak <= 0 or count <= 0:
        return " " * width
    eighths = max(1, round(count * width * 8 / peak))
    full, rest = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[rest] if rest else ""
    return ("█" * full + partial).ljust(width)[:width]


def _shown_value(value: FacetValue) -> str:
    return visible(value.value) if value.value else MISSING


class FacetsPanel(OptionList):
    """Values per field; Enter adds `field:value` to the filter, `-` excludes it."""

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
        Binding("escape", "close", "Close facets", id="facets.close"),
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

    class Closed(Message):
        """Esc: hide the panel."""

        def __init__(self, panel: FacetsPanel) -> None:
            super().__init__()
            self.panel = panel

        @property
        def control(self) -> FacetsPanel:
            return self.panel

    def __init__(self, *, id: str | None = "facets", classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: dict[str, tuple[Facet, int]] = {}  # option id -> (facet, rank)
        self._limits: dict[str, int] = {}  # field -> values listed (fields opened further)
        self._whole: int | None = None  # the option drawn whole (the highlighted one)
        self._width = 0  # the row width the options were drawn for
        self.facets: list[Facet] = []

    # -- listing -----------------------------------------------------------------------

    def show_facets(self, facets: Sequence[Facet]) -> None:
        """Replace the listing; keep the highlight on the same field and value if listed."""
        highlighted = self.highlighted_option
        keep = highlighted.id if highlighted is not None else None
        self.facets = list(facets)
        self._redraw(keep)

    def _row_width(self) -> int:
        width = self.scrollable_content_region.width if self.is_mounted else 0
        return width if width > 0 else _DEFAULT_WIDTH

    def _redraw(self, keep: str | None) -> None:
        self._rows = {}
        self._whole = None
        self._width = self._row_width()
        options: list[Option] = []
        for facet in self.facets:
            options.append(Option(self._header(facet), id=f"h:{facet.field}", disabled=True))
            count = len(facet.ranked) or len(facet.values)
            listed = min(count, self._limits.get(facet.field, FIRST_ROWS))
            peak = facet.value(0).count if count else 0
            for rank in range(listed):
                value = facet.value(rank)
                option_id = f"v:{facet.field}\x00{value.value}"
                self._rows[option_id] = (facet, rank)
                options.append(Option(self._row(value, peak, facet.total), id=option_id))
            if listed < count:
                more = count - listed
                label = f"  ▸ {more:,} more value{'s' if more != 1 else ''}"
                if more > MORE_ROWS:
                    label += f" (next {MORE_ROWS:,})"
                options.append(Option(Text(label, style="italic"), id=f"m:{facet.field}"))
            if not count:
                options.append(Option(Text("  no events", style="dim italic"), disabled=True))
        self.set_options(options)
        target = _find(options, keep)
        if target is None:
            target = next((i for i, o in enumerate(options) if not o.disabled), None)
        self.highlighted = target
        self._draw_whole(target)

    @staticmethod
    def _header(facet: Facet) -> Text:
        text = Text(facet.title, style="bold", no_wrap=True, overflow="ellipsis", end="")
        more = f"  {facet.distinct:,} value{'s' if facet.distinct != 1 else ''}"
        text.append(more, style="dim")
        return text

    def _tail(self, value: FacetValue, peak: int, total: int) -> Text:
        """The count, bar and share after the value."""
        bar: Style | str = (
            self.get_component_rich_style("facets--bar", partial=True) if self.is_mounted else ""
        )
        count = f"{value.count:,}"
        text = Text(" " + count.rjust(max(6, cell_len(count))) + " ", end="")
        text.append(_bar(value.count, peak), style=bar)
        if total:
            text.append(f" {value.count * 100 / total:4.0f}%", style="dim")
        return text

    def _value_width(self, tail: Text) -> int:
        return max(MIN_VALUE_WIDTH, self._width - 2 - tail.cell_len)

    def _row(self, value: FacetValue, peak: int, total: int) -> Text:
        tail = self._tail(value, peak, total)
        text = Text("  ", no_wrap=True, overflow="ellipsis", end="")
        shown = _shown_value(value)
        text.append(fit(shown, self._value_width(tail)), style="" if value.value else "dim italic")
        text.append_text(tail)
        return text

    def _whole_row(self, value: FacetValue, peak: int, total: int) -> Text:
        """The value over as many lines as it needs, then its count on the last line."""
        tail = self._tail(value, peak, total)
        width = max(MIN_VALUE_WIDTH, self._width - 2)
        shown = _shown_value(value)
        lines: list[str] = []
        line = ""
        for char in shown:  # cut by cells, not words: values have few spaces
            if cell_len(line + char) > width:
                lines.append(line)
                line = ""
            line += char
        last_width = self._value_width(tail)
        if cell_len(line) > last_width:
            lines.append(line)
            line = ""
        text = Text(end="")
        for part in lines:
            text.append("  " + part + "\n")
        text.append("  " + line.ljust(last_width - cell_len(line) + len(line)))
        text.append_text(tail)
        return text

    def _is_cut(self, value: FacetValue, peak: int, total: int) -> bool:
        return cell_len(_shown_value(value)) > self._value_width(self._tail(value, peak, total))

    def _draw_whole(self, index: int | None) -> None:
        """Draw the option at `index` whole (and the one drawn whole before as a row)."""
        previous, self._whole = self._whole, None
        if previous is not None and previous != index and previous < self.option_count:
            found = self._row_at(previous)
            if found is not None:
                facet, rank = found
                value = facet.value(rank)
                self.replace_option_prompt_at_index(
                    previous, self._row(value, facet.value(0).count, facet.total)
                )
        found = self._row_at(index)
        if found is None or index is None:
            return
        facet, rank = found
        value = facet.value(rank)
        peak = facet.value(0).count
        self.tooltip = Text(_shown_value(value))
        if not self._is_cut(value, peak, facet.total):
            return
        if previous != index:
            self.replace_option_prompt_at_index(index, self._whole_row(value, peak, facet.total))
            self.scroll_to_highlight()
        self._whole = index

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._draw_whole(event.option_index)

    def on_resize(self, event: events.Resize) -> None:
        if self.facets and self._row_width() != self._width:
            highlighted = self.highlighted_option
            self._redraw(highlighted.id if highlighted is not None else None)

    # -- reading -----------------------------------------------------------------------

    def _row_at(self, index: int | None) -> tuple[Facet, int] | None:
        if index is None or not 0 <= index < self.option_count:
            return None
        option_id = self.get_option_at_index(index).id
        return None if option_id is None else self._rows.get(option_id)

    def value_at(self, index: int | None) -> FacetValue | None:
        """The facet value of an option index (None for headers, "more" rows or no index)."""
        found = self._row_at(index)
        return None if found is None else found[0].value(found[1])

    @property
    def highlighted_value(self) -> FacetValue | None:
        return self.value_at(self.highlighted)

    def _more_at(self, index: int | None) -> str | None:
        """The field of a "more" row at `index` (None when it is not one)."""
        if index is None or not 0 <= index < self.option_count:
            return None
        option_id = self.get_option_at_index(index).id or ""
        return option_id[2:] if option_id.startswith("m:") else None

    def list_more(self, field: str) -> None:
        """List the next `MORE_ROWS` values of `field`; the highlight stays on the row
        where the "more" row was (the first value just listed)."""
        facet = next((f for f in self.facets if f.field == field), None)
        if facet is None:
            return
        listed = self._limits.get(field, FIRST_ROWS)
        self._limits[field] = listed + MORE_ROWS
        first = facet.value(listed) if listed < len(facet.ranked) else None
        keep = None if first is None else f"v:{field}\x00{first.value}"
        self._redraw(keep)

    # -- actions -----------------------------------------------------------------------

    def action_include(self) -> None:
        """Enter: add the highlighted value's `field:value` term (or list more values)."""
        more = self._more_at(self.highlighted)
        if more is not None:
            self.list_more(more)
            return
        value = self.highlighted_value
        if value is not None:
            self.post_message(self.AddTerm(self, value.term))

    def action_exclude(self) -> None:
        """`-`: add the highlighted value's `-field:value` term."""
        value = self.highlighted_value
        if value is not None:
            self.post_message(self.AddTerm(self, value.exclude_term))

    def action_close(self) -> None:
        """Esc: post `Closed` (the app hides the panel)."""
        self.post_message(self.Closed(self))

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        more = self._more_at(event.option_index)
        if more is not None:
            self.list_more(more)
            return
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
