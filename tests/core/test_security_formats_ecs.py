"""The ECS format: each field an ECS 8.17 field of its type, the category and type rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from auditui.export.ecs import ECS_VERSION
from tests.helpers.events import decode, raw
from tests.helpers.security_formats import FULL, check_ecs_shapes, ecs_record, lines_of


def test_ecs_full_event() -> None:
    (event,) = decode(FULL)
    record = ecs_record(event)
    assert record["ecs"] == {"version": ECS_VERSION}
    assert record["event"] == {
        "id": event.event_uuid,
        "kind": "event",
        "category": ["api"],
        "type": ["change"],
        "outcome": "success",
        "dataset": "datafold.audit",
        "module": "datafold",
        "action": "monitor.update",
    }
    assert record["user"] == {"email": "maya@acme.com", "name": "maya@acme.com", "id": "42"}
    assert record["url"] == {
        "original": FULL["url"],
        "full": FULL["url"],
        "scheme": "https",
        "domain": "app.datafold.com",
        "port": 8443,
        "path": "/api/v1/monitors/7",
        "query": "tab=edit",
    }
    assert record["http"] == {"request": {"method": "PATCH", "referrer": FULL["referer"]}}
    (relative,) = decode(raw(2, url="/api/v1/x"))
    assert ecs_record(relative)["url"] == {"original": "/api/v1/x"}


@pytest.mark.parametrize(
    ("action", "method", "categories", "types"),
    [
        ("user.login", "POST", ["api", "authentication"], ["start"]),
        ("user.login_failed", "POST", ["api", "authentication"], ["start"]),
        ("user.logout", "POST", ["api", "authentication"], ["end"]),
        ("user.invite", "POST", ["api", "iam"], ["creation"]),
        ("api_key.revoke", "DELETE", ["api", "iam"], ["deletion"]),
        ("monitor.update", "PATCH", ["api"], ["change"]),
        ("monitor.view", "GET", ["api"], ["access"]),
        ("monitor.run", "POST", ["api"], ["info"]),
    ],
)
def test_ecs_category_and_type(
    action: str, method: str, categories: list[str], types: list[str]
) -> None:
    object_type = action.split(".")[0]
    (event,) = decode(raw(1, action=action, request_type=method, object_type=object_type))
    details = ecs_record(event)["event"]
    assert (details["category"], details["type"]) == (categories, types)


def test_ecs_fields_exist_with_their_types(demo_events: list[dict[str, Any]]) -> None:
    events = decode(FULL, *demo_events[::6])
    for line in lines_of("ecs", events).splitlines():
        check_ecs_shapes(json.loads(line))
