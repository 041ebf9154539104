"""The security formats: OCSF API Activity (validated against the OCSF schema) and ECS.

Every Datafold field lands where the README's table says; nulls are left out (OCSF never
gets a null); hostile text stays one inert line and decodes to what was given; notes are
kept; the OCSF schema check itself fails on wrong objects (so a pass means something).
"""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from auditui.events import FIELD_NAMES, MAX_DEPTH, AuditEvent
from auditui.export.formats import FORMATS, format_for_path, write_events
from auditui.export.job import export_events
from auditui.export.ocsf import OCSF_VERSION, epoch_ms
from auditui.export.security import activity, outcome
from tests.helpers.events import decode, raw
from tests.helpers.hostile import (
    DEEP_ARRAYS,
    RAW_EVENTS,
    dangerous_in,
    hostile_events,
    raw_event_json,
)
from tests.helpers.schemas import ocsf_class_schema, ocsf_errors
from tests.helpers.security_formats import (
    FULL,
    at,
    check_ecs_shapes,
    decode_raw,
    ecs_record,
    lines_of,
    nulls_in,
    ocsf_record,
)

# Each Datafold field → (its OCSF attribute, its ECS field): the README's table.
MAPPING: dict[str, tuple[str, str]] = {
    "timestamp": ("time_dt", "@timestamp"),
    "event_uuid": ("metadata.uid", "event.id"),
    "user_email": ("actor.user.email_addr", "user.email"),
    "user_id": ("actor.user.uid", "user.id"),
    "is_support_user": ("unmapped.is_support_user", "datafold.audit.is_support_user"),
    "action": ("api.operation", "event.action"),
    "status": ("status_code", "datafold.audit.status"),
    "object_type": ("resources.0.type", "datafold.audit.object_type"),
    "object_id": ("resources.0.uid", "datafold.audit.object_id"),
    "source": ("unmapped.source", "datafold.audit.source"),
    "request_type": ("http_request.http_method", "http.request.method"),
    "client_ip": ("src_endpoint.ip", "source.ip"),
    "url": ("http_request.url.url_string", "url.original"),
    "referer": ("http_request.referrer", "http.request.referrer"),
    "user_agent": ("http_request.user_agent", "user_agent.original"),
    "log_entry": ("message", "message"),
    "payload": ("unmapped.payload", "datafold.audit.payload"),
}


# -- OCSF ------------------------------------------------------------------------------------


def test_the_schema_is_api_activity_of_the_version_written() -> None:
    schema = ocsf_class_schema()
    assert schema["$id"].startswith(f"https://schema.ocsf.io/schema/{OCSF_VERSION}/classes/")
    assert schema["properties"]["class_uid"]["const"] == 6003
    assert {"class_uid", "category_uid", "activity_id", "type_uid", "severity_id", "time",
            "metadata", "actor", "api", "src_endpoint"} <= set(schema["required"])  # fmt: skip


def test_every_datafold_field_maps_to_ocsf_and_ecs() -> None:
    (event,) = decode(FULL)
    ocsf, ecs = ocsf_record(event), ecs_record(event)
    assert set(MAPPING) == set(FIELD_NAMES)  # a new field must be mapped here and in README
    expected = {
        **{name: getattr(event, name) for name in FIELD_NAMES},
        "timestamp": "2026-11-26T10:00:00.123456Z",
        "payload": FULL["payload"],
    }
    for name, (ocsf_path, ecs_path) in MAPPING.items():
        want = expected[name]
        assert at(ocsf, ocsf_path) == (str(want) if name in ("user_id", "object_id") else want)
        assert at(ecs, ecs_path) == (str(want) if name == "user_id" else want), name
    assert ocsf_errors(json.loads(lines_of("ocsf", [event]))) == []


