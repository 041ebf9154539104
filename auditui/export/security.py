"""What the security formats (`ocsf`, `ecs`) share: reading an event's action and status.

`activity(event)` classifies the request as Create, Read, Update, Delete or neither, from
the verb of its `action` first and its HTTP method (`request_type`) second:

- the action's last dotted part is split into words (`organization.settings_update` →
  `settings`, `update`); the last word found in `VERBS` decides (`update` → Update);
- else the method: GET, HEAD and OPTIONS read, PUT and PATCH update, DELETE deletes; POST
  alone decides nothing (it creates, runs, logs in, tests), so a POST whose verb is not
  known (`user.login`, `monitor.run`) is Other;
- with neither an action nor a method: Unknown.

`outcome(event)` reads `status`: success (`success`, `succeeded`, `ok`, `allowed`, …),
failure (`failure`, `failed`, `error`, `denied`, `forbidden`, …), unknown when there is
none, other for any other text (kept as it is by each format).

`payload_json(event)` is the payload to put inside a document: the raw JSON itself (token
for token, never re-parsed into floats) when it is a JSON value, else its text; None (left
out) for JSON `null`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final, Literal, NamedTuple
from urllib.parse import urlsplit

import msgspec

from auditui.events.model import AuditEvent, payload_value

Activity = Literal["create", "read", "update", "delete", "other", "unknown"]
Outcome = Literal["success", "failure", "other", "unknown"]

VERBS: Final[dict[str, Activity]] = {
    **dict.fromkeys(
        ("create", "add", "invite", "new", "register", "signup", "generate", "import"), "create"
    ),
    **dict.fromkeys(
        ("view", "read", "get", "list", "show", "export", "download", "search", "query"), "read"
    ),
    **dict.fromkeys(
        (
            "update",
            "edit",
            "change",
            "modify",
            "set",
            "rename",
            "enable",
            "disable",
            "assign",
            "move",
        ),
        "update",
    ),
    **dict.fromkeys(
        ("delete", "remove", "revoke", "deactivate", "destroy", "purge", "unassign"), "delete"
    ),
}
METHODS: Final[dict[str, Activity]] = {
    "GET": "read",
    "HEAD": "read",
    "OPTIONS": "read",
    "PUT": "update",
    "PATCH": "update",
    "DELETE": "delete",
}
SUCCESS: Final = frozenset(
    ("success", "succeeded", "successful", "ok", "allowed", "allow", "completed", "passed")
)
FAILURE: Final = frozenset(
    (
        "failure",
        "failed",
        "fail",
        "error",
        "denied",
        "deny",
        "forbidden",
        "unauthorized",
        "rejected",
        "blocked",
    )
)
_SEPARATORS = str.maketrans({"-": "_", " ": "_"})
IP_MAX_LENGTH: Final = 40  # OCSF's `ip_t` max_len


# The same few actions, methods, statuses, IPs and URLs repeat across a million events:
# each is read once (bounded caches; events are immutable strings).
_CACHED = 4096


@lru_cache(maxsize=_CACHED)
def action_words(action: str | None) -> tuple[str, ...]:
    """The words of an action's last dotted part, lower case (`user.role_change` → role,
    change)."""
    if not action:
        return ()
    last = action.rsplit(".", 1)[-1].lower().translate(_SEPARATORS)
    return tuple(word for word in last.split("_") if word)


@lru_cache(maxsize=_CACHED)
def _activity(action: str | None, request_type: str | None) -> Activity:
    for word in reversed(action_words(action)):
        found = VERBS.get(word)
        if found is not None:
            return found
    method = (request_type or "").strip().upper()
    by_method = METHODS.get(method)
    if by_method is not None:
        return by_method
    return "other" if action or method else "unknown"


def activity(event: AuditEvent) -> Activity:
    """Create, read, update, delete, other or unknown (the rule is in the module doc)."""
    return _activity(event.action, event.request_type)


@lru_cache(maxsize=_CACHED)
def _outcome(status: str | None) -> Outcome:
    text = (status or "").strip().lower()
    if not text:
        return "unknown"
    if text in SUCCESS:
        return "success"
    if text in FAILURE:
        return "failure"
    return "other"


def outcome(event: AuditEvent) -> Outcome:
    """success, failure, other (a status not known) or unknown (no status)."""
    return _outcome(event.status)


@lru_cache(maxsize=_CACHED)
def is_ip(text: str) -> bool:
    """An IPv4 or IPv6 address (`ipaddress`), at most 40 characters (OCSF's `ip_t`) and
    without surrounding spaces."""
    if len(text) > IP_MAX_LENGTH or text != text.strip():
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class UrlParts(NamedTuple):
    """What `urlsplit` reads in a URL (empty or None when absent)."""

    scheme: str
    netloc: str
    hostname: str | None
    port: int | None
    path: str
    query: str


@lru_cache(maxsize=_CACHED)
def url_parts(text: str) -> UrlParts | None:
    """The parts of a URL, or None when it does not parse (a bad port, a bracket)."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    return UrlParts(parts.scheme, parts.netloc, parts.hostname, port, parts.path, parts.query)


def url_fields(parts: UrlParts, names: Mapping[str, str]) -> dict[str, Any]:
    """The parts present (`scheme`, `hostname`, `port`, `path`, `query`), under the names a
    format gives them (ECS: `hostname` is `domain`; OCSF: `query` is `query_string`)."""
    values = {"scheme": parts.scheme, "hostname": parts.hostname, "port": parts.port,
              "path": parts.path, "query": parts.query}  # fmt: skip
    return {names[key]: value for key, value in values.items()
            if key in names and value not in (None, "")}  # fmt: skip


def payload_json(event: AuditEvent) -> msgspec.Raw | str | None:
    """The payload as its JSON value (the raw bytes, valid JSON), as text when it is not a
    JSON value (or nests deeper than auditui reads, `events.MAX_DEPTH`), or None when it is
    JSON `null` (left out, as every null)."""
    try:
        value = payload_value(event)
    except (msgspec.DecodeError, RecursionError):
        return bytes(event.payload).decode("utf-8", "replace")
    return None if value is None else event.payload
