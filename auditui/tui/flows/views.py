"""Saved views in the browser: `ctrl+s` saves, the command palette opens, renames, deletes.

A view (`config.views.SavedView`) is what the browser shows besides the events: the query,
the columns, the sort and the range. Saving takes them from the filter, the table and the
session: a range chosen as "the last …" (`Session.since`) is kept relative (`since = "1d"`),
any other as its start and end (a file's span is no range to load: not kept). Opening one
applies them in the usual ways: the columns (`EventTable.columns`), the sort
(`EventTable.sort_by`) and the query (the filter flow's `set_query`) make one back/forward
step, and the range, when it differs from the one shown, another (`load`: the App's
`start_load(..., chosen=True)`; never for a file).

The views are a profile's `ViewBook` (the state folder, and `[views]` of config.toml,
read-only: renaming or deleting one of those says so in one line). The palette lists
"View: NAME" per view, and "Rename view: NAME" and "Delete view: NAME". `auditui --view
NAME` hands the view over before the App starts (`start_with`); it is applied on mount.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any

from textual.app import App, SystemCommand
from textual.markup import escape

from auditui.config.settings import load_settings
from auditui.config.views import SavedView, ViewBook, ViewError
from auditui.errors import ConfigError
from auditui.events import KNOWN_COLUMNS, default_descending
from auditui.textsafe import visible
from auditui.timespec import TimeRange, parse_duration, resolve_range
from auditui.tui.session import Session
from auditui.tui.widgets.table.event_table import EventTable

_UNIT_SECONDS = (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def short_duration(since: str) -> str:
    """`86400s` → `1d`, `5400s` → `90m`: the largest unit that divides it (else as given)."""
    duration = parse_duration(since)
    if duration is None:
        return since
    seconds = int(duration.total_seconds())
    for unit, size in _UNIT_SECONDS:
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return since


def view_range(view: SavedView, *, now: datetime | None = None) -> TimeRange | None:
    """The range a view loads (None: it keeps the range shown)."""
    if view.since:
        return resolve_range(since=view.since, now=now)
    if view.start and view.end:
        return TimeRange(datetime.fromisoformat(view.start), datetime.fromisoformat(view.end))
    return None


class ViewsFlow:
    """Save, open, rename and delete views; see the module doc."""

    def __init__(
        self,
        app: App[Any],
        session: Session,
        *,
        set_query: Callable[[str], bool],
        load: Callable[[TimeRange], None],
    ) -> None:
        self.app = app
        self.session = session
        self.set_query = set_query
        self.load = load
        self._book: ViewBook | None = None
        self._pending: SavedView | None = None  # `--view`: applied on mount

    @property
    def table(self) -> EventTable:
        return self.app.query_one(EventTable)

    @property
    def book(self) -> ViewBook:
        """The profile's views (read on first use; a damaged file's notice shown once)."""
        if self._book is None:
            profile = self.session.source.profile.name
            try:
                self._book = load_settings().view_book(profile)
            except ConfigError:  # the CLI said so at start: the saved views still work
                self._book = ViewBook(profile)
            self._notice()
        return self._book

    def _notice(self) -> None:
        book = self._book
        if book is not None and book.notice:
            self.app.notify(book.notice, severity="warning", timeout=10)
            book.notice = None

    # -- saving ----------------------------------------------------------------------------

    def current(self, name: str) -> SavedView:
        """What the browser shows now, as a view named `name`."""
        session, view = self.session, self.session.view
        since = session.since if session.since and parse_duration(session.since) else None
        time_range = None if _a_file(session) else session.time_range
        return SavedView(
            name=name,
            query=session.filter_text,
            columns=self.table.columns,
            sort=view.sort_column,
            descending=view.descending,
            since=None if since is None or time_range is None else short_duration(since),
            start=None if since or time_range is None else time_range.start.isoformat(),
            end=None if since or time_range is None else time_range.end.isoformat(),
        )

    def save(self) -> None:
        """`ctrl+s`: ask for a name, then save what is shown under it."""
        from auditui.tui.dialogs.view_name import ViewNameDialog  # lazy: dialogs load when opened

        book = self.book
        summary = self.current("-").describe()

        def named(name: str | None) -> None:
            if name is None:
                return
            view = self.current(name)
            if self._write(lambda: book.save(view)):
                self.app.notify(f"Saved view {visible(name)!r}: {view.describe()}", timeout=4)

        self.app.push_screen(
            ViewNameDialog(
                "Save this view as",
                summary,
                taken=lambda name: name in book,
                read_only=book.read_only,
            ),
            named,
        )

    def _write(self, change: Callable[[], object]) -> bool:
        """Run a change of the book; a refusal or a write that failed is one toast."""
        try:
            change()
        except ViewError as exc:
            self.app.notify(str(exc), severity="warning", timeout=8)
            return False
        except OSError as exc:
            where = visible(str(self.book.path))
            self.app.notify(
                f"Could not write the saved views {where}: {exc.strerror or exc}; "
                "check the folder's permissions.",
                severity="error",
                timeout=10,
            )
            return False
        finally:
            self._notice()
        return True

    # -- opening ---------------------------------------------------------------------------

    def start_with(self, view: SavedView) -> None:
        """`auditui --view NAME`: apply `view` once the App is mounted (`mounted`)."""
        self._pending = view

    def mounted(self) -> None:
        """The App is mounted: apply the `--view` given (its range is loading already)."""
        view, self._pending = self._pending, None
        if view is not None:
            self.apply(view, load_range=False)

    def open(self, name: str) -> None:
        """Open the view `name` (a palette entry)."""
        try:
            view = self.book.get(name)
        except ViewError as exc:  # deleted by another window since the palette opened
            self.app.notify(str(exc), severity="warning", timeout=6)
            return
        self.apply(view)
        self.app.notify(f"View {visible(name)!r}: {view.describe()}", timeout=3)

    def apply(self, view: SavedView, *, load_range: bool = True) -> None:
        """Show `view`: columns, sort, query, then its range when it differs."""
        table = self.table
        if view.columns:
            columns = [c for c in view.columns if c in KNOWN_COLUMNS]
            if columns:
                table.columns = columns
        if view.sort and view.sort in KNOWN_COLUMNS:
            descending = view.descending
            table.sort_by(
                view.sort, default_descending(view.sort) if descending is None else descending
            )
        self.set_query(view.query)
        table.focus()
        target = view_range(view)
        if _a_file(self.session) or not load_range or target is None:
            return
        if not self._showing(view, target):
            self.load(target)

    def _showing(self, view: SavedView, target: TimeRange) -> bool:
        """True when the range shown is already the view's (a relative one of the same
        length, or the same fixed range)."""
        session = self.session
        if view.since:
            shown = parse_duration(session.since) if session.since else None
            return shown is not None and shown == parse_duration(view.since)
        return session.since is None and session.time_range == target

    # -- renaming and deleting -------------------------------------------------------------

    def rename(self, name: str) -> None:
        from auditui.tui.dialogs.view_name import ViewNameDialog  # lazy: dialogs load when opened

        book = self.book
        if book.read_only(name):
            self._write(lambda: book.rename(name, name))  # says it is read-only
            return

        def named(new: str | None) -> None:
            if new is None or new == name:
                return
            if self._write(lambda: book.rename(name, new)):
                self.app.notify(f"Renamed view {visible(name)!r} to {visible(new)!r}", timeout=4)

        self.app.push_screen(
            ViewNameDialog(
                f"Rename the view {name!r} to",
                book[name].describe() if name in book else "",
                taken=lambda new: new in book and new != name,
                read_only=book.read_only,
                value=name,
            ),
            named,
        )

    def delete(self, name: str) -> None:
        book = self.book
        if self._write(lambda: book.delete(name)):
            self.app.notify(f"Deleted view {visible(name)!r}", timeout=4)

    # -- the palette -----------------------------------------------------------------------

    def commands(self) -> Iterable[SystemCommand]:
        """Palette entries per view: open, rename, delete (names and queries escaped)."""
        book = self.book
        book.refresh()
        self._notice()
        for view in book.views():
            name = visible(view.name)
            where = " (config.toml, read-only)" if book.read_only(view.name) else ""
            yield SystemCommand(
                escape(f"View: {name}"),
                escape(visible(view.describe()) + where),
                partial(self.open, view.name),
            )
        for view in book.views():
            if not book.has_saved(view.name):
                continue  # a config view: edit config.toml
            name = visible(view.name)
            hidden = ""
            if book.read_only(view.name):
                hidden = " (hidden by config.toml's view of that name)"
            yield SystemCommand(
                escape(f"Rename view: {name}"),
                escape(f"Give the saved view {name!r} another name{hidden}"),
                partial(self.rename, view.name),
            )
            yield SystemCommand(
                escape(f"Delete view: {name}"),
                escape(f"Forget the saved view {name!r}{hidden}"),
                partial(self.delete, view.name),
            )


def _a_file(session: Session) -> bool:
    """A file's span is no range to load (an archive read `--archive-only` has ranges)."""
    from auditui.sources.files import FileSource  # lazy: reading files is not for the API

    return isinstance(session.source, FileSource)
