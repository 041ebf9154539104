"""The filter query language: lexer, parser and AST (core, no Textual). See `auditui.query`.

Grammar (precedence NOT > AND > OR; `AND`, `OR`, `NOT` are keywords only in capitals):

    query   := [or_expr]                      empty or blank: match everything
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*         juxtaposition means AND
    unary   := ("NOT" | "-") unary | primary  "-" must touch its term: -user:x, -word, -(..)
    primary := "(" or_expr ")" | term
    term    := value | FIELD ":" value | FIELD ":=" exact | ("after" | "before") ":" WHEN
    value   := word | '"' phrase '"' | "/" regex "/"
    exact   := word | '"' phrase '"'          the field's whole text, case-sensitive

- A word runs to whitespace, `(` or `)`; `\\` escapes the next character (`\\*`, `\\(`).
  In a phrase `\\"` is a quote and `\\\\` a backslash. `*` (unescaped) is a wildcard in words
  and phrases: with one the value must match the whole field, without it is a substring.
- A regex runs from `/` to the next `/` that is followed by whitespace, `)` or the end
  (`\\/` is a slash); so `/a/b/` is the regex `a/b`. Case-insensitive; at most
  `MAX_REGEX_LENGTH` characters (Python's `re` has no timeout: a catastrophic pattern can
  still be slow, the cap only bounds it).
- `field:=value` (exact): the field's whole text as the events spell it, case-sensitive, no
  wildcards (`*` is a star, a leading `/` a slash); `field:=""` is empty or missing. In its
  phrase, besides `\\"` and `\\\\`, `\\n`, `\\r`, `\\t`, `\\xHH`, `\\uHHHH` and `\\UHHHHHHHH`
  stand for that character (the escapes `auditui.textsafe.visible` writes), so any value has
  a printable exact term (`auditui.query.pivot.pivot_term`); another `\\` stays a backslash.
- `field:` with an unknown field name is an error, except before `//` (`https://...` is
  a word). Quote a word to search for a literal colon: `"usr:x"`.
- Limits: `MAX_QUERY_LENGTH` characters, `MAX_DEPTH` nested parentheses/negations.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from auditui.errors import UsageError
from auditui.query.fields import BARE_FIELDS, FIELDS, KNOWN_FIELDS, TIME_FIELDS
from auditui.timespec import parse_duration, parse_when

# A pivot's exact term quotes a whole value (1 MiB, say), each unsafe character written as an
# escape of up to 10 characters; lexing is linear (phrases are scanned in C-speed chunks).
MAX_QUERY_LENGTH = 16 * 1024 * 1024
MAX_DEPTH = 40
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

Kind = Literal["contains", "equals", "exact", "glob", "regex"]


class QueryError(UsageError):
    """An invalid query: one line, plus `position` (0-based) and `length` to highlight."""

    def __init__(self, message: str, position: int, length: int = 1) -> None:
        super().__init__(message)
        self.position = position
        self.length = max(length, 1)


def _col(position: int) -> str:
    return f"column {position + 1}"


@dataclass(frozen=True, slots=True)
class Term:
    """A text test. `field` None means any shown field (a bare word).

    `value` is lowercase, except for `exact` (as typed: compared with the field's text as
    the events spell it, `auditui.query.fields.field_spelling`); for `glob` it is the
    pattern with `*` wildcards and `\\*`/`\\\\` escapes (`segments` holds the literal parts
    between wildcards); for `regex` the source.
    """

    field: str | None
    kind: Kind
    value: str
    segments: tuple[str, ...] = ()
    position: int = dataclasses.field(default=0, compare=False)
    length: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class TimeTerm:
    """`after:WHEN` (timestamp >= WHEN as a start) or `before:WHEN` (< WHEN as an end)."""

    bound: Literal["after", "before"]
    text: str
    relative: bool  # depends on "now" (durations, now, today, yesterday)
    position: int = dataclasses.field(default=0, compare=False)
    length: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


Node = Term | TimeTerm | Not | And | Or


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query. `root` None matches everything (empty query)."""

    text: str
    root: Node | None

    @property
    def is_empty(self) -> bool:
        return self.root is None

    def narrows(self, previous: Query) -> bool:
        """True when this query's matches are surely a subset of `previous`'s (conservative).

        Holds for the same store generation; relative `after:` terms may be re-resolved
        later (their cutoff only moves forward), relative `before:` terms never narrow.
        """
        if previous.root is None:
            return True
        if self.root is None:
            return False
        return _implies(self.root, previous.root)


