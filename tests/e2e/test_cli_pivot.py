"""`auditui fetch --actor/--ip/--object`: exact-match flags, ANDed with `--query` (subprocess).

The flags stand for exact query terms (`--actor X` is `user:="X"`); each run is checked
against the demo data itself, spelled here without the query package.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from auditui.demo import DEMO_KEY, DemoServer
from auditui.timespec import TimeRange
from tests.helpers.cli import one_line_error, run, span
from tests.helpers.demo import stamp


def api_env(server: DemoServer) -> dict[str, str]:
    return {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY}


def user_of(event: dict[str, Any]) -> str:
    if event.get("user_email"):
        return str(event["user_email"])
    return "" if event.get("user_id") is None else f"user:{event['user_id']}"


def object_of(event: dict[str, Any]) -> str:
    kind, number = event.get("object_type"), event.get("object_id")
    if number is None:
        return kind or ""
    return f"{kind} #{number}" if kind else f"#{number}"


def fetched(server: DemoServer, time_range: TimeRange, *args: str) -> list[str]:
    """The uuids `fetch` prints for these flags, newest first."""
    result = run("fetch", *span(time_range), *args, env=api_env(server))
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["event_uuid"] for line in result.stdout.splitlines()]


def wanted(
    events: list[dict[str, Any]], time_range: TimeRange, keep: Callable[[dict[str, Any]], bool]
) -> list[str]:
    inside = [e for e in events if time_range.start <= stamp(e) < time_range.end and keep(e)]
    inside.sort(key=stamp, reverse=True)
    return [e["event_uuid"] for e in inside]


def test_fetch_help_lists_the_exact_match_flags() -> None:
    result = run("fetch", "--help")
    assert result.returncode == 0
    for flag in ("--actor EMAIL", "--ip IP", "--object TEXT", 'user:="EMAIL"'):
        assert flag in result.stdout


@pytest.mark.parametrize(
    ("flag", "spell"),
    [("--actor", user_of), ("--ip", lambda e: e["client_ip"]), ("--object", object_of)],
    ids=["actor", "ip", "object"],
)
def test_a_flag_keeps_exactly_the_events_with_that_value(
    demo_server: DemoServer,
    demo_events: list[dict[str, Any]],
    recent: TimeRange,
    flag: str,
    spell: Callable[[dict[str, Any]], str],
) -> None:
    inside = [e for e in demo_events if recent.start <= stamp(e) < recent.end]
    value = spell(next(e for e in inside if spell(e) and spell(e) != spell(inside[0])))
    expected = wanted(demo_events, recent, lambda e: spell(e) == value)
    assert 0 < len(expected) < len(inside)
    assert fetched(demo_server, recent, flag, value) == expected
    # exact: another case (of an e-mail or object), or a part of the value, is another value
    for other in {value.swapcase(), value[:-1]} - {value}:
        others = wanted(demo_events, recent, lambda e: spell(e) == other)  # noqa: B023
        assert fetched(demo_server, recent, flag, other) == others
        assert not set(others) & set(expected)


def test_flags_and_the_query_are_anded(
    demo_server: DemoServer, demo_events: list[dict[str, Any]], recent: TimeRange
) -> None:
    inside = [e for e in demo_events if recent.start <= stamp(e) < recent.end]
    chosen = next(e for e in inside if e.get("user_email") and e.get("object_id") is not None)
    actor, ip = user_of(chosen), chosen["client_ip"]
    expected = wanted(
        demo_events,
        recent,
        lambda e: user_of(e) == actor and e["client_ip"] == ip and e.get("status") != "success",
    )
    got = fetched(demo_server, recent, "--actor", actor, "--ip", ip, "--query", "-status:success")
    assert got == expected
    either = wanted(
        demo_events,
        recent,
        lambda e: user_of(e) == actor and e.get("source") in ("web", "api"),
    )
    got = fetched(demo_server, recent, "--actor", actor, "-q", "source:=web OR source:=api")
    assert got == either


def test_a_bad_query_with_flags_fails_before_any_request(demo_server: DemoServer) -> None:
    result = run("fetch", "--actor", "x@y", "--query", "user:(", env=api_env(demo_server))
    one_line_error(result, 2)
    assert demo_server.requests == []
