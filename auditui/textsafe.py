"""Making untrusted event text inert: on screen, in files and in spreadsheets.

Event fields are chosen by whoever made the request (user agents, URLs, payload keys), so
before any of it reaches a terminal, a toast or a dialog, `visible()` replaces every
character that could move the cursor, change the terminal's state or reorder text with a
visible escape such as `\\x1b` or `\\u202e`; `visible_lines()` does the same for text shown
as literal lines (line feeds kept, each line escaped). Markup is never interpreted anywhere
in auditui (widgets build `rich.text.Text`/`Segment`s from plain strings), so `[bold]`
needs no escaping here: it is shown as the characters it is.

The CSV formula rule lives here too, both ways: `neutralize_cell` (the export puts a `'`
before a cell a spreadsheet would evaluate) and `restore_cell` (reading such a CSV back).
"""

from __future__ import annotations

import re

# C0 controls (incl. TAB, LF, CR, ESC), DEL, C1 controls, bidi embeddings/overrides/isolates,
# zero-width and invisible formatting characters, line/paragraph separators, BOM.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """Return `text` with every control/invisible/bidi character as a visible escape."""
    if text.isprintable() and text.isascii():
        return text
    return _UNSAFE.sub(_escape, text)


# Line feeds and tabs move no cursor a reader cannot see: kept where text keeps its layout.
_UNSAFE_KEEP_LAYOUT = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f"))


def visible_keep_layout(text: str) -> str:
    """`visible()`, but line feeds and tabs stay as they are (for CSV cells and files)."""
    if text.isprintable() and text.isascii():
        return text
    return _UNSAFE_KEEP_LAYOUT.sub(_escape, text)


# Line feeds only: the layout of text shown as literal lines.
_UNSAFE_KEEP_LINES = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))


def visible_lines(text: str) -> str:
    """`visible()` on each line of `text`: line feeds stay, everything else is escaped.

    The one helper for text shown literally line by line (dialogs, the detail pane).
    """
    if text.isascii() and text.replace("\n", "").isprintable():
        return text
    return _UNSAFE_KEEP_LINES.sub(_escape, text)


def has_unsafe(text: str) -> bool:
    """True when `visible(text)` would change something."""
    return _UNSAFE.search(text) is not None


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


# In JSON text a raw line feed is layout (the encoder writes `\\n` inside strings), so it
# stays; every other unsafe character can only sit inside a string and is escaped there.
_UNSAFE_IN_JSON = _UNSAFE_KEEP_LINES


def json_text_safe(json_text: str) -> str:
    """Escape control/invisible/bidi characters of (pretty) JSON text as `\\uXXXX`.

    The result is the same JSON value, line breaks of the layout kept, but holds no byte a
    terminal could act on: safe for the clipboard, a pager or a file.
    """
    return _UNSAFE_IN_JSON.sub(_json_escape, json_text)


# A cell starting with one of these is evaluated as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: str) -> str:
    """Prefix a cell that a spreadsheet would evaluate as a formula with `'`."""
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def restore_cell(cell: str) -> str:
    """Undo `neutralize_cell`: drop the `'` it put before a formula character.

    The one ambiguity: a text that really began with `'=` reads back as `=`.
    """
    if cell.startswith("'") and cell[1:2] and cell[1].startswith(FORMULA_START):
        return cell[1:]
    return cell
