"""The query language: parsing (every form, errors with positions), evaluation, narrows()."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from auditui.errors import UsageError
from auditui.events import EventStore
from auditui.query import (
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    MAX_REGEX_LENGTH,
    And,
    Not,
    Or,
    QueryError,
    Term,
    TimeTerm,
    compile_query,
    parse,
)
from tests.helpers.events import decode as events

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def raw(n: int, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "timestamp": f"2026-11-26T{11 - n % 12:02d}:00:00Z",
        "event_uuid": f"00000000-0000-4000-8000-{n:012d}",
        "client_ip": "10.0.0.1",
        "url": "https://app.datafold.com/api/v1/monitors",
    }
    base.update(fields)
    return base


EVENTS = events(
    raw(0, user_email="Admin@Datafold.com", action="monitor.delete", status="success",
        source="web", object_type="monitor", object_id=193, is_support_user=True,
        payload={"name": "Nightly", "dry_run": True}, request_type="DELETE",
        user_agent="Mozilla/5.0", referer="https://app.datafold.com/monitors/193",
        log_entry="admin deleted monitor #193"),
    raw(1, user_email="ci-bot@acme.com", action="ci.run", status="failure", source="ci",
        object_type="data_diff", object_id=1234, payload={"pr": 7}, client_ip="192.0.2.5"),
    raw(2, user_email="maya@acme.com", action="api_key.create", status="denied", source="api",
        is_support_user=False, log_entry="maya created an API key"),
    raw(3, user_id=42, action="monitor.run", status="Failure", source="scheduler",
        object_id=12, log_entry=None, payload=None),
    raw(4, action=None, status=None, source=None, client_ip="2001:db8::1",
        url="https://app.datafold.com/datadiffs/5/rerun", payload={"note": "a\\nb \u00e9"}),
)  # fmt: skip


def uuids_matching(query: str) -> list[int]:
    matcher = compile_query(query, now=NOW)
    per_event = [i for i, event in enumerate(EVENTS) if matcher.matches(event)]
    indexed = matcher.filter_indices(EventStore(EVENTS))
    assert indexed == per_event, query
    return per_event


# -- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_query_matches_everything(text: str) -> None:
    assert parse(text).is_empty
    assert uuids_matching(text) == [0, 1, 2, 3, 4]


def test_bare_word_phrase_and_escapes() -> None:
    assert parse("Admin").root == Term(None, "contains", "admin")
    assert parse('"data diff"').root == Term(None, "contains", "data diff")
    assert parse(r'"say \"hi\" \\ now"').root == Term(None, "contains", 'say "hi" \\ now')
    assert parse(r"a\(b\)").root == Term(None, "contains", "a(b)")
    assert parse(r"a\pb").root == Term(None, "contains", "a\\pb")  # \p stays


def test_field_terms_and_case_insensitive_names() -> None:
    assert parse("USER:Bob").root == Term("user", "contains", "bob")
    assert parse('action:"monitor delete"').root == Term("action", "contains", "monitor delete")
    assert parse("ip:2001:db8::1").root == Term("ip", "contains", "2001:db8::1")
    assert parse("url:https://x.com/a").root == Term("url", "contains", "https://x.com/a")
    assert parse("id:12").root == Term("id", "equals", "12")
    assert parse('user:""').root == Term("user", "equals", "")
    for name in ("status", "source", "type", "uuid", "agent", "referer", "payload", "method"):
        assert parse(f"{name}:x").root == Term(name, "contains", "x")
    assert parse("entry:x").root == Term("entry", "contains", "x")
    assert parse("object:x").root == Term("object", "contains", "x")


def test_wildcards_make_whole_field_globs() -> None:
    term = parse("user:*@Datafold.com").root
    assert term == Term("user", "glob", "*@datafold.com", ("", "@datafold.com"))
    assert parse("action:monitor.*").root == Term("action", "glob", "monitor.*", ("monitor.", ""))
    assert parse(r"a\*b").root == Term(None, "contains", "a*b")  # escaped: literal star
    assert parse('"a*b"').root == Term(None, "glob", "a*b", ("a", "b"))


def test_support_values() -> None:
    for text in ("true", "YES", "1"):
        assert parse(f"support:{text}").root == Term("support", "equals", "true")
    for text in ("false", "no", "0"):
        assert parse(f"support:{text}").root == Term("support", "equals", "false")


def test_regex_values_and_bare_regex() -> None:
    assert parse("user:/^ad.*@/").root == Term("user", "regex", "^ad.*@")
    assert parse(r"/a\/b/").root == Term(None, "regex", "a/b")
    assert parse("/a/b/").root == Term(None, "regex", "a/b")  # inner / not at a word end
    assert parse("/a b/ c").root == And((Term(None, "regex", "a b"), Term(None, "contains", "c")))
    assert parse("(/x/)").root == Term(None, "regex", "x")


def test_time_terms() -> None:
    assert parse("after:2h").root == TimeTerm("after", "2h", True)
    assert parse("before:2026-11-02").root == TimeTerm("before", "2026-11-02", False)
    assert parse('after:"2026-11-02 13:00"').root == TimeTerm("after", "2026-11-02 13:00", False)
    assert parse("AFTER:Today").root == TimeTerm("after", "Today", True)


def test_boolean_structure_and_precedence() -> None:
    a, b, c = (Term(None, "contains", x) for x in "abc")
    assert parse("a b c").root == And((a, b, c))
    assert parse("a AND b").root == And((a, b))
    assert parse("a OR b c").root == Or((a, And((b, c))))
    assert parse("(a OR b) c").root == And((Or((a, b)), c))
    assert parse("NOT a b").root == And((Not(a), b))
    assert parse("-a OR -user:x").root == Or((Not(a), Not(Term("user", "contains", "x"))))
    assert parse("NOT (a OR b)").root == Not(Or((a, b)))
    assert parse("-(a OR b)").root == Not(Or((a, b)))
    assert parse("a or b").root == And((a, Term(None, "contains", "or"), b))  # keywords: caps
    assert parse("- a").root == And((Term(None, "contains", "-"), a))  # lone dash: a word
    assert parse("--a").root == Not(Not(a))
    assert parse("((a))").root == a


@pytest.mark.parametrize(
    ("text", "message", "position", "length"),
    [
        ("a)", "Unexpected ')' at column 2", 1, 1),
        ("status:failure )", "Unexpected ')' at column 16", 15, 1),
        ("(a", "Missing ')' for the '(' at column 1", 0, 1),
        ("x (a OR (b)", "Missing ')' for the '(' at column 3", 2, 1),
        ("()", "Empty parentheses at column 1", 0, 2),
        ("usr:x", "Unknown field 'usr' at column 1: known fields are user, action", 0, 3),
        ("a Foo:bar", "Unknown field 'foo' at column 3", 2, 3),
        ("user:", "Missing value after 'user:' at column 1", 0, 5),
        ("(user:)", "Missing value after 'user:' at column 2", 1, 5),
        ('"abc', "Unterminated quote at column 1", 0, 4),
        ('user:"abc', "Unterminated quote at column 6", 5, 4),
        ("/abc", "Unterminated regular expression at column 1", 0, 4),
        ("//", "Empty regular expression at column 1", 0, 2),
        ("x /a[/", "Invalid regular expression at column 5: unterminated character set", 4, 1),
        ("user:/(?P<n/", "Invalid regular expression at column 11", 10, 1),
        ("a OR", "'OR' at column 3 needs a term after it", 2, 2),
        ("OR a", "'OR' at column 1 needs a term before it", 0, 2),
        ("a OR OR b", "'OR' at column 3 needs a term after it", 2, 2),
        ("a AND", "'AND' at column 3 needs a term after it", 2, 3),
        ("AND a", "'AND' at column 1 needs a term before it", 0, 3),
        ("NOT", "'NOT' at column 1 needs a term after it", 0, 3),
        ("(NOT)", "'NOT' at column 2 needs a term after it", 1, 3),
        ("support:maybe", "'support:' takes true or false", 8, 5),
        ("support:tr*", "'support:' takes true or false", 8, 3),
        ("after:soon", "Bad time for 'after:' at column 7: Cannot read 'soon'", 6, 4),
        ("before:2026-02-30", "Bad time for 'before:' at column 8", 7, 10),
        ("after:/x/", "'after:' takes a time, not a pattern, at column 7", 6, 3),
        ("after:2*", "'after:' takes a time, not a pattern", 6, 2),
    ],
)
def test_errors_have_one_line_and_position(
    text: str, message: str, position: int, length: int
) -> None:
    with pytest.raises(QueryError) as caught:
        parse(text)
    error = caught.value
    assert isinstance(error, UsageError) and error.exit_code == 2
    assert str(error).startswith(message), str(error)
    assert "\n" not in str(error)
    assert (error.position, error.length) == (position, length)


def test_unknown_field_lists_every_field() -> None:
    with pytest.raises(QueryError) as caught:
        parse("usr:x")
    names = "user action status source ip type id uuid url agent referer support payload method"
    for name in [*names.split(), "entry", "after", "before"]:
        assert name in str(caught.value)


def test_url_like_words_are_not_fields() -> None:
    assert parse("https://app.datafold.com").root == Term(
        None, "contains", "https://app.datafold.com"
    )


def test_hostile_inputs_give_errors_not_crashes() -> None:
    with pytest.raises(QueryError, match="too long") as caught:
        parse("a " * MAX_QUERY_LENGTH)
    assert caught.value.position == MAX_QUERY_LENGTH
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("(" * 500 + "a" + ")" * 500)
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("NOT " * 300 + "a")
    with pytest.raises(QueryError, match="nested too deeply"):
        parse("-(" * 300 + "a" + ")" * 300)
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH).root == Term(None, "contains", "a")
    with pytest.raises(QueryError, match="too long"):
        parse("/" + "a" * (MAX_REGEX_LENGTH + 1) + "/")
    with pytest.raises(QueryError, match="Invalid regular expression"):
        parse("/a{99999999999}/")
    many = " OR ".join(f"w{i}" for i in range(400))  # long but flat: no recursion
    assert len(uuids_matching(many)) == 0
    assert uuids_matching("\x00 \x1b[31m") == []


# -- evaluation ---------------------------------------------------------------------------


def test_bare_words_search_every_shown_field_case_insensitively() -> None:
    assert uuids_matching("ADMIN") == [0]  # user and entry
    assert uuids_matching("monitor") == [0, 1, 2, 3]  # action/type/url/entry (1, 2: url)
    assert uuids_matching("192.0.2") == [1]  # ip
    assert uuids_matching("mozilla") == [0]  # agent
    assert uuids_matching("delete") == [0]  # method, action, entry
    assert uuids_matching("000000000003") == [3]  # uuid
    assert uuids_matching("#1234") == [1]  # object cell
    assert uuids_matching("user:42") == [3]  # a field term: the user text "user:42"
    assert uuids_matching('"user:42"') == [3]  # the user cell of an event without e-mail
    assert uuids_matching("nightly") == []  # payload is not a shown field
    assert uuids_matching("true") == []  # nor is support


def test_field_terms() -> None:
    assert uuids_matching("status:failure") == [1, 3]
    assert uuids_matching("status:FAIL") == [1, 3]
    assert uuids_matching("user:acme") == [1, 2]
    assert uuids_matching("user:user:42") == [3]
    assert uuids_matching("type:monitor") == [0]
    assert uuids_matching("id:12") == [3]  # whole value
    assert uuids_matching("id:12*") == [1, 3]
    assert uuids_matching("object:monitor") == [0]
    assert uuids_matching("ip:2001:db8::1") == [4]
    assert uuids_matching("method:delete") == [0]
    assert uuids_matching("agent:mozilla") == [0]
    assert uuids_matching("referer:monitors/193") == [0]
    assert uuids_matching("entry:api key") == [2]  # entry:api AND the bare word key
    assert uuids_matching('entry:"api key"') == [2]
    assert uuids_matching("uuid:000000000002") == [2]
    assert uuids_matching("url:datadiffs") == [4]
    assert uuids_matching("support:true") == [0]
    assert uuids_matching("support:no") == [1, 2, 3, 4]  # missing counts as false
    assert uuids_matching('status:""') == [4]
    assert uuids_matching('-action:""') == [0, 1, 2, 3]


def test_payload_searches_the_raw_json_text() -> None:
    assert uuids_matching("payload:nightly") == [0]
    assert uuids_matching('payload:"\\"dry_run\\":true"') == [0]
    assert uuids_matching('payload:"\\"pr\\":7"') == [1]
    assert uuids_matching("payload:null") == [2, 3]  # absent or null
    assert uuids_matching("payload:\u00c9") == [4]  # é as UTF-8 in the raw JSON


def test_wildcards_match_the_whole_field() -> None:
    assert uuids_matching("user:*@datafold.com") == [0]
    assert uuids_matching("user:*@acme") == []  # must match to the end
    assert uuids_matching("user:*@acme*") == [1, 2]
    assert uuids_matching("action:monitor.*") == [0, 3]
    assert uuids_matching("action:*") == [0, 1, 2, 3, 4]  # missing is "" and * matches ""
    assert uuids_matching("action:?*") == []  # no ? wildcard: a literal ?
    assert uuids_matching("ci-*") == [1]  # bare: any field as a whole
    assert uuids_matching("*bot*") == [1]
    assert uuids_matching("uuid:*0002") == [2]


def test_regexes() -> None:
    assert uuids_matching("user:/^ad.*@/") == [0]
    assert uuids_matching("/^maya/") == [2]  # anchors per field
    assert uuids_matching("/run$/") == [1, 3, 4]  # action ci.run, monitor.run, url .../rerun
    assert uuids_matching("/MONITOR #\\d+/") == [0]
    assert uuids_matching("user:/(?=ci)/") == [1]
    assert uuids_matching("/(?<![a-z])monitor #193/") == [0]
    assert uuids_matching("/4000-8000-0{11}1$/") == [1]  # the uuid field


def test_negation_or_and_parentheses() -> None:
    assert uuids_matching("-status:failure") == [0, 2, 4]
    assert uuids_matching("NOT status:failure") == [0, 2, 4]
    assert uuids_matching("-acme") == [0, 3, 4]
    assert uuids_matching("source:ci OR source:api") == [1, 2]
    assert uuids_matching("source:ci OR source:api status:denied") == [1, 2]
    assert uuids_matching("(source:ci OR source:web) status:success") == [0]
    assert uuids_matching("NOT (source:ci OR source:web) acme") == [2]
    assert uuids_matching("a AND NOT b") == uuids_matching("a -b")
    assert uuids_matching('-(user:acme OR id:12) -action:""') == [0]


def test_time_bounds() -> None:
    # event n is at 11-n o'clock on 2026-11-26; NOW is 12:00
    assert uuids_matching("after:2h") == [0, 1]  # >= 10:00
    assert uuids_matching("before:2h") == [2, 3, 4]
    assert uuids_matching("after:2026-11-26T09:00Z before:2026-11-26T10:30Z") == [1, 2]
    assert uuids_matching("before:2026-11-26") == [0, 1, 2, 3, 4]  # a date: its whole day
    assert uuids_matching("after:2026-11-26 -after:today") == []


def test_a_term_typed_elsewhere_is_the_same_term() -> None:
    # equality and hashing ignore where a term was typed (narrowing compares terms)
    first, second = parse("user:ana"), parse("  user:ana")
    assert first.root == second.root and hash(first.root) == hash(second.root)
    assert isinstance(first.root, Term) and isinstance(second.root, Term)
    assert first.root.position != second.root.position
    assert parse("after:1h").root == parse(" after:1h").root
    assert parse("user:ana").root != parse("user:bob").root
    assert parse("user:ana").root != parse("-user:ana").root
    assert Term("user", "contains", "ana") != TimeTerm("after", "ana", False)
    assert {first.root: 1}[second.root] == 1
