"""The hostile-input corpus of issue 6, and the pure checks that need no App.

Audit events record what attackers typed, so every string field and every payload key and
value may hold markup, terminal escape sequences, control characters, bidi overrides,
invisible characters, wide or combining characters, megabytes of text, absurd nesting,
huge numbers or duplicate keys. The corpus (`HOSTILE`) and the raw-JSON event builders
live in `tests/helpers/hostile.py`, shared with `test_hostile_app.py` and
`test_hostile_outputs.py`.

What "inert" means, checked here for `textsafe.visible()` and `json_text_safe()`: nothing a
terminal could act on survives (no C0/C1 control, no DEL, no bidi or invisible format
character), and the JSON hand-off decodes back to exactly the original value.
"""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from auditui.events import KNOWN_COLUMNS, decode_logs
from auditui.textsafe import has_unsafe, json_text_safe, visible
from auditui.tui.widgets.table.layout import fit
from tests.helpers.hostile import (
    BIG_AGENT,
    DUPLICATE_KEYS,
    HOSTILE,
    HUGE_NUMBER,
    STRING_FIELDS,
    body_of,
    dangerous_in,
    hostile_events,
    raw_event_json,
)

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
