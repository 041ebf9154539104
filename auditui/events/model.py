"""The audit event model and the decoding of API response bodies into it.

`AuditEvent` follows the AuditLogs schema of the spec. Nullable fields may be null or
absent. `timestamp` is always an aware UTC datetime. `payload` stays `msgspec.Raw` (the
bytes as received) until someone looks at it. One malformed event never stops the others:
`decode_logs` skips it, counts it and keeps a `SkippedEvent` (why, and the start of its raw
text) so the user can see it. That holds for an event nested too deep for msgspec too: when
the whole body fails that way, a second, non-recursive pass splits the `logs` array into
its items and decodes each on its own (`_log_items`); a body without such an event never
takes that path.
"""

from __future__ import annotations

import functools
import re
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


SKIPPED_TEXT_BYTES = 4096  # of a skipped event's raw text, what is kept to show
MAX_SKIPPED_KEPT = 100  # skipped events kept (with their text) per body; the rest counted


class SkippedEvent(msgspec.Struct, frozen=True, gc=False):
    """An event that was not loaded: why, and the start of its raw text (untrusted)."""

    reason: str
    text: bytes  # the first `SKIPPED_TEXT_BYTES` of the event as received
    size: int  # the whole event's size in bytes

    @classmethod
    def of(cls, reason: str, raw: bytes | msgspec.Raw | memoryview) -> SkippedEvent:
        view = memoryview(raw)
        return cls(reason, view[:SKIPPED_TEXT_BYTES].tobytes(), view.nbytes)


class DecodedLogs(msgspec.Struct, gc=False):
    """Events decoded from one body, how many were malformed and skipped, and (up to
    `MAX_SKIPPED_KEPT`) the skipped ones themselves."""

    events: list[AuditEvent]
    malformed: int = 0
    skipped: list[SkippedEvent] = msgspec.field(default_factory=list)

    def skip(self, reason: str, raw: bytes | msgspec.Raw | memoryview) -> None:
        """Count a malformed event; keep it to show while fewer than the limit are kept."""
        self.malformed += 1
        if len(self.skipped) < MAX_SKIPPED_KEPT:
            self.skipped.append(SkippedEvent.of(reason, raw))


_envelope_decoder = msgspec.json.Decoder(_Envelope)
_raw_envelope_decoder = msgspec.json.Decoder(_RawEnvelope)
_event_decoder = msgspec.json.Decoder(AuditEvent)
_events_decoder = msgspec.json.Decoder(list[AuditEvent])
_stamp_decoder = msgspec.json.Decoder(_Stamp)
_encoder = msgspec.json.Encoder()


def decode_event(raw: bytes | msgspec.Raw) -> AuditEvent | None:
    """Decode one event, or None if it is malformed (missing field, bad timestamp, bad type,
    nested deeper than `MAX_DEPTH`)."""
    event = decode_event_or_reason(raw)
    return event if isinstance(event, AuditEvent) else None


def decode_event_or_reason(raw: bytes | msgspec.Raw) -> AuditEvent | str:
    """Decode one event, or say in one line why it is malformed."""
    try:
        return _deep(lambda: _event_decoder.decode(raw))
    except msgspec.ValidationError as exc:
        reason = str(exc)
    except msgspec.DecodeError as exc:
        return f"not valid JSON ({exc})"
    except RecursionError:
        return _too_deep()
    # Perhaps a timestamp form only `datetime.fromisoformat` reads (a date alone, say):
    # rewrite it as RFC 3339 and decode again; anything else wrong stays malformed.
    try:
        stamp = datetime.fromisoformat(_stamp_decoder.decode(raw).timestamp.strip())
        fields = msgspec.json.decode(raw)
        fields["timestamp"] = to_utc(stamp).isoformat()
        return _event_decoder.decode(msgspec.json.encode(fields))
    except (msgspec.ValidationError, ValueError, TypeError, OverflowError, RecursionError):
        return reason


def _too_deep() -> str:
    return f"nested more than {EVENT_DEPTH_LIMIT:,} levels deep"


