"""Decoding response bodies into AuditEvent: timestamps, nulls, malformed events, raw payloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from auditui.errors import ResponseError
from auditui.events import (
    AuditEvent,
    decode_logs,
    encode_event,
    event_to_pretty_json,
    intern_events,
    payload_value,
)


def _event(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "timestamp": "2026-11-02T13:00:00Z",
        "event_uuid": "e-1",
        "client_ip": "10.0.0.1",
        "url": "https://app.datafold.com/api/v1/monitors/7",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}


def _body(*events: dict[str, Any]) -> bytes:
    return msgspec.json.encode({"logs": list(events)})


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("2026-11-02T13:00:00Z", datetime(2026, 11, 2, 13, tzinfo=UTC)),
        ("2026-11-02T15:00:00+02:00", datetime(2026, 11, 2, 13, tzinfo=UTC)),
        ("2026-11-02T13:00:00.123456Z", datetime(2026, 11, 2, 13, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-02T13:00:00", datetime(2026, 11, 2, 13, tzinfo=UTC)),
        ("2026-11-02 13:00:00", datetime(2026, 11, 2, 13, tzinfo=UTC)),
        ("2026-11-02T13:00:00.5-01:00", datetime(2026, 11, 2, 14, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-02", datetime(2026, 11, 2, tzinfo=UTC)),
    ],
)
def test_timestamps_become_aware_utc(stamp: str, expected: datetime) -> None:
    result = decode_logs(_body(_event(timestamp=stamp)))
    assert result.malformed == 0
    assert result.events[0].timestamp == expected
    assert result.events[0].timestamp.tzinfo is UTC


def test_nullable_fields_may_be_null_or_absent() -> None:
    nulls = _event(action=None, user_email=None, payload=None, object_id=None, user_id=None)
    result = decode_logs(_body(nulls, _event(event_uuid="e-2")))
    assert result.malformed == 0
    assert [e.action for e in result.events] == [None, None]
    assert bytes(result.events[0].payload) == b"null"


def test_malformed_events_are_skipped_and_counted() -> None:
    body = _body(
        _event(event_uuid="ok-1"),
        _event(event_uuid="no-ts", timestamp=...),
        _event(event_uuid="bad-ts", timestamp="yesterday-ish"),
        _event(event_uuid="bad-type", object_id="seven"),
        _event(event_uuid="no-url", url=...),
        _event(event_uuid="ok-2"),
    )
    result = decode_logs(body + b"")
    assert [e.event_uuid for e in result.events] == ["ok-1", "ok-2"]
    assert result.malformed == 4


def test_non_object_items_count_as_malformed() -> None:
    body = b'{"logs": [1, "x", null, ' + msgspec.json.encode(_event()) + b"]}"
    result = decode_logs(body)
    assert len(result.events) == 1
    assert result.malformed == 3


def test_payload_stays_raw_until_asked() -> None:
    body = _body(_event(payload={"before": {"role": "viewer"}, "after": {"role": "admin"}}))
    event = decode_logs(body).events[0]
    assert isinstance(event.payload, msgspec.Raw)
    assert payload_value(event) == {"before": {"role": "viewer"}, "after": {"role": "admin"}}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"<html><body>Bad gateway</body></html>", "HTML"),
        (b'{"logs": [', "cut off"),
        (b'{"events": []}', "no list of events"),
        (b'{"logs": {"a": 1}}', "no list of events"),
        (b"[]", "no list of events"),
    ],
)
def test_bad_bodies_raise_response_error(body: bytes, fragment: str) -> None:
    with pytest.raises(ResponseError) as info:
        decode_logs(body)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_encode_round_trip_keeps_every_field_and_payload_verbatim() -> None:
    raw = _event(payload={"k": [1, 2, {"x": None}]}, user_email="a@b.c", is_support_user=True)
    event = decode_logs(_body(raw)).events[0]
    again = msgspec.json.decode(encode_event(event))
    assert again["payload"] == {"k": [1, 2, {"x": None}]}
    assert again["timestamp"] == "2026-11-02T13:00:00Z"
    assert again["is_support_user"] is True
    assert set(again) == set(AuditEvent.__struct_fields__)
    assert '"user_email": "a@b.c"' in event_to_pretty_json(event)


def test_intern_events_shares_repeated_values_and_keeps_payloads() -> None:
    deep = "[" * 1_500 + "]" * 1_500  # deeper than Python's default recursion limit
    body = json.dumps({"logs": [
        {"timestamp": "2026-11-26T12:00:00Z", "event_uuid": f"u{n}", "client_ip": "10.0.0.1",
         "url": "/api/v1/monitors", "action": "monitor." + "run", "user_email": "a@b.c",
         "payload": {"n": n, "text": "é \\u0000"}}
        for n in range(3)
    ]})[:-2] + ', {"timestamp": "2026-11-26T12:00:00Z", "event_uuid": "deep", ' + \
        '"client_ip": "10.0.0.1", "url": "/x", "payload": ' + deep + "}]}"  # fmt: skip
    events = decode_logs(body.encode()).events
    before = [bytes(event.payload) for event in events]
    table = intern_events(events)
    assert [bytes(event.payload) for event in events] == before  # same JSON, byte for byte
    assert events[0].action is events[1].action is events[2].action  # one shared string
    assert events[0].url is events[2].url and events[0].client_ip is events[3].client_ip
    assert table["monitor.run"] is events[0].action
