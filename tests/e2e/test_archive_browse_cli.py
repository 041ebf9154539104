"""`auditui [--archive DIR] [--archive-only]` and `auditui fetch --archive DIR`, as
subprocesses: an archived range needs no key and makes no request; what cannot work is one
line (no archive, no DuckDB); a present archive without DuckDB is a warning, not a failure.

The demo server (in this process) records every request the child makes; the archive is
written with the archive core from the very events it serves. Fixed dates only.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from auditui.demo import DemoServer, generate_events
from tests.helpers.app import DAYS, END, EVENTS_PER_DAY, served
from tests.helpers.archive import make_archive
from tests.helpers.cli import one_line_error, run
from tests.helpers.terminal import Terminal

FROM, TO = "2026-11-24T00:00Z", "2026-11-26T00:00Z"  # two whole UTC days of the data
LATER = END + timedelta(days=2)  # "now" for the archive: every served day had ended


@pytest.fixture(scope="module")
def served_events() -> list[dict[str, Any]]:
    return generate_events(seed=7, events_per_day=EVENTS_PER_DAY, days=DAYS, end=END)


@pytest.fixture
def recording(served_events: list[dict[str, Any]]) -> Iterator[DemoServer]:
    yield from served(events=served_events)


def env_for(server: DemoServer, **extra: str) -> dict[str, str]:
    """The child's environment: the server's host, no key (the conftest removed it)."""
    return {**os.environ, "DATAFOLD_HOST": server.url, **extra}


def in_days(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if "2026-11-24" <= e["timestamp"][:10] < "2026-11-26"]


def no_duckdb(tmp_path: Path) -> str:
    """A PYTHONPATH under which `import duckdb` fails, as when it is not installed."""
    blocker = tmp_path / "blocker" / "duckdb"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('duckdb is blocked by this test')\n")
    return str(blocker.parent)


def test_archive_only_without_an_archive_is_one_line(recording: DemoServer) -> None:
    result = run("--archive-only", "--from", FROM, "--to", TO, env=env_for(recording))
    line = one_line_error(result, 2)
    assert "No archived days" in line and "auditui archive sync" in line
    assert recording.requests == []


def test_archive_only_without_duckdb_says_how_to_install_it(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    make_archive(root, served_events, host=recording.url, now=LATER)
    env = env_for(recording, PYTHONPATH=no_duckdb(tmp_path))
    result = run("--archive-only", "--archive", str(root), env=env)
    assert "pip install 'auditui[archive]'" in one_line_error(result, 2)


def test_an_archive_without_duckdb_is_a_warning_and_the_api_is_asked(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    make_archive(root, served_events, host=recording.url, now=LATER)
    env = env_for(recording, PYTHONPATH=no_duckdb(tmp_path), DATAFOLD_API_KEY=recording.key)
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "auditui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[profiles.default]\narchive = "{root}"\n')
    result = run("fetch", "--from", FROM, "--to", TO, env=env)
    assert result.returncode == 0, result.stderr
    warning = result.stderr.strip().splitlines()
    assert len(warning) == 1 and "DuckDB is not installed" in warning[0]
    assert len(result.stdout.splitlines()) == len(in_days(served_events))
    assert len(recording.requests) == 2  # the two days, from the API


def test_fetch_of_an_archived_range_needs_no_key_and_asks_nothing(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    make_archive(root, served_events, host=recording.url, now=LATER)
    result = run("fetch", "--archive", str(root), "--from", FROM, "--to", TO,
                 env=env_for(recording))  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(e["event_uuid"] for e in printed) == sorted(
        e["event_uuid"] for e in in_days(served_events)
    )
    assert recording.requests == []

    # one day past the archive's end: that day asks the API, which needs a key
    beyond = run("fetch", "--archive", str(root), "--from", FROM, "--to", "2026-11-28T00:00Z",
                 env=env_for(recording))  # fmt: skip
    assert "No API key" in one_line_error(beyond, 1)
    assert recording.requests == []


def test_a_host_mismatch_is_one_line(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    make_archive(root, served_events, host="https://other.example.com", now=LATER)
    result = run("--archive-only", "--archive", str(root), env=env_for(recording))
    line = one_line_error(result, 1)
    assert "https://other.example.com" in line and recording.url in line


def test_the_browser_archive_only_needs_no_key_and_makes_no_request(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    make_archive(root, served_events, host=recording.url, now=LATER)
    env = env_for(recording, TERM="xterm-256color")
    env.pop("CI", None)
    args = ["--archive-only", "--archive", str(root), "--from", FROM, "--to", TO]
    term = Terminal([sys.executable, "-m", "auditui", *args], env, (160, 30))
    try:
        term.wait_output(f"{len(in_days(served_events)):,} from the archive".encode())
        assert b"API key" not in term.output  # no login dialog
        term.send(b"q")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert recording.requests == []
