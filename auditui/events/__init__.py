"""Audit events: the model and its decoding, field texts, table columns, the store and views.

This package owns the events once they are decoded (core: no Textual, no Rich):
- `model`: `AuditEvent` (the API's schema), decoding response bodies (`decode_logs`),
  encoding, interning repeated values, payload text;
- `fields`: the text of fields made from several values (user, object, support), shared by
  the table, the query language and the facets;
- `columns`: the event table's columns (cell text, sort keys; layout is the TUI's);
- `store`: `EventStore` (the loaded events, sort keys) and `EventView` (a filtered,
  sorted index list over a store).
Callers outside import from here.
"""

from auditui.events.columns import (
    DEFAULT_COLUMNS,
    KNOWN_COLUMNS,
    NULL_USER,
    Column,
    StatusClass,
    default_descending,
    format_time,
    get_column,
    status_class,
    time_title,
)
from auditui.events.fields import object_text, support_label, support_text, user_text
from auditui.events.model import (
    FIELD_NAMES,
    INTERNED_FIELDS,
    MAX_DEPTH,
    NULL_PAYLOAD,
    AuditEvent,
    DecodedLogs,
    SkippedEvent,
    decode_event,
    decode_events,
    decode_logs,
    encode_event,
    event_to_pretty_json,
    intern_events,
    payload_text,
    payload_value,
    to_utc,
)
from auditui.events.store import Bookmark, EventStore, EventView, Filter, Predicate

__all__ = [
    "DEFAULT_COLUMNS",
    "FIELD_NAMES",
    "INTERNED_FIELDS",
    "KNOWN_COLUMNS",
    "MAX_DEPTH",
    "NULL_PAYLOAD",
    "NULL_USER",
    "AuditEvent",
    "Bookmark",
    "Column",
    "DecodedLogs",
    "EventStore",
    "EventView",
    "Filter",
    "Predicate",
    "SkippedEvent",
    "StatusClass",
    "decode_event",
    "decode_events",
    "decode_logs",
    "default_descending",
    "encode_event",
    "event_to_pretty_json",
    "format_time",
    "get_column",
    "intern_events",
    "object_text",
    "payload_text",
    "payload_value",
    "status_class",
    "support_label",
    "support_text",
    "time_title",
    "to_utc",
    "user_text",
]
