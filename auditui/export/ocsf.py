"""An audit event as an OCSF API Activity (class 6003) object: `ocsf_record(event, note)`.

OCSF `OCSF_VERSION`, class API Activity (6003) in Application Activity (6), with the
`datetime` profile (`time_dt`). Every Datafold field lands in one place (the README's table
"Security formats (OCSF, ECS)"); what OCSF has no attribute for is kept under `unmapped`
(the payload as its JSON value, `source`, `is_support_user`, an `object_type` without an
id, a `request_type` that is not an HTTP method as OCSF spells it (`HTTP_METHODS`), the
user's note). An absent or null Datafold field (a JSON `null` payload too) is left out:
OCSF attributes are never written as null. A `client_ip` that is not an IP address (by
`ipaddress`, at most 40 characters as OCSF's `ip_t`) goes in `src_endpoint.name` instead
of `src_endpoint.ip`; a `user_email` that is not an address only in `actor.user.name`.

- `activity_id` / `activity_name` / `type_uid`: `security.activity` (the action's verb, else
  the HTTP method); Other (99) names the action as the activity.
- `status_id` / `status`: Success 1, Failure 2, Unknown 0 (no status), Other 99 (`status` is
  then the text as Datafold gave it); the raw text is always in `status_code`.
- `severity_id`: Informational (1), Low (2) for a failure.
- `actor.user`: `name` is the email (else the id), `uid` the id, `email_addr` the email when
  it is an address by OCSF's own `email_t` pattern; a support user is type Other (99,
  "Datafold support"). With neither email nor id: a user named "unknown" (type Unknown 0).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from auditui.events.model import AuditEvent
from auditui.export.security import (
    Activity,
    Outcome,
    activity,
    is_ip,
    outcome,
    payload_json,
    url_fields,
    url_parts,
)
from auditui.timespec import format_utc

OCSF_VERSION: Final = "1.8.0"
CLASS_UID: Final = 6003  # API Activity
CATEGORY_UID: Final = 6  # Application Activity
PROFILES: Final = ("datetime",)
PRODUCT: Final = {"name": "Datafold", "vendor_name": "Datafold"}

ACTIVITY_IDS: Final[dict[Activity, tuple[int, str]]] = {
    "create": (1, "Create"),
    "read": (2, "Read"),
    "update": (3, "Update"),
    "delete": (4, "Delete"),
    "other": (99, "Other"),
    "unknown": (0, "Unknown"),
}
STATUS_IDS: Final[dict[Outcome, tuple[int, str]]] = {
    "success": (1, "Success"),
    "failure": (2, "Failure"),
    "other": (99, "Other"),
    "unknown": (0, "Unknown"),
}
SUPPORT_USER_TYPE: Final = (99, "Datafold support")
# `http_request.http_method` is one of these (1.8.0); other text is kept in `unmapped`.
HTTP_METHODS: Final = frozenset(
    ("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")
)
# OCSF's `email_t` (1.8.0): an address that does not match goes in `user.name` only.
_EMAIL = re.compile(r"^[a-zA-Z0-9!#$%&'*+-/=?^_`{|}~.]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch (exact integer arithmetic, floor for older times)."""
    return (moment - _EPOCH) // _MILLISECOND


_URL_NAMES = {"scheme": "scheme", "hostname": "hostname", "port": "port", "path": "path",
              "query": "query_string"}  # fmt: skip


def _url(text: str) -> dict[str, Any]:
    """The `url` object: the text as given, and its parts when it parses."""
    url: dict[str, Any] = {"url_string": text}
    parts = url_parts(text)
    if parts is None:
        return url
    url.update(url_fields(parts, _URL_NAMES))
    return url


def _src_endpoint(client_ip: str) -> dict[str, str]:
    return {"ip": client_ip} if is_ip(client_ip) else {"name": client_ip or "unknown"}