def test_ocsf_full_event() -> None:
    (event,) = decode(FULL)
    record = ocsf_record(event)
    assert record["time"] == 1795687200123 == epoch_ms(event.timestamp)
    assert (record["class_uid"], record["category_uid"]) == (6003, 6)
    assert (record["activity_id"], record["activity_name"], record["type_uid"]) == (
        3,
        "Update",
        600303,
    )
    assert (record["status_id"], record["status"], record["severity_id"]) == (1, "Success", 1)
    assert record["metadata"]["version"] == OCSF_VERSION
    assert record["metadata"]["product"] == {"name": "Datafold", "vendor_name": "Datafold"}
    assert record["metadata"]["profiles"] == ["datetime"]
    assert record["actor"] == {
        "user": {"name": "maya@acme.com", "email_addr": "maya@acme.com", "uid": "42"}
    }
    assert record["http_request"]["url"] == {
        "url_string": FULL["url"],
        "scheme": "https",
        "hostname": "app.datafold.com",
        "port": 8443,
        "path": "/api/v1/monitors/7",
        "query_string": "tab=edit",
    }
    assert record["resources"] == [{"uid": "7", "type": "monitor"}]
    assert record["unmapped"] == {
        "payload": FULL["payload"],
        "source": "web",
        "is_support_user": False,
    }


def test_ocsf_nulls_are_left_out_and_still_valid() -> None:
    (event,) = decode(
        {
            "timestamp": "2026-11-26T10:00:00Z",
            "event_uuid": "e-1",
            "client_ip": "::1",
            "url": "/api/v1/x",
            **dict.fromkeys(("action", "status", "user_email", "user_id", "object_id"), None),
            **dict.fromkeys(("referer", "user_agent", "log_entry", "request_type"), None),
        }
    )
    record = ocsf_record(event)
    assert nulls_in(record) == [] and nulls_in(ecs_record(event)) == []
    assert ocsf_errors(record) == []
    assert record["actor"] == {"user": {"name": "unknown", "type_id": 0, "type": "Unknown"}}
    assert (record["activity_id"], record["type_uid"], record["status_id"]) == (0, 600300, 0)
    assert record["api"]["operation"] == "unknown"
    assert record["http_request"] == {"url": {"url_string": "/api/v1/x", "path": "/api/v1/x"}}
    assert "resources" not in record and "message" not in record
    assert "unmapped" not in record  # a null payload is left out too


def test_ocsf_each_demo_event_validates(demo_events: list[dict[str, Any]]) -> None:
    events = decode(*demo_events[::6])  # every 6th: 1,000 of them, nulls among them
    assert any(e.user_email is None or e.action is None for e in events)
    for line in lines_of("ocsf", events).splitlines():
        record = json.loads(line)
        assert ocsf_errors(record) == [], record


@pytest.mark.parametrize(
    ("action", "method", "expected"),
    [
        ("monitor.create", "POST", "create"),
        ("user.invite", "POST", "create"),
        ("data_diff.view", "GET", "read"),
        ("audit_logs.export", "GET", "read"),
        ("organization.settings_update", "PATCH", "update"),
        ("user.role_change", "PATCH", "update"),
        ("api_key.revoke", "DELETE", "delete"),
        ("user.deactivate", "DELETE", "delete"),
        ("user.login", "POST", "other"),  # POST alone decides nothing
        ("monitor.run", "POST", "other"),
        ("monitor.run", "GET", "read"),  # unknown verb: the method decides
        ("something.odd", "put", "update"),
        (None, "DELETE", "delete"),
        (None, "POST", "other"),
        (None, None, "unknown"),
    ],
)
def test_activity_rule(action: str | None, method: str | None, expected: str) -> None:
    (event,) = decode(raw(1, action=action, request_type=method))
    assert activity(event) == expected
    record = ocsf_record(event)
    assert record["type_uid"] == 600300 + record["activity_id"]
    if expected == "other":
        assert (record["activity_id"], record["activity_name"]) == (99, action or method)
        assert record["type_name"] == "API Activity: Other"
    assert ocsf_errors(record) == []


@pytest.mark.parametrize(
    ("status", "expected", "ocsf_status", "severity", "ecs_outcome"),
    [
        ("success", "success", (1, "Success"), 1, "success"),
        ("OK", "success", (1, "Success"), 1, "success"),
        ("failure", "failure", (2, "Failure"), 2, "failure"),
        ("denied", "failure", (2, "Failure"), 2, "failure"),
        ("pending", "other", (99, "pending"), 1, "unknown"),
        (None, "unknown", (0, "Unknown"), 1, "unknown"),
    ],
)
def test_status_rule(
    status: str | None,
    expected: str,
    ocsf_status: tuple[int, str],
    severity: int,
    ecs_outcome: str,
) -> None:
    (event,) = decode(raw(1, status=status))
    assert outcome(event) == expected
    record = ocsf_record(event)
    assert (record["status_id"], record["status"]) == ocsf_status
    assert record["severity_id"] == severity
    assert record.get("status_code") == status
    assert ecs_record(event)["event"]["outcome"] == ecs_outcome
    assert ocsf_errors(record) == []


