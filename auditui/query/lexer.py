"""The query lexer: query text to tokens, each term already built (see `auditui.query.syntax`).

Scans words, phrases, regexes and exact values (their escapes decoded), checks field names,
times and regexes as it goes, and raises `QueryError` with the position of what is wrong.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

import msgspec

from auditui.errors import UsageError
from auditui.query.fields import FIELDS, KNOWN_FIELDS, MARK_FIELDS, TIME_FIELDS
from auditui.query.tree import MarkTerm, QueryError, Term, TimeTerm, at_column
from auditui.timespec import parse_duration, parse_when

MAX_REGEX_LENGTH = 300

_TRUE = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_FIELD_PREFIX = re.compile(r"[A-Za-z_]+:")
_WORD_END = frozenset(" \t\n\r\f\v()")
_FIXED_NOW = datetime(2000, 1, 1, tzinfo=UTC)
_QUOTED_ESCAPES = frozenset('"\\*')
_WORD_ESCAPES = frozenset('"\\*') | _WORD_END
# exact values: where a phrase or word may stop or hold an escape (scanned in chunks)
# a quoted exact value: anything up to a quote that no backslash escapes
_EXACT_PHRASE = re.compile(r'"([^"\\]*(?:\\.[^"\\]*)*)"', re.DOTALL)
# an escape in it; a backslash before anything else (or a bad \x..) is kept as it is
_EXACT_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[nrt\"\\*])")
_EXACT_WORD_STOP = re.compile(r"[\\ \t\n\r\f\v()]")
_EXACT_CHARS = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "*": "*"}


class Token(msgspec.Struct, frozen=True):
    """A lexed token; a TERM carries its built term."""

    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "TERM"
    position: int
    end: int
    node: Term | TimeTerm | MarkTerm | None = None


class Lexer:
    """`Lexer(text).run()`: the tokens of a query text, or `QueryError`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[Token] = []

    def run(self) -> list[Token]:
        text, n, i = self.text, len(self.text), 0
        while i < n:
            char = text[i]
            if char.isspace():
                i += 1
            elif char in "()":
                self.tokens.append(Token(char, i, i + 1))
                i += 1
            elif char == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
                self.tokens.append(Token("-", i, i + 1))
                i += 1
            else:
                i = self._term(i)
        return self.tokens

    def _term(self, start: int) -> int:
        text = self.text
        prefix = _FIELD_PREFIX.match(text, start)
        name = prefix.group()[:-1].lower() if prefix else ""
        if prefix and (name in KNOWN_FIELDS or not text.startswith("//", prefix.end())):
            if name not in KNOWN_FIELDS:
                raise QueryError(
                    f"Unknown field {name!r} at {at_column(start)}: known fields are "
                    f"{', '.join(KNOWN_FIELDS)}",
                    start,
                    len(name),
                )
            at = prefix.end()
            if text.startswith("=", at):
                return self._exact_term(name, start, at + 1)
            if at >= len(text) or text[at] in _WORD_END:
                raise QueryError(
                    f"Missing value after '{name}:' at {at_column(start)}", start, at - start
                )
            end, kind, value, segments = self._value(at)
            self.tokens.append(
                Token("TERM", start, end, _make_term(name, kind, value, segments, start, end, at))
            )
            return end
        end, kind, value, segments = self._value(start)
        if kind == "word" and text[start:end] in ("AND", "OR", "NOT"):
            self.tokens.append(Token(text[start:end], start, end))
            return end
        self.tokens.append(
            Token("TERM", start, end, _make_term(None, kind, value, segments, start, end, start))
        )
        return end

    def _exact_term(self, name: str, start: int, at: int) -> int:
        """`field:=value` from start, its value at `at`; the end."""
        text = self.text
        if name in TIME_FIELDS or name in MARK_FIELDS:
            takes = {"marked": "true or false", "note": "a word"}.get(name, "a time")
            raise QueryError(
                f"'{name}:' takes {takes}, not an exact value, at {at_column(start)}",
                start,
                at - start,
            )
        if at >= len(text) or text[at] in _WORD_END:
            raise QueryError(
                f"Missing value after '{name}:=' at {at_column(start)}", start, at - start
            )
        end, value = self._exact_phrase(at) if text[at] == '"' else self._exact_word(at)
        self.tokens.append(
            Token("TERM", start, end, Term(name, "exact", value, (), start, end - start))
        )
        return end

    def _exact_word(self, i: int) -> tuple[int, str]:
        """(end, value) of an exact word at i: `*` and `/` are plain, `\\` escapes as in words."""
        text, n = self.text, len(self.text)
        parts: list[str] = []
        j = i
        while True:
            stop = _EXACT_WORD_STOP.search(text, j)
            end = n if stop is None else stop.start()
            parts.append(text[j:end])
            if end >= n or text[end] != "\\":
                return end, "".join(parts)
            if end + 1 < n and text[end + 1] in _WORD_ESCAPES:
                parts.append(text[end + 1])
                j = end + 2
            else:
                parts.append("\\")
                j = end + 1

    def _exact_phrase(self, i: int) -> tuple[int, str]:
        """(end, value) of an exact phrase at i (the opening quote), escapes decoded."""
        found = _EXACT_PHRASE.match(self.text, i)
        if found is None:
            raise QueryError(f"Unterminated quote at {at_column(i)}", i, len(self.text) - i)
        body = found.group(1)
        if "\\" in body:
            body = _EXACT_ESCAPE.sub(_exact_escape, body)
        return found.end(), body

    def _value(self, i: int) -> tuple[int, str, str, tuple[str, ...]]:
        """(end, "word"|"phrase"|"regex", text, glob segments or ()) of the value at i."""
        text, n = self.text, len(self.text)
        if text[i] == "/":
            return self._regex(i)
        quoted = text[i] == '"'
        j = i + 1 if quoted else i
        segments: list[str] = []
        current: list[str] = []
        wildcard = False
        while True:
            if j >= n:
                if quoted:
                    raise QueryError(f"Unterminated quote at {at_column(i)}", i, n - i)
                break
            char = text[j]
            if quoted and char == '"':
                j += 1
                break
            if not quoted and char in _WORD_END:
                break
            if (
                char == "\\"
                and j + 1 < n
                and text[j + 1] in (_QUOTED_ESCAPES if quoted else _WORD_ESCAPES)
            ):
                current.append(text[j + 1])
                j += 2
                continue
            if char == "*":
                wildcard = True
                segments.append("".join(current))
                current = []
            else:
                current.append(char)
            j += 1
        segments.append("".join(current))
        kind = "phrase" if quoted else "word"
        if wildcard:
            return j, kind, "", tuple(segments)
        return j, kind, segments[0], ()

    def _regex(self, i: int) -> tuple[int, str, str, tuple[str, ...]]:
        text, n = self.text, len(self.text)
        j = i + 1
        chars: list[str] = []
        while j < n:
            char = text[j]
            if char == "\\" and j + 1 < n:
                chars.append("/" if text[j + 1] == "/" else text[j : j + 2])
                j += 2
                continue
            if char == "/" and (j + 1 >= n or text[j + 1] in _WORD_END):
                pattern = "".join(chars)
                if not pattern:
                    raise QueryError(f"Empty regular expression at {at_column(i)}", i, 2)
                if len(pattern) > MAX_REGEX_LENGTH:
                    raise QueryError(
                        f"Regular expression at {at_column(i)} is too long "
                        f"(at most {MAX_REGEX_LENGTH} characters)",
                        i,
                        j + 1 - i,
                    )
                _check_regex(pattern, i)
                return j + 1, "regex", pattern, ()
            chars.append(char)
            j += 1
        raise QueryError(
            f"Unterminated regular expression at {at_column(i)}: end it with '/' "
            "(quote text that starts with '/')",
            i,
            n - i,
        )


