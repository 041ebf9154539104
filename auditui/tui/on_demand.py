"""`OnDemand`: the main screen's widgets that are hidden at start, mounted when first shown.

The filter bar, the find bar, the facets panel and the export's progress line are hidden
until the user opens them; a start that never does composes, styles and lays out none of
them, nor imports their modules (issue 17: rows on screen sooner). Each is mounted the
first time it is wanted, where the App's `compose` used to yield it (the same order, so
the same layout and focus order), and stays mounted.

- `filter_bar` is a `FilterBarSlot`: the flows give it the query, error, counts and note
  whether or not the bar is mounted (they change with every load); it keeps them and
  hands them to the bar when it mounts. `open()` mounts the bar (it opens itself once
  composed); the App's `/` awaits that, so the keys after it reach the input.
- `find_bar()`, `facets()`, `export_progress()` mount on first call and return the
  widget once it is mounted (await them); `*_shown` properties give it or None.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any

from textual.dom import DOMNode
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from auditui.config.history import QueryHistory
    from auditui.query import QueryError
    from auditui.tui.widgets.facets import FacetsPanel
    from auditui.tui.widgets.filter_bar import FilterBar
    from auditui.tui.widgets.find_bar import FindBar
    from auditui.tui.widgets.status_bar import LoadProgress

__all__ = ["SCREEN_ORDER", "FilterBarSlot", "OnDemand"]

SCREEN_ORDER = ("progress", "export-progress", "filter-bar", "find-bar")
"""The ids of the screen's lower lines in compose order (`progress` is always composed:
it shows during every load): a widget mounted later goes after the last one present."""


class _Mounted:
    """Awaits a mount (None: already mounted)."""

    def __init__(self, mounting: Awaitable[Any] | None) -> None:
        self._mounting = mounting

    def __await__(self) -> Generator[Any, None, None]:
        if self._mounting is not None:
            yield from self._mounting.__await__()


class OnDemand:
    """The App's lazily mounted widgets (see the module doc)."""

    def __init__(self, app: App[Any], history: Callable[[], QueryHistory]) -> None:
        self.app = app
        self.filter_bar = FilterBarSlot(self, history)
        self._find: FindBar | None = None
        self._facets: FacetsPanel | None = None
        self._export: LoadProgress | None = None
        self._mounts: dict[Widget, Awaitable[Any]] = {}  # mounts not yet awaited

    async def _mounted(self, widget: Widget) -> None:
        """Wait for `widget`'s mount (every caller: the second may come before the first
        has finished)."""
        mounting = self._mounts.get(widget)
        if mounting is not None:
            await mounting
            self._mounts.pop(widget, None)

    @property
    def screen(self) -> Screen[Any]:
        """The main screen (the widgets go there even while a dialog is on top)."""
        return self.app.screen_stack[0]

    def mount_line(self, widget: Widget) -> Awaitable[Any]:
        """Mount `widget` (its id in `SCREEN_ORDER`) in its place among the lower lines."""
        screen = self.screen
        place = SCREEN_ORDER.index(widget.id or "")
        for before in reversed(SCREEN_ORDER[:place]):
            found = screen.query(f"#{before}")
            if found:
                return screen.mount(widget, after=found.first())
        raise LookupError(f"no line to mount #{widget.id} after")  # pragma: no cover

    # -- the help screen and the command palette -------------------------------------------

    def panes(self) -> list[tuple[str, DOMNode | type[DOMNode]]]:
        """The help's and palette's panes for these widgets: the widget (its input for the
        bars) once mounted, else its class (for its `BINDINGS`; `resolve` mounts it)."""
        from auditui.tui.widgets.facets import FacetsPanel  # lazy: the help, the palette
        from auditui.tui.widgets.filter_bar import QueryInput
        from auditui.tui.widgets.find_bar import FindInput

        bar, find = self.filter_bar.widget, self._find
        return [
            ("Filter bar", QueryInput if bar is None else bar.input),
            ("Find bar", FindInput if find is None or not find.is_mounted else find.input),
            ("Facets", FacetsPanel if self._facets is None else self._facets),
        ]

    async def resolve(self, pane: type[DOMNode]) -> DOMNode:
        """The widget a palette command of `pane` (a class from `panes`) runs on, mounted
        (hidden) if it was not."""
        from auditui.tui.widgets.facets import FacetsPanel
        from auditui.tui.widgets.filter_bar import QueryInput

        if issubclass(pane, QueryInput):
            await self.filter_bar.mount()
            bar = self.filter_bar.widget
            assert bar is not None
            return bar.input
        if issubclass(pane, FacetsPanel):
            return await self.facets()
        return (await self.find_bar()).input

    # -- find bar --------------------------------------------------------------------------

    @property
    def find_bar_shown(self) -> FindBar | None:
        """The find bar once it was opened (None before)."""
        return self._find

    async def find_bar(self) -> FindBar:
        """The find bar, mounted (the first call mounts it)."""
        if self._find is None:
            from auditui.tui.widgets.find_bar import FindBar  # lazy: loads when first opened

            self._find = bar = FindBar()
            self._mounts[bar] = self.mount_line(bar)
        await self._mounted(self._find)
        return self._find

    # -- facets ----------------------------------------------------------------------------

    @property
    def facets_shown(self) -> FacetsPanel | None:
        """The facets panel once it was opened (None before)."""
        return self._facets

    async def facets(self) -> FacetsPanel:
        """The facets panel, mounted hidden beside the table (the first call mounts it)."""
        if self._facets is None:
            from auditui.tui.widgets.facets import FacetsPanel  # lazy: loads when first shown

            self._facets = panel = FacetsPanel()
            panel.display = False
            main = self.screen.query_one("#main")
            self._mounts[panel] = main.mount(panel, before=0)
        await self._mounted(self._facets)
        return self._facets

    # -- the export's progress line --------------------------------------------------------

    @property
    def export_progress_shown(self) -> LoadProgress | None:
        return self._export

    async def export_progress(self) -> LoadProgress:
        """The export's progress line, mounted (the first call mounts it)."""
        if self._export is None:
            from auditui.tui.widgets.status_bar import LoadProgress

            self._export = line = LoadProgress(id="export-progress")
            self._mounts[line] = self.mount_line(line)
        await self._mounted(self._export)
        return self._export


