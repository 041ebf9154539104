"""`auditui archive sync|status|verify` as subprocesses against the demo server on loopback.

The demo data ends at the fixed `END` (late November 2026) and every range asked for lies
before it, so every day synced here had closed long before the wall clock the child reads:
nothing depends on the time the suite runs (the open day is `tests/core/test_archive_sync`'s,
with `now` injected). Each test has the isolated HOME of conftest and its own `--archive`.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditui.archive import ArchivePaths, read_manifest
from auditui.demo import DEMO_KEY, DemoServer, Fault
from tests.helpers.cli import one_line_error, run
from tests.helpers.terminal import Terminal

END = datetime(2026, 11, 26, 13, tzinfo=UTC)
SIX_DAYS = ("--from", "2026-11-21", "--to", "2026-11-26")  # a date as --to: its whole day


@pytest.fixture
def server() -> Iterator[DemoServer]:
    started = DemoServer(end=END, events_per_day=150, days=12).start()
    try:
        yield started
    finally:
        started.stop()


def api_env(server: DemoServer) -> dict[str, str]:
    return {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY}


def requests(server: DemoServer) -> int:
    return sum(1 for request in server.requests if request.path.endswith("/audit_logs"))


def archive(server: DemoServer, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("archive", *args, "--archive", str(root), env=api_env(server))


def start(server: DemoServer, root: Path, *args: str, **options: object) -> subprocess.Popen[str]:
    """`archive sync ARGS` started in the background (stdout and stderr captured)."""
    env = {**api_env(server)}
    env.pop("CI", None)
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "auditui", "archive", "sync", *args, "--archive", str(root)],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, **options,
    )  # fmt: skip


def wait_until(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def listed_days(root: Path) -> int:
    manifest = read_manifest(ArchivePaths(root))  # replaced atomically: never seen half-written
    return len(manifest.days) if manifest is not None else 0


def snapshot(root: Path) -> tuple[bytes, list[str]]:
    """The manifest's bytes and every file under the archive (temp files included)."""
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return (root / "manifest.json").read_bytes(), [n for n in names if n != ".lock"]


