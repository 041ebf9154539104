"""Marks and notes in the App: `m`, `n`, the mark column, restart, `marked:true`/`note:`,
`c` with marked events, export "marked only" with notes, a bad marks file kept aside."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from textual.widgets import Checkbox, TextArea

from auditui.demo import DemoServer
from auditui.marks import DEMO_HOST, MarkFile
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.copy_marked import CopyMarkedDialog
from auditui.tui.dialogs.export import ExportDialog
from auditui.tui.dialogs.note import NoteDialog
from auditui.tui.flows.marks import MARKED, NOTED
from tests.helpers.app import (
    END,
    cursor_uuid,
    idle,
    loaded_app,
    messages,
    screen_text,
    served,
    settle,
    submit,
    table,
    view_uuids,
    wait_for,
)

HOSTILE = "[bold red]boom[/]\n\x1b]52;c;AAAA\x07 line two"


def marks_file(app: AuditApp) -> Path:
    return app.marks_flow.file.path


async def saved(pilot: Any) -> None:
    """The save workers have written the file."""
    app = pilot.app
    await idle(pilot)
    await wait_for(pilot, lambda: not app.marks_flow._saving, "the save")
    await idle(pilot)


def mark_cell(app: AuditApp, row: int) -> str:
    """The mark column's text of a row as drawn."""
    event = app.view.event_at(row)
    return table(app)._cells(event)[0].strip()


async def write_note(pilot: Any, text: str) -> None:
    app = pilot.app
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), "the note dialog")
    area = app.screen.query_one(TextArea)
    area.text = text  # typed text arrives the same way; this keeps control characters
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not isinstance(app.screen, NoteDialog), "closing")


async def test_m_marks_and_unmarks_and_marks_survive_a_restart(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        assert mark_cell(app, 0) == ""
        await pilot.press("m")
        first = cursor_uuid(app)
        await pilot.press("j", "j", "m")
        third = cursor_uuid(app)
        await pilot.press("j", "m", "m")  # marked, then unmarked again
        await saved(pilot)
        assert mark_cell(app, 0) == MARKED and mark_cell(app, 2) == MARKED
        assert mark_cell(app, 1) == "" and mark_cell(app, 3) == ""
        lines = screen_text(app).splitlines()
        assert any(line.lstrip("│ ").startswith(MARKED) for line in lines)
        path = marks_file(app)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert set(json.loads(path.read_text())["marks"]) == {first, third}

    # a new instance on a new demo server (another port, as each `auditui --demo` run has):
    # the same marks
    for other in served():
        assert other.url != server.url
        async with loaded_app(other) as (app, pilot):
            await idle(pilot)
            assert set(app.marks_flow.marks) == {first, third}
            await submit(pilot, "marked:true")
            assert set(view_uuids(app)) == {first, third} and len(app.view) == 2
            await pilot.press("m")  # unmark one while the filter shows the marked
            await saved(pilot)
            assert len(app.view) == 1  # the filter ran again


async def test_n_writes_a_literal_note_and_note_word_finds_it(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("j")
        uuid = cursor_uuid(app)
        await write_note(pilot, HOSTILE)
        await saved(pilot)
        assert mark_cell(app, 1) == NOTED
        assert app.marks_flow.marks.note(uuid or "") == HOSTILE  # kept as typed
        on_disk = json.loads(marks_file(app).read_text())["marks"][uuid]["note"]
        assert on_disk == HOSTILE
        await pilot.press("n")  # the dialog shows the note as text, markup and all
        await wait_for(pilot, lambda: isinstance(app.screen, NoteDialog), "the dialog")
        assert app.screen.query_one(TextArea).text == HOSTILE
        await pilot.press("escape")  # cancel: unchanged
        await settle(pilot)
        assert app.marks_flow.marks.note(uuid or "") == HOSTILE
        await submit(pilot, "note:boom")
        assert view_uuids(app) == [uuid]
        await submit(pilot, 'note:"[bold red]"')  # markup is just text to search
        assert view_uuids(app) == [uuid]
        table(app).focus()
        await write_note(pilot, "   ")  # an empty note: the mark stays
        await saved(pilot)
        assert uuid in app.marks_flow.marks and app.marks_flow.marks.note(uuid or "") == ""
        assert len(app.view) == 0  # note:… ran again: no note matches now
        assert "boom" not in screen_text(app)


async def test_a_100_kb_note_round_trips(server: DemoServer) -> None:
    note = ("[b]x[/b] \\e[31m " * 6000)[:100_000]
    async with loaded_app(server) as (app, pilot):
        uuid = cursor_uuid(app)
        await write_note(pilot, note)
        await saved(pilot)
    async with loaded_app(server) as (app, pilot):
        await idle(pilot)
        assert app.marks_flow.marks.note(uuid or "") == note


async def test_c_offers_to_copy_the_marked_events(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("c")  # nothing marked: the event, no question
        await settle(pilot)
        assert not isinstance(app.screen, CopyMarkedDialog)
        assert json.loads(app.clipboard)["event_uuid"] == cursor_uuid(app)
        await pilot.press("m", "j", "j")
        await write_note(pilot, "why <b>")
        marked = [app.view.event_at(0).event_uuid, app.view.event_at(2).event_uuid]
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, CopyMarkedDialog), "the question")
        assert "the 2 marked events" in screen_text(app)
        await pilot.press("2")
        await wait_for(pilot, lambda: not isinstance(app.screen, CopyMarkedDialog), "closing")
        copied = json.loads(app.clipboard)
        assert [item["event_uuid"] for item in copied] == marked
        assert "note" not in copied[0] and copied[1]["note"] == "why <b>"
        assert any(text.startswith("Copied 2 marked events as JSON") for text in messages(app))
        await pilot.press("c", "1")  # this event only
        await settle(pilot)
        assert json.loads(app.clipboard)["event_uuid"] == marked[1]


async def test_export_marked_only_carries_the_notes(server: DemoServer, workdir: Path) -> None:
    async with loaded_app(server) as (app, pilot):
        await pilot.press("m", "j", "j", "j")
        await write_note(pilot, '=HYPERLINK("x")\nsecond line')
        marked = [app.view.event_at(0).event_uuid, app.view.event_at(3).event_uuid]
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        await settle(pilot)
        assert "Only the 2 marked events" in screen_text(app)
        app.screen.query_one("#export-marked", Checkbox).value = True
        await settle(pilot)
        assert "the 2 marked events of those shown" in screen_text(app)  # the summary follows
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(m.startswith("Wrote 2 events") for m in messages(app)))
        (written,) = workdir.glob("*.ndjson")
        assert written.name.endswith("-marked.ndjson")  # never the name of a full export
        rows = [json.loads(line) for line in written.read_text().splitlines()]
        assert [row["event_uuid"] for row in rows] == marked
        assert "note" not in rows[0] and rows[1]["note"] == '=HYPERLINK("x")\nsecond line'
        written.unlink()
        await pilot.press("e")  # all shown events, the note still with its event
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        await settle(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportDialog), "closing")
        await idle(pilot)
        (written,) = workdir.glob("*.ndjson")
        rows = [json.loads(line) for line in written.read_text().splitlines()]
        assert len(rows) == len(app.view)
        assert [row.get("note") for row in rows if "note" in row] == [rows[3]["note"]]


