"""The hostile-input corpus of issue 6, and the pure checks that need no App.

Audit events record what attackers typed, so every string field and every payload key and
value may hold markup, terminal escape sequences, control characters, bidi overrides,
invisible characters, wide or combining characters, megabytes of text, absurd nesting,
huge numbers or duplicate keys. `HOSTILE` lists them exactly as issue 6 names them; the
other hostile test modules (`test_hostile_app.py`, `test_hostile_outputs.py`) import the
corpus and the raw-JSON event builders from here.

What "inert" means, checked here for `textsafe.visible()` and `json_text_safe()`: nothing a
terminal could act on survives (no C0/C1 control, no DEL, no bidi or invisible format
character), and the JSON hand-off decodes back to exactly the original value.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rich.cells import cell_len

from auditui.demo import EncodedEvents
from auditui.demo.encoding import to_micros
from auditui.events.columns import KNOWN_COLUMNS, fit
from auditui.events.model import decode_logs
from auditui.textsafe import has_unsafe, json_text_safe, visible

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
    return b'{"logs":[' + b",".join(blobs) + b"]}"


# -- textsafe --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "text"), HOSTILE.items())
def test_visible_leaves_nothing_a_terminal_acts_on(name: str, text: str) -> None:
    shown = visible(text)
    assert dangerous_in(shown) == [], name
    assert has_unsafe(text) == (shown != text)
    if name.startswith("markup"):
        assert shown == text  # markup is shown as the characters it is (never parsed)
    if name == "osc52_clipboard":
        assert shown == "\\x1b]52;c;ZXZpbA==\\x07"
    if name == "c1_controls":
        assert shown == "".join(f"\\x{code:02x}" for code in range(0x80, 0xA0))


@pytest.mark.parametrize(("name", "text"), HOSTILE.items())
def test_json_hand_off_is_inert_and_round_trips(name: str, text: str) -> None:
    value = {text: [text, {"k": text}]}
    for dumped in (json.dumps(value, ensure_ascii=False, indent=2), json.dumps(value)):
        safe = json_text_safe(dumped)
        assert dangerous_in(safe, allow_newline=True) == [], name
        assert json.loads(safe) == value


def test_visible_of_a_megabyte_is_linear_and_exact() -> None:
    hostile = ("\x1b[2J" + "x" * 1000) * 1000
    shown = visible(hostile)
    assert shown.count("\\x1b[2J") == 1000 and "\x1b" not in shown
    assert visible(BIG_AGENT) is BIG_AGENT  # the printable-ASCII fast path copies nothing


@pytest.mark.parametrize("width", [1, 2, 5, 12, 40])
@pytest.mark.parametrize(("name", "text"), HOSTILE.items())
def test_every_cell_is_exactly_its_width(name: str, text: str, width: int) -> None:
    for column in KNOWN_COLUMNS.values():
        cell = fit(visible(text), width)
        assert cell_len(cell) == width, (name, column.id)


def test_a_long_value_is_cut_with_an_ellipsis() -> None:
    cell = fit(visible(BIG_AGENT), 50)
    assert cell.endswith("…") and cell_len(cell) == 50


# -- decoding the corpus -------------------------------------------------------------------


def test_hostile_events_decode_exactly() -> None:
    events = hostile_events()
    decoded = decode_logs(json.dumps({"logs": events}).encode())
    assert decoded.malformed == 0 and len(decoded.events) == len(HOSTILE)
    for event, original in zip(decoded.events, events, strict=True):
        for name in STRING_FIELDS:
            assert getattr(event, name) == original[name]
        assert json.loads(bytes(event.payload)) == original["payload"]


def test_huge_numbers_and_duplicate_keys_stay_verbatim_in_the_payload() -> None:
    blobs = [raw_event_json(1, payload=HUGE_NUMBER), raw_event_json(2, payload=DUPLICATE_KEYS)]
    decoded = decode_logs(body_of(*blobs))
    assert decoded.malformed == 0
    assert [bytes(e.payload) for e in decoded.events] == [
        HUGE_NUMBER.encode(),
        DUPLICATE_KEYS.encode(),
    ]


def test_huge_numbers_in_typed_fields_load_or_are_skipped_never_fail_the_load() -> None:
    def with_object_id(n: int, literal: str) -> bytes:
        blob = raw_event_json(n, payload="null")
        return blob.replace(b'"payload":null', b'"payload":null,"object_id":' + literal.encode())

    blobs = [with_object_id(1, HUGE_NUMBER), with_object_id(2, "1e400")]
    blobs.append(with_object_id(3, "1" + "0" * 5000))  # past Python's int-to-str limit
    decoded = decode_logs(body_of(*blobs))
    assert decoded.malformed == 2
    [event] = decoded.events
    assert event.object_id == 10**400  # an int: shown in the Object cell, cut to its width
    cell = KNOWN_COLUMNS["object"].text(event)
    assert cell == "#" + HUGE_NUMBER and fit(cell, 30).endswith("…")


def test_a_megabyte_user_agent_decodes() -> None:
    blob = raw_event_json(1, payload="{}", user_agent=BIG_AGENT)
    [event] = decode_logs(body_of(blob)).events
    assert event.user_agent == BIG_AGENT
