"""Hostile event text in what auditui writes: exports, `auditui fetch`, error messages.

Exports and `fetch` output are often `cat`ed to a terminal or opened in a spreadsheet, so
they must hold no byte a terminal acts on: NDJSON/JSON write such characters as JSON
escapes (lossless: the same values decode back), CSV shows them as visible escapes. A
payload that arrived with raw line breaks between its tokens never splits an NDJSON line.
Error lines that quote a server (a 422's details) are inert too.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.errors import NetworkError, ResponseError, ValidationError
from auditui.events import FIELD_NAMES, AuditEvent, decode_logs
from auditui.export.formats import inert_json, write_events
from auditui.textsafe import visible
from tests.helpers.hostile import (
    END,
    HOSTILE,
    RAW_EVENTS,
    SPACED,
    STRING_FIELDS,
    all_blobs,
    body_of,
    dangerous_in,
    encoded,
    hostile_events,
)

EVENTS = hostile_events()
ESC_BYTES = (b"\x1b", b"\xc2\x9b", b"\xc2\x9d", b"\xe2\x80\xae", b"\x07", b"\r")


def decoded_events() -> list[AuditEvent]:
    decoded = decode_logs(body_of(*(blob for _, blob in all_blobs())))
    assert decoded.malformed == 0
    return decoded.events


def assert_inert_bytes(data: bytes) -> None:
    for bad in ESC_BYTES:
        assert bad not in data, bad
    assert dangerous_in(data.decode(), allow_newline=True) == []


def check_json_events(values: list[dict[str, Any]]) -> None:
    by_uuid = {value["event_uuid"]: value for value in values}
    assert len(by_uuid) == len(EVENTS) + len(RAW_EVENTS)
    for original in EVENTS:
        value = by_uuid[original["event_uuid"]]
        for field in (*STRING_FIELDS, "payload"):
            assert value[field] == original[field], field
    assert by_uuid["raw101"]["payload"] == {"role": "admin", "n": 2}
    assert by_uuid["raw102"]["payload"] == {"big": 10**400}
    assert by_uuid["raw103"]["payload"] == json.loads(SPACED)
    assert by_uuid["raw103"]["user_agent"] == "\u009b31m\u202e"


def test_ndjson_and_json_exports_are_inert_valid_and_lossless() -> None:
    for fmt in ("ndjson", "json"):
        out = io.BytesIO()
        assert write_events(decoded_events(), out, fmt) == len(EVENTS) + len(RAW_EVENTS)
        data = out.getvalue()
        assert_inert_bytes(data)
        if fmt == "ndjson":
            lines = data.decode().splitlines()
            assert len(lines) == len(EVENTS) + len(RAW_EVENTS)  # no payload line break split one
            check_json_events([json.loads(line) for line in lines])
        else:
            check_json_events(json.loads(data))
    raw = next(line for line in out.getvalue().splitlines() if b"raw101" in line)
    assert b'"role": "viewer", "role": "admin"' in raw  # duplicate keys kept, as received


def test_csv_export_shows_escapes_and_neutralises_formulas() -> None:
    out = io.BytesIO()
    write_events(decoded_events(), out, "csv")
    data = out.getvalue()
    for bad in ESC_BYTES[:-1]:
        assert bad not in data, bad
    assert data.count(b"\r") == data.count(b"\r\n") == len(EVENTS) + len(RAW_EVENTS) + 1  # row ends
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert len(rows) == len(EVENTS) + len(RAW_EVENTS) and list(rows[0]) == list(FIELD_NAMES)
    by_uuid = {row["event_uuid"]: row for row in rows}
    for name, text in HOSTILE.items():
        row = next(r for r in rows if json.loads(r["payload"])["kind"] == name)
        for field in STRING_FIELDS:
            cell = row[field]
            assert dangerous_in(cell.replace("\t", " "), allow_newline=True) == [], field
            if field != "event_uuid":
                assert cell.lstrip("'") == visible(text).replace("\\x0a", "\n").replace(
                    "\\x09", "\t"
                ), (name, field)
        assert json.loads(row["payload"])[text] == text  # the payload cell is lossless JSON
    assert json.loads(by_uuid["raw103"]["payload"]) == json.loads(SPACED)
    assert by_uuid["raw103"]["user_agent"] == "\\x9b31m\\u202e"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (b'{"a":\n1}', b'{"a":1}'),
        (b'{"a": "\xe2\x80\xae"}', b'{"a": "\\u202e"}'),
        (b'{"\xc2\x85":\t[1,\r\n2]}', b'{"\\u0085":[1,2]}'),
        (b'{"a":"\\n"}', b'{"a":"\\n"}'),
    ],
)
def test_inert_json(given: bytes, expected: bytes) -> None:
    assert inert_json(given) == expected
    assert json.loads(inert_json(given)) == json.loads(given)


@pytest.fixture
def hostile_server() -> Iterator[DemoServer]:
    server = DemoServer(encoded(all_blobs())).start()
    try:
        yield server
    finally:
        server.stop()


def fetch(server: DemoServer, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY, **env}
    full.pop("CI", None)
    day = ("--from", "2026-11-25T12:00Z", "--to", END.isoformat().replace("+00:00", "Z"))
    return subprocess.run(
        [sys.executable, "-m", "auditui", "fetch", *day, *args],
        capture_output=True,
        env=full,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv"])
def test_fetch_output_holds_no_raw_escape(hostile_server: DemoServer, fmt: str) -> None:
    result = fetch(hostile_server, "--format", fmt)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    for bad in ESC_BYTES if fmt != "csv" else ESC_BYTES[:-1]:  # CSV rows end in CRLF
        assert bad not in result.stdout, bad
    if fmt == "ndjson":
        check_json_events([json.loads(line) for line in result.stdout.splitlines()])
    elif fmt == "json":
        check_json_events(json.loads(result.stdout))


HOSTILE_DETAIL = {
    "detail": [
        {"loc": ["body", "\x1b]0;pwned\x07"], "msg": "bad \x1b[2J\u202e\x9b31m", "type": "x"},
        {"loc": ["body"], "msg": "[@click=app.quit] \x1b]52;c;ZXZpbA==\x07", "type": "y"},
    ]
}


def test_a_422_with_escape_sequences_is_one_inert_line(hostile_server: DemoServer) -> None:
    body = json.dumps(HOSTILE_DETAIL).encode()
    hostile_server.faults.push(Fault("raw", status=422, body=body))
    result = fetch(hostile_server)
    assert result.returncode == 1
    line = result.stderr.decode()
    assert line.count("\n") == 1 and "Traceback" not in line
    for bad in ESC_BYTES:
        assert bad not in result.stderr, bad
    assert "body.\\x1b]0;pwned\\x07: bad \\x1b[2J\\u202e\\x9b31m" in line
    assert "[@click=app.quit] \\x1b]52;c;ZXZpbA==\\x07" in line


def test_every_typed_error_is_inert() -> None:
    errors = [
        ValidationError(["loc: \x1b]0;pwned\x07", "\u202e\x9b"]),
        NetworkError("https://h\x1b[2J", "reason \x07"),
        ResponseError("The response was not valid JSON (\x1b]8;;https://x\x1b\\)"),
    ]
    for error in errors:
        assert dangerous_in(str(error)) == [], str(error)
        assert "\\x1b" in str(error) or "\\u202e" in str(error)
