"""Export in the whole App: `e`, the dialog, the worker, the file read back; and the
"done when" flow of the find-and-slice issue with the keyboard alone."""

from __future__ import annotations

import csv
import errno
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from auditui.demo import DemoServer, generate_events
from auditui.events import FIELD_NAMES
from auditui.export import job as export_job
from auditui.export.formats import ExportFormat
from auditui.export.job import export_events as real_export_events
from auditui.timespec import TimeRange, resolve_range
from auditui.tui.dialogs.export import ExportDialog, default_name
from auditui.tui.widgets.filter_bar import FilterBar
from tests.helpers.app import (
    END,
    RANGE,
    demo_server,
    header,
    idle,
    loaded_app,
    messages,
    settle,
    view_uuids,
    wait_for,
    wait_loaded,
)


async def type_query(pilot: Any, query: str) -> None:
    await pilot.press("slash", *query, "enter")
    await idle(pilot)
    assert pilot.app.query_one(FilterBar).error is None


async def export_keys(pilot: Any, fmt: str) -> None:
    """`e`, pick the format with the keyboard (Tab, ↓, Space), then Enter in the path."""
    app = pilot.app
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
    await settle(pilot)
    steps = {"ndjson": 0, "json": 1, "csv": 2}[fmt]
    if steps:
        await pilot.press("tab", *["down"] * steps, "space", "shift+tab")
        await settle(pilot)
    assert app.screen.format == fmt
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ExportDialog), "closing")
    await wait_for(pilot, lambda: any(m.startswith("Wrote ") for m in messages(app)), "done")
    await idle(pilot)


def read_rows(path: Path, fmt: str) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if fmt == "ndjson":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "json":
        rows = json.loads(text)
        assert isinstance(rows, list)
        return rows
    reader = csv.DictReader(text.splitlines(keepends=True))
    assert reader.fieldnames == [*FIELD_NAMES, "note"]  # the browser's exports carry notes
    return list(reader)


# -- formats --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
async def test_export_writes_the_filtered_sorted_rows(
    server: DemoServer, workdir: Path, fmt: ExportFormat
) -> None:
    async with loaded_app(server) as (app, pilot):
        await type_query(pilot, "source:web -status:success OR action:user.*")
        await pilot.press("s")  # by user, ascending
        await settle(pilot)
        expected = view_uuids(app)
        assert 1 < len(expected) < len(app.store)
        assert app.view.sort_column == "user"
        await export_keys(pilot, fmt)
        path = workdir / default_name(RANGE, fmt, app.session.filter_text)
        rows = read_rows(path, fmt)
        assert [row["event_uuid"] for row in rows] == expected
        assert f"Wrote {len(expected):,} events to ./{path.name}" in messages(app)
        first = app.view.event_at(0)
        if fmt == "csv":
            assert rows[0]["timestamp"].endswith("Z")
            assert json.loads(rows[0]["payload"]) == json.loads(bytes(first.payload))
            assert rows[0]["is_support_user"] in ("true", "false", "")
        else:
            assert set(rows[0]) >= {"timestamp", "event_uuid", "payload", "log_entry"}
            assert rows[0]["payload"] == json.loads(bytes(first.payload))
        assert not [p for p in workdir.iterdir() if p.name.startswith(".")]  # no temp left


async def test_csv_cells_that_look_like_formulas_are_neutralized(workdir: Path) -> None:
    events = generate_events(end=END, events_per_day=60, days=1)
    tricky = {
        "user_email": '=HYPERLINK("http://evil.example")@acme.com',
        "log_entry": "+SUM(A1:A9) hyperlink",
        "referer": "-2+3",
        "user_agent": "@import",
        "url": "\thttps://app.datafold.com/x",
    }
    events[0].update(tricky)
    events[1].update(log_entry="\rhyperlink carriage")
    served_events = demo_server(events)
    try:
        async with loaded_app(served_events) as (app, pilot):
            await type_query(pilot, "hyperlink")
            assert len(app.view) == 2
            await export_keys(pilot, "csv")
            rows = read_rows(workdir / default_name(RANGE, "csv", "hyperlink"), "csv")
    finally:
        served_events.stop()
    by_uuid = {row["event_uuid"]: row for row in rows}
    first, second = by_uuid[events[0]["event_uuid"]], by_uuid[events[1]["event_uuid"]]
    for name, value in tricky.items():
        assert first[name] == "'" + value, name
    assert "hyperlink carriage" in second["log_entry"]
    assert not first["action"].startswith("'")
    for row in rows:  # no cell a spreadsheet would evaluate
        assert not [v for v in row.values() if v.startswith(("=", "+", "-", "@", "\t", "\r"))]


