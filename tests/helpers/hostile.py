"""Issue 6's hostile-input corpus and builders of hostile events, as dicts and raw JSON.

Audit events record what attackers typed, so every string field and every payload key and
value may hold markup, terminal escape sequences, control characters, bidi overrides,
invisible characters, wide or combining characters, megabytes of text, absurd nesting,
huge numbers or duplicate keys. `HOSTILE` lists them exactly as issue 6 names them;
`hostile_events()` puts each in every string field of one event; `raw_event_json` builds
events a dict cannot hold (duplicate keys, 10**400); `encoded` serves (n, raw JSON) pairs
from a `DemoServer`; `dangerous_in` lists what a terminal could act on. `all_blobs()` is
what the output tests serve: the hostile events and `RAW_EVENTS`.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from auditui.demo import EncodedEvents
from auditui.demo.encoding import to_micros

# -- the corpus ------------------------------------------------------------------------------

C0 = "".join(chr(code) for code in range(0x20)) + "\x7f"
C1 = "".join(chr(code) for code in range(0x80, 0xA0))

HOSTILE: dict[str, str] = {
    "markup_bold": "[bold]",
    "markup_link": "[link=https://x]",
    "markup_unbalanced": "[/]",
    "markup_click": "[@click=app.quit]",
    "ansi_clear": "\x1b[2J",
    "osc52_clipboard": "\x1b]52;c;ZXZpbA==\x07",
    "osc8_hyperlink": "\x1b]8;;https://x\x1b\\",
    "osc0_title": "\x1b]0;pwned\x07",
    "c0_controls": C0,
    "c1_controls": C1,
    "bidi_override": "\u202eevil",
    "zero_width": "a\u200bb\u200cc\u200dd\u2060e\ufefff",
    "wide_cjk_emoji": "監査ログ😀👩\u200d💻🇺🇸",
    "combining_marks": "e\u0301 Z\u0324\u0354\u0367\u0311a\u0308\u0356\u036d",
}
"""Issue 6's hostile strings, one per kind, each short enough for a table cell."""

BIG_AGENT = "Mozilla/5.0 " + "A" * (1024 * 1024)
"""The 1 MB user agent."""

DEPTH = 1000
"""How deeply the deep payload nests (issue 6: depth 1,000)."""

DANGEROUS = {chr(c) for c in range(0x20)} | {"\x7f"} | {chr(c) for c in range(0x80, 0xA0)}
DANGEROUS |= set("\u061c\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d")
DANGEROUS |= set("\u202e\u2060\u2066\u2067\u2068\u2069\ufeff")


def dangerous_in(text: str, *, allow_newline: bool = False) -> list[str]:
    """The characters of `text` a terminal could act on (control, bidi, invisible)."""
    found = {ch for ch in text if ch in DANGEROUS or unicodedata.category(ch) == "Cf"}
    if allow_newline:
        found.discard("\n")
    return sorted(found)


STRING_FIELDS = (
    "event_uuid",
    "client_ip",
    "url",
    "action",
    "log_entry",
    "object_type",
    "referer",
    "request_type",
    "source",
    "status",
    "user_agent",
    "user_email",
)
"""Every string field of AuditLogs except `timestamp` (which must parse)."""

END = datetime(2026, 11, 26, 12, tzinfo=UTC)


def stamp(n: int) -> str:
    return (END - timedelta(minutes=n)).isoformat().replace("+00:00", "Z")


def hostile_event(n: int, name: str, text: str) -> dict[str, Any]:
    """Event number `n` (n minutes before END) with `text` in every string field.

    The uuid starts with `h<n>-` so it stays unique; the payload has `text` as a key, as a
    value, nested in a list, and as the value of a key named like markup.
    """
    event: dict[str, Any] = {name: f"{text}" for name in STRING_FIELDS}
    event.update(
        timestamp=stamp(n),
        event_uuid=f"h{n}-{text}",
        object_id=n,
        user_id=n,
        is_support_user=bool(n % 2),
        payload={text: text, "kind": name, "list": [text, {text: [text]}], "[b]k[/b]": text},
    )
    return event


def hostile_events() -> list[dict[str, Any]]:
    """One event per corpus entry, newest first (h1 is the newest)."""
    return [hostile_event(n, name, text) for n, (name, text) in enumerate(HOSTILE.items(), 1)]


def raw_event_json(n: int, *, payload: str, **fields: str) -> bytes:
    """An event as raw JSON text, so the payload can hold what no dict can (dup keys...)."""
    parts = {
        "timestamp": json.dumps(stamp(n)),
        "event_uuid": json.dumps(f"raw{n}"),
        "client_ip": '"10.0.0.1"',
        "url": '"/x"',
        "action": '"dataset.view"',
        "user_email": json.dumps(f"raw{n}@example.com"),
        **{name: json.dumps(value) for name, value in fields.items()},
    }
    members = ",".join(f'"{name}":{value}' for name, value in parts.items())
    return ("{" + members + f',"payload":{payload}' + "}").encode()


HUGE_NUMBER = "1" + "0" * 400
"""10**400 as a JSON number literal (beyond every float and int64)."""

DUPLICATE_KEYS = '{"role": "viewer", "role": "admin", "n": 1, "n": 2}'
DEEP_ARRAYS = "[" * DEPTH + "]" * DEPTH
DEEP_OBJECTS = '{"a":' * DEPTH + "1" + "}" * DEPTH


def encoded(blobs: list[tuple[int, bytes]]) -> EncodedEvents:
    """Pre-encoded events for the DemoServer: (n, raw JSON) pairs, newest first by n."""
    ordered = sorted(blobs)
    keys = [-to_micros(datetime.fromisoformat(stamp(n))) for n, _ in ordered]
    return EncodedEvents(keys, [blob for _, blob in ordered], [])


def body_of(*blobs: bytes) -> bytes:
    """An API response body (`{"logs": [...]}`) holding the raw JSON events `blobs`."""
    return b'{"logs":[' + b",".join(blobs) + b"]}"


# -- what the output tests serve -------------------------------------------------------------

SPACED = '{\n\t"a": 1,\r\n "b": "\u202eevil\u0085\u009b2J"\n}'
"""Raw JSON the way a server may send it: line breaks and tabs between tokens, raw UTF-8 for
C1 controls and bidi overrides inside strings (JSON only requires escaping below 0x20)."""

RAW_EVENTS = {
    101: raw_event_json(101, payload=DUPLICATE_KEYS),
    102: raw_event_json(102, payload=f'{{"big": {HUGE_NUMBER}}}'),
    103: raw_event_json(103, payload=SPACED, user_agent="\u009b31m\u202e"),
}
"""Events `raw101`..`raw103`: duplicate keys, a 10**400 number, `SPACED` and a hostile agent."""


def all_blobs() -> list[tuple[int, bytes]]:
    """`hostile_events()` as raw JSON numbered from 1, then `RAW_EVENTS` (for `encoded`)."""
    blobs = [(n, msgspec.json.encode(event)) for n, event in enumerate(hostile_events(), 1)]
    return [*blobs, *RAW_EVENTS.items()]
