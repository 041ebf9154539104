"""One event nested too deep never sinks its window (issue 16 item 6).

msgspec recurses, so a body holding one event nested ~20,000 levels deep fails as a whole;
`decode_logs` then splits the `logs` array without recursing and decodes each event alone:
the others load, the deep one is skipped, counted and kept (reason, start of its text) for
the skipped-events dialog. The server is the real demo server on loopback serving raw JSON
events (`tests.helpers.hostile.encoded`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from auditui.config.settings import load_settings
from auditui.demo import DemoServer
from auditui.errors import ResponseError
from auditui.events import decode_logs
from auditui.events.model import SKIPPED_TEXT_BYTES
from auditui.sources.files import FileSource
from auditui.sources.windows import load_range
from auditui.timespec import TimeRange
from tests.helpers.demo import client_for
from tests.helpers.hostile import body_of, encoded, raw_event_json, stamp

DEEP = 25_000  # levels: beyond what msgspec may recurse (MAX_DEPTH, 20,000)
DEEP_PAYLOAD = "[" * DEEP + "]" * DEEP


def normal(n: int) -> bytes:
    return raw_event_json(n, payload='{"ok": true}')


def deep(n: int) -> bytes:
    return raw_event_json(n, payload=DEEP_PAYLOAD)


def test_a_deep_event_is_skipped_and_the_others_load() -> None:
    decoded = decode_logs(body_of(normal(1), deep(2), normal(3)))
    assert [event.event_uuid for event in decoded.events] == ["raw1", "raw3"]
    assert decoded.malformed == 1
    [skipped] = decoded.skipped
    assert "levels deep" in skipped.reason
    assert skipped.size == len(deep(2))
    assert len(skipped.text) == SKIPPED_TEXT_BYTES
    assert deep(2).startswith(skipped.text)


def test_a_malformed_event_before_a_deep_one() -> None:
    """msgspec stops at the first bad event; the raw pass behind it must not recurse either."""
    broken = b'{"event_uuid": "no-timestamp", "client_ip": "1", "url": "/"}'
    decoded = decode_logs(body_of(broken, deep(2), normal(3)))
    assert [event.event_uuid for event in decoded.events] == ["raw3"]
    assert decoded.malformed == 2
    reasons = [skipped.reason for skipped in decoded.skipped]
    assert "timestamp" in reasons[0] and "levels deep" in reasons[1]


def test_malformed_events_keep_their_reason_and_text() -> None:
    decoded = decode_logs(body_of(normal(1), b'{"timestamp": 5}', b"17", deep(4)))
    assert [event.event_uuid for event in decoded.events] == ["raw1"]
    assert [(s.text, s.size) for s in decoded.skipped[:2]] == [
        (b'{"timestamp": 5}', 16),
        (b"17", 2),
    ]
    assert all(skipped.reason for skipped in decoded.skipped)


@pytest.mark.parametrize(
    "body",
    [
        body_of(normal(1), deep(2))[:-2],  # cut off
        body_of(normal(1), deep(2)) + b"{}",  # something after the object
        b"[" + deep(2) + b"]",  # not an object
        b'{"other": ' + DEEP_PAYLOAD.encode() + b"}",  # no logs at all
        body_of(normal(1), b'{"a": "never ends' + DEEP_PAYLOAD.encode() + b"}"),
        body_of(b'{"timestamp": 1}', b'{"a":'),  # broken after a malformed event
    ],
)
def test_a_broken_body_is_still_one_clear_error(body: bytes) -> None:
    with pytest.raises(ResponseError) as caught:
        decode_logs(body)
    assert "\n" not in str(caught.value)


async def test_a_window_with_a_deep_event_loads_its_other_events() -> None:
    """Over HTTP: the day holding the deep event loads everything else in it."""
    blobs = [(1, normal(1)), (2, deep(2)), (3, normal(3)), (30 * 60, normal(30 * 60))]
    newest = datetime.fromisoformat(stamp(1))
    span = TimeRange(newest - timedelta(days=2), newest + timedelta(minutes=1))
    with DemoServer(encoded(blobs)) as server:
        async with client_for(server) as client:
            result = await load_range(client, span, window=timedelta(days=1))
    assert sorted(event.event_uuid for event in result.events) == ["raw1", "raw1800", "raw3"]
    assert result.malformed == 1
    assert [skipped.reason for skipped in result.skipped] == ["nested more than 19,000 levels deep"]


async def test_a_file_keeps_its_bad_lines_to_show(tmp_path: Path) -> None:
    """`auditui open`: a deep line and a broken one are skipped, kept and counted."""
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join([normal(1), deep(2), b'{"timestamp": "x"', normal(3)]) + b"\n")
    source = FileSource(path, load_settings().profile("default", env={}))
    result = await source.load(source.span())
    assert sorted(event.event_uuid for event in result.events) == ["raw1", "raw3"]
    assert result.malformed == 2
    assert [s.text[:14] for s in result.skipped] == [deep(2)[:14], b'{"timestamp": '[:14]]
    assert all(s.reason for s in result.skipped)


def test_fetch_prints_the_other_events_of_the_day() -> None:
    """`auditui fetch` over the day holding the deep event: exit 0, a warning, the rest."""
    blobs = [(1, normal(1)), (2, deep(2)), (3, normal(3))]
    with DemoServer(encoded(blobs)) as server:
        env = {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": server.key}
        done = subprocess.run(
            [sys.executable, "-m", "auditui", "--no-cache", "fetch", "--from",
             stamp(60 * 24), "--to", stamp(0)],
            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [json.loads(line)["event_uuid"] for line in done.stdout.splitlines()] == ["raw1", "raw3"]
    assert "auditui: warning: 1 malformed events skipped" in done.stderr.splitlines()
