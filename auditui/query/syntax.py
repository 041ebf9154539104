"""The filter query language: grammar and parser (core, no Textual). See `auditui.query`.

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

from auditui.query.lexer import MAX_REGEX_LENGTH, Lexer, Token
from auditui.query.tree import (
    And,
    Kind,
    MarkTerm,
    Node,
    Not,
    Or,
    Query,
    QueryError,
    Term,
    TimeTerm,
    at_column,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "MAX_REGEX_LENGTH",
    "And",
    "Kind",
    "MarkTerm",
    "Node",
    "Not",
    "Or",
    "Query",
    "QueryError",
    "Term",
    "TimeTerm",
    "parse",
]

# A pivot's exact term quotes a whole value (1 MiB, say), each unsafe character written as an
# escape of up to 10 characters; lexing is linear (phrases are scanned in C-speed chunks).
MAX_QUERY_LENGTH = 16 * 1024 * 1024
MAX_DEPTH = 40


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _needs_term(self, token: Token, after: bool) -> None:
        nxt = self.peek()
        if nxt is None or nxt.kind in (")", "OR", "AND"):
            word = "'-'" if token.kind == "-" else f"'{token.kind}'"
            where = "after" if after else "before"
            raise QueryError(
                f"{word} at {at_column(token.position)} needs a term {where} it",
                token.position,
                token.end - token.position,
            )

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.or_expr()
        token = self.peek()
        if token is not None:  # only ")" can stop or_expr early
            raise QueryError(f"Unexpected ')' at {at_column(token.position)}", token.position)
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

    def _enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                f"Query nested too deeply at {at_column(token.position)} "
                f"(at most {MAX_DEPTH} levels)",
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
                raise QueryError(
                    f"Empty parentheses at {at_column(token.position)}", token.position, 2
                )
            if nxt is None:
                raise QueryError(
                    f"Missing ')' for the '(' at {at_column(token.position)}", token.position
                )
            node = self.or_expr()
            close = self.peek()
            if close is None:
                raise QueryError(
                    f"Missing ')' for the '(' at {at_column(token.position)}", token.position
                )
            self.at += 1
            self.depth -= 1
            return node
        if token.kind == ")":
            raise QueryError(f"Unexpected ')' at {at_column(token.position)}", token.position)
        raise QueryError(
            f"'{token.kind}' at {at_column(token.position)} needs a term before it",
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
    tokens = Lexer(text).run()
    return Query(text, _Parser(text, tokens).parse())
