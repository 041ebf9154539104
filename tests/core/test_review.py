"""The support-access review: sessions (grouping by actor and gap) and the reports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from auditui.errors import UsageError
from auditui.events import AuditEvent, EventStore
from auditui.query import compile_query
from auditui.review import (
    ReviewReport,
    format_gap,
    parse_gap,
    render_report,
    session_query,
    support_sessions,
)
from auditui.review.report import md_code
from auditui.timespec import TimeRange

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def ev(minute: float, user: str | None = "ana@datafold.com", **fields: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "timestamp": T0 + timedelta(minutes=minute),
        "event_uuid": f"u-{user}-{minute}-{len(fields)}-{fields.get('action')}",
        "client_ip": "34.102.136.180",
        "url": "/api/v1/monitors",
        "user_email": user,
        "is_support_user": True,
        "action": "monitor.view",
        "status": "success",
        "object_type": "monitor",
        "object_id": 193,
    }
    values.update(fields)
    return AuditEvent(**values)


def test_groups_by_actor_and_gap_with_counts() -> None:
    events = [
        ev(0),
        ev(10, action="monitor.update"),
        ev(39.99, action="monitor.update", object_id=7),  # gap 29.99m: same session
        ev(100),  # gap of an hour: a new session
        ev(5, user="bo@datafold.com", client_ip="2600::1"),
        ev(6, user="not-support@acme.com", is_support_user=False),
        ev(7, user="none@acme.com", is_support_user=None),
    ]
    sessions = support_sessions(events)
    assert [(s.actor, s.events) for s in sessions] == [
        ("ana@datafold.com", 3),
        ("bo@datafold.com", 1),
        ("ana@datafold.com", 1),
    ]
    first = sessions[0]
    assert first.start == T0 and first.end == T0 + timedelta(minutes=39.99)
    assert first.duration == timedelta(minutes=39.99)
    assert first.indices == (0, 1, 2)
    assert first.actions == (("monitor.update", 2), ("monitor.view", 1))
    assert first.objects == (("monitor #193", 2), ("monitor #7", 1))
    assert first.ips == ("34.102.136.180",)
    assert first.failures == 0
    assert sessions[1].ips == ("2600::1",)
    assert sessions[2].indices == (3,)


def test_a_gap_of_exactly_the_limit_starts_a_new_session() -> None:
    sessions = support_sessions([ev(0), ev(30), ev(59.5)])
    assert [s.indices for s in sessions] == [(0,), (1, 2)]
    wider = support_sessions([ev(0), ev(30), ev(59.5)], gap=timedelta(minutes=31))
    assert [s.indices for s in wider] == [(0, 1, 2)]


def test_unsorted_input_and_a_newest_first_store() -> None:
    events = [ev(45), ev(0), ev(200), ev(20), ev(225)]
    sessions = support_sessions(events)
    assert [s.indices for s in sessions] == [(1, 3, 0), (2, 4)]
    store = EventStore(sorted(events, key=lambda e: e.timestamp, reverse=True))
    from_store = support_sessions(store)
    assert [(s.start, s.end, s.events) for s in from_store] == [
        (s.start, s.end, s.events) for s in sessions
    ]
    assert [store.events[i].timestamp for i in from_store[0].indices] == sorted(
        store.events[i].timestamp for i in from_store[0].indices
    )


def test_no_support_events_no_sessions() -> None:
    plain = [ev(0, is_support_user=False), ev(1, is_support_user=None)]
    assert support_sessions(plain) == []
    assert support_sessions([]) == []
    assert support_sessions(iter(plain)) == []


def test_failures_are_failed_or_denied_events() -> None:
    sessions = support_sessions(
        [
            ev(0, status="failure", action="monitor.delete"),
            ev(1, status="denied", action="user.update"),
            ev(2, status="denied", action="user.update"),
            ev(3, status="success"),
            ev(4, status=None),
        ]
    )
    (session,) = sessions
    assert session.failures == 3
    assert session.failed_actions == (("user.update", 2), ("monitor.delete", 1))


def test_actor_without_email_is_user_id() -> None:
    (session,) = support_sessions([ev(0, user=None, user_id=88)])
    assert session.actor == "user:88"


def test_session_query_selects_exactly_the_sessions_events() -> None:
    events = [ev(0), ev(10.5), ev(25), ev(70), ev(12, user="bo@datafold.com")]
    events.append(ev(10.5, is_support_user=False))  # same actor and time, not support
    events.append(ev(25 + 1e-6 / 60))  # one microsecond after the session... same session
    events += [ev(1, user=None), ev(2, user=HOSTILE_ACTOR), ev(3, user='a"b\\c')]
    events.append(ev(4, user=None, user_id=5))
    sessions = support_sessions(events)
    for session in sessions:
        matcher = compile_query(session_query(session))
        chosen = [i for i, event in enumerate(events) if matcher.matches(event)]
        assert chosen == sorted(session.indices), session_query(session)


def test_events_with_only_the_user_id_join_the_same_account() -> None:
    # the demo and real logs sometimes leave out the e-mail of an event: user:88 is ana
    events = [
        ev(0, user_id=88),
        ev(10, user=None, user_id=88),
        ev(20, user_id=88),
        ev(15, user=None, user_id=99),
    ]
    sessions = support_sessions(events)
    assert [(s.actor, s.events) for s in sessions] == [("ana@datafold.com", 3), ("user:99", 1)]
    assert sessions[0].spellings == ("ana@datafold.com", "user:88")
    matcher = compile_query(session_query(sessions[0]))
    assert [i for i, event in enumerate(events) if matcher.matches(event)] == [0, 1, 2]


def test_gap_text() -> None:
    assert parse_gap("30m") == timedelta(minutes=30)
    assert parse_gap(" 2h ") == timedelta(hours=2)
    for bad in ("0m", "soon", "", "-5m", "30"):
        with pytest.raises(UsageError, match="not a session gap"):
            parse_gap(bad)
    assert format_gap(timedelta(minutes=30)) == "30m"
    assert format_gap(timedelta(seconds=90)) == "90s"
    assert format_gap(timedelta(hours=2)) == "2h"
    with pytest.raises(ValueError):
        support_sessions([ev(0)], gap=timedelta(0))


# ---- reports

HOSTILE_ACTOR = "eve|x`y\n# owned <b>*z*</b>\x1b[31m"
HOSTILE_ACTION = "a|b\r\nc`"


def report(events: list[AuditEvent]) -> ReviewReport:
    return ReviewReport(
        sessions=support_sessions(events),
        time_range=TimeRange(T0 - timedelta(days=1), T0 + timedelta(days=1)),
        generated_at=datetime(2026, 11, 27, 8, 0, tzinfo=UTC),
        gap=timedelta(minutes=30),
        events=len(events) + 10,
        host="https://app.datafold.com",
        profile="prod",
    )


def hostile() -> list[AuditEvent]:
    return [
        ev(0, user=HOSTILE_ACTOR, action=HOSTILE_ACTION, object_type="mon|itor", status="denied"),
        ev(3, user=HOSTILE_ACTOR, action="monitor.view"),
        ev(90),
    ]


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_markdown_names_its_source_and_counts() -> None:
    text = render_report(report(hostile()), "md").decode()
    assert text.startswith("# Support-access review\n")
    assert "| Range (UTC) | 2026-11-25T09:00:00Z → 2026-11-27T09:00:00Z |" in text
    assert "| Host | https://app.datafold.com |" in text
    assert "| Profile | prod |" in text
    assert "| Generated at | 2026-11-27T08:00:00Z |" in text
    assert "| Query | `support:true` |" in text
    assert "a gap of 30m or more starts a new session" in text
    assert "| Events in range | 13 |" in text
    assert "| Support events | 3 |" in text
    assert "| Sessions | 2 |" in text
    assert "| Failed or denied events | 1 |" in text
    assert "## Session details" in text


def test_markdown_escapes_hostile_text() -> None:
    text = render_report(report(hostile()), "md").decode()
    assert "\x1b" not in text and "\r" not in text
    assert "\\x1b" in text  # made visible
    # every table row keeps its cell count: no raw | or newline from the events
    summary = [row for row in table_rows(text) if row.startswith(("| 1 ", "| 2 "))]
    assert len(summary) == 2
    for row in summary:
        unescaped = row.replace("\\|", "")
        assert unescaped.count("|") == 10, row
    outside_code = [line for line in text.splitlines() if not line.startswith("- Query:")]
    assert not any("<b>" in line for line in outside_code) and "\\<b\\>" in text
    assert "\n# owned" not in text  # a newline cannot start a heading
    assert md_code("`a`") == "`` `a` ``"
    assert "eve\\|x\\`y\\\\x0a\\# owned" in text
    # a code span holding a backtick is fenced by a longer run
    query_lines = [line for line in text.splitlines() if line.startswith("- Query:")]
    assert any(line.startswith("- Query: ``user") and line.endswith("Z``") for line in query_lines)


def test_notes_are_in_every_format() -> None:
    noted = msgspec.structs.replace(report(hostile()), notes=("2 malformed |events| skipped",))
    assert "- 2 malformed \\|events\\| skipped" in render_report(noted, "md").decode()
    assert json.loads(render_report(noted, "json"))["notes"] == ["2 malformed |events| skipped"]
    assert "Notes:" not in render_report(report(hostile()), "md").decode()


def test_markdown_without_sessions() -> None:
    text = render_report(report([ev(0, is_support_user=False)]), "md").decode()
    assert "No support-user events in this range." in text
    assert "| Sessions | 0 |" in text


def test_csv_one_row_per_session_inert() -> None:
    text = render_report(report(hostile()), "csv").decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    first = rows[0]
    assert first["actor"].startswith("eve|x`y\\x0a# owned") and "\x1b" not in first["actor"]
    assert first["events"] == "2" and first["failures"] == "1"
    assert first["start"] == "2026-11-26T09:00:00Z" and first["duration_seconds"] == "180"
    assert "\n" not in first["actions"] and "\r" not in first["actions"]
    assert rows[1]["actor"] == "ana@datafold.com"
    formula = render_report(report([ev(0, user="=cmd|' /C calc'!A0")]), "csv").decode()
    (row,) = csv.DictReader(io.StringIO(formula))
    assert row["actor"].startswith("'=")


def test_json_shape() -> None:
    data = json.loads(render_report(report(hostile()), "json"))
    assert data["range"] == {"from": "2026-11-25T09:00:00Z", "to": "2026-11-27T09:00:00Z"}
    assert data["query"] == "support:true"
    assert data["grouping"]["gap_seconds"] == 1800
    assert data["counts"] == {
        "events": 13,
        "support_events": 3,
        "sessions": 2,
        "actors": 2,
        "failures": 1,
    }
    first, second = data["sessions"]
    assert first["actor"] == HOSTILE_ACTOR  # the same value: JSON escapes are inert
    assert first["events"] == 2 and first["failures"] == 1
    assert first["actions"] == {HOSTILE_ACTION: 1, "monitor.view": 1}
    assert first["objects"] == {"mon|itor #193": 1, "monitor #193": 1}
    assert first["start"] == "2026-11-26T09:00:00Z" and first["end"] == "2026-11-26T09:03:00Z"
    assert second["actor"] == "ana@datafold.com" and second["events"] == 1
    raw = render_report(report(hostile()), "json")
    assert b"\x1b" not in raw and b"\r" not in raw


def test_review_gap_in_the_profile(tmp_path: Any) -> None:
    from auditui.config.settings import load_settings
    from auditui.errors import ConfigError

    config = tmp_path / "config.toml"
    config.write_text('[defaults]\nreview_gap = "2h"\n[profiles.eu]\nreview_gap = "45m"\n')
    settings = load_settings(config, env={})
    assert settings.profile("default", env={}).review_gap == timedelta(hours=2)
    assert settings.profile("eu", env={}).review_gap == timedelta(minutes=45)
    config.write_text("")
    assert load_settings(config, env={}).profile(env={}).review_gap == timedelta(minutes=30)
    for bad in ('"0m"', '"soon"', "30"):
        config.write_text(f"[defaults]\nreview_gap = {bad}\n")
        with pytest.raises(ConfigError, match="review_gap"):
            load_settings(config, env={})
