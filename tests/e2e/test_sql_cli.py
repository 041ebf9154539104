"""`auditui sql` as a subprocess over archives made by the test helper (no API, no sync)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers.archive import archive_config, make_archive
from tests.helpers.cli import one_line_error, run
from tests.helpers.events import raw

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
HOST = "https://app.datafold.com"
COUNT = "SELECT user_email, count(*) AS n FROM audit_logs GROUP BY 1 ORDER BY 2 DESC, 1"


def events() -> list[dict[str, object]]:
    return [
        raw(0, timestamp="2026-11-24T10:00:00.5Z", user_id=1 << 62, object_id=None),
        raw(1, timestamp="2026-11-24T11:00:00Z", user_email='=HYPERLINK("x")'),
        raw(2, timestamp="2026-11-25T12:00:00Z", user_email="evil\x1b]0;pwn\x07@x.com"),
        raw(3, timestamp="2026-11-25T13:00:00Z", user_email="maya@acme.com"),
    ]


def test_table_is_aligned_inert_and_counted(tmp_path: Path) -> None:
    make_archive(tmp_path / "a", events(), host=HOST, now=NOW)
    result = run("sql", COUNT, "--archive", str(tmp_path / "a"))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["user_email", "n"] and set(lines[1]) == {"-", " "}
    assert lines[2].split() == ["maya@acme.com", "2"]
    assert "\x1b" not in result.stdout and "evil\\x1b]0;pwn\\x07@x.com" in result.stdout
    assert lines[-1] == "(3 rows)"
    widths = {len(line) for line in lines[:-1]}
    assert len(widths) == 1  # aligned: every line as wide (n is right-aligned, last)


def test_csv_json_and_ndjson(tmp_path: Path) -> None:
    make_archive(tmp_path / "a", events(), host=HOST, now=NOW)
    query = "SELECT timestamp, user_id, object_id, user_email, date FROM audit_logs ORDER BY 1"
    base = ("sql", query, "--archive", str(tmp_path / "a"), "--format")
    rows = list(csv.reader(io.StringIO(run(*base, "csv").stdout)))
    assert rows[0] == ["timestamp", "user_id", "object_id", "user_email", "date"]
    assert rows[1] == ["2026-11-24T10:00:00.500000Z", str(1 << 62), "", "maya@acme.com",
                       "2026-11-24"]  # fmt: skip
    assert rows[2][3] == '\'=HYPERLINK("x")'  # formula-safe
    assert rows[3][3] == "evil\\x1b]0;pwn\\x07@x.com"

    as_json = run(*base, "json")
    assert as_json.returncode == 0 and "\x1b" not in as_json.stdout
    objects = json.loads(as_json.stdout)
    assert objects[0] == {"timestamp": "2026-11-24T10:00:00.500000Z", "user_id": 1 << 62,
                          "object_id": None, "user_email": "maya@acme.com",
                          "date": "2026-11-24"}  # fmt: skip
    assert objects[2]["user_email"] == "evil\x1b]0;pwn\x07@x.com"  # lossless, escaped
    lines = run(*base, "ndjson").stdout.splitlines()
    assert [json.loads(line) for line in lines] == objects


def test_the_profile_names_the_archive_and_its_host(tmp_path: Path) -> None:
    home = Path.home()
    make_archive(tmp_path / "a", events(), host=HOST, now=NOW)
    archive_config(home, tmp_path / "a", profile="acme", host=HOST)
    ok = run("sql", "SELECT count(*) FROM audit_logs", "--profile", "acme", "--format", "csv")
    assert ok.stdout == "count_star()\n4\n", ok.stderr
    archive_config(home, tmp_path / "a", profile="acme", host="https://eu.datafold.com")
    line = one_line_error(run("sql", "SELECT 1", "--profile", "acme"), 1)
    assert HOST in line and "https://eu.datafold.com" in line


def test_a_bad_query_is_one_line_exit_2(tmp_path: Path) -> None:
    make_archive(tmp_path / "a", events(), host=HOST, now=NOW)
    line = one_line_error(run("sql", "SELECT nope FROM audit_logs", "--archive",
                              str(tmp_path / "a")), 2)  # fmt: skip
    assert line.startswith("auditui: error: Binder Error:") and '"nope"' in line


def test_an_empty_archive_answers_with_a_note(tmp_path: Path) -> None:
    result = run("sql", "SELECT count(*) AS n FROM audit_logs", "--archive", str(tmp_path / "x"))
    assert result.returncode == 0 and result.stdout.splitlines()[2].strip() == "0"
    assert "holds no events yet" in result.stderr and not (tmp_path / "x").exists()


def test_the_query_from_stdin(tmp_path: Path) -> None:
    make_archive(tmp_path / "a", events(), host=HOST, now=NOW)
    query = "SELECT count(*) AS n FROM audit_logs WHERE date = '2026-11-25'"
    result = run("sql", "-", "--archive", str(tmp_path / "a"), "--format", "ndjson", stdin=query)
    assert result.stdout == '{"n":2}\n', result.stderr


def test_sql_imports_neither_the_tui_nor_the_http_client(tmp_path: Path) -> None:
    make_archive(tmp_path / "a", events(), host=HOST, now=NOW)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "auditui", "sql", "SELECT 1", "--archive",
         str(tmp_path / "a")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in result.stderr.splitlines()
                if line.startswith("import time:")}  # fmt: skip
    assert "duckdb" in imported and "auditui" in imported
    assert not imported & {"textual", "rich", "httpx", "httpcore", "numpy", "pandas"}


@pytest.mark.parametrize(
    "command",
    [
        ("sql", "SELECT 1"),
        ("archive", "status"),
        ("archive", "sync"),
        ("archive", "verify"),
        ("evidence", "export", "--since", "1d", "--output", "b"),
        ("fetch",),
    ],
)
def test_archive_dir_before_or_after_the_command(command: tuple[str, ...]) -> None:
    """`auditui --archive DIR sql …` and `auditui sql … --archive DIR` both name the folder
    (the command's own option never hides the top-level one)."""
    from auditui.cli.main import build_parser

    parser = build_parser()
    assert parser.parse_args(["--archive", "/before", *command]).archive == "/before"
    assert parser.parse_args([*command, "--archive", "/after"]).archive == "/after"
    assert parser.parse_args(list(command)).archive is None
