"""`AuditApp`: composes the screen, builds the flows and runs the actions.

The session's state (source, range, store, view, filter, load counts) belongs to a
`Session` (session.py, no Textual): the App and the flows read it, only the session
assigns it; the App's `store`, `view`, `time_range`, … are read-only views of it. Widgets
post messages (cursor moved, sort requested, row selected, query changed) and the App's
handlers (`app_messages.py`) hand each to the flow that answers: filter bar, facets and
timeline to `flows/filter.py`, the find bar to `flows/find.py`. The export is
`flows/export.py`, the login `flows/login.py`, what is done with the selected event
(copy, pager, diff) `flows/event_actions.py`, `=`/`!` and back/forward `flows/pivot.py` and
`flows/history.py`, marks and notes `flows/marks.py`, saved views `flows/views.py`, time
zones `flows/zones.py`. Loads run in an exclusive worker (`flows/load.py`): a new load
cancels the previous one, Esc cancels the running one, and the events on screen stay
until a new load succeeds. The load flow reports what happened through `LoadHooks`, which
the App connects to the filter flow, the login flow, the header and the progress line
(`app_loading.py`): flows never call each other. A browser whose first windows were
prefetched begins loading before its screen is mounted (`on_load`), so that the screen's
first frame has the rows (what the load reports waits for the mount: `MountGate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import ClassVar

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Container, Horizontal
from textual.notifications import SeverityLevel
from textual.screen import Screen

from auditui import memory
from auditui.config.history import QueryHistory
from auditui.config.state import load_ui_state, save_ui_state
from auditui.errors import ConfigError
from auditui.events import EventStore, EventView
from auditui.sources.protocol import EventSource
from auditui.timespec import TimeRange
from auditui.tui import bindings_help
from auditui.tui.actions import app_bindings
from auditui.tui.app_loading import LoadDisplay
from auditui.tui.app_messages import WidgetMessages
from auditui.tui.bindings_help import Panes
from auditui.tui.crash import crash_report_without_locals
from auditui.tui.flows.event_actions import EventActions
from auditui.tui.flows.export import ExportFlow
from auditui.tui.flows.filter import FilterFlow
from auditui.tui.flows.find import FindFlow
from auditui.tui.flows.follow import FollowFlow, FollowHooks
from auditui.tui.flows.history import HistoryFlow, HistoryHooks
from auditui.tui.flows.load import LoadFlow
from auditui.tui.flows.login import LoginFlow
from auditui.tui.flows.marks import MarksFlow
from auditui.tui.flows.pivot import PivotFlow
from auditui.tui.flows.status import StatusFlow
from auditui.tui.flows.views import ViewsFlow
from auditui.tui.flows.zones import ZoneFlow
from auditui.tui.handoff import HandOff
from auditui.tui.key_order import KeyOrder
from auditui.tui.mount_gate import MountGate
from auditui.tui.on_demand import OnDemand
from auditui.tui.panes import PaneMemory
from auditui.tui.screens.main import MainScreen
from auditui.tui.session import Session
from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.footer import Footer
from auditui.tui.widgets.status_bar import HeaderLine, LoadProgress
from auditui.tui.widgets.table.event_table import EventTable
from auditui.tui.widgets.timeline import Timeline
from auditui.tui.zoom_focus import ZoomFocus, step_focused

NARROW_WIDTH = 180  # below this the detail pane goes under the table


class AuditApp(WidgetMessages, LoadDisplay, App[int]):
    """The audit-log browser."""

    TITLE = "auditui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = app_bindings()

    def __init__(
        self, connection: EventSource, time_range: TimeRange, *, since: str | None = None
    ) -> None:
        super().__init__()
        self.session = session = Session(connection, time_range, since=since)
        self.key_order = KeyOrder(self, super().on_event)
        self.zoom_focus = ZoomFocus(self)
        # the filter and find bars, facets, export progress: mounted when first shown
        self.on_demand = lazy = OnDemand(self, lambda: QueryHistory.load(connection.profile.name))
        self.filter_flow = FilterFlow(
            self,
            session,
            lazy,
            changed=self._view_changed,
            step=lambda: self.history_flow.commit(),
        )
        self.login_flow = LoginFlow(self, session, resume=self.start_load)
        self.export_flow = ExportFlow(self, session, lazy)
        self.find_flow = FindFlow(self, session, lazy)
        self.status_flow = StatusFlow(
            self,
            session,
            bar=lazy.filter_bar,
            filter_text=lambda: self.filter_flow.text,
            history=lambda: self.history_flow.depth,
            follow=lambda: self.follow_flow.header_note(),
        )
        self.history_flow = HistoryFlow(
            self,
            session,
            HistoryHooks(
                set_query=self.filter_flow.set_query,
                reshown=self.filter_flow.reshown,
                swapped=self.filter_flow.swapped,
                load=lambda time_range: self.start_load(time_range, chosen=True),
                stop_load=self.action_cancel,
                changed=self.update_header,
                notify=self.notify,
            ),
        )
        self.pivot_flow = PivotFlow(self, session, set_query=self.filter_flow.set_query)
        self.zone_flow = ZoneFlow(self, header=self.update_header)
        self.views_flow = ViewsFlow(
            self,
            session,
            set_query=self.filter_flow.set_query,
            load=partial(self.start_load, chosen=True),
        )
        handoff = HandOff(self, lambda: getattr(self.connection.credential, "key", None))
        self.event_actions = EventActions(self, session, handoff, open_detail=self._open_detail)
        self.marks_flow = MarksFlow(self, session, self.event_actions, self.filter_flow.apply)
        self.panes = PaneMemory(
            connection.profile.name, lambda text: self.notify(text, severity="warning")
        )
        self.follow_flow = FollowFlow(
            self,
            session,
            FollowHooks(
                merged=lambda current: self.filter_flow.extended(current, True),
                changed=self.update_header,
                auth_refused=lambda why, resume: self.login_flow.start(why, then=resume),
            ),
        )
        self.mount_gate = MountGate()  # a load begun before the screen reports to it after
        # the prefetched answers after the first few, held while the screen is built
        self._release_prefetched: Callable[[], None] = lambda: None
        self.load_flow = LoadFlow(session, self.load_hooks())  # (app_loading.py)

    # ── the session's state (read-only: the session assigns it) ───────────────────────

    @property
    def connection(self) -> EventSource:
        return self.session.source

    @property
    def time_range(self) -> TimeRange:
        return self.session.time_range

    @property
    def since(self) -> str | None:
        return self.session.since

    @property
    def store(self) -> EventStore:
        return self.session.store

    @property
    def view(self) -> EventView:
        return self.session.view

    @property
    def loading(self) -> bool:
        return self.session.loading

    @property
    def offline(self) -> bool:
        """True for a file: no API, no login."""
        return self.session.offline

    # ── layout ────────────────────────────────────────────────────────────────────────

    def get_default_screen(self) -> MainScreen:
        return MainScreen()

    def compose(self) -> ComposeResult:
        yield HeaderLine(id="header")
        narrow = self.size.width < NARROW_WIDTH  # laid out by `_layout_for` on mount
        with Container(id="body", classes=self.panes.body_classes(narrow=narrow)):
            with Horizontal(id="main"):  # (the facets go first: `OnDemand.facets`)
                yield EventTable(id="events")
            yield DetailPane(id="detail")
        yield Timeline()
        yield LoadProgress(id="progress")  # then the export's, filter and find bars: OnDemand
        yield Footer()

    @property
    def table(self) -> EventTable:
        return self.query_one(EventTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    def on_mount(self) -> None:
        profile = self.connection.profile
        if profile.keymap:
            self.set_keymap(dict(profile.keymap))
        try:
            theme = load_ui_state().get("theme") or profile.theme
        except ConfigError:  # a damaged state file: the next save replaces it
            theme = profile.theme
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.table.columns = self.panes.columns(profile.columns)
        self.table.set_view(self.view)
        self.marks_flow.start()  # the mark column; the marks file is read in a worker
        self.zone_flow.mount(profile.timezone)
        self.table.focus()
        self.zoom_focus.follow(self.screen)
        self.detail.follow_store(lambda: self.store, busy=lambda: self.loading)
        self._layout_for(self.size.width)
        self.update_header()
        self.views_flow.mounted()  # `--view NAME`
        # RSS stays flat over reloads (auditui/memory.py); after the first frame, which
        # needs none of ctypes (~2 ms): a threshold set later overrides glibc's own
        self.call_after_refresh(memory.fix_mmap_threshold)
        if self.mount_gate.open():  # a load began in `on_load`: its rows are in, and the
            table = self.table  # detail pane shows the cursor's event in the first frame too
            self.detail.show_event(table.cursor_event, utc=table.utc, zone=table.zone)
        else:
            self.start_load(self.time_range)  # the login dialog first when it needs a key
        self._release_prefetched()  # the rest of the prefetched answers: the screen is up

    def on_load(self) -> None:
        if self.connection.prefetched:  # loaded while the screen is built: rows in its 1st frame
            # only the first answers (decoding all would hold the screen back)
            self._release_prefetched = self.connection.hold_prefetched()
            self.start_load(self.time_range)

    async def on_event(self, event: events.Event) -> None:
        # Keys in a burst wait for the one before (its dialog or input): key_order.py.
        if not await self.key_order.take(event):
            await super().on_event(event)

    def on_resize(self, event: events.Resize) -> None:
        # Runs before App._on_resize stores the new size: self.size is still the old one.
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        narrow = width < NARROW_WIDTH
        self.panes.apply(self.query_one("#body"), self.query_one("#main"), narrow=narrow)

    def _remember_theme(self, theme: object) -> None:
        try:
            save_ui_state("theme", self.theme)
        except OSError as exc:
            self.notify(f"Could not remember the theme: {exc}", severity="warning", timeout=6)

    def _view_changed(self) -> None:
        self.update_header()
        self.find_flow.view_changed()

    def update_header(self) -> None:
        self.status_flow.update()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Toasts show their text literally: messages quote event data and server errors."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def action_help_quit(self) -> None:
        """Ctrl+C: say how to quit (Textual's own toast is markup; ours are literal)."""
        quits = ("quit", "app.quit")
        keys = [k for k, active in self.active_bindings.items() if active.binding.action in quits]
        if keys:
            shown = " or ".join(sorted(keys, key=len))
            self.notify(f"Press {shown} to quit the app", title="Do you want to quit?")

    def _fatal_error(self) -> None:
        crash_report_without_locals(self)  # locals hold event data and keys

    # ── loading ───────────────────────────────────────────────────────────────────────

    def start_load(
        self, time_range: TimeRange, windows: list[TimeRange] | None = None, *, chosen: bool = False
    ) -> None:
        """Load a range (or just `windows` of it) in the background, replacing any load;
        `chosen`: the user picked `time_range` (one ending now is then "the last …")."""
        if self.login_flow.ask_first(time_range, windows):  # no usable key: the login dialog
            return
        if self.loading:
            self.workers.cancel_group(self, "load")
            self.load_flow.cancel()
        if chosen:
            self.session.choose_range(time_range)
        serial = self.session.begin_load()
        what = f"{len(windows)} failed windows" if windows else time_range.label()
        self.mount_gate.wrap(self._show_loading)(f" loading {what} · Esc cancels")
        self._load(time_range, serial, windows)

    @work(exclusive=True, group="load", exit_on_error=False)
    async def _load(
        self, time_range: TimeRange, serial: int, windows: list[TimeRange] | None = None
    ) -> None:
        await self.load_flow.run(time_range, serial, windows)

    # ── actions ───────────────────────────────────────────────────────────────────────

    async def action_open_filter(self) -> None:
        await self.on_demand.filter_bar.open()
        self.update_header()

    def action_clear_filter(self) -> None:
        bar = self.on_demand.filter_bar
        if self.filter_flow.active or bar.value or bar.error is not None:
            self.filter_flow.clear()  # no toast: it would cover the counter that says so

    async def action_find(self) -> None:
        await self.find_flow.open()

    def action_find_next(self) -> None:
        self.find_flow.move(1)

    def action_find_previous(self) -> None:
        self.find_flow.move(-1)

    async def action_toggle_facets(self) -> None:
        await self.filter_flow.toggle_facets()

    def action_pivot(self, exclude: bool = False) -> None:
        self.pivot_flow.pivot(exclude=exclude)

    def action_history(self, delta: int) -> None:
        self.history_flow.go(delta)

    def action_follow(self) -> None:
        self.follow_flow.toggle()

    def action_export(self) -> None:
        self.export_flow.start()

    def action_pick_range(self) -> None:
        from auditui.tui.dialogs.range import RangeDialog  # lazy: dialogs load when opened

        def chosen(result: TimeRange | None) -> None:
            if result is None:
                return
            self.start_load(result, chosen=True)

        self.push_screen(RangeDialog(self.time_range, zone=self.table.tz), chosen)

    def action_reload(self) -> None:
        time_range, windows = self.session.reload_target()
        self.start_load(time_range, windows)

    def action_cancel(self) -> None:
        """Esc: cancel a load, else an export, else un-maximize, else leave the diff view,
        else clear the filter."""
        if self.loading:
            self.workers.cancel_group(self, "load")
            self.notify(self.load_flow.cancel(), timeout=6)
        elif self.export_flow.cancel():
            pass
        elif self.screen.maximized is not None:
            self.screen.minimize()
        elif self.detail.close_diff():
            pass
        elif self.filter_flow.active:
            self.action_clear_filter()

    def _open_detail(self) -> None:
        if not self.panes.detail_open:
            self.action_toggle_detail()

    def action_cycle_zone(self) -> None:
        self.table.action_toggle_utc()  # the table owns the clock; the others follow it

    def action_toggle_detail(self) -> None:
        self.panes.set_detail_open(not self.panes.detail_open)
        self._layout_for(self.size.width)
        if not self.panes.detail_open:
            self.table.focus()

    def action_resize_detail(self, step: int) -> None:
        """Grow (step > 0) or shrink the detail pane; remembered for the profile."""
        size = self.panes.resize_detail(step, narrow=self.size.width < NARROW_WIDTH)
        self._layout_for(self.size.width)
        self.notify(f"Detail pane: {size}% of the screen", timeout=2)

    def action_maximize_detail(self) -> None:
        if self.screen.maximized is not None:
            self.screen.minimize()
            return
        self.panes.set_detail_open(True)
        self._layout_for(self.size.width)
        self.screen.maximize(self.detail, container=False)
        self.zoom_focus.zoomed(self.detail, tree=self.detail.mode == "tree")

    def action_diff(self, previous: bool = False) -> None:
        self.event_actions.diff(previous=previous)

    def action_step(self, rows: int) -> None:
        step_focused(self.focused, rows)  # j/k on panes without their own

    def action_copy_event(self) -> None:
        self.marks_flow.copy()  # asks first when marked events are shown

    def action_mark(self) -> None:
        self.marks_flow.toggle()

    def action_note(self) -> None:
        self.marks_flow.edit_note()

    def action_copy_value(self) -> None:
        self.event_actions.copy_value()

    def action_open_pager(self) -> None:
        self.event_actions.open(pager=True)

    def action_open_editor(self) -> None:
        self.event_actions.open(pager=False)

    def action_actor(self) -> None:
        from auditui.tui.screens.actor import open_actor_view  # lazy: not for the first rows

        open_actor_view(self, "user")

    def action_actor_by(self) -> None:
        from auditui.tui.screens.actor import pick_actor_view

        pick_actor_view(self)

    def action_support_review(self) -> None:
        from auditui.tui.flows.review import open_support_review  # lazy: not for the first rows

        open_support_review(self)

    def action_pick_columns(self) -> None:
        from auditui.tui.dialogs.columns import ColumnPicker  # lazy: dialogs load when opened

        def chosen(columns: tuple[str, ...] | None) -> None:
            if columns:
                self.table.columns = columns
                self.panes.remember_columns(columns)

        self.push_screen(ColumnPicker(self.table.columns), chosen)

    def action_save_view(self) -> None:
        self.views_flow.save()

    def action_help(self) -> None:
        from auditui.tui.dialogs.help import HelpScreen  # lazy: dialogs load when opened

        self.push_screen(HelpScreen(self.help_rows()))

    def action_show_skipped(self) -> None:
        self.event_actions.show_skipped()

    def _panes(self) -> Panes:
        return (
            ("App", self),
            ("Table", self.table),
            ("Detail", self.detail),
            *self.on_demand.panes(),  # filter bar, find bar, facets
            ("Timeline", self.query_one(Timeline)),
        )

    def help_rows(self) -> list[tuple[str, str, str, str]]:
        return bindings_help.help_rows(self._panes(), self._keymap)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from bindings_help.palette_commands(
            self, self._panes(), self._keymap, self.on_demand.resolve
        )
        yield from self.filter_flow.commands()
        yield from self.views_flow.commands()
