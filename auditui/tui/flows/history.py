"""Back and forward: when a step is recorded, and showing a step again.

`HistoryFlow` owns the session's `History` (auditui/tui/history.py) and the App connects it
(flows never call each other): the filter flow reports each filter change made at once,
the App each sort, the cursor's moves, a bar that closed and the load's reports.

When a step is recorded (`commit`: only when what is shown differs from the current step):

- the filter bar: typing narrows the table but records nothing; Enter, or Esc closing the
  bar with a query other than the step's, records one step;
- a filter changed at once: pivot (`=`/`!`), facet, timeline bucket or whole range, saved
  query, clear (ctrl+u, Esc with the bar closed);
- a sort (`s`, `S`, a header click);
- a range the user chose (`t`), when its first events are shown: a load cancelled before
  that, or whose cancel puts the previous range back, leaves no step; `r` (the same range
  again, or "the last hour" as of now) rewrites the range of the steps on it instead.

Each step remembers the event selected on it (the cursor's last event while the step was
shown) and, for the most recent steps, its filter result, with the store it belongs to.

Going back (Backspace) or forward (shift+Backspace): a change not recorded yet (a query
typed, the bar left open) first becomes a step, so forward comes back to it. Then the
step's range is shown again: swapped back from the session's kept ranges (no fetch), else
loaded again, with a toast saying so; a load running to another range is cancelled first
(when its cancel puts the previous range back, that is the step back). Then its filter:
the cached result shown again without matching (`Session.reshow`, with the sort in one
pass) while its store is unchanged, else the query applied; then its sort and its event
(on a range loaded again, the event may come in a later window than the first: the cursor
goes to it when the load ends).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import msgspec
from textual.app import App
from textual.css.query import NoMatches

from auditui.timespec import TimeRange
from auditui.tui.flows.load import Notify
from auditui.tui.history import History, Mark, Place, Step
from auditui.tui.session import Session
from auditui.tui.widgets.status_bar import range_label
from auditui.tui.widgets.table.event_table import EventTable


class HistoryHooks(msgspec.Struct, frozen=True):
    """What going back needs from the rest of the App (the App connects each)."""

    set_query: Callable[[str], bool]  # put a query in the bar and apply it
    reshown: Callable[[str], None]  # the view shows an earlier result again (its query)
    swapped: Callable[[], None]  # another store is the session's: the table shows it
    load: Callable[[TimeRange], None]  # load a range (it was not kept)
    stop_load: Callable[[], None]  # cancel the running load, as Esc does
    changed: Callable[[], None]  # the depth changed: redraw the header
    notify: Notify


class HistoryFlow:
    """Records the steps and shows them again; see the module doc."""

    def __init__(self, app: App[Any], session: Session, hooks: HistoryHooks) -> None:
        self.app = app
        self.session = session
        self.hooks = hooks
        self.history = History(self._place())
        self._target: Step | None = None  # the step a load started by back/forward goes to
        self._mark: Mark | None = None  # the history before the running load's first events
        self._restoring = False  # showing a step: what changes now records nothing
        self._put_back = False  # the last load cancelled put the previous range back
        self._pending: str | None = None  # the step's event, not loaded yet when restored

    @property
    def table(self) -> EventTable:
        return self.app.query_one(EventTable)

    @property
    def depth(self) -> tuple[int, int]:
        """(steps back, steps forward): the header's `◀ 3 ▶ 1`."""
        return self.history.back_depth, self.history.forward_depth

    def _place(self) -> Place:
        session = self.session
        view = session.view
        text = session.filter_text.strip()
        return Place(text, view.sort_column, view.descending, session.time_range, session.since)

    def _selected(self) -> str | None:
        try:
            event = self.table.cursor_event
        except NoMatches:  # not composed yet
            return None
        return None if event is None else event.event_uuid

    # -- recording -------------------------------------------------------------------------

    def commit(self) -> None:
        """Record what is shown as a new step when it differs from the current step."""
        if self._restoring:
            return
        if self.history.record(self._place(), self._selected()):
            self._cache_current()
            self.session.keep_ranges(self.history.ranges)
            self.hooks.changed()

    def sorted(self, column: str, descending: bool) -> None:
        """The table sorted its view: a step unless it is the current step's sort (the one
        going back put back)."""
        if (column, descending) != self.history.current.place.sort:
            self.commit()

    def highlighted(self) -> None:
        """The cursor moved: its event is the current step's while that step is shown."""
        if not self._restoring and self._place() == self.history.current.place:
            self.history.select(self._selected())

    def _cache_current(self) -> None:
        """Keep the current filter result on the current step (to show it again)."""
        step, session = self.history.current, self.session
        last = session.filterer.last
        if last is None or last.query.text.strip() != step.place.query:
            return
        size = 0 if last.is_empty else len(last.indices)  # an empty query's range is free
        self.history.cache(step, (weakref.ref(session.store), last), size)

    # -- loads -----------------------------------------------------------------------------

    def installed(self) -> None:
        """A load swapped in its first events: the step it went to, a new range's step, or
        (a reload) the steps on the old range moved to the new one."""
        self._mark = self.history.mark()
        target, self._target = self._target, None
        session = self.session
        if target is not None and self.history.go(target):
            self._restore(target)
        elif session.chose_range:
            self.commit()
        else:
            old = self.history.current.place.time_range
            self.history.rebase(old, session.time_range, session.since)
        self.hooks.changed()

    def restored(self) -> None:
        """A cancelled load put back what it replaced: so are the steps."""
        if self._mark is not None:
            self.history.reset(self._mark)
        self._mark, self._target, self._put_back = None, None, True
        self._pending = None
        self.hooks.changed()

    def load_ended(self) -> None:
        """The load ended, whichever way: the ranges the steps no longer need are let go,
        and the current step's result (of the whole range now) is cached."""
        self._mark = self._target = None
        self._select_pending()
        self.session.keep_ranges(self.history.ranges)
        if self._place() == self.history.current.place:
            self._cache_current()
        self.hooks.changed()

    def _select_pending(self) -> None:
        """The restored step's event, which a window after the first brought: the cursor on
        it now that the whole range is in."""
        pending, self._pending = self._pending, None
        if pending is None or self._place() != self.history.current.place:
            return
        row = self.session.view.row_of(pending)
        if row is None:
            return
        self._restoring = True
        try:
            self.table.move_cursor(row)
        finally:
            self._restoring = False
        self.history.select(pending)

    # -- going back and forward ------------------------------------------------------------

    def go(self, delta: int) -> None:
        """Backspace (-1) / shift+Backspace (1): show the step before / after this one."""
        self._pending = None
        self.commit()
        target = self.history.peek(delta)
        if target is None:
            where = "back" if delta < 0 else "forward"
            self.hooks.notify(f"Nothing to go {where} to.", timeout=2)
            return
        session = self.session
        wanted = target.place.time_range
        if session.loading and wanted != session.time_range:
            self._put_back = False
            self.hooks.stop_load()  # says what it did
            if self._put_back:  # the range before the load is back: that was the step
                return
        if wanted != session.time_range:
            if session.swap_range(wanted):
                self.hooks.swapped()
            else:
                self._fetch(target)
                return
        self.history.go(target)
        self._restore(target)

    def _fetch(self, target: Step) -> None:
        """Load the step's range again (its events were not kept); shown when it arrives."""
        self.hooks.load(target.place.time_range)
        self._target = target  # after `load`: cancelling a running load forgets the target
        label = range_label(
            target.place.time_range, utc=self.table.utc, zone=self.table.zone, form="short"
        )
        self.hooks.notify(f"Loading {label} again: its events were no longer kept.", timeout=4)

    def _restore(self, step: Step) -> None:
        """Show the step's filter, sort and selected event over the session's store."""
        place, session, table = step.place, self.session, self.table
        self._restoring = True
        try:
            cached = self.history.cached(step)
            result = None
            if cached is not None and cached[0]() is session.store:
                result = cached[1]
            if result is not None and session.reshow(result, place.sort):
                self.hooks.reshown(place.query)
            else:
                self.history.forget(step)
                view = session.view
                if (view.sort_column, view.descending) != place.sort:
                    table.sort_by(*place.sort)
                if self.hooks.set_query(place.query):
                    self._cache_current()
            row = None if step.selected is None else session.view.row_of(step.selected)
            if row is not None:
                table.move_cursor(row)
            elif session.loading:  # its window may come later in this load
                self._pending = step.selected
        finally:
            self._restoring = False
        self.hooks.changed()
