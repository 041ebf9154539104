"""The audit event model and the decoding of API response bodies into it.

`AuditEvent` follows the AuditLogs schema of the spec. Nullable fields may be null or
absent. `timestamp` is always an aware UTC datetime. `payload` stays `msgspec.Raw` (the
bytes as received) until someone looks at it. One malformed event never stops the others:
`decode_logs` skips it and counts it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

import msgspec

from auditui.errors import ResponseError

NULL_PAYLOAD = msgspec.Raw(b"null")

# The event's fields in the order people read them (detail pane, exports).
FIELD_NAMES: tuple[str, ...] = (
    "timestamp",
    "event_uuid",
    "user_email",
    "user_id",
    "is_support_user",
    "action",
    "status",
    "object_type",
    "object_id",
    "source",
    "request_type",
    "client_ip",
    "url",
    "referer",
    "user_agent",
    "log_entry",
    "payload",
)


def to_utc(value: datetime) -> datetime:
    """Naive means UTC; aware values are converted to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if value.tzinfo is UTC:
        return value
    return value.astimezone(UTC)


class AuditEvent(msgspec.Struct, gc=False):
    """One audit-log entry, as the API returns it.

    Positional arguments follow the field order below (`__struct_fields__`); the window
    cache builds events that way, from columns, without a Python loop per event.
    """

    timestamp: datetime
    event_uuid: str
    client_ip: str
    url: str
    action: str | None = None
    is_support_user: bool | None = None
    log_entry: str | None = None
    object_id: int | None = None
    object_type: str | None = None
    payload: msgspec.Raw = NULL_PAYLOAD
    referer: str | None = None
    request_type: str | None = None
    source: str | None = None
    status: str | None = None
    user_agent: str | None = None
    user_email: str | None = None
    user_id: int | None = None

    def __post_init__(self) -> None:
        tz = self.timestamp.tzinfo
        if tz is not UTC:
            try:
                self.timestamp = to_utc(self.timestamp)
            except OverflowError:  # year 1 or 9999 with an offset: msgspec makes this invalid
                raise ValueError("timestamp out of range in UTC") from None


class _Stamp(msgspec.Struct):
    """Just the timestamp, as text: the fallback path for forms msgspec does not parse."""

    timestamp: str


class _Envelope(msgspec.Struct):
    logs: list[AuditEvent]


class _RawEnvelope(msgspec.Struct):
    logs: list[msgspec.Raw]


class DecodedLogs(msgspec.Struct, gc=False):
    """Events decoded from one body, and how many were malformed and skipped."""

    events: list[AuditEvent]
    malformed: int = 0


_envelope_decoder = msgspec.json.Decoder(_Envelope)
_raw_envelope_decoder = msgspec.json.Decoder(_RawEnvelope)
_event_decoder = msgspec.json.Decoder(AuditEvent)
_stamp_decoder = msgspec.json.Decoder(_Stamp)
_encoder = msgspec.json.Encoder()


def decode_event(raw: bytes | msgspec.Raw) -> AuditEvent | None:
    """Decode one event, or None if it is malformed (missing field, bad timestamp, bad type,
    nested deeper than `MAX_DEPTH`)."""
    try:
        return _deep(lambda: _event_decoder.decode(raw))
    except msgspec.ValidationError:
        pass
    except RecursionError:
        return None
    # Perhaps a timestamp form only `datetime.fromisoformat` reads (a date alone, say):
    # rewrite it as RFC 3339 and decode again; anything else wrong stays malformed.
    try:
        stamp = datetime.fromisoformat(_stamp_decoder.decode(raw).timestamp.strip())
        fields = msgspec.json.decode(raw)
        fields["timestamp"] = to_utc(stamp).isoformat()
        return _event_decoder.decode(msgspec.json.encode(fields))
    except (msgspec.ValidationError, ValueError, TypeError, OverflowError, RecursionError):
        return None


def decode_events(items: Iterable[bytes | msgspec.Raw]) -> DecodedLogs:
    """Decode events one by one, skipping and counting the malformed ones."""
    events: list[AuditEvent] = []
    malformed = 0
    for raw in items:
        event = decode_event(raw)
        if event is None:
            malformed += 1
        else:
            events.append(event)
    return DecodedLogs(events, malformed)


# Fields whose values repeat across events (a few dozen actions, users, agents ...).
INTERNED_FIELDS: tuple[str, ...] = (
    "action",
    "status",
    "source",
    "object_type",
    "request_type",
    "user_email",
    "user_agent",
    "referer",
    "client_ip",
    "url",
)