async def test_an_export_error_is_one_line_and_leaves_no_file(
    server: DemoServer, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_job, "export_events", full_disk)
    async with loaded_app(server) as (app, pilot):
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("Export failed" in m for m in messages(app)), "error")
        path = workdir / default_name(RANGE)
        error = next(m for m in messages(app) if "Export failed" in m)
        assert error == f"Export failed: No space left on device: {path}"
        assert "\n" not in error and not path.exists()
        assert app.is_running and len(app.screen_stack) == 1


async def test_esc_cancels_a_running_export(
    server: DemoServer, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real export, held at its first cancellation check until Esc arrives."""
    started = threading.Event()

    def held(*args: Any, cancelled: Callable[[], bool], **kwargs: Any) -> Any:
        def wait_for_cancel() -> bool:
            started.set()
            for _ in range(2000):  # at most 10 s, then it finishes normally
                if cancelled():
                    return True
                time.sleep(0.005)
            return False

        return real_export_events(*args, cancelled=wait_for_cancel, **kwargs)

    monkeypatch.setattr(export_job, "export_events", held)
    async with loaded_app(server) as (app, pilot):
        await type_query(pilot, "source:web")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        await pilot.press("enter")
        await wait_for(pilot, started.is_set, "the export to start")
        progress = app.query_one("#export-progress")
        assert progress.has_class("-active") and app.export_flow.running
        await pilot.press("escape")
        done = "Export cancelled; no file was written."
        await wait_for(pilot, lambda: done in messages(app), "the cancel")
        await settle(pilot)
        assert not progress.has_class("-active")
        assert list(workdir.iterdir()) == []  # neither the file nor a temporary one
        assert app.filter_flow.text == "source:web"  # that Esc cancelled only the export


# -- done when: launch → "failures by support users in the last 7 days" → CSV ----------------


def support_failure_events(now: datetime) -> list[dict[str, Any]]:
    """Ten days of demo events ending now, with support users and failures sprinkled in;
    none within half an hour after the 7-day cutoff (the test's clock moves on)."""
    events = generate_events(end=now, events_per_day=150, days=10)
    cutoff = now - timedelta(days=7)
    kept = []
    for i, event in enumerate(events):
        stamp = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
        if cutoff <= stamp < cutoff + timedelta(minutes=30):
            continue
        if i % 9 == 0:
            event["status"] = "failure"
        if i % 11 == 0:
            event["is_support_user"] = True
        kept.append(event)
    return kept


async def test_done_when_support_failures_of_the_last_7_days_as_csv_by_keyboard(
    workdir: Path,
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    events = support_failure_events(now)
    server = demo_server(events, end=now, days=10)
    try:
        async with loaded_app(
            server, notifications=True, time_range=resolve_range(since="24h"), since="24h"
        ) as (app, pilot):
            started = datetime.now(UTC)
            # t, 5: the last 30 days
            await pilot.press("t")
            await settle(pilot)
            await pilot.press("5")
            await wait_for(pilot, lambda: app.time_range.duration == timedelta(days=30), "30d")
            await wait_loaded(pilot)
            assert len(app.store) == len(events)
            # /, the question, Enter
            await pilot.press("slash", *"status:failure support:true after:7d", "enter")
            await idle(pilot)
            shown = view_uuids(app)
            assert f"{len(shown):,} of {len(events):,} events" in header(app)
            # e, CSV, Enter
            await export_keys(pilot, "csv")
            csv_range: TimeRange = app.time_range
            path = workdir / default_name(csv_range, "csv", "status:failure support:true after:7d")
            assert path.is_file()
            assert f"Wrote {len(shown):,} events to ./{path.name}" in messages(app)
    finally:
        server.stop()

    rows = read_rows(path, "csv")
    cutoff = started - timedelta(days=7)
    expected = sorted(
        (
            e
            for e in events
            if e.get("status") == "failure"
            and e.get("is_support_user") is True
            and datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) >= cutoff
        ),
        key=lambda e: e["timestamp"],
        reverse=True,
    )
    assert len(expected) >= 5
    assert [row["event_uuid"] for row in rows] == [e["event_uuid"] for e in expected]
    for row in rows:
        assert row["status"] == "failure" and row["is_support_user"] == "true"
        stamp = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
        assert cutoff <= stamp <= now
    # the query dropped older support failures that were loaded
    older = [
        e
        for e in events
        if e.get("status") == "failure"
        and e.get("is_support_user") is True
        and datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")) < cutoff
    ]
    assert older
