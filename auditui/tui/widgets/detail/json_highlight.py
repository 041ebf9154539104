"""JSON syntax highlighting for the detail pane, without importing Pygments.

`highlight_json(code)` returns the `Content` that `textual.highlight.highlight(code,
language="json")` returns, span for span: the same tokens (a port of Pygments' `JsonLexer`
state machine, BSD-2-Clause, Pygments authors), the same input preparation (lines joined
with `\\n`; the lexer's BOM strip, newline normalisation, tab expansion and final newline)
and the styles of Textual's `HighlightTheme` for those tokens. Importing `textual.highlight`
and Pygments' lexers took ~15–40 ms of the first event's display, right before the first
rows were drawn. A test compares the two on generated text, so a Textual or Pygments
upgrade that changes either shows up there.
"""

from __future__ import annotations

from textual.content import Content, Span

# Textual's HighlightTheme.STYLES for the token types JsonLexer emits (via each type's
# parent where the type itself has no style): no style for whitespace and punctuation.
_STRING = "$text-success 90%"  # String.Double
_KEY = "$text-primary bold"  # Name.Tag: a string followed by ':'
_CONSTANT = "bold $text-success 80%"  # Keyword.Constant
_NUMBER = "$text-warning"  # Number.Integer, Number.Float (Literal.Number)
_ERROR = "$text-error on $error-muted"  # Error
_COMMENT = "$text 60%"  # Comment.Single, Comment.Multiline (Comment)
_PLAIN = ""  # Whitespace, Punctuation

_INTEGERS = frozenset("-0123456789")
_FLOATS = frozenset(".eE+")
_CONSTANTS = frozenset("truefalsenull")
_HEXADECIMALS = frozenset("0123456789abcdefABCDEF")
_PUNCTUATIONS = frozenset("{}[],")
_WHITESPACES = frozenset(" \n\r\t")
TAB_SIZE = 8  # textual.highlight's default


def highlight_json(code: str) -> Content:
    """`code` highlighted as JSON, exactly as `textual.highlight.highlight` does it."""
    code = "\n".join(code.splitlines())
    spans = [
        Span(start, start + length, style)
        for start, length, style in _tokens(_prepared(code))
        if style
    ]
    return Content(code, spans=spans).stylize_before("$text")


def _prepared(text: str) -> str:
    """Pygments' `Lexer._preprocess_lexer_input` with stripnl=False, ensurenl=True."""
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(TAB_SIZE)
    return text if text.endswith("\n") else text + "\n"


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, length, style) of each token, in order (JsonLexer.get_tokens_unprocessed)."""
    out: list[tuple[int, int, str]] = []
    queue: list[tuple[int, int, str]] = []  # strings wait: a ':' after them makes them keys
    in_string = in_escape = in_whitespace = in_constant = in_number = False
    in_punctuation = in_comment_single = in_comment_multiline = False
    expecting_opener = expecting_closer = False
    in_unicode_escape = 0
    start = 0

    def flush() -> None:
        out.extend(queue)
        queue.clear()

    for stop, character in enumerate(text):
        if in_string:
            if in_unicode_escape:
                if character in _HEXADECIMALS:
                    in_unicode_escape -= 1
                    if not in_unicode_escape:
                        in_escape = False
                else:
                    in_unicode_escape = 0
                    in_escape = False
            elif in_escape:
                if character == "u":
                    in_unicode_escape = 4
                else:
                    in_escape = False
            elif character == "\\":
                in_escape = True
            elif character == '"':
                queue.append((start, stop + 1 - start, _STRING))
                in_string = in_escape = False
                in_unicode_escape = 0
            continue
        elif in_whitespace:
            if character in _WHITESPACES:
                continue
            (queue if queue else out).append((start, stop - start, _PLAIN))
            in_whitespace = False
        elif in_constant:
            if character in _CONSTANTS:
                continue
            out.append((start, stop - start, _CONSTANT))
            in_constant = False
        elif in_number:
            if character in _INTEGERS:
                continue
            if character in _FLOATS:  # a float: styled as an integer is
                continue
            out.append((start, stop - start, _NUMBER))
            in_number = False
        elif in_punctuation:
            if character in _PUNCTUATIONS:
                continue
            out.append((start, stop - start, _PLAIN))
            in_punctuation = False
        elif in_comment_single:
            if character != "\n":
                continue
            (queue if queue else out).append((start, stop - start, _COMMENT))
            in_comment_single = False
        elif in_comment_multiline:
            if character == "*":
                expecting_closer = True
            elif expecting_closer:
                expecting_closer = False
                if character == "/":
                    (queue if queue else out).append((start, stop + 1 - start, _COMMENT))
                    in_comment_multiline = False
            continue
        elif expecting_opener:
            expecting_opener = False
            if character == "/":
                in_comment_single = True
                continue
            if character == "*":
                in_comment_multiline = True
                continue
            flush()
            out.append((start, stop - start, _ERROR))

        start = stop
        if character == '"':
            in_string = True
        elif character in _WHITESPACES:
            in_whitespace = True
        elif character in "fnt":  # the first letters of true|false|null
            flush()
            in_constant = True
        elif character in _INTEGERS:
            flush()
            in_number = True
        elif character == ":":
            out.extend((at, size, _KEY if style == _STRING else style) for at, size, style in queue)
            queue.clear()
            in_punctuation = True
        elif character in _PUNCTUATIONS:
            flush()
            in_punctuation = True
        elif character == "/":
            expecting_opener = True
        else:
            flush()
            out.append((start, 1, _ERROR))

    flush()
    rest = len(text) - start
    if in_string:
        out.append((start, rest, _ERROR))
    elif in_number:
        out.append((start, rest, _NUMBER))
    elif in_constant:
        out.append((start, rest, _CONSTANT))
    elif in_comment_single:
        out.append((start, rest, _COMMENT))
    elif in_comment_multiline or expecting_opener:
        out.append((start, rest, _ERROR))
    return out