def test_ocsf_text_that_is_not_an_address_or_ip_stays_valid() -> None:
    (event,) = decode(
        raw(1, client_ip="proxy-7", user_email="not an address", user_id=None),
        raw(2, client_ip="", user_email=None, user_id=5, is_support_user=True),
    )[:1]
    record = ocsf_record(event)
    assert record["src_endpoint"] == {"name": "proxy-7"}
    assert record["actor"] == {"user": {"name": "not an address"}}
    assert ocsf_errors(record) == []
    assert ecs_record(event)["source"] == {"address": "proxy-7"}
    (support,) = decode(raw(2, client_ip="", user_email=None, user_id=5, is_support_user=True))
    record = ocsf_record(support)
    assert record["src_endpoint"] == {"name": "unknown"}
    assert record["actor"]["user"] == {
        "uid": "5",
        "name": "5",
        "type_id": 99,
        "type": "Datafold support",
    }
    assert ocsf_errors(record) == []


def test_times_are_exact() -> None:
    early = AuditEvent(datetime(1, 1, 1, tzinfo=UTC), "e", "10.0.0.1", "/x")
    assert epoch_ms(early.timestamp) == -62135596800000
    assert ocsf_record(early)["time_dt"] == "0001-01-01T00:00:00Z"
    late = AuditEvent(datetime(2026, 11, 26, 10, 0, 0, 999999, tzinfo=UTC), "e", "::1", "/x")
    assert epoch_ms(late.timestamp) == 1795687200999  # floored, never rounded up
    assert ocsf_errors(ocsf_record(early)) == [] and ocsf_errors(ocsf_record(late)) == []


def _valid_record() -> dict[str, Any]:
    (event,) = decode(FULL)
    record = ocsf_record(event)
    assert ocsf_errors(record) == []
    return record


def _without(path: str) -> Any:
    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        del (at(record, ".".join(parents)) if parents else record)[last]

    return change


def _setting(path: str, value: Any) -> Any:
    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        (at(record, ".".join(parents)) if parents else record)[last] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        _without("class_uid"),
        _without("time"),
        _without("metadata.version"),
        _without("api"),
        _setting("class_uid", "6003"),  # a string where an integer is required
        _setting("class_uid", 6002),
        _setting("activity_id", 5),
        _setting("type_uid", 600305),
        _setting("time", "2026-11-26T10:00:00Z"),
        _setting("message", None),  # OCSF has no nulls: absent fields are left out
        _setting("surprise", 1),
        _setting("actor", {}),
        _setting("actor.user.nickname", "m"),
        _setting("src_endpoint.ip", "not-an-ip"),
        _setting("actor.user.email_addr", "not an address"),
        _setting("time_dt", "yesterday"),
    ],
)
def test_the_schema_check_fails_a_wrong_object(change: Any) -> None:
    record = copy.deepcopy(_valid_record())
    change(record)
    assert ocsf_errors(record) != []


# -- both ------------------------------------------------------------------------------------


def _hostile() -> list[AuditEvent]:
    events = decode(*hostile_events())
    return events + decode_raw(*RAW_EVENTS.values())


@pytest.mark.parametrize("fmt", ["ocsf", "ecs"])
def test_hostile_text_is_one_inert_line_per_event_and_lossless(fmt: str) -> None:
    events = _hostile()
    data = lines_of(fmt, events, {e.event_uuid: f"note \x1b[31m{e.event_uuid}" for e in events})
    text = data.decode()
    assert dangerous_in(text, allow_newline=True) == []
    lines = data.splitlines()
    assert len(lines) == len(events) and data.endswith(b"\n")
    for event, line in zip(events, lines, strict=True):
        record = json.loads(line)
        if fmt == "ocsf":
            assert ocsf_errors(record) == []
            uuid, note, agent = record["metadata"]["uid"], record["unmapped"]["note"], None
            agent = record["http_request"].get("user_agent")
        else:
            check_ecs_shapes(record)
            uuid, note = record["event"]["id"], record["datafold"]["audit"]["note"]
            agent = record.get("user_agent", {}).get("original")
        assert uuid == event.event_uuid
        assert note == f"note \x1b[31m{event.event_uuid}"
        assert agent == event.user_agent
    assert b'{"role": "viewer", "role": "admin", "n": 1, "n": 2}' in data  # token for token
    assert b'{"big": 1' + b"0" * 400 + b"}" in data