def _actor(event: AuditEvent) -> dict[str, Any]:
    user: dict[str, Any] = {}
    email = event.user_email
    if email:
        user["name"] = email
        if _EMAIL.match(email):
            user["email_addr"] = email
    if event.user_id is not None:
        user["uid"] = str(event.user_id)
        user.setdefault("name", str(event.user_id))
    if event.is_support_user:
        user["type_id"], user["type"] = SUPPORT_USER_TYPE
    if "name" not in user:
        user["name"] = "unknown"
        user.setdefault("type_id", 0)
        user.setdefault("type", "Unknown")
    return {"user": user}


def http_method(request_type: str | None) -> str | None:
    """The method as OCSF names it (upper case, one of `HTTP_METHODS`), else None."""
    method = (request_type or "").strip().upper()
    return method if method in HTTP_METHODS else None


def _http_request(event: AuditEvent) -> dict[str, Any]:
    request: dict[str, Any] = {"url": _url(event.url)}
    method = http_method(event.request_type)
    if method is not None:
        request["http_method"] = method
    if event.user_agent is not None:
        request["user_agent"] = event.user_agent
    if event.referer is not None:
        request["referrer"] = event.referer
    return request


def _unmapped(event: AuditEvent, note: str | None) -> dict[str, Any]:
    unmapped: dict[str, Any] = {}
    payload = payload_json(event)
    if payload is not None:
        unmapped["payload"] = payload
    if event.source is not None:
        unmapped["source"] = event.source
    if event.is_support_user is not None:
        unmapped["is_support_user"] = event.is_support_user
    if event.request_type is not None and http_method(event.request_type) != event.request_type:
        unmapped["request_type"] = event.request_type  # not a method OCSF names, or its case
    if event.object_id is None and event.object_type is not None:
        unmapped["object_type"] = event.object_type
    if note:
        unmapped["note"] = note
    return unmapped


def ocsf_record(event: AuditEvent, note: str | None = None) -> dict[str, Any]:
    """The event as an OCSF API Activity object (see the module doc); `note`: the user's
    note on it, kept as `unmapped.note`."""
    kind = activity(event)
    activity_id, caption = ACTIVITY_IDS[kind]
    activity_name = caption
    if kind == "other":  # OCSF: Other names the source's own activity
        activity_name = event.action or event.request_type or caption
    status_kind = outcome(event)
    status_id, status = STATUS_IDS[status_kind]
    metadata: dict[str, Any] = {
        "version": OCSF_VERSION,
        "product": dict(PRODUCT),
        "profiles": list(PROFILES),
        "uid": event.event_uuid,
        "log_name": "audit_logs",
        "log_provider": "Datafold",
    }
    if event.action:
        metadata["event_code"] = event.action
    api: dict[str, Any] = {"operation": event.action or event.request_type or "unknown"}
    api["service"] = {"name": "Datafold"}
    record: dict[str, Any] = {
        "class_uid": CLASS_UID,
        "class_name": "API Activity",
        "category_uid": CATEGORY_UID,
        "category_name": "Application Activity",
        "activity_id": activity_id,
        "activity_name": activity_name,
        "type_uid": CLASS_UID * 100 + activity_id,
        "type_name": f"API Activity: {caption}",
        "time": epoch_ms(event.timestamp),
        "time_dt": format_utc(event.timestamp),
        "severity_id": 2 if status_kind == "failure" else 1,
        "severity": "Low" if status_kind == "failure" else "Informational",
        "status_id": status_id,
        "status": event.status if status_kind == "other" and event.status else status,
        "metadata": metadata,
        "actor": _actor(event),
        "api": api,
        "src_endpoint": _src_endpoint(event.client_ip),
        "http_request": _http_request(event),
    }
    if event.status is not None:
        record["status_code"] = event.status
    if event.object_id is not None:
        resource: dict[str, Any] = {"uid": str(event.object_id)}
        if event.object_type is not None:
            resource["type"] = event.object_type
        record["resources"] = [resource]
    if event.log_entry is not None:
        record["message"] = event.log_entry
    unmapped = _unmapped(event, note)
    if unmapped:
        record["unmapped"] = unmapped
    return record