class FilterBarSlot:
    """The filter bar, or what it will show once mounted: the query, its error, the
    counter (counts or a status) and the note. The flows talk to the slot, the slot to
    the bar when there is one."""

    def __init__(self, owner: OnDemand, history: Callable[[], QueryHistory]) -> None:
        self._owner = owner
        self._history = history
        self._bar: FilterBar | None = None  # set once the bar is mounted and composed
        self._mounting: FilterBar | None = None
        self._waiting: Awaitable[Any] | None = None
        self._open_query: str | None = None
        self._open = False  # an open was asked for while mounting
        self._query = ""
        self._error: QueryError | None = None
        self._counter: tuple[int, int] | str | None = None
        self._note = ""

    @property
    def widget(self) -> FilterBar | None:
        """The bar once mounted (None before it was first opened)."""
        return self._bar

    # -- what the flows read ---------------------------------------------------------------

    @property
    def value(self) -> str:
        return self._bar.value if self._bar is not None else self._query

    @property
    def is_open(self) -> bool:
        return self._bar.is_open if self._bar is not None else self._open

    @property
    def error(self) -> QueryError | None:
        return self._bar.error if self._bar is not None else self._error

    @property
    def note(self) -> str:
        return self._bar.note if self._bar is not None else self._note

    @note.setter
    def note(self, note: str) -> None:
        if self._bar is not None:
            self._bar.note = note
        else:
            self._note = note

    # -- what the flows write --------------------------------------------------------------

    def set_query(self, query: str) -> None:
        if self._bar is not None:
            self._bar.set_query(query)
        else:
            self._query = query

    def show_error(self, error: QueryError | None) -> None:
        if self._bar is not None:
            self._bar.show_error(error)
        else:
            self._error = error

    def show_status(self, status: str) -> None:
        if self._bar is not None:
            self._bar.show_status(status)
        else:
            self._counter = status

    def set_counts(self, shown: int, total: int) -> None:
        if self._bar is not None:
            self._bar.set_counts(shown, total)
        else:
            self._counter = (shown, total)

    def open(self, query: str | None = None) -> _Mounted:
        """Show the bar and focus its input (mounting it first: await the result for the
        bar to be open)."""
        if self._bar is not None:
            self._bar.open(query)
            return _Mounted(None)
        if query is not None:
            self._query = query
        self._open = True
        return self.mount()

    def mount(self) -> _Mounted:
        """Mount the bar (hidden unless `open` was called): await the result for it."""
        if self._bar is None and self._mounting is None:
            from auditui.tui.widgets.filter_bar import FilterBar  # lazy: loads when opened

            self._mounting = bar = FilterBar(self._history(), on_ready=self._ready)
            self._waiting = self._owner.mount_line(bar)
        return _Mounted(self._waiting if self._bar is None else None)

    def _ready(self, bar: FilterBar) -> None:
        """The bar is composed: it takes what the slot kept, and opens when asked to."""
        self._bar, self._mounting, self._waiting = bar, None, None
        bar.set_query(self._query)
        bar.note = self._note
        if self._error is not None:
            bar.show_error(self._error)
        if isinstance(self._counter, str):
            bar.show_status(self._counter)
        elif self._counter is not None:
            bar.set_counts(*self._counter)
        if self._open:
            self._open = False
            bar.open()
