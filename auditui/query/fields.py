"""The fields the query language knows, and how each one's search text is made (core).

This is the one place to add a searchable field: the parser (`auditui.query.syntax`)
reads names from here, the search index (`auditui.query.engine.search_index`) builds its
groups and texts from here, and the facets (`auditui.stats.facets`) spell values with
`field_spelling`. Texts made from several values (user, object, support) follow the rules
in `auditui.events.fields`, shared with the event table's cells.

| field     | text (lowercased; a missing value is "")                | bare words? |
|-----------|---------------------------------------------------------|-------------|
| `user`    | the e-mail, else `user:<id>` (the User cell)            | yes |
| `action`, `status`, `source` | the value                            | yes |
| `ip`      | `client_ip`                                             | yes |
| `method`  | `request_type`                                          | yes |
| `agent`   | `user_agent`                                            | yes |
| `object`  | the Object cell: `monitor #193`, `#193` or `monitor`    | yes |
| `type`    | `object_type`                                           | no (via `object`) |
| `id`      | `object_id` in decimal                                  | no (via `object`) |
| `url`, `referer`                                                    || yes |
| `entry`   | `log_entry`                                             | yes |
| `uuid`    | `event_uuid`                                            | yes |
| `support` | `true` when `is_support_user` is true, else `false`     | no |
| `payload` | the payload's raw JSON text (UTF-8), newlines as spaces | no |

`marked:true|false` and `note:WORD` (`MARK_FIELDS`) are not event fields: they test the
marks and notes given to `compile_query` (`marks`: uuid → note), none when not given.

"Shown fields" (what a bare word searches) are the ones marked yes: everything a column or
the detail pane shows as text, except the payload (search it with `payload:`).

The index keeps fields in groups (see the search index's docstring): each event has one
*raw tuple* per group, its values of `GROUP_ATTRS[group]` in that order (for a group of
one attribute, the value itself). A field's text is made from its group's raw tuple; the
positions in it come from the attribute names below, never written as numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from auditui.events.fields import object_text, support_text, user_text

__all__ = [
    "BARE_FIELDS",
    "FIELDS",
    "GROUP_ATTRS",
    "KNOWN_FIELDS",
    "MARK_FIELDS",
    "TIME_FIELDS",
    "FieldSpec",
    "field_spelling",
]

# The event attributes of each dictionary-encoded group, in raw-tuple order: *low* (few
# combinations: users, actions, ...), *high* (many: objects, urls) and *entry* alone.
GROUP_ATTRS: dict[str, tuple[str, ...]] = {
    "low": (
        "user_email", "user_id", "action", "status", "source", "client_ip", "request_type",
        "user_agent", "object_type", "is_support_user",
    ),
    "high": ("object_type", "object_id", "url", "referer"),
    "entry": ("log_entry",),
}  # fmt: skip


class FieldSpec(msgspec.Struct, frozen=True):
    """One searchable field: its group and how its text is made from the group's raw tuple.

    `column` is the position of a plain string value in the raw tuple (text: the value or
    ""); derived fields give `text` instead. The uuid and payload fields have neither: the
    index keeps their texts per event.
    """

    name: str
    group: str  # "low", "high", "entry", "uuid" or "payload"
    bare: bool  # searched by bare words
    column: int | None = None
    text: Callable[[Any], str] | None = None
    exact: bool = False  # a plain value must equal the whole text (not a substring)


def _at(group: str, attr: str) -> int:
    """The position of an event attribute in a group's raw tuple."""
    return GROUP_ATTRS[group].index(attr)


def _plain(name: str, group: str, attr: str, *, bare: bool = True) -> FieldSpec:
    """A field whose text is one string attribute as it is."""
    return FieldSpec(name, group, bare, column=_at(group, attr))


def _pair(
    name: str, group: str, rule: Callable[[Any, Any], str], first: str, second: str
) -> FieldSpec:
    """A bare-word field whose text a rule makes from two attributes."""
    a, b = _at(group, first), _at(group, second)
    return FieldSpec(name, group, True, text=lambda raw: rule(raw[a], raw[b]))


def _exact(name: str, group: str, rule: Callable[[Any], str], attr: str) -> FieldSpec:
    """A field (not searched by bare words) whose whole text, a rule's of one attribute, must
    equal a plain value."""
    at = _at(group, attr)
    return FieldSpec(name, group, False, text=lambda raw: rule(raw[at]), exact=True)


def _decimal(value: int | None) -> str:
    return "" if value is None else str(value)


def _or_empty(value: str | None) -> str:
    return value or ""


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        _pair("user", "low", user_text, "user_email", "user_id"),
        _plain("action", "low", "action"),
        _plain("status", "low", "status"),
        _plain("source", "low", "source"),
        _plain("ip", "low", "client_ip"),
        _plain("method", "low", "request_type"),
        _plain("agent", "low", "user_agent"),
        _plain("type", "low", "object_type", bare=False),
        _exact("support", "low", support_text, "is_support_user"),
        _pair("object", "high", object_text, "object_type", "object_id"),
        _exact("id", "high", _decimal, "object_id"),
        _plain("url", "high", "url"),
        _plain("referer", "high", "referer"),
        FieldSpec("entry", "entry", True, text=_or_empty),  # the raw key is the value itself
        FieldSpec("uuid", "uuid", True),
        FieldSpec("payload", "payload", False),
    )
}
BARE_FIELDS: tuple[str, ...] = tuple(name for name, spec in FIELDS.items() if spec.bare)
TIME_FIELDS = ("after", "before")
# Terms over this instance's marks and notes (`auditui.marks`), not over event fields:
# `marked:true|false` and `note:WORD` (the marks are given to `compile_query`).
MARK_FIELDS = ("marked", "note")
KNOWN_FIELDS: tuple[str, ...] = (*FIELDS, *TIME_FIELDS, *MARK_FIELDS)


def field_spelling(name: str) -> Callable[[Any], str]:
    """The field's text as the events spell it (not lowercased), from its group's raw tuple."""
    spec = FIELDS[name]
    if spec.text is not None:
        return spec.text
    column = spec.column
    assert column is not None, f"{name} is kept per event, not in a group"
    return lambda raw: raw[column] or ""
