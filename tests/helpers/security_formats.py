"""Shared by the security-format tests: a full event, the records as they read once written,
paths into them, and the ECS shape check against ECS 8.17's field list."""

from __future__ import annotations

import io
import ipaddress
import json
from datetime import datetime
from typing import Any

import msgspec

from auditui.events import AuditEvent, decode_logs
from auditui.export import ecs, ocsf
from auditui.export.formats import write_events
from tests.helpers.events import raw
from tests.helpers.hostile import body_of
from tests.helpers.schemas import ecs_fields, flat_names

FULL = raw(
    1,
    timestamp="2026-11-26T10:00:00.123456Z",
    user_id=42,
    user_email="maya@acme.com",
    is_support_user=False,
    action="monitor.update",
    status="success",
    object_type="monitor",
    object_id=7,
    source="web",
    request_type="PATCH",
    client_ip="203.0.113.9",
    url="https://app.datafold.com:8443/api/v1/monitors/7?tab=edit",
    referer="https://app.datafold.com/monitors/7/edit",
    user_agent="Mozilla/5.0 (X11)",
    log_entry="maya@acme.com updated monitor #7",
    payload={"before": {"n": 1}, "after": {"n": 2.50, "big": 12345678901234567890}},
)


def ocsf_record(event: AuditEvent, note: str | None = None) -> dict[str, Any]:
    """`ocsf.ocsf_record` as it reads once written (the payload decoded)."""
    record: dict[str, Any] = json.loads(msgspec.json.encode(ocsf.ocsf_record(event, note)))
    return record


def ecs_record(event: AuditEvent, note: str | None = None) -> dict[str, Any]:
    """`ecs.ecs_record` as it reads once written (the payload decoded)."""
    record: dict[str, Any] = json.loads(msgspec.json.encode(ecs.ecs_record(event, note)))
    return record


def at(document: Any, path: str) -> Any:
    for part in path.split("."):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def lines_of(fmt: str, events: list[AuditEvent], notes: dict[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    assert write_events(events, out, fmt, notes) == len(events)  # type: ignore[arg-type]
    return out.getvalue()


def nulls_in(value: Any, path: str = "") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in nulls_in(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in nulls_in(item, f"{path}.{i}")]
    return []


def decode_raw(*blobs: bytes) -> list[AuditEvent]:
    decoded = decode_logs(body_of(*blobs))
    assert decoded.malformed == 0
    return decoded.events


def check_ecs_shapes(record: dict[str, Any]) -> None:
    """Each field is an ECS 8.17 field of the right type (Datafold's own under `datafold.`);
    categories, types, kind and outcome are allowed values, each type expected by each
    category."""
    ecs = ecs_fields()
    fields, allowed = ecs["fields"], ecs["allowed_values"]
    for name, value in flat_names(record).items():
        if name.startswith("datafold."):
            continue
        assert name in fields, name
        kind = fields[name]
        if kind in ("keyword", "wildcard", "match_only_text", "constant_keyword"):
            assert isinstance(value, str) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)
            ), name
        elif kind == "long":
            assert isinstance(value, int) and not isinstance(value, bool), name
        elif kind == "ip":
            ipaddress.ip_address(value)
        elif kind == "date":
            datetime.fromisoformat(value)
        else:
            raise AssertionError(f"{name}: type {kind} not expected")
    details = record["event"]
    for category in details["category"]:
        assert set(details["type"]) <= set(allowed["event.category"][category])
    assert set(details["type"]) <= set(allowed["event.type"])
    assert details["kind"] in allowed["event.kind"]
    assert details["outcome"] in allowed["event.outcome"]