@pytest.mark.parametrize("fmt", ["ocsf", "ecs"])
def test_a_payload_that_is_not_json_is_kept_as_text(fmt: str) -> None:
    events = [
        AuditEvent(datetime(2026, 11, 26, tzinfo=UTC), f"e{n}", "10.0.0.1", "/x", payload=blob)
        for n, blob in enumerate((msgspec.Raw(b'{"a": '), msgspec.Raw(b"\xff\x1b[2J")))
    ]
    records = [json.loads(line) for line in lines_of(fmt, events).splitlines()]
    where = "unmapped.payload" if fmt == "ocsf" else "datafold.audit.payload"
    assert [at(r, where) for r in records] == ['{"a": ', "\ufffd\x1b[2J"]
    if fmt == "ocsf":
        assert all(ocsf_errors(r) == [] for r in records)


@pytest.mark.parametrize("fmt", ["ocsf", "ecs"])
def test_deep_payloads(fmt: str) -> None:
    """1,000 deep: kept as JSON, token for token; deeper than auditui reads: kept as text."""
    (deep,) = decode_raw(raw_event_json(1, payload=DEEP_ARRAYS))
    too_deep = "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10)
    deeper = AuditEvent(deep.timestamp, "e2", "::1", "/x", payload=msgspec.Raw(too_deep.encode()))
    first, second = lines_of(fmt, [deep, deeper]).splitlines()
    assert b'"payload":' + DEEP_ARRAYS.encode() in first
    assert b'"payload":"' + too_deep.encode() + b'"' in second


@pytest.mark.parametrize(("fmt", "where"), [("ocsf", "unmapped"), ("ecs", "datafold.audit")])
def test_notes_only_on_events_that_have_one(fmt: str, where: str) -> None:
    first, second = decode(raw(1), raw(2))
    data = lines_of(fmt, [first, second], {first.event_uuid: "asked Maya: =1+1 ok"})
    one, two = (json.loads(line) for line in data.splitlines())
    assert at(one, where)["note"] == "asked Maya: =1+1 ok"
    assert "note" not in at(two, where)
    assert "note" not in at(json.loads(lines_of(fmt, [first])), where)


@pytest.mark.parametrize("fmt", ["ocsf", "ecs"])
def test_writers_stream_one_event_at_a_time(fmt: str) -> None:
    out = io.BytesIO()
    written: list[int] = []

    def events() -> Iterator[AuditEvent]:
        for event in decode(raw(1), raw(2), raw(3)):
            written.append(out.tell())
            yield event

    assert write_events(events(), out, fmt) == 3  # type: ignore[arg-type]
    assert written[0] == 0 and written[0] < written[1] < written[2] < out.tell()


def test_security_formats_are_chosen_never_guessed() -> None:
    assert FORMATS[-2:] == ("ocsf", "ecs")
    assert format_for_path("x.ocsf.ndjson") == "ndjson"
    assert format_for_path("x.ecs") == "ndjson"


@pytest.mark.parametrize("fmt", ["ocsf", "ecs"])
def test_the_browser_export_job_writes_them(fmt: str, tmp_path: Path) -> None:
    events = decode(FULL, raw(2, user_email=None, user_id=None))
    target = tmp_path / f"x.{fmt}.ndjson"
    result = export_events(events, target, fmt, notes={events[1].event_uuid: "why?"})  # type: ignore[arg-type]
    assert result.count == 2
    one, two = (json.loads(line) for line in target.read_bytes().splitlines())
    if fmt == "ocsf":
        assert ocsf_errors(one) == [] and ocsf_errors(two) == []
        assert "note" not in one["unmapped"] and two["unmapped"]["note"] == "why?"
    else:
        assert two["datafold"]["audit"]["note"] == "why?" and "user" not in two
