"""The command line, run as a subprocess: exit codes, one-line errors, output formats.

Every test runs `python -m auditui` in a child process with the isolated environment of
conftest (its own HOME/XDG dirs, no DATAFOLD_* variables), against the real demo server on
loopback. The key must never appear in anything the CLI prints.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.timespec import TimeRange
from tests.helpers.cli import one_line_error as assert_one_line_error
from tests.helpers.cli import run, span
from tests.helpers.keyring_service import SecretServiceHandle

WRONG_KEY = "wrong-key-7f1e9c2b4d"


def api_env(server: DemoServer, key: str = DEMO_KEY) -> dict[str, str]:
    return {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": key}


def test_version_and_help() -> None:
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("auditui ")
    helptext = run("--help")
    assert helptext.returncode == 0
    for command in ("login", "logout", "status", "fetch", "demo-server", "--demo", "--since"):
        assert command in helptext.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--bogus",),
        ("fetch", "--format", "xml"),
        ("fetch", "--since", "blah"),
        ("fetch", "--since", "1h", "--from", "2026-11-01"),
        ("fetch", "--from", "2026-11-03", "--to", "2026-11-02"),
        ("fetch", "--to", "2026-11-02"),
    ],
)
def test_usage_errors_are_one_line_exit_2(args: tuple[str, ...]) -> None:
    result = run(*args, env={**os.environ, "DATAFOLD_API_KEY": "k"})
    assert_one_line_error(result, 2)


def test_fetch_ndjson_newest_first(demo_server: DemoServer) -> None:
    result = run("fetch", "--since", "7d", "--format", "ndjson", env=api_env(demo_server))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) > 100
    events = [json.loads(line) for line in lines]
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps, reverse=True)
    assert all({"event_uuid", "client_ip", "url", "payload"} <= set(e) for e in events)
    assert len({e["event_uuid"] for e in events}) == len(events)
    assert result.stderr == ""  # no progress when stderr is not a terminal


def test_fetch_json_and_csv_agree(demo_server: DemoServer, recent: TimeRange) -> None:
    env = api_env(demo_server)
    as_json = run("fetch", *span(recent), "--format", "json", env=env)
    as_csv = run("fetch", *span(recent), "--format", "csv", env=env)
    assert as_json.returncode == 0 and as_csv.returncode == 0
    events = json.loads(as_json.stdout)
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(events) > 10
    assert [e["event_uuid"] for e in events] == [r["event_uuid"] for r in rows]


def test_fetch_output_file(demo_server: DemoServer, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.ndjson"
    result = run("fetch", "--since", "2d", "--output", str(target), env=api_env(demo_server))
    assert result.returncode == 0, result.stderr
    lines = target.read_text().splitlines()
    assert lines and all(json.loads(line)["event_uuid"] for line in lines)
    assert f"wrote {len(lines):,} events" in result.stderr
    assert [p.name for p in target.parent.iterdir()] == ["out.ndjson"]  # no temp file left


def test_failed_fetch_leaves_no_partial_file(demo_server: DemoServer, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.ndjson"
    target.write_text("previous contents\n")
    demo_server.faults.push(Fault(kind="status", status=500, repeat=20))
    result = run("fetch", "--since", "2d", "--output", str(target), env=api_env(demo_server))
    assert_one_line_error(result, 1)
    assert target.read_text() == "previous contents\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.ndjson"]


def test_wrong_key_is_one_line_exit_1_without_the_key(demo_server: DemoServer) -> None:
    result = run("fetch", "--since", "1d", env=api_env(demo_server, WRONG_KEY))
    line = assert_one_line_error(result, 1)
    assert "Authentication failed" in line
    assert "DATAFOLD_API_KEY" in line  # says which credential source was used
    assert WRONG_KEY not in result.stdout + result.stderr


def test_no_key_says_how_to_get_one(demo_server: DemoServer) -> None:
    env = {**os.environ, "DATAFOLD_HOST": demo_server.url}
    line = assert_one_line_error(run("fetch", env=env), 1)
    assert "auditui login" in line and "DATAFOLD_API_KEY" in line


def test_plain_http_to_a_remote_host_is_refused() -> None:
    env = {**os.environ, "DATAFOLD_HOST": "http://example.com", "DATAFOLD_API_KEY": "k"}
    line = assert_one_line_error(run("fetch", env=env), 2)
    assert "http://example.com" in line


def test_unreachable_host_names_the_host() -> None:
    env = {**os.environ, "DATAFOLD_HOST": "http://127.0.0.1:9", "DATAFOLD_API_KEY": "k"}
    line = assert_one_line_error(run("fetch", "--since", "1h", env=env), 1)
    assert "127.0.0.1:9" in line


def test_debug_shows_the_traceback(demo_server: DemoServer) -> None:
    result = run("fetch", "--debug", "--since", "1d", env=api_env(demo_server, WRONG_KEY))
    assert result.returncode != 0
    assert "Traceback" in result.stderr
    assert WRONG_KEY not in result.stderr


def test_bad_config_names_file_and_key(isolated_environment: Path) -> None:
    config = isolated_environment / "config" / "auditui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[profiles.default]\nconcurrency = "many"\n')
    line = assert_one_line_error(run("status"), 2)
    assert "config.toml" in line and "concurrency" in line


def test_status_never_shows_the_key(demo_server: DemoServer) -> None:
    result = run("status", env=api_env(demo_server, WRONG_KEY))
    assert result.returncode == 0
    assert "profile: default" in result.stdout
    assert demo_server.url in result.stdout
    assert "DATAFOLD_API_KEY" in result.stdout
    assert WRONG_KEY not in result.stdout + result.stderr


def test_login_status_fetch_logout_with_the_real_keyring(
    demo_server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    env = {**secret_service.env, "DATAFOLD_HOST": demo_server.url}
    env.pop("DATAFOLD_API_KEY", None)
    login = run("login", "--stdin", env=env, stdin=DEMO_KEY + "\n")
    assert login.returncode == 0, login.stderr
    assert "keyring" in login.stdout.lower()
    assert secret_service.secret("default") == DEMO_KEY
    status = run("status", env=env)
    assert "keyring" in status.stdout.lower()
    fetch = run("fetch", "--since", "1d", env=env)
    assert fetch.returncode == 0 and fetch.stdout.count("\n") > 10
    logout = run("logout", env=env)
    assert logout.returncode == 0
    assert secret_service.secret("default") is None
    outputs = login.stdout + login.stderr + status.stdout + fetch.stderr + logout.stdout
    assert DEMO_KEY not in outputs


def test_login_with_a_wrong_key_stores_nothing(
    demo_server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    env = {**secret_service.env, "DATAFOLD_HOST": demo_server.url}
    result = run("login", "--stdin", env=env, stdin=WRONG_KEY + "\n")
    line = assert_one_line_error(result, 1)
    assert "refused this key (HTTP 401); nothing was stored" in line
    assert secret_service.secret("default") is None


def test_login_without_a_keyring_explains_the_choices(demo_server: DemoServer) -> None:
    # conftest selects keyring's `fail` backend: exactly what a headless SSH host has.
    env = {**os.environ, "DATAFOLD_HOST": demo_server.url}
    result = run("login", "--stdin", env=env, stdin=DEMO_KEY + "\n")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for choice in ("DATAFOLD_API_KEY", "Secret Service", "--insecure-storage"):
        assert choice in result.stderr
    assert DEMO_KEY not in result.stdout + result.stderr


def test_login_insecure_storage_writes_a_0600_file(
    demo_server: DemoServer, isolated_environment: Path
) -> None:
    env = {**os.environ, "DATAFOLD_HOST": demo_server.url}
    result = run("login", "--stdin", "--insecure-storage", env=env, stdin=DEMO_KEY + "\n")
    assert result.returncode == 0, result.stderr
    files = [p for p in (isolated_environment / "config").rglob("*") if p.is_file()]
    assert len(files) == 1
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert files[0].parent.stat().st_mode & 0o777 == 0o700
    fetch = run("fetch", "--since", "1d", env=env)
    assert fetch.returncode == 0, fetch.stderr
    files[0].chmod(0o644)
    refused = run("fetch", "--since", "1d", env=env)
    assert "chmod 600" in assert_one_line_error(refused, 1)


def test_login_needs_a_terminal_or_stdin() -> None:
    line = assert_one_line_error(run("login", "--no-verify", "--insecure-storage"), 2)
    assert "--stdin" in line


def test_browse_without_a_terminal_is_a_clear_error() -> None:
    env = {**os.environ, "DATAFOLD_API_KEY": "k"}
    line = assert_one_line_error(run(env=env), 2)
    assert "terminal" in line
    dumb = assert_one_line_error(run("--demo", env={**env, "TERM": "dumb"}), 2)
    assert "TERM=dumb" in dumb


def test_demo_server_command_serves_the_api() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "auditui", "demo-server", "--port", "0", "--days", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert "http://127.0.0.1:" in first
        url = first.split(" at ")[1].strip()
        key_line = proc.stdout.readline()
        assert DEMO_KEY in key_line
        env = {**os.environ, "DATAFOLD_HOST": url, "DATAFOLD_API_KEY": DEMO_KEY}
        fetched = run("fetch", "--since", "1d", env=env)
        assert fetched.returncode == 0, fetched.stderr
        assert fetched.stdout.count("\n") > 10
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()


def test_fetch_query_keeps_only_matching_events(demo_server: DemoServer, recent: TimeRange) -> None:
    env = api_env(demo_server)
    everything = run("fetch", *span(recent), env=env)
    failures = run("fetch", *span(recent), "--query", "status:failure -source:ci", env=env)
    assert everything.returncode == 0 and failures.returncode == 0, failures.stderr
    all_events = [json.loads(line) for line in everything.stdout.splitlines()]
    kept = [json.loads(line) for line in failures.stdout.splitlines()]
    expected = [
        e["event_uuid"]
        for e in all_events
        if e.get("status") == "failure" and "ci" not in (e.get("source") or "")
    ]
    assert kept and [e["event_uuid"] for e in kept] == expected


def test_fetch_bad_query_fails_before_any_request(demo_server: DemoServer) -> None:
    before = len(demo_server.requests)
    result = run("fetch", "--query", "status:(failure", env=api_env(demo_server))
    line = assert_one_line_error(result, 2)
    assert "column" in line
    assert len(demo_server.requests) == before


def test_cache_info_and_clear(demo_server: DemoServer) -> None:
    env = api_env(demo_server)
    today = datetime.now(UTC).date()
    days = ("--from", str(today - timedelta(days=20)), "--to", str(today - timedelta(days=3)))
    fetched = run("fetch", *days, env=env)
    assert fetched.returncode == 0, fetched.stderr
    info = run("cache", "info", env=env)
    assert info.returncode == 0, info.stderr
    assert "default" in info.stdout and "No cached windows" not in info.stdout
    assert DEMO_KEY not in info.stdout
    before = len(demo_server.requests)
    again = run("fetch", *days, env=env)
    assert again.stdout == fetched.stdout
    # every window but the newest came from the cache (that one confirms the key)
    assert len(demo_server.requests) == before + 1
    bypass = run("fetch", "--no-cache", *days, env=env)
    assert bypass.stdout == fetched.stdout and len(demo_server.requests) > before + 1
    cleared = run("cache", "clear", env=env)
    assert cleared.returncode == 0 and "Removed" in cleared.stdout
    assert "No cached windows" in run("cache", "info", env=env).stdout


def test_open_errors_are_one_line(tmp_path: Path) -> None:
    missing = assert_one_line_error(run("open", str(tmp_path / "nope.ndjson")), 2)
    assert "nope.ndjson" in missing
    assert_one_line_error(run("cache"), 2)
