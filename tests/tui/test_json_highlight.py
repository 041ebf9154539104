"""The detail pane's own JSON highlighter gives exactly Textual's Pygments highlighting.

`highlight_json` replaces `textual.highlight.highlight(code, language="json")` on the start
path (no Pygments import before the first rows); these tests hold it to the same output
on the payloads people see and on arbitrary text (broken JSON, comments, escapes, tabs,
BOMs, unterminated strings), so a Textual or Pygments upgrade that changes either fails.
"""

from __future__ import annotations

import json
import subprocess
import sys

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.content import Content
from textual.highlight import highlight

from auditui.textsafe import visible_lines
from auditui.tui.widgets.detail.json_highlight import highlight_json


def same(code: str) -> None:
    ours, theirs = highlight_json(code), highlight(code, language="json")
    assert ours.plain == theirs.plain
    assert list(ours.spans) == list(theirs.spans)


def as_shown(value: object) -> str:
    """The detail pane's text for a payload: msgspec's indented JSON, escapes visible."""
    return visible_lines(msgspec.json.format(msgspec.json.encode(value), indent=2).decode())


def test_a_typical_payload_is_highlighted_the_same() -> None:
    payload = {
        "actor": {"email": "ana@example.com", "id": 42, "admin": True},
        "changes": [{"field": "role", "old": None, "new": "owner"}],
        "ratio": -1.5e-3,
        "note": 'quote \\" and \\u00e9 and \u202e bidi',
        "empty": {},
        "list": [],
    }
    code = as_shown(payload)
    same(code)
    spans = highlight_json(code).spans
    assert any(span.style == "$text-primary bold" for span in spans)  # keys
    assert any(span.style == "$text-warning" for span in spans)  # numbers


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_payload_as_shown_is_highlighted_the_same(value: object) -> None:
    same(as_shown(value))
    same(json.dumps(value))  # compact, with \\u escapes


ALPHABET = '{}[],:"\\/*u0123456789aEe.+-truefalsn \t\r\n\ufeffxé'


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(ALPHABET))))
def test_any_text_is_highlighted_the_same(code: str) -> None:
    same(code)


def test_edge_cases_are_highlighted_the_same() -> None:
    for code in ['"open', "12.", "tru", "// c", "/* c", "/", "/x", '{"a"  :1}', "\ufeff{}",
                 "a\tb", "x\r\ny\rz", "", '"\\u12G"', "[1,2]\n"]:  # fmt: skip
        same(code)


def test_the_highlighter_imports_no_pygments() -> None:
    code = (
        "import sys\n"
        "from auditui.tui.widgets.detail.json_highlight import highlight_json\n"
        "highlight_json('{\"a\": [1, true, null]}')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pygments'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_result_is_a_content() -> None:
    assert isinstance(highlight_json("{}"), Content)