def test_sync_then_again_then_status_and_verify(server: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    first = archive(server, root, "sync", *SIX_DAYS)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # no progress when stderr is not a terminal
    lines = first.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Fetched 6 days (0 already archived), ")
    assert "archive: 6 days, " in lines[0] and str(root) in lines[0]
    asked = requests(server)

    again = archive(server, root, "sync", *SIX_DAYS)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Fetched 0 days (6 already archived), 0 events added")
    assert requests(server) == asked  # every day was closed: nothing fetched

    older = archive(server, root, "sync", "--from", "2026-11-18", "--to", "2026-11-19")
    assert older.returncode == 0, older.stderr
    status = archive(server, root, "status")
    assert status.returncode == 0, status.stderr
    assert "covered: 2026-11-18 → 2026-11-19 (2 days), 2026-11-21 → 2026-11-26 (6 days)" in (
        status.stdout
    )
    assert "gaps: 2026-11-20 (1 day)" in status.stdout
    assert "days: 8 closed, 0 open · " in status.stdout and "head digest: " in status.stdout
    verify = archive(server, root, "verify")
    assert verify.returncode == 0 and verify.stdout.startswith("OK: 8 days")


def test_progress_on_a_terminal_then_one_summary_line(server: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    command = [
        sys.executable,
        "-m",
        "auditui",
        "archive",
        "sync",
        *SIX_DAYS,
        "--archive",
        str(root),
    ]
    terminal = Terminal(command, api_env(server), (120, 30))
    try:
        assert terminal.wait_exit(60) == 0
    finally:
        terminal.close()
    text = terminal.output.decode()
    assert "days 0/6 · 0 events" in text and "days 6/6 · " in text  # the progress line
    assert "\r\x1b[KFetched 6 days (0 already archived)" in text  # cleared, then the summary


def test_a_failing_day_exits_1_and_leaves_the_archive(server: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert (
        archive(server, root, "sync", "--from", "2026-11-21", "--to", "2026-11-25").returncode == 0
    )
    before = snapshot(root)
    server.faults.push(Fault(kind="status", status=500))  # the one new day's request
    result = archive(server, root, "sync", *SIX_DAYS)
    line = one_line_error(result, 1)
    assert "1 day failed" in line and "2026-11-26 (HTTP 500)" in line
    assert result.stdout.startswith("Fetched 0 days (5 already archived)")
    assert snapshot(root) == before


def test_kill_9_mid_sync_leaves_an_archive_that_verifies(
    server: DemoServer, tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    # two requests answered at once, the others after a minute: kill -9 in between
    server.faults.push(Fault(kind="delay", seconds=0, repeat=2),
                       Fault(kind="delay", seconds=60, repeat=20))  # fmt: skip
    child = start(server, root, "--from", "2026-11-17", "--to", "2026-11-26")
    try:
        wait_until(lambda: listed_days(root) == 2)
        assert child.poll() is None  # still waiting for the other eight days
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    manifest = read_manifest(ArchivePaths(root))
    assert manifest is not None and len(manifest.days) == 2  # whichever two answered first
    for entry in manifest.files():  # only complete files are listed
        assert (root / entry.name).stat().st_size == entry.bytes
    found = archive(server, root, "verify")  # at most what the kill left unlisted
    assert all(line.startswith(("extra: ", "OK: ")) for line in found.stdout.splitlines())
    server.faults.clear()
    resumed = archive(server, root, "sync", "--from", "2026-11-17", "--to", "2026-11-26")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.startswith("Fetched 8 days (2 already archived)")
    verify = archive(server, root, "verify")
    assert verify.returncode == 0 and verify.stdout.startswith("OK: 10 days"), verify.stdout


def test_a_second_sync_says_who_holds_the_lock(server: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    server.faults.push(Fault(kind="delay", seconds=60, repeat=20))
    first = start(server, root, *SIX_DAYS)
    try:
        wait_until(lambda: (root / ".lock").is_file() and "pid" in (root / ".lock").read_text())
        line = one_line_error(archive(server, root, "sync", *SIX_DAYS), 1)
        assert f"is being written by pid {first.pid}" in line and "wait for it" in line
    finally:
        first.send_signal(signal.SIGTERM)
        _, said = first.communicate(timeout=30)
    assert first.returncode == 128 + signal.SIGTERM, said  # (once 1 under a full suite's load)


def _read_only(root: Path, on: bool) -> None:
    """Make the archive read-only: the mode bits, or (as root, whom they do not stop) the
    immutable attribute on every folder and file (`chattr`, ext4 and most file systems)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-R", "+i" if on else "-i", str(root)], check=True)
        return
    for path in [root, *root.rglob("*")]:
        path.chmod((0o555 if path.is_dir() else 0o444) if on else 0o700)


def test_a_read_only_archive_is_one_line(server: DemoServer, tmp_path: Path) -> None:
    if os.geteuid() == 0 and shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: nothing makes a folder read-only")
    root = tmp_path / "archive"
    assert (
        archive(server, root, "sync", "--from", "2026-11-21", "--to", "2026-11-25").returncode == 0
    )
    before = snapshot(root)
    _read_only(root, True)
    try:
        line = one_line_error(archive(server, root, "sync", *SIX_DAYS), 1)
        assert "Cannot write" in line and str(root) in line
        verify = archive(server, root, "verify")  # reading needs no write
        assert verify.returncode == 0, verify.stderr
    finally:
        _read_only(root, False)
    assert snapshot(root) == before


def _small_files(limit: int) -> Callable[[], None]:
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # inherited: writes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_file_size


def test_a_full_disk_is_one_line_and_nothing_half_visible(
    server: DemoServer, tmp_path: Path
) -> None:
    """A full disk, simulated honestly: no small file system can be mounted here, so the
    child runs with RLIMIT_FSIZE at 4 KiB and SIGXFSZ ignored, which makes every write past
    4 KiB fail with EFBIG, as ENOSPC would, in the middle of the first day file."""
    root = tmp_path / "archive"
    assert (
        archive(server, root, "sync", "--from", "2026-11-21", "--to", "2026-11-24").returncode == 0
    )
    before = snapshot(root)
    child = start(server, root, *SIX_DAYS, preexec_fn=_small_files(4096))
    out, err = child.communicate(timeout=60)
    assert child.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditui: error: Cannot write"), err
    assert "Traceback" not in err and out == ""
    assert snapshot(root) == before  # no temp file, no new day, the manifest as it was
    verify = archive(server, root, "verify")
    assert verify.returncode == 0, verify.stdout


def test_another_host_is_refused_naming_both(server: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert (
        archive(server, root, "sync", "--from", "2026-11-25", "--to", "2026-11-26").returncode == 0
    )
    with DemoServer(end=END, events_per_day=10, days=2).start() as other:
        line = one_line_error(archive(other, root, "sync", *SIX_DAYS), 1)
        assert server.url in line and other.url in line and "never mixes hosts" in line
        assert requests(other) == 0
        status = archive(other, root, "status")  # shown, with a warning naming the new host
        assert status.returncode == 0, status.stderr
        assert f"default · {server.url}" in status.stdout
        assert f"warning: profile 'default' now uses {other.url}" in status.stdout
    same = archive(server, root, "status")
    assert same.returncode == 0 and "warning" not in same.stdout


def test_a_newer_manifest_format_is_one_line(server: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert (
        archive(server, root, "sync", "--from", "2026-11-25", "--to", "2026-11-26").returncode == 0
    )
    data = json.loads((root / "manifest.json").read_text())
    data["format"] = 99
    (root / "manifest.json").write_text(json.dumps(data))
    for action in ("sync", "verify"):
        line = one_line_error(archive(server, root, action), 1)
        assert "written by a newer auditui" in line and "upgrade auditui" in line
    status = archive(server, root, "status")
    assert status.returncode == 1 and "newer auditui" in status.stdout


def test_verify_names_each_problem_and_repair_refetches(server: DemoServer, tmp_path: Path) -> None:
    root = tmp_path / "archive"
    assert archive(server, root, "sync", *SIX_DAYS).returncode == 0
    manifest = read_manifest(ArchivePaths(root))
    assert manifest is not None
    changed = root / manifest.days["2026-11-22"].files[0].name
    changed.write_bytes(changed.read_bytes()[:-100] + b"\0" * 100)
    shutil.rmtree(root / "date=2026-11-24")
    shutil.copy(changed, root / "date=2026-11-23" / "part-stray.parquet")
    found = archive(server, root, "verify")
    one_line_error(found, 1)
    assert f"unreadable: {manifest.days['2026-11-22'].files[0].name}: " in found.stdout
    assert "day folder deleted: date=2026-11-24" in found.stdout
    assert "extra: date=2026-11-23/part-stray.parquet" in found.stdout
    asked = requests(server)
    repaired = archive(server, root, "verify", "--repair")
    assert repaired.returncode == 0, repaired.stderr
    assert "Refetched 2 days: " in repaired.stdout and "2026-11-22" in repaired.stdout
    assert "Removed extra file date=2026-11-23/part-stray.parquet" in repaired.stdout
    assert requests(server) == asked + 2
    assert archive(server, root, "verify").returncode == 0


def test_sync_help_says_the_default_range() -> None:
    result = run("archive", "sync", "--help")
    assert result.returncode == 0 and "last 90 days" in " ".join(result.stdout.split())
