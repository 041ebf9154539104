"""ExportDialog through Pilot, and the export job (atomic, cancellable, with progress)."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from textual.widgets import Button, Checkbox, Input, RadioButton, Static

from auditui.errors import UsageError
from auditui.events import EventStore, EventView
from auditui.export.formats import atomic_output
from auditui.export.job import ExportCancelled, export_events, snapshot
from auditui.timespec import TimeRange
from auditui.tui.dialogs.export import ExportDialog, ExportRequest, default_name, with_extension
from tests.helpers.events import decode, raw
from tests.helpers.hosts import NOT_YET, DialogHost

SIZE = (100, 30)
START = datetime(2026, 11, 1, tzinfo=UTC)
DAY = TimeRange(START, START + timedelta(days=1))


# -- ExportDialog ---------------------------------------------------------------------------


def path_input(app: DialogHost[ExportDialog]) -> Input:
    return app.dialog.query_one("#export-path", Input)


def shown(app: DialogHost[ExportDialog], selector: str) -> str:
    return str(app.dialog.query_one(selector, Static).render())


async def test_export_defaults_and_enter_applies(tmp_path: Path) -> None:
    app = DialogHost(ExportDialog(1234, DAY, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert path_input(app).value == "./auditui-20261101T0000Z-20261102T0000Z.ndjson"
        assert "1,234 events" in shown(app, "#export-summary")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == ExportRequest(
            tmp_path / "auditui-20261101T0000Z-20261102T0000Z.ndjson", "ndjson", False
        )


async def test_export_format_swaps_the_extension_and_back(tmp_path: Path) -> None:
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#export-csv")
        await pilot.pause()
        assert path_input(app).value == "./auditui-events.csv"
        path_input(app).value = "out.json"
        await pilot.pause()
        assert app.dialog.query_one("#export-json", RadioButton).value
        assert app.dialog.format == "json"
        app.dialog.query_one("#export-apply", Button).press()
        await pilot.pause()
        assert app.result == ExportRequest(tmp_path / "out.json", "json", False)


async def test_export_missing_folder_blocks(tmp_path: Path) -> None:
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        path_input(app).value = "nowhere/x.csv"
        await pilot.pause()
        assert app.dialog.query_one("#export-apply", Button).disabled
        assert "does not exist" in shown(app, "#export-error")
        await pilot.press("enter")
        await pilot.pause()
        assert app.result is NOT_YET
        path_input(app).value = ""
        await pilot.pause()
        assert "Enter a file name" in shown(app, "#export-error")
        path_input(app).value = str(tmp_path)
        await pilot.pause()
        assert "is a folder" in shown(app, "#export-error")
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None


async def test_export_existing_file_needs_overwrite(tmp_path: Path) -> None:
    (tmp_path / "taken.csv").write_text("old")
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        path_input(app).value = "taken.csv"
        await pilot.pause()
        box = app.dialog.query_one("#export-overwrite", Checkbox)
        assert box.display and app.dialog.query_one("#export-apply", Button).disabled
        assert "exists" in shown(app, "#export-error")
        await pilot.press("enter")  # refused: focus goes to the checkbox
        await pilot.pause()
        assert app.result is NOT_YET and box.has_focus
        await pilot.press("space")
        await pilot.pause()
        await pilot.click("#export-apply")
        await pilot.pause()
        assert app.result == ExportRequest(tmp_path / "taken.csv", "csv", True)


def test_export_names() -> None:
    assert default_name(None, "csv") == "./auditui-events.csv"
    assert with_extension("a/b.NDJSON", "csv") == "a/b.csv"
    assert with_extension("x.jsonl", "json") == "x.json"
    assert with_extension("report", "json") == "report.json"
    assert with_extension("", "json") == ""


# -- the export job -------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An empty folder (tmp_path also holds the isolated HOME)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


EVENTS = decode(*(raw(n, status="failure" if n % 2 else "success") for n in range(12)))


def test_snapshot_follows_the_view_order() -> None:
    view = EventView(EventStore(EVENTS), sort_column="status", descending=False)
    view.set_filter([0, 1, 2])
    assert [e.status for e in snapshot(view)] == ["failure", "success", "success"]


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_export_writes_every_event(folder: Path, fmt: Any) -> None:
    target = folder / f"out.{fmt}"
    progress: list[tuple[int, int]] = []
    result = export_events(EVENTS, target, fmt, on_progress=lambda d, t: progress.append((d, t)))
    assert result.count == 12 and result.path == target
    assert result.bytes == target.stat().st_size > 0
    assert progress[-1] == (12, 12)
    data = target.read_bytes()
    if fmt == "ndjson":
        assert len(data.splitlines()) == 12
    elif fmt == "json":
        assert len(msgspec.json.decode(data)) == 12
    else:
        assert len(data.decode().splitlines()) == 13  # header + rows
    assert [p.name for p in folder.iterdir()] == [target.name]  # no temp file left
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) & 0o077 != 0o077


def test_progress_every_n_events(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("auditui.export.job.PROGRESS_EVERY", 5)
    progress: list[tuple[int, int]] = []
    export_events(
        EVENTS, folder / "x.ndjson", "ndjson", on_progress=lambda d, t: progress.append((d, t))
    )
    assert progress == [(5, 12), (10, 12), (12, 12)]


def test_cancel_leaves_the_existing_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("auditui.export.job.PROGRESS_EVERY", 5)
    target = folder / "keep.csv"
    target.write_text("old")
    checks = iter([False, False, True])
    with pytest.raises(ExportCancelled):
        export_events(EVENTS, target, "csv", cancelled=lambda: next(checks))
    assert target.read_text() == "old"
    assert [p.name for p in folder.iterdir()] == ["keep.csv"]


def test_overwrite_replaces(folder: Path) -> None:
    target = folder / "x.ndjson"
    target.write_text("old")
    export_events(EVENTS[:1], target, "ndjson")
    assert target.read_bytes().count(b"\n") == 1


def test_atomic_output_missing_folder_and_failure(folder: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"), atomic_output(folder / "no" / "x"):
        pass
    with pytest.raises(RuntimeError), atomic_output(folder / "x.json") as out:
        out.write(b"partial")
        raise RuntimeError("boom")
    assert list(folder.iterdir()) == []