def intern_events(
    events: Iterable[AuditEvent], table: dict[Any, Any] | None = None
) -> dict[Any, Any]:
    """Share repeated values between events instead of keeping one copy per event.

    Each repeated string (`INTERNED_FIELDS`) and the user and object ids are replaced by
    the first equal value seen in `table` (a per-load dict, so values from different
    windows are shared too). Payloads that are views into a response body are moved into
    one buffer per call (views into a JSON array of just the payloads), so the body can be
    freed once its window is decoded (one buffer, not one allocation per payload: less
    memory). Returns `table`. Figures (time per event, bytes saved): benchmarks/README.md.
    """
    table = {} if table is None else table
    share = table.setdefault
    events = list(events)
    joined = _ENCODER.encode([event.payload for event in events])
    payloads = _deep(lambda: _PAYLOADS.decode(joined))
    for event, payload in zip(events, payloads, strict=True):
        event.payload = payload
        # Unrolled on purpose: getattr/setattr by name is slower.
        value: Any = event.action
        if value is not None:
            event.action = share(value, value)
        value = event.status
        if value is not None:
            event.status = share(value, value)
        value = event.source
        if value is not None:
            event.source = share(value, value)
        value = event.object_type
        if value is not None:
            event.object_type = share(value, value)
        value = event.request_type
        if value is not None:
            event.request_type = share(value, value)
        value = event.user_email
        if value is not None:
            event.user_email = share(value, value)
        value = event.user_agent
        if value is not None:
            event.user_agent = share(value, value)
        value = event.referer
        if value is not None:
            event.referer = share(value, value)
        value = event.user_id
        if value is not None:
            event.user_id = share(value, value)
        value = event.object_id
        if value is not None:
            event.object_id = share(value, value)
        event.client_ip = share(event.client_ip, event.client_ip)
        event.url = share(event.url, event.url)
    return table


_T = TypeVar("_T")
_ENCODER = msgspec.json.Encoder()
_PAYLOADS = msgspec.json.Decoder(list[msgspec.Raw])  # views into one buffer of payloads

MAX_DEPTH = 20_000  # JSON nesting auditui reads (msgspec recurses: see `_allow_depth`)


def _allow_depth() -> None:
    """Let msgspec recurse `MAX_DEPTH` deep (it obeys Python's recursion limit, 1,000 by
    default, and a payload nested 1,000 deep is legal JSON). Only ever raised, never lowered,
    so a decode in another thread is not cut short."""
    if sys.getrecursionlimit() < MAX_DEPTH:
        sys.setrecursionlimit(MAX_DEPTH)


def _deep(decode: Callable[[], _T]) -> _T:
    """Run a msgspec call; if the JSON nests deeper than allowed, allow more and retry once."""
    try:
        return decode()
    except RecursionError:
        _allow_depth()
        return decode()


def decode_logs(body: bytes) -> DecodedLogs:
    """Decode a `{"logs": [...]}` response body.

    Raises `ResponseError` when the body is not JSON, has no `logs` list, or is not an object,
    or nests deeper than `MAX_DEPTH`.
    """
    try:
        return DecodedLogs(_deep(lambda: _envelope_decoder.decode(body)).logs, 0)
    except msgspec.ValidationError:
        pass  # some event is malformed (or the envelope is): take the slow path below
    except msgspec.DecodeError as exc:
        raise ResponseError(_not_json_message(body, exc)) from None
    except RecursionError:
        raise ResponseError(
            f"The response nests JSON more than {MAX_DEPTH:,} levels deep; auditui cannot read it."
        ) from None
    try:
        envelope = _raw_envelope_decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise ResponseError(f"The response has no list of events: {exc}") from None
    return decode_events(envelope.logs)


def _not_json_message(body: bytes, exc: Exception) -> str:
    head = body[:200].lstrip().lower()
    if not head:
        return "The response body was empty, not the JSON the API promises."
    if head.startswith((b"<!doctype", b"<html", b"<")):
        return "The response was an HTML page, not JSON (a proxy or login page?)."
    return f"The response was not valid JSON ({exc}); it may have been cut off."


def encode_event(event: AuditEvent) -> bytes:
    """The event as compact JSON (payload verbatim, timestamp as RFC 3339 UTC)."""
    return _encoder.encode(event)


def event_to_pretty_json(event: AuditEvent, indent: int = 2) -> str:
    """The event as indented JSON text, every field included (compact if nested too deep)."""
    compact = encode_event(event)
    try:
        return _deep(lambda: msgspec.json.format(compact, indent=indent)).decode()
    except RecursionError:
        return compact.decode()


def payload_value(event: AuditEvent) -> Any:
    """Decode the payload for display (the only place it stops being raw bytes).

    Raises RecursionError only beyond `MAX_DEPTH` levels of nesting."""
    return _deep(lambda: msgspec.json.decode(event.payload))


def payload_text(event: AuditEvent, indent: int = 2) -> str:
    """The payload as indented JSON text (RecursionError only beyond `MAX_DEPTH` levels)."""
    return _deep(lambda: msgspec.json.format(bytes(event.payload), indent=indent)).decode()
