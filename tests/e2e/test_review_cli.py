"""`auditui review support` as a subprocess against the demo server on loopback."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from auditui.demo import DEMO_KEY, DemoServer
from tests.helpers.app import END, event_dict, support_event
from tests.helpers.app import demo_server as start_server
from tests.helpers.cli import one_line_error, run

FROM, TO = "2026-11-25T12:00Z", "2026-11-26T12:00Z"  # the last day before END


def api_env(server: DemoServer) -> dict[str, str]:
    return {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY}


# minutes before END: ana at 300, 280, 251 (29m gap), then 200 (51m: a new session); bo at 100
EVENTS = [
    support_event(
        300, "ana@datafold.com", action="monitor.view", object_type="monitor", object_id=1
    ),
    support_event(
        280, "ana@datafold.com", action="monitor.update", object_type="monitor", object_id=1
    ),
    support_event(251, "ana@datafold.com", action="user.update", status="denied"),
    support_event(200, "ana@datafold.com"),
    support_event(100, "bo|`x\n<b>@datafold.com", action="dataset.view"),
    event_dict(150),  # not support
    event_dict(120, is_support_user=False),
]


@pytest.fixture
def server() -> Iterator[DemoServer]:
    started = start_server(EVENTS)
    try:
        yield started
    finally:
        started.stop()


def review(server: DemoServer, *args: str) -> Any:
    return run("review", "support", "--from", FROM, "--to", TO, *args, env=api_env(server))


def test_json_sessions(server: DemoServer) -> None:
    result = review(server, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["range"] == {"from": "2026-11-25T12:00:00Z", "to": "2026-11-26T12:00:00Z"}
    assert data["query"] == "support:true"
    assert data["host"] == server.url and data["profile"] == "default"
    assert data["counts"]["events"] == 7 and data["counts"]["support_events"] == 5
    sessions = data["sessions"]
    assert [(s["actor"], s["events"]) for s in sessions] == [
        ("ana@datafold.com", 3),
        ("ana@datafold.com", 1),
        ("bo|`x\n<b>@datafold.com", 1),
    ]
    first = sessions[0]
    assert first["start"] == "2026-11-26T07:00:00Z" and first["end"] == "2026-11-26T07:49:00Z"
    assert first["actions"] == {"monitor.update": 1, "monitor.view": 1, "user.update": 1}
    assert first["objects"] == {"monitor #1": 2}
    assert first["failures"] == 1
    assert result.stderr == ""


def test_gap_option_and_profile_setting(server: DemoServer, tmp_path: Path) -> None:
    wide = json.loads(review(server, "--format", "json", "--gap", "1h").stdout)
    assert [s["events"] for s in wide["sessions"]] == [4, 1]
    assert wide["grouping"]["gap"] == "1h"
    narrow = json.loads(review(server, "--format", "json", "--gap", "21m").stdout)
    assert [s["events"] for s in narrow["sessions"]] == [2, 1, 1, 1]
    exact = json.loads(review(server, "--format", "json", "--gap", "20m").stdout)
    assert [s["events"] for s in exact["sessions"]] == [1, 1, 1, 1, 1]  # 20m apart: split
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "auditui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[defaults]\nreview_gap = "1h"\n')
    from_config = json.loads(review(server, "--format", "json").stdout)
    assert [s["events"] for s in from_config["sessions"]] == [4, 1]


def test_markdown_report(server: DemoServer) -> None:
    result = review(server)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("# Support-access review")
    assert "| Range (UTC) | 2026-11-25T12:00:00Z → 2026-11-26T12:00:00Z |" in text
    assert "| Query | `support:true` |" in text
    assert "| Support events | 5 |" in text and "| Sessions | 3 |" in text
    assert "bo\\|\\`x\\\\x0a\\<b\\>@datafold.com" in text
    assert "\n<b>" not in text


def test_csv_to_a_private_file(server: DemoServer, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "review.csv"
    result = review(server, "--format", "csv", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert "wrote 3 support sessions (5 events)" in result.stderr
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [row["events"] for row in rows] == ["3", "1", "1"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["review.csv"]


def test_seeded_demo_data_has_support_sessions(demo_server: DemoServer) -> None:
    result = run(
        "review", "support", "--since", "30d", "--format", "json", env=api_env(demo_server)
    )
    assert result.returncode == 0, result.stderr
    sessions = json.loads(result.stdout)["sessions"]
    assert sessions
    assert {s["actor"] for s in sessions} <= {
        "ana.ferreira@datafold.com",
        "marcus.lee@datafold.com",
        "priya.shah@datafold.com",
        "user:88",
        "user:131",
        "user:207",
    }
    for session in sessions:
        assert {"actor", "start", "end", "events", "actions", "objects"} <= set(session)
        assert session["events"] == sum(session["actions"].values())


@pytest.mark.parametrize("gap", ["0m", "soon", "-5m", "30"])
def test_bad_gap_is_one_line_exit_2_before_any_request(gap: str) -> None:
    env = {**os.environ, "DATAFOLD_HOST": "http://127.0.0.1:9", "DATAFOLD_API_KEY": "k"}
    result = run("review", "support", "--since", "1d", f"--gap={gap}", env=env)
    line = one_line_error(result, 2)
    assert "session gap" in line


def test_usage_errors(server: DemoServer) -> None:
    one_line_error(run("review", "support", "--format", "xml", env=api_env(server)), 2)
    one_line_error(run("review", env=api_env(server)), 2)
    missing_key = {k: v for k, v in api_env(server).items() if k != "DATAFOLD_API_KEY"}
    assert "No API key" in one_line_error(run("review", "support", env=missing_key), 1)
    assert END - timedelta(days=1)  # the range the tests ask for is the data's last day
    assert "review" in run("--help").stdout
    assert "--gap" in run("review", "support", "--help").stdout


def test_what_the_load_left_out_is_in_the_report() -> None:
    broken = {"timestamp": "2026-11-26T10:00:00Z", "event_uuid": "broken"}  # no url, no ip
    server = start_server([*EVENTS, broken])
    try:
        result = review(server, "--format", "json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["notes"] == ["1 malformed events were skipped"]
        assert result.stderr == "auditui: warning: 1 malformed events were skipped\n"
        markdown = review(server).stdout
        assert "Notes:\n\n- 1 malformed events were skipped\n" in markdown
    finally:
        server.stop()
