"""Errors that used to print "unexpected error … please report it": each is now one line
saying what went wrong and what to do, exit 1 or 2, no traceback. And `--query -x`.

Subprocess tests run `python -m auditui` (the isolated environment of conftest) against the
real demo server on loopback; `open` runs on a pseudo-terminal (`tests.helpers.terminal`),
as it refuses to start without one. Where the cause is in the core (a file's parse, a time,
a size), a test of the function that raises shows the error is typed at its source.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auditui.cli.main import attach_dash_values
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer
from auditui.errors import StorageError, UsageError, storage_error
from auditui.export.formats import EXPORT_MODES
from auditui.query import QueryError, compile_query
from auditui.sources.cache import cache_limit
from auditui.sources.files import read_events
from auditui.timespec import parse_when, resolve_range
from tests.helpers.cli import one_line_error
from tests.helpers.terminal import Terminal

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)
GOOD = {
    "timestamp": "2026-11-01T10:00:00Z",
    "event_uuid": "u-1",
    "client_ip": "203.0.113.7",
    "url": "/api/v1/x",
    "payload": {"ok": True},
}
DEEP_EVENT = (
    '{"timestamp":"2026-11-01T11:00:00Z","event_uuid":"u-deep","client_ip":"1.2.3.4",'
    '"url":"/x","payload":' + "[" * 100_000 + "]" * 100_000 + "}"
)


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "auditui", *args]


def run(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = dict(os.environ if env is None else env)
    full.pop("CI", None)
    return subprocess.run(
        command(*args), capture_output=True, text=True, env=full, timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def api_env(server: DemoServer, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY, **extra}


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def open_on_a_terminal(path: Path) -> tuple[int, list[str]]:
    """`auditui open PATH` on a pty: (exit code, the lines it printed)."""
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("CI", None)
    terminal = Terminal(command("open", str(path)), env, (100, 30))
    try:
        code = terminal.wait_exit(60)
    finally:
        terminal.close()
    text = _ANSI.sub("", terminal.output.decode("utf-8", "replace"))
    lines = [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    return code, [line for line in lines if not line.startswith("reading ·")]  # progress


# -- auditui open -----------------------------------------------------------------------


def test_open_a_csv_with_a_carriage_return_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\rc\n")
    with pytest.raises(UsageError, match="is not NDJSON"):
        read_events(path)
    code, lines = open_on_a_terminal(path)
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("auditui: error:"), lines
    assert "bad.csv" in lines[0] and "not NDJSON" in lines[0]


def test_open_deeply_nested_json_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    decoded = read_events(path)
    assert (decoded.events, decoded.malformed) == ([], 1)
    code, lines = open_on_a_terminal(path)
    assert code == 2, lines
    assert len(lines) == 1 and lines[0].startswith("auditui: error:"), lines
    assert "no readable events" in lines[0] and "1 bad" in lines[0]


@pytest.mark.parametrize("layout", ["ndjson", "array", "deep-first"])
def test_one_event_nested_too_deep_is_skipped_the_rest_kept(tmp_path: Path, layout: str) -> None:
    second = {**GOOD, "event_uuid": "u-2"}
    if layout == "ndjson":
        text = f"{json.dumps(GOOD)}\n{DEEP_EVENT}\n{json.dumps(second)}\n"
    elif layout == "array":
        text = f"[\n{json.dumps(GOOD)},\n{DEEP_EVENT},\n{json.dumps(second)}\n]\n"
    else:
        text = f"{DEEP_EVENT}\n{json.dumps(GOOD)}\n{json.dumps(second)}\n"
    path = tmp_path / "mixed.json"
    path.write_text(text)
    decoded = read_events(path)
    assert sorted(event.event_uuid for event in decoded.events) == ["u-1", "u-2"]
    assert decoded.malformed == 1


# -- the cache --------------------------------------------------------------------------


def test_cache_clear_that_cannot_write_is_one_line(demo_server: DemoServer) -> None:
    """A file system object in the way of the lock file: fails as root too (chmod does not
    stop root, and CI runs as root)."""
    env = api_env(demo_server)
    root = Path(env["XDG_CACHE_HOME"]) / "auditui" / "windows"
    root.mkdir(parents=True)
    (root / "scope").mkdir()
    (root / ".lock").mkdir()  # open(.lock, O_RDWR | O_CREAT) fails: EISDIR
    line = one_line_error(run("cache", "clear", env=env), 1)
    assert "Cannot clear the cache in" in line and "Errno 21" in line
    assert "delete the folder by hand" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions; see the test above")
def test_cache_clear_in_a_read_only_folder_is_one_line(demo_server: DemoServer) -> None:
    env = api_env(demo_server)
    root = Path(env["XDG_CACHE_HOME"]) / "auditui" / "windows"
    root.mkdir(parents=True)
    (root / "index.json").write_text("{}")
    os.chmod(root, 0o500)
    try:
        line = one_line_error(run("cache", "clear", env=env), 1)
    finally:
        os.chmod(root, 0o700)
    assert "Cannot clear the cache in" in line and "permission denied" in line


def _read_only_mount_works() -> bool:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    script = "mount -t tmpfs -o ro,size=64k none /mnt 2>/dev/null"
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, timeout=20)
    return probe.returncode == 0


@pytest.mark.skipif(
    not _read_only_mount_works(),
    reason="needs `unshare -rm` (a user namespace) to remount the cache read-only",
)
def test_cache_clear_on_a_read_only_file_system_is_one_line(demo_server: DemoServer) -> None:
    env = api_env(demo_server)
    root = Path(env["XDG_CACHE_HOME"]) / "auditui" / "windows"
    root.mkdir(parents=True)
    (root / ".lock").write_bytes(b"")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    args = ["unshare", "-rm", "sh", "-c", script, "sh", str(root), *command("cache", "clear")]
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    line = one_line_error(result, 1)
    assert "read-only" in line and "Errno 30" in line


def test_cache_max_infinite_is_one_line(demo_server: DemoServer) -> None:
    for value in ("inf", "1e400", "infG", "nan", "-1"):
        with pytest.raises(UsageError, match="is not a size"):
            cache_limit({"AUDITUI_CACHE_MAX": value})
    assert cache_limit({"AUDITUI_CACHE_MAX": "2G"}) == 2 * 1024**3
    infinite = api_env(demo_server, AUDITUI_CACHE_MAX="inf")
    line = one_line_error(run("cache", "info", env=infinite), 2)
    assert "AUDITUI_CACHE_MAX" in line and "500M" in line
    fetch = run("fetch", "--since", "1d", env=infinite)
    assert "AUDITUI_CACHE_MAX" in one_line_error(fetch, 2)


# -- times --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "span",
    [
        ("--from", "0001-01-01"),
        ("--from", "0001-01-01", "--to", "0001-01-02"),
        ("--from", "9999-12-30", "--to", "9999-12-31"),
        ("--from", "2026-01-01", "--to", "9999-12-31"),
        ("--from", "0001-01-01T00:00:00+01:00"),
        ("--since", "900000d"),
    ],
)
def test_times_out_of_range_are_one_line(span: tuple[str, ...]) -> None:
    env = {**os.environ, "DATAFOLD_API_KEY": "k", "DATAFOLD_HOST": "http://127.0.0.1:9"}
    line = one_line_error(run("fetch", "--no-cache", *span, env=env), 2)
    assert "outside the times auditui handles" in line and "1970-01-01" in line


def test_parse_when_bounds() -> None:
    for text, role in (("0001-01-01", "start"), ("9999-12-31", "end"), ("1969-12-30", "end")):
        with pytest.raises(UsageError, match="outside the times"):
            parse_when(text, role=role, now=NOW)  # type: ignore[arg-type]
    assert parse_when("1970-01-01", now=NOW) == datetime(1970, 1, 1, tzinfo=UTC)
    with pytest.raises(UsageError, match="outside the times"):
        resolve_range(start="9999-12-30", end="9999-12-31", now=NOW)
    with pytest.raises(QueryError, match="before:"):
        compile_query("before:9999-12-31")


def test_a_window_too_long_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[defaults]\nwindow = "9999999w"\n')
    env = {**os.environ, "AUDITUI_CONFIG": str(config), "DATAFOLD_API_KEY": "k"}
    line = one_line_error(run("fetch", "--since", "1d", env=env), 2)
    assert "window" in line and "366d" in line
    config.write_text('[defaults]\nwindow = "366d"\nexport_mode = "umask"\n')
    profile = load_settings(config).profile()
    assert profile.window.days == 366 and profile.export_mode == "umask"


def test_the_export_modes_of_config_and_export_agree() -> None:
    from auditui.config.settings import EXPORT_MODES as CONFIG_MODES

    assert CONFIG_MODES == EXPORT_MODES


# -- writing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "no space left"),
        (errno.EROFS, "read-only"),
        (errno.EDQUOT, "quota"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_storage_errors_say_what_and_what_to_do(code: int, words: str) -> None:
    error = storage_error("write", "/data/out.csv", OSError(code, os.strerror(code)))
    assert isinstance(error, StorageError) and error.exit_code == 1
    text = str(error)
    assert text.startswith("Cannot write /data/out.csv: ") and words in text
    assert f"(Errno {code})" in text and "\n" not in text
    assert text.endswith(".") and ("elsewhere" in text or "permissions" in text)


# -- --query -x ---------------------------------------------------------------------------


def test_attach_dash_values() -> None:
    assert attach_dash_values(["fetch", "--query", "-source:ci"]) == [
        "fetch",
        "--query=-source:ci",
    ]
    assert attach_dash_values(["fetch", "-q", "-source:ci", "-o", "x"]) == [
        "fetch",
        "--query=-source:ci",
        "-o",
        "x",
    ]
    for kept in (["fetch", "-q", "-o", "x"], ["fetch", "-q", "--since", "1d"], ["-q", "-"]):
        assert attach_dash_values(kept) == kept
    assert attach_dash_values(["--", "--query", "-x"]) == ["--", "--query", "-x"]


def test_a_query_starting_with_a_dash(demo_server: DemoServer) -> None:
    env = api_env(demo_server)
    today = datetime.now(UTC).date()  # the demo data ends at the next whole hour
    span = ("--from", str(today - timedelta(days=6)), "--to", str(today - timedelta(days=2)))
    whole = run("fetch", *span, env=env)
    spaced = run("fetch", *span, "--query", "-source:ci", env=env)
    short = run("fetch", *span, "-q", "-source:ci", env=env)
    joined = run("fetch", *span, "--query=-source:ci", env=env)
    for result in (whole, spaced, short, joined):
        assert result.returncode == 0, result.stderr
    assert spaced.stdout == short.stdout == joined.stdout
    kept = [json.loads(line) for line in spaced.stdout.splitlines()]
    every = [json.loads(line) for line in whole.stdout.splitlines()]
    assert kept and len(kept) < len(every)
    assert all(event.get("source") != "ci" for event in kept)
    forgot = one_line_error(run("fetch", *span, "-q", "-o", "x.ndjson", env=env), 2)
    assert "expected one argument" in forgot
