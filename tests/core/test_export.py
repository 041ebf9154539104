"""Writers: NDJSON, JSON and formula-safe CSV keep every field."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec
import pytest

from auditui.events import FIELD_NAMES, AuditEvent, decode_logs
from auditui.export.formats import format_for_path, write_events
from auditui.textsafe import neutralize_cell


def _events() -> list[AuditEvent]:
    logs: list[dict[str, Any]] = [
        {
            "timestamp": "2026-11-02T13:00:00Z",
            "event_uuid": "u-1",
            "client_ip": "10.0.0.1",
            "url": "https://app.datafold.com/x",
            "user_email": '=HYPERLINK("http://evil")',
            "action": "+cmd",
            "log_entry": "-2+3",
            "status": "@SUM(A1)",
            "referer": "\tTAB",
            "user_agent": "\rCR",
            "object_id": 7,
            "is_support_user": True,
            "payload": {"before": {"role": "viewer"}, "after": {"role": "=1+1"}},
        },
        {
            "timestamp": "2026-11-02T12:00:00Z",
            "event_uuid": "u-2",
            "client_ip": "::1",
            "url": "https://app.datafold.com/y",
            "payload": None,
        },
    ]
    return decode_logs(msgspec.json.encode({"logs": logs})).events


def _write(fmt: str) -> bytes:
    out = io.BytesIO()
    assert write_events(_events(), out, fmt) == 2  # type: ignore[arg-type]
    return out.getvalue()


def test_ndjson_one_event_per_line_with_every_field() -> None:
    lines = _write("ndjson").splitlines()
    assert len(lines) == 2
    first = msgspec.json.decode(lines[0])
    assert set(first) == set(FIELD_NAMES)
    assert first["payload"]["after"] == {"role": "=1+1"}


def test_json_is_an_array() -> None:
    data = msgspec.json.decode(_write("json"))
    assert [e["event_uuid"] for e in data] == ["u-1", "u-2"]
    empty = io.BytesIO()
    write_events([], empty, "json")
    assert msgspec.json.decode(empty.getvalue()) == []


def test_csv_has_every_field_payload_as_json_and_no_formulas() -> None:
    rows = list(csv.DictReader(io.StringIO(_write("csv").decode())))
    assert len(rows) == 2
    first = rows[0]
    assert list(first) == list(FIELD_NAMES)
    assert first["user_email"] == '\'=HYPERLINK("http://evil")'
    assert first["action"] == "'+cmd"
    assert first["log_entry"] == "'-2+3"
    assert first["status"] == "'@SUM(A1)"
    assert first["referer"] == "'\tTAB"
    assert first["user_agent"] == "\\x0dCR"  # a raw CR is shown as an escape (inert)
    assert first["is_support_user"] == "true"
    assert msgspec.json.decode(first["payload"]) == {
        "before": {"role": "viewer"},
        "after": {"role": "=1+1"},
    }
    assert rows[1]["payload"] == "null"
    assert rows[1]["user_email"] == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1", "'=1"), ("plain", "plain"), ("", ""), ("a=b", "a=b"), ("-", "'-")],
)
def test_neutralize_cell(value: str, expected: str) -> None:
    assert neutralize_cell(value) == expected


def test_format_for_path() -> None:
    assert format_for_path("x.csv") == "csv"
    assert format_for_path("x.JSON") == "json"
    assert format_for_path("x.jsonl") == "ndjson"
    assert format_for_path("x") == "ndjson"
