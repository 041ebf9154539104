"""`auditui fetch --query marked:true|note:WORD` reads the profile's marks for its host."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from auditui.demo import DEMO_KEY, DemoServer
from auditui.marks import MarkFile
from auditui.timespec import TimeRange
from tests.helpers.cli import run, span

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def api_env(server: DemoServer) -> dict[str, str]:
    return {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY}


def test_fetch_marked_reads_the_profiles_marks(demo_server: DemoServer, recent: TimeRange) -> None:
    env = api_env(demo_server)
    everything = run("fetch", *span(recent), env=env)
    assert everything.returncode == 0, everything.stderr
    uuids = [json.loads(line)["event_uuid"] for line in everything.stdout.splitlines()]
    none = run("fetch", *span(recent), "--query", "marked:true", env=env)
    assert none.returncode == 0 and none.stdout == ""  # nothing marked yet
    file = MarkFile("default", demo_server.url)
    marks, _ = file.load()
    marks.toggle(uuids[3], NOW)
    marks.set_note(uuids[7], "Ask Maya <b>", NOW)
    file.save(marks)
    marked = run("fetch", *span(recent), "--query", "marked:true", env=env)
    assert marked.returncode == 0, marked.stderr
    got = [json.loads(line) for line in marked.stdout.splitlines()]
    assert [e["event_uuid"] for e in got] == [uuids[3], uuids[7]]
    assert all("note" not in e for e in got)  # fetch output keeps the API's fields
    noted = run("fetch", *span(recent), "--query", "note:maya", env=env)
    assert [json.loads(line)["event_uuid"] for line in noted.stdout.splitlines()] == [uuids[7]]
    rest = run("fetch", *span(recent), "--query", "-marked:true", env=env)
    assert len(rest.stdout.splitlines()) == len(uuids) - 2


def test_fetch_with_a_corrupt_marks_file_warns_in_one_line(demo_server: DemoServer) -> None:
    file = MarkFile("default", demo_server.url)
    file.path.parent.mkdir(parents=True)
    file.path.write_bytes(b"\xff not json")
    result = run("fetch", "--since", "1d", "--query", "marked:true", env=api_env(demo_server))
    assert result.returncode == 0 and result.stdout == ""
    warnings = [line for line in result.stderr.splitlines() if "marks file" in line]
    assert len(warnings) == 1 and "kept as" in warnings[0]
    assert "Traceback" not in result.stderr
    assert list(file.path.parent.glob("*.corrupt-*"))


def test_a_bad_mark_term_is_a_usage_error(demo_server: DemoServer) -> None:
    result = run("fetch", "--query", "marked:maybe", env=api_env(demo_server))
    assert result.returncode == 2
    assert "'marked:' takes true or false" in result.stderr
    assert "Traceback" not in result.stderr