def decode_events(items: Iterable[bytes | msgspec.Raw]) -> DecodedLogs:
    """Decode events one by one, skipping and counting the malformed ones."""
    decoded = DecodedLogs([])
    for raw in items:
        event = decode_event_or_reason(raw)
        if isinstance(event, AuditEvent):
            decoded.events.append(event)
        else:
            decoded.skip(event, raw)
    return decoded


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
EVENT_DEPTH_LIMIT = MAX_DEPTH - 1_000  # an event nested deeper is skipped (the rest leaves
# room for the frames already on the stack and for the envelope around a payload)


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

    Raises `ResponseError` when the body is not JSON, has no `logs` list, or is not an object.
    Events nested too deep are skipped like any malformed event (`_log_items`).
    """
    try:
        return DecodedLogs(_deep(lambda: _envelope_decoder.decode(body)).logs, 0)
    except msgspec.ValidationError:
        pass  # some event is malformed (or the envelope is): take the slow path below
    except msgspec.DecodeError as exc:
        raise ResponseError(_not_json_message(body, exc)) from None
    except RecursionError:
        return _decode_items(body)
    try:
        envelope = _deep(lambda: _raw_envelope_decoder.decode(body))
    except msgspec.ValidationError as exc:
        raise ResponseError(f"The response has no list of events: {exc}") from None
    except msgspec.DecodeError as exc:  # broken after a malformed event
        raise ResponseError(_not_json_message(body, exc)) from None
    except RecursionError:
        return _decode_items(body)
    return decode_events(envelope.logs)


def _decode_items(body: bytes) -> DecodedLogs:
    """The path for a body nesting deeper than msgspec goes: the events nested too deep are
    skipped, the runs of events between them decoded together (one by one if one of the run
    is malformed)."""
    decoded = DecodedLogs([])
    run: list[tuple[int, int, int]] = []

    def decode_run() -> None:
        if not run:
            return
        chunk = b"[" + body[run[0][0] : run[-1][1]] + b"]"
        try:
            decoded.events.extend(_deep(lambda: _events_decoder.decode(chunk)))
        except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
            for start, end, _ in run:
                raw = body[start:end]
                event = decode_event_or_reason(raw)
                if isinstance(event, AuditEvent):
                    decoded.events.append(event)
                else:
                    decoded.skip(event, raw)
        run.clear()

    for item in _log_items(body):
        if item[2] <= EVENT_DEPTH_LIMIT:
            run.append(item)
            continue
        decode_run()
        decoded.skip(_too_deep(), memoryview(body)[item[0] : item[1]])  # no copy
    decode_run()
    return decoded


# The scanner's three steps (possessive, so a failed match never backtracks): in the
# top-level object, the next string or punctuation; between the items of `logs`, everything
# up to the next bracket or comma; elsewhere, up to the next bracket. Strings are skipped
# whole; a lone quote is a string that never ends. Compiled with the first malformed body
# (a start that meets none compiles none).
_STRING = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'


@functools.cache
def _scanner_steps() -> tuple[re.Pattern[bytes], re.Pattern[bytes], re.Pattern[bytes]]:
    """The top-level, `logs` items' and deeper steps, in that order."""
    return (
        re.compile(_STRING + rb'|["\[\]{}:,]'),
        re.compile(rb'(?:[^"\[\]{},]++|' + _STRING + rb')*+([\[\]{},"])'),
        re.compile(rb'(?:[^"\[\]{}]++|' + _STRING + rb')*+([\[\]{}"])'),
    )


_OPEN, _CLOSE = b"[{", {ord("]"): ord("["), ord("}"): ord("{")}
_QUOTE, _COLON, _COMMA, _BRACE = ord('"'), ord(":"), ord(","), ord("{")


def _log_items(body: bytes) -> list[tuple[int, int, int]]:
    """The (start, end, depth) of each item of the body's top-level `logs` array.

    A loop from bracket to bracket with no recursion, so any depth is fine; it checks the
    structure (brackets, strings, one top-level object with a `logs` array); each item is
    then checked by decoding it alone. Raises `ResponseError`.
    """
    top_step, items_step, deep_step = _scanner_steps()
    stack = bytearray()  # the brackets open at this point
    items: list[tuple[int, int, int]] = []
    key = b""  # the last key read in the top-level object
    after_colon = False  # in the top-level object, a value is next
    in_logs = found = False  # inside the top-level `logs` array; one was found
    start = depth = 0  # the current item's start and deepest nesting
    pos, end_of_top = 0, -1
    while True:
        if len(stack) <= 1:
            match = top_step.search(body, pos)
            if match is None:
                break
            at = match.start()
            if end_of_top >= 0 or (not stack and (body[at] != _BRACE or body[:at].strip())):
                raise ResponseError("The response is not a JSON object with a list of events.")
        else:
            match = (items_step if in_logs and len(stack) == 2 else deep_step).match(body, pos)
            if match is None:
                break
            at = match.end() - 1
        pos, char = match.end(), body[at]
        if char == _QUOTE:
            if pos - at == 1:
                raise ResponseError("The response was not valid JSON (a string never ends).")
            if len(stack) == 1 and not after_colon:
                key = match.group()
            after_colon = False
            continue
        top = len(stack) == 1
        if char in _OPEN:
            if top and after_colon and key == b'"logs"' and char == ord("["):
                in_logs, found, start, depth = True, True, pos, 0
            stack.append(char)
            if in_logs and len(stack) > 2:
                depth = max(depth, len(stack) - 2)
        elif char in _CLOSE:
            if not stack or stack.pop() != _CLOSE[char]:
                raise ResponseError("The response was not valid JSON (brackets do not match).")
            if in_logs and len(stack) == 1:
                in_logs = False
                if body[start:at].strip() or items:
                    items.append((start, at, depth))
            elif not stack:
                end_of_top = pos
        elif char == _COMMA and in_logs and len(stack) == 2:
            items.append((start, at, depth))
            start, depth = pos, 0
        after_colon = top and char == _COLON
    if stack or end_of_top < 0 or body[end_of_top:].strip():
        raise ResponseError("The response was not valid JSON; it may have been cut off.")
    if not found:
        raise ResponseError("The response has no list of events.")
    return items


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