def _exact_escape(found: re.Match[str]) -> str:
    """The character an escape of an exact phrase stands for (see `_EXACT_ESCAPE`)."""
    code = found.group(1)
    if len(code) == 1:
        return _EXACT_CHARS.get(code, found.group())  # not an escape: kept as it is
    number = int(code[1:], 16)
    return chr(number) if number <= 0x10FFFF else found.group()


def _check_regex(pattern: str, start: int) -> None:
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        offset = exc.pos if exc.pos is not None else 0
        # the pattern starts after the '/'; `\/` was shortened to `/`, so this can be early
        position = start + 1 + offset
        raise QueryError(
            f"Invalid regular expression at {at_column(position)}: {exc.msg}", position
        ) from None
    except (OverflowError, RecursionError, ValueError) as exc:
        raise QueryError(
            f"Invalid regular expression at {at_column(start)}: {exc}", start
        ) from None


def _glob_value(segments: tuple[str, ...]) -> str:
    return "*".join(s.replace("\\", "\\\\").replace("*", "\\*") for s in segments)


def _make_term(
    name: str | None,
    kind: str,
    value: str,
    segments: tuple[str, ...],
    start: int,
    end: int,
    value_at: int,
) -> Term | TimeTerm | MarkTerm:
    length = end - start
    if name in MARK_FIELDS:
        return _mark_term(name, kind, value, segments, start, end, value_at)
    if name in TIME_FIELDS:
        if kind == "regex" or segments:
            raise QueryError(
                f"'{name}:' takes a time, not a pattern, at {at_column(value_at)}",
                value_at,
                end - value_at,
            )
        try:
            parse_when(value, role="start" if name == "after" else "end", now=_FIXED_NOW)
        except UsageError as exc:
            raise QueryError(
                f"Bad time for '{name}:' at {at_column(value_at)}: {exc}", value_at, end - value_at
            ) from None
        stripped = value.strip()
        relative = parse_duration(stripped) is not None or stripped.lower() in (
            "now",
            "today",
            "yesterday",
        )
        bound: Literal["after", "before"] = "after" if name == "after" else "before"
        return TimeTerm(bound, stripped, relative, start, length)
    if name == "support":
        truth = None if kind == "regex" or segments else _TRUE.get(value.strip().lower())
        if truth is None:
            raise QueryError(
                f"'support:' takes true or false (or yes/no) at {at_column(value_at)}",
                value_at,
                end - value_at,
            )
        return Term("support", "equals", "true" if truth else "false", (), start, length)
    if kind == "regex":
        return Term(name, "regex", value, (), start, length)
    if segments:
        lowered = tuple(s.lower() for s in segments)
        return Term(name, "glob", _glob_value(lowered), lowered, start, length)
    exact = name is not None and (FIELDS[name].exact or (kind == "phrase" and value == ""))
    return Term(name, "equals" if exact else "contains", value.lower(), (), start, length)


def _mark_term(
    name: str, kind: str, value: str, segments: tuple[str, ...], start: int, end: int, at: int
) -> MarkTerm:
    """`marked:true|false` or `note:WORD` (a word or phrase, no pattern)."""
    if name == "marked":
        truth = None if kind == "regex" or segments else _TRUE.get(value.strip().lower())
        if truth is None:
            raise QueryError(
                f"'marked:' takes true or false (or yes/no) at {at_column(at)}", at, end - at
            )
        return MarkTerm("marked", "true" if truth else "false", start, end - start)
    if kind == "regex" or segments:
        raise QueryError(
            f"'note:' takes a word or a \"phrase\", not a pattern, at {at_column(at)}",
            at,
            end - at,
        )
    return MarkTerm("note", value.lower(), start, end - start)
