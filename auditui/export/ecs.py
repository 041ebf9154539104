"""An audit event as an Elastic Common Schema document: `ecs_record(event, note)`.

ECS `ECS_VERSION`, nested objects (as Elasticsearch and the shippers read them). Datafold's
own fields, which ECS has no place for, go under the custom namespace `datafold.audit`: the
payload as its JSON value (its text when it is not JSON), `object_type`, `object_id`,
`source`, `is_support_user`, `status` as given, and the user's note (`datafold.audit.note`:
free text, where `labels` holds short keywords). Absent or null fields are left out.

- `event.kind` is `event`, `event.dataset` `datafold.audit`, `event.module` `datafold`.
- `event.category` is `["api"]`, with `authentication` when the action's words hold a log
  in or out (`user.login`, `user.login_failed`, `user.logout`) and `iam` for a create,
  update or delete of an identity object (`IAM_OBJECTS`: users, API keys, roles, groups).
- `event.type` follows the activity (`security.activity`): creation, access (read),
  change (update), deletion, else info; a log in is `start`, a log out `end`. Each is a
  type ECS expects for every category given.
- `event.outcome`: success, failure, else unknown (`security.outcome`).
- `url.original` is the URL as given; `url.full` and its parts (`scheme`, `domain`,
  `port`, `path`, `query`) when it is absolute.
- `source.ip` holds an IP address; any other `client_ip` text goes in `source.address`.
"""

from __future__ import annotations

from typing import Any, Final

from auditui.events.model import AuditEvent
from auditui.export.security import (
    Activity,
    action_words,
    activity,
    is_ip,
    outcome,
    payload_json,
    url_fields,
    url_parts,
)
from auditui.timespec import format_utc

ECS_VERSION: Final = "8.17.0"
DATASET: Final = "datafold.audit"
IAM_OBJECTS: Final = frozenset(("user", "api_key", "role", "group", "team", "service_account"))
EVENT_TYPES: Final[dict[Activity, str]] = {
    "create": "creation",
    "read": "access",
    "update": "change",
    "delete": "deletion",
    "other": "info",
    "unknown": "info",
}
_LOG_IN: Final = frozenset(("login", "signin"))
_LOG_OUT: Final = frozenset(("logout", "signout"))


def _categories_and_type(event: AuditEvent) -> tuple[list[str], list[str]]:
    kind = activity(event)
    words = set(action_words(event.action))
    categories = ["api"]
    event_type = EVENT_TYPES[kind]
    if words & (_LOG_IN | _LOG_OUT):
        categories.append("authentication")
        event_type = "start" if words & _LOG_IN else "end"
    elif kind in ("create", "update", "delete") and event.object_type in IAM_OBJECTS:
        categories.append("iam")
    return categories, [event_type]


_URL_NAMES = {"scheme": "scheme", "hostname": "domain", "port": "port", "path": "path",
              "query": "query"}  # fmt: skip


def _url(text: str) -> dict[str, Any]:
    url: dict[str, Any] = {"original": text}
    parts = url_parts(text)
    if parts is None or not (parts.scheme and parts.netloc):
        return url
    url["full"] = text
    url.update(url_fields(parts, _URL_NAMES))
    return url


def _source(client_ip: str) -> dict[str, str]:
    return {"ip": client_ip} if is_ip(client_ip) else {"address": client_ip}


def _user(event: AuditEvent) -> dict[str, str]:
    user: dict[str, str] = {}
    if event.user_email:
        user["email"] = user["name"] = event.user_email
    if event.user_id is not None:
        user["id"] = str(event.user_id)
        user.setdefault("name", user["id"])
    return user


def _datafold(event: AuditEvent, note: str | None) -> dict[str, Any]:
    audit: dict[str, Any] = {}
    payload = payload_json(event)
    if payload is not None:
        audit["payload"] = payload
    for name in ("object_type", "object_id", "source", "is_support_user", "status"):
        value = getattr(event, name)
        if value is not None:
            audit[name] = value
    if note:
        audit["note"] = note
    return {"audit": audit}


def ecs_record(event: AuditEvent, note: str | None = None) -> dict[str, Any]:
    """The event as an ECS document (see the module doc); `note`: the user's note on it,
    kept as `datafold.audit.note`."""
    categories, types = _categories_and_type(event)
    result = outcome(event)
    details: dict[str, Any] = {
        "id": event.event_uuid,
        "kind": "event",
        "category": categories,
        "type": types,
        "outcome": result if result in ("success", "failure") else "unknown",
        "dataset": DATASET,
        "module": "datafold",
    }
    if event.action:
        details["action"] = event.action
    record: dict[str, Any] = {
        "@timestamp": format_utc(event.timestamp),
        "ecs": {"version": ECS_VERSION},
        "event": details,
    }
    user = _user(event)
    if user:
        record["user"] = user
    record["source"] = _source(event.client_ip)
    if event.user_agent is not None:
        record["user_agent"] = {"original": event.user_agent}
    record["url"] = _url(event.url)
    request: dict[str, str] = {}
    if event.request_type:
        request["method"] = event.request_type
    if event.referer is not None:
        request["referrer"] = event.referer
    if request:
        record["http"] = {"request": request}
    if event.log_entry is not None:
        record["message"] = event.log_entry
    datafold = _datafold(event, note)
    if datafold["audit"]:
        record["datafold"] = datafold
    return record