# -- narrowing ----------------------------------------------------------------------------


def _implies(q: Node, p: Node) -> bool:
    """Sound (not complete): every event matching q matches p."""
    if isinstance(p, And):
        return all(_implies(q, item) for item in p.items)
    if isinstance(q, Or):
        return all(_implies(item, p) for item in q.items)
    if isinstance(q, And) and any(_implies(item, p) for item in q.items):
        return True
    if isinstance(p, Or):
        return any(_implies(q, item) for item in p.items)
    if isinstance(q, Not) and isinstance(p, Not):
        return _implies(p.item, q.item)
    if isinstance(q, TimeTerm) and isinstance(p, TimeTerm):
        return q == p and (q.bound == "after" or not q.relative)
    if isinstance(q, Term) and isinstance(p, Term):
        return _term_implies(q, p)
    return False


def _term_implies(q: Term, p: Term) -> bool:
    if q == p:
        return True
    if q.kind == "exact":  # q's field text is known: test p's contains/equals on it
        same_field = q.field == p.field or (p.field is None and q.field in BARE_FIELDS)
        if not same_field or p.kind not in ("contains", "equals"):
            return False
        searched = _searched(q)
        return p.value in searched if p.kind == "contains" else p.value == searched
    if p.kind == "contains":
        same_field = q.field == p.field or (p.field is None and q.field in BARE_FIELDS)
        if not same_field:
            return False
        if q.kind in ("contains", "equals"):
            return p.value in q.value
        if q.kind == "glob":
            return any(p.value in segment for segment in q.segments)
        return False
    if p.kind == "glob" and q.kind == "glob" and q.field == p.field:
        # p = X* and q = X...: whatever q's rest matches, p's trailing * absorbs
        return len(p.segments) > 1 and p.segments[-1] == "" and q.value.startswith(p.value[:-1])
    return False


def _searched(term: Term) -> str:
    """The lowercase search text of a field whose spelling is an exact term's value (as
    `auditui.query.engine.search_index` makes it: uuid and payload texts hold no newline)."""
    text = term.value.lower()
    assert term.field is not None
    return text.replace("\n", " ") if FIELDS[term.field].group in ("uuid", "payload") else text


