"""Exports carry each marked event's note (`note` field / column); read back, it is ignored."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import msgspec
import pytest

from auditui.events import FIELD_NAMES, AuditEvent, decode_logs
from auditui.export.formats import FORMATS, READABLE_FORMATS, ExportFormat, write_events
from auditui.sources.files import read_events

NOTE = '=HYPERLINK("x")\n\x1b[31mred\u202e [b]bold[/b]'


def _events() -> list[AuditEvent]:
    logs = [
        {"timestamp": "2026-11-02T13:00:00Z", "event_uuid": uuid, "client_ip": "", "url": "",
         "payload": {"k": uuid}}
        for uuid in ("u-1", "u-2", "u-3")
    ]  # fmt: skip
    return decode_logs(msgspec.json.encode({"logs": logs})).events


def _written(fmt: ExportFormat, notes: dict[str, str] | None) -> bytes:
    out = io.BytesIO()
    assert write_events(_events(), out, fmt, notes) == 3
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_json_formats_add_the_note_when_there_is_one(fmt: ExportFormat) -> None:
    data = _written(fmt, {"u-2": NOTE, "u-3": ""})
    assert b"\x1b" not in data and "\u202e".encode() not in data  # inert, still lossless
    text = data.decode()
    rows = [json.loads(line) for line in text.splitlines()] if fmt == "ndjson" else json.loads(text)
    assert [row.get("note") for row in rows] == [None, NOTE, None]
    assert list(rows[1])[-1] == "note" and rows[1]["payload"] == {"k": "u-2"}


def test_csv_has_a_note_column_neutralised() -> None:
    rows = list(csv.reader(io.StringIO(_written("csv", {"u-1": NOTE}).decode())))
    assert rows[0] == [*FIELD_NAMES, "note"]
    assert rows[1][-1].startswith("'=HYPERLINK") and "\\x1b" in rows[1][-1]
    assert rows[2][-1] == "" and rows[3][-1] == ""


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_notes_the_output_is_unchanged(fmt: ExportFormat) -> None:
    assert _written(fmt, None) == _written(fmt, {}) or fmt == "csv"
    assert b"note" not in _written(fmt, None)


@pytest.mark.parametrize("fmt", READABLE_FORMATS)
def test_an_export_with_notes_reads_back(fmt: ExportFormat, tmp_path: Path) -> None:
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(_written(fmt, {"u-1": NOTE}))
    events = read_events(path).events
    assert [event.event_uuid for event in events] == ["u-1", "u-2", "u-3"]