async def test_a_corrupt_marks_file_is_kept_aside_with_one_line(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        path = marks_file(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"version": 1, "marks": [broken')
    async with loaded_app(server) as (app, pilot):
        await idle(pilot)
        shown = [text for text in messages(app) if "marks file" in text]
        assert len(shown) == 1 and "could not be read: kept as" in shown[0]
        (kept,) = path.parent.glob(f"{path.name}.corrupt-*")
        assert kept.read_bytes() == b'{"version": 1, "marks": [broken'
        await pilot.press("m")  # marking starts a fresh file
        await saved(pilot)
        assert set(json.loads(path.read_text())["marks"]) == {cursor_uuid(app)}
        assert kept.read_bytes() == b'{"version": 1, "marks": [broken'


async def test_two_instances_merge_their_marks(server: DemoServer) -> None:
    async with loaded_app(server) as (first, pilot_one):
        await pilot_one.press("m")
        await saved(pilot_one)
        one = cursor_uuid(first)
        other = MarkFile(first.connection.profile.name, DEMO_HOST)  # another instance
        marks, _ = other.load()
        marks.toggle("from-the-other-instance", END)
        other.save(marks)
        await pilot_one.press("j", "m")  # this save merges: the other's mark stays
        await saved(pilot_one)
        final = set(json.loads(marks_file(first).read_text())["marks"])
        assert final == {one, cursor_uuid(first), "from-the-other-instance"}
        assert "from-the-other-instance" in first.marks_flow.marks


async def test_the_marked_events_come_in_row_order_whatever_the_filter_and_sort(
    server: DemoServer,
) -> None:
    from auditui.tui.flows.export import marked_indices

    async with loaded_app(server) as (app, pilot):
        for _ in range(12):  # every third row marked
            await pilot.press("m", "j", "j", "j")
        await saved(pilot)
        notes = app.marks_flow.marks.notes()

        def expected() -> list[int]:
            events = app.store.events
            return [i for i in app.view.indices if events[i].event_uuid in notes]

        assert marked_indices(app.session) == expected() and len(expected()) == 12
        for query, sorts in (("status:success", 1), ("-source:web", 3), ("", 2)):
            await submit(pilot, query) if query else await pilot.press("ctrl+u")
            table(app).focus()
            await pilot.press(*["s"] * sorts)  # user, action, object…
            await idle(pilot)
            assert marked_indices(app.session) == expected(), (query, app.view.sort_column)
            await pilot.press("S")  # and reversed
            await idle(pilot)
            assert marked_indices(app.session) == expected(), (query, "reversed")


async def test_m_on_an_event_with_a_note_asks_before_deleting_it(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        uuid = cursor_uuid(app) or ""
        await write_note(pilot, "keep me")
        await saved(pilot)
        await pilot.press("m")  # asks: nothing is lost yet
        await settle(pilot)
        assert app.marks_flow.marks.note(uuid) == "keep me" and mark_cell(app, 0) == NOTED
        assert any("press m again" in text for text in messages(app))
        await pilot.press("m")  # the second m unmarks and deletes the note
        await saved(pilot)
        assert uuid not in app.marks_flow.marks and mark_cell(app, 0) == ""
        assert "Unmarked: its note was deleted." in messages(app)


async def test_the_detail_pane_shows_the_note_literally(server: DemoServer) -> None:
    async with loaded_app(server) as (app, pilot):
        await write_note(pilot, "[b]check[/b] the runbook")
        await saved(pilot)
        await settle(pilot)
        lines = [line for line in screen_text(app).splitlines() if "the runbook" in line]
        assert len(lines) == 1 and "note" in lines[0] and "[b]check[/b] the runbook" in lines[0]
        await pilot.press("m", "m")  # unmarked (asked first): the note row goes
        await saved(pilot)
        await settle(pilot)
        assert "the runbook" not in screen_text(app)