# -- lexer --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "AND", "OR", "NOT", "-", "TERM"
    position: int
    end: int
    node: Term | TimeTerm | None = None


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[_Token] = []

    def run(self) -> list[_Token]:
        text, n, i = self.text, len(self.text), 0
        while i < n:
            char = text[i]
            if char.isspace():
                i += 1
            elif char in "()":
                self.tokens.append(_Token(char, i, i + 1))
                i += 1
            elif char == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
                self.tokens.append(_Token("-", i, i + 1))
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
                    f"Unknown field {name!r} at {_col(start)}: known fields are "
                    f"{', '.join(KNOWN_FIELDS)}",
                    start,
                    len(name),
                )
            at = prefix.end()
            if text.startswith("=", at):
                return self._exact_term(name, start, at + 1)
            if at >= len(text) or text[at] in _WORD_END:
                raise QueryError(
                    f"Missing value after '{name}:' at {_col(start)}", start, at - start
                )
            end, kind, value, segments = self._value(at)
            self.tokens.append(
                _Token("TERM", start, end, _make_term(name, kind, value, segments, start, end, at))
            )
            return end
        end, kind, value, segments = self._value(start)
        if kind == "word" and text[start:end] in ("AND", "OR", "NOT"):
            self.tokens.append(_Token(text[start:end], start, end))
            return end
        self.tokens.append(
            _Token("TERM", start, end, _make_term(None, kind, value, segments, start, end, start))
        )
        return end

    def _exact_term(self, name: str, start: int, at: int) -> int:
        """`field:=value` from start, its value at `at`; the end."""
        text = self.text
        if name in TIME_FIELDS:
            raise QueryError(
                f"'{name}:' takes a time, not an exact value, at {_col(start)}",
                start,
                at - start,
            )
        if at >= len(text) or text[at] in _WORD_END:
            raise QueryError(f"Missing value after '{name}:=' at {_col(start)}", start, at - start)
        end, value = self._exact_phrase(at) if text[at] == '"' else self._exact_word(at)
        self.tokens.append(
            _Token("TERM", start, end, Term(name, "exact", value, (), start, end - start))
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
            raise QueryError(f"Unterminated quote at {_col(i)}", i, len(self.text) - i)
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
                    raise QueryError(f"Unterminated quote at {_col(i)}", i, n - i)
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
                    raise QueryError(f"Empty regular expression at {_col(i)}", i, 2)
                if len(pattern) > MAX_REGEX_LENGTH:
                    raise QueryError(
                        f"Regular expression at {_col(i)} is too long "
                        f"(at most {MAX_REGEX_LENGTH} characters)",
                        i,
                        j + 1 - i,
                    )
                _check_regex(pattern, i)
                return j + 1, "regex", pattern, ()
            chars.append(char)
            j += 1
        raise QueryError(
            f"Unterminated regular expression at {_col(i)}: end it with '/' "
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
            f"Invalid regular expression at {_col(position)}: {exc.msg}", position
        ) from None
    except (OverflowError, RecursionError, ValueError) as exc:
        raise QueryError(f"Invalid regular expression at {_col(start)}: {exc}", start) from None


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
) -> Term | TimeTerm:
    length = end - start
    if name in TIME_FIELDS:
        if kind == "regex" or segments:
            raise QueryError(
                f"'{name}:' takes a time, not a pattern, at {_col(value_at)}",
                value_at,
                end - value_at,
            )
        try:
            parse_when(value, role="start" if name == "after" else "end", now=_FIXED_NOW)
        except UsageError as exc:
            raise QueryError(
                f"Bad time for '{name}:' at {_col(value_at)}: {exc}", value_at, end - value_at
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
                f"'support:' takes true or false (or yes/no) at {_col(value_at)}",
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


# -- parser -------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _needs_term(self, token: _Token, after: bool) -> None:
        nxt = self.peek()
        if nxt is None or nxt.kind in (")", "OR", "AND"):
            word = "'-'" if token.kind == "-" else f"'{token.kind}'"
            where = "after" if after else "before"
            raise QueryError(
                f"{word} at {_col(token.position)} needs a term {where} it",
                token.position,
                token.end - token.position,
            )

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_expr()
        token = self.peek()
        if token is not None:  # only ")" can stop or_expr early
            raise QueryError(f"Unexpected ')' at {_col(token.position)}", token.position)
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.at += 1
            self._needs_term(token, after=True)
            items.append(self.and_expr())
        return _flat(Or, items)

    def and_expr(self) -> Node:
        items = [self.unary()]
        while (token := self.peek()) is not None and token.kind not in (")", "OR"):
            if token.kind == "AND":
                self.at += 1
                self._needs_term(token, after=True)
            items.append(self.unary())
        return _flat(And, items)

    def unary(self) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("NOT", "-"):
            self.at += 1
            self._needs_term(token, after=True)
            self._enter(token)
            item = self.unary()
            self.depth -= 1
            return Not(item)
        return self.primary()

    def _enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                f"Query nested too deeply at {_col(token.position)} (at most {MAX_DEPTH} levels)",
                token.position,
            )

    def primary(self) -> Node:
        token = self.peek()
        assert token is not None  # callers check for a term first
        if token.kind == "TERM":
            self.at += 1
            assert token.node is not None
            return token.node
        if token.kind == "(":
            self.at += 1
            self._enter(token)
            nxt = self.peek()
            if nxt is not None and nxt.kind == ")":
                raise QueryError(f"Empty parentheses at {_col(token.position)}", token.position, 2)
            if nxt is None:
                raise QueryError(
                    f"Missing ')' for the '(' at {_col(token.position)}", token.position
                )
            node = self.or_expr()
            close = self.peek()
            if close is None:
                raise QueryError(
                    f"Missing ')' for the '(' at {_col(token.position)}", token.position
                )
            self.at += 1
            self.depth -= 1
            return node
        if token.kind == ")":
            raise QueryError(f"Unexpected ')' at {_col(token.position)}", token.position)
        raise QueryError(
            f"'{token.kind}' at {_col(token.position)} needs a term before it",
            token.position,
            token.end - token.position,
        )


def _flat(kind: type[And] | type[Or], items: list[Node]) -> Node:
    if len(items) == 1:
        return items[0]
    flat: list[Node] = []
    for item in items:
        flat.extend(item.items if isinstance(item, kind) else (item,))
    return kind(tuple(flat))


def parse(text: str) -> Query:
    """Parse a query; `QueryError` (a `UsageError`) with position and length if invalid."""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"Query too long ({len(text):,} characters; at most {MAX_QUERY_LENGTH:,})",
            MAX_QUERY_LENGTH,
            len(text) - MAX_QUERY_LENGTH,
        )
    tokens = _Lexer(text).run()
    return Query(text, _Parser(text, tokens).parse())
