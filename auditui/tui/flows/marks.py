"""Marks and notes in the browser: `m` marks or unmarks the selected event, `n` edits its
note, `c` with marked events shown asks whether to copy them all (a JSON array).

The marks (`auditui.marks.Marks`) are read from the profile's file for this host in a
worker at start (a corrupt or newer file is kept aside and a toast says so), and the
session reads them for `marked:`/`note:` queries (`Session.marks`). Each change redraws
just its row (the table's mark column: `●` marked, `✎` with a note), runs the filter
again when it reads marks, and is saved in a worker (the file is locked, re-read and
merged: another instance's marks are kept). One save runs at a time; changes made
meanwhile go with the next one; a failed save keeps them for the next and says why.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import App

from auditui.errors import AudituiError
from auditui.events import AuditEvent
from auditui.marks import DEMO_HOST, Mark, MarkFile, Marks
from auditui.marks.store import Changes
from auditui.timespec import utcnow
from auditui.tui.flows.event_actions import EventActions
from auditui.tui.flows.export import export_warning, marked_indices
from auditui.tui.handoff import HandOff
from auditui.tui.session import Session
from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.table.event_table import EventTable

if TYPE_CHECKING:
    from auditui.tui.dialogs.copy_marked import CopyChoice

MARKED, NOTED, UNMARKED = "●", "✎", " "


CONFIRM_SECONDS = 5  # a second `m` within this unmarks an event with a note


class MarksFlow:
    """The marks of this profile and host; `refilter(text)` applies the filter again;
    `actions` copy the selected event (`c` without marks) and hand text to the clipboard."""

    def __init__(
        self,
        app: App[Any],
        session: Session,
        actions: EventActions,
        refilter: Callable[[str], object],
    ) -> None:
        self.app = app
        self.session = session
        self.handoff: HandOff = actions.handoff
        self._refilter = refilter
        self._copy_event = actions.copy_event
        source = session.source
        self.file = MarkFile(source.profile.name, DEMO_HOST if source.demo else source.host)
        self.marks = Marks()
        session.marks = self.marks.notes
        self._saving = False
        self._again = False
        self._row = 0  # the row of the event being marked
        self._confirm: tuple[str, float] | None = None  # (uuid, when) `m` asked to unmark

    @property
    def table(self) -> EventTable:
        return self.app.query_one(EventTable)

    def marker(self, event: AuditEvent) -> str:
        """The mark column's text for an event."""
        mark = self.marks.get(event.event_uuid)
        return UNMARKED if mark is None else NOTED if mark.note else MARKED

    # -- start: read the file ----------------------------------------------------------

    def start(self) -> None:
        """Show the mark column (and the detail pane the notes), read the file in a worker
        once the screen's next frame is drawn (at the mount: the first frame waits for
        nothing of it, and marks made meanwhile stay)."""
        self.table.marker = self.marker
        self.app.query_one(DetailPane).note_of = self.marks.note

        def read() -> None:
            try:
                disk, warning = self.file.read()
            except AudituiError as exc:
                self._call(self._read_failed, str(exc))
                return
            self._call(self._loaded, disk, warning)

        self.app.call_after_refresh(
            self.app.run_worker, read, thread=True, group="marks-read", exit_on_error=False
        )

    def _loaded(self, disk: dict[str, Mark], warning: str | None) -> None:
        self._take(disk)  # marks made before the file was read stay
        if warning:
            self.app.notify(warning, severity="warning", timeout=10)

    def _take(self, disk: dict[str, Mark]) -> None:
        """What the file holds, this instance's unsaved changes over it; rows redrawn and
        the filter run again when that changes what shows."""
        before = self.marks.notes()
        self.marks.saved(disk)
        if self.marks.notes() != before:
            self.table.refresh_rows(remeasure=False)
            self.app.query_one(DetailPane).notes_changed()
            self._changed()

    def _read_failed(self, message: str) -> None:
        self.app.notify(f"Marks not loaded: {message}", severity="error", timeout=10)

    # -- m, n ----------------------------------------------------------------------------

    def _selected(self) -> AuditEvent | None:
        event = self.table.cursor_event
        if event is None:
            self.app.notify("No event selected.", severity="warning", timeout=3)
        self._row = self.table.cursor_row
        return event

    def toggle(self) -> None:
        """`m`: mark the selected event, or unmark it; an event with a note is unmarked (and
        its note deleted) only by a second `m` within `CONFIRM_SECONDS`."""
        event = self._selected()
        if event is None:
            return
        uuid = event.event_uuid
        if self.marks.note(uuid):
            asked, self._confirm = self._confirm, None
            if asked is None or asked[0] != uuid or time.monotonic() - asked[1] > CONFIRM_SECONDS:
                self._confirm = (uuid, time.monotonic())
                self.app.notify(
                    "This event has a note: press m again to unmark it and delete the note.",
                    severity="warning",
                    timeout=CONFIRM_SECONDS,
                )
                return
            self.app.notify("Unmarked: its note was deleted.", timeout=3)
        self.marks.toggle(uuid, utcnow())
        self._after(event)

    def edit_note(self) -> None:
        """`n`: the note dialog for the selected event (a note marks it)."""
        event = self._selected()
        if event is None:
            return
        uuid = event.event_uuid

        row = self._row

        def done(text: str | None) -> None:
            if text is None:
                return
            self._row = row
            try:
                self.marks.set_note(uuid, text, utcnow())
            except AudituiError as exc:
                self.app.notify(str(exc), severity="error", timeout=8)
                return
            self._after(event)

        from auditui.tui.dialogs.note import NoteDialog  # lazy: dialogs load when opened

        summary = f"{event.action or 'event'} {uuid}"
        self.app.push_screen(NoteDialog(summary, self.marks.note(uuid)), done)

    def _after(self, event: AuditEvent) -> None:
        table, row = self.table, self._row
        if row < table.row_count and table.view is not None and table.view.event_at(row) is event:
            table.refresh_row(row)  # just this row
        else:  # the view changed meanwhile (a dialog was open)
            table.refresh_rows(remeasure=False)
        self.app.query_one(DetailPane).notes_changed()
        self._changed()
        self._save()

    def _changed(self) -> None:
        """A filter that reads the marks runs again (the events shown change)."""
        filterer = self.session.filterer
        last = filterer.last
        if last is not None and last.query.reads_marks:
            self._refilter(last.query.text)

    # -- c ---------------------------------------------------------------------------------

    def copy(self) -> None:
        """`c`: the selected event, or (asked when marked events are shown) all of them."""
        marked = marked_indices(self.session)
        if not marked:
            self._copy_event()
            return

        def chosen(choice: CopyChoice | None) -> None:
            if choice == "event":
                self._copy_event()
            elif choice == "marked":
                self._copy_marked(marked)

        from auditui.tui.dialogs.copy_marked import CopyMarkedDialog  # lazy: when opened

        has_event = self.table.cursor_event is not None
        self.app.push_screen(CopyMarkedDialog(len(marked), has_event=has_event), chosen)

    def _copy_marked(self, indices: list[int]) -> None:
        from auditui.export.formats import write_json  # lazy: not for the first rows

        store = self.session.store
        events = [store.events[index] for index in indices]
        out = io.BytesIO()
        write_json(events, out, self.marks.notes())  # inert JSON, each note as a field
        noun = "event" if len(events) == 1 else "events"
        label = f"{len(events):,} marked {noun} as JSON"
        warning = export_warning(self.session)
        self.handoff.copy_text(label, out.getvalue().decode(), warning=warning)

    # -- saving --------------------------------------------------------------------------

    def _save(self) -> None:
        if self._saving:
            self._again = True
            return
        changes = self.marks.take_changes()
        if not changes:
            return
        self._saving, self._again = True, False

        def write() -> None:
            try:
                disk, warning = self.file.write(changes)
            except AudituiError as exc:
                self._call(self._save_failed, changes, str(exc))
                return
            self._call(self._saved, disk, warning)

        self.app.run_worker(write, thread=True, group="marks-save", exit_on_error=False)

    def _saved(self, disk: dict[str, Mark], warning: str | None) -> None:
        self._saving = False
        self._take(disk)  # another instance's marks show too
        if warning:
            self.app.notify(warning, severity="warning", timeout=10)
        if self._again:
            self._save()

    def _save_failed(self, changes: Changes, message: str) -> None:
        self._saving = False
        self.marks.put_back(changes)
        self.app.notify(f"Marks not saved: {message}", severity="error", timeout=10)

    def _call(self, callback: Callable[..., None], *args: object) -> None:
        with contextlib.suppress(RuntimeError):  # the App is closing
            self.app.call_from_thread(callback, *args)
