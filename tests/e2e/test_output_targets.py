"""Where `auditui fetch -o` writes: symlinks, FIFOs, devices, folders; file modes; signals.

Every test runs `python -m auditui` in a child process (the isolated environment of
conftest) against the real demo server on loopback. A regular file is replaced atomically
and private (0600) unless asked otherwise; a symlink is written through (the link stays);
a FIFO or a character device is streamed to, never replaced; a folder, socket or block
device is refused in one line. SIGTERM and SIGHUP during a fetch leave no temp file.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.paths import TEMP_NAME_RE, umask
from tests.helpers.cli import one_line_error


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "auditui", *args]


def run(
    *args: str, env: Mapping[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        env=dict(env),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def api_env(server: DemoServer) -> dict[str, str]:
    env = {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY}
    env.pop("CI", None)
    return env


def ndjson_lines(data: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in data.splitlines()]


FETCH = ("fetch", "--since", "2d")


def test_a_symlink_is_written_through_and_stays_a_link(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    archive = tmp_path / "arch"
    archive.mkdir()
    target = archive / "target.ndjson"
    target.write_bytes(b"old data\n")
    link = tmp_path / "latest.ndjson"
    link.symlink_to(Path("arch") / "target.ndjson")
    result = run(*FETCH, "-o", str(link), env=api_env(demo_server))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(Path("arch") / "target.ndjson")
    events = ndjson_lines(target.read_bytes())
    assert len(events) > 10 and all("event_uuid" in event for event in events)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in archive.iterdir()) == ["target.ndjson"]  # no temp left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["arch", "home", "latest.ndjson"]


def test_a_dangling_symlink_creates_its_target(demo_server: DemoServer, tmp_path: Path) -> None:
    link = tmp_path / "latest.ndjson"
    link.symlink_to(tmp_path / "new.ndjson")
    result = run(*FETCH, "-o", str(link), env=api_env(demo_server))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and (tmp_path / "new.ndjson").is_file()
    assert ndjson_lines((tmp_path / "new.ndjson").read_bytes())


def test_a_fifo_is_streamed_to_its_reader(demo_server: DemoServer, tmp_path: Path) -> None:
    fifo = tmp_path / "events.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    result = run(*FETCH, "-o", str(fifo), env=api_env(demo_server))
    thread.join(30)
    assert result.returncode == 0, result.stderr
    assert received and len(ndjson_lines(received[0])) > 10
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still the FIFO, not a file put in its place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.fifo", "home"]


def device_like(real: str, folder: Path) -> Path:
    """A character device node with the same device as `real` (e.g. /dev/null), made in
    `folder` where we may (root may mknod): a broken build then replaces the test's node,
    never the system's. Elsewhere `real` itself, which a non-root user cannot replace."""
    node = folder / Path(real).name
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.stat(real).st_rdev)
    except OSError:
        return Path(real)
    return node


def test_a_null_device_stays_a_character_device(demo_server: DemoServer, tmp_path: Path) -> None:
    node = device_like(os.devnull, tmp_path)
    before = node.stat()
    result = run(*FETCH, "-o", str(node), env=api_env(demo_server))
    assert result.returncode == 0, result.stderr
    after = node.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev, after.st_mode) == (
        before.st_ino,
        before.st_rdev,
        before.st_mode,
    )
    assert [p.name for p in node.parent.iterdir() if TEMP_NAME_RE.match(p.name)] == []


def test_a_full_device_is_one_line(demo_server: DemoServer, tmp_path: Path) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("this system has no /dev/full")
    node = device_like("/dev/full", tmp_path)
    line = one_line_error(run(*FETCH, "-o", str(node), env=api_env(demo_server)), 1)
    assert str(node) in line and "no space left" in line and "Errno 28" in line
    assert stat.S_ISCHR(node.stat().st_mode)


def test_stdout_on_a_full_device_is_one_line(demo_server: DemoServer) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("this system has no /dev/full")
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            command(*FETCH),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env=api_env(demo_server),
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    line = one_line_error(result, 1)
    assert "standard output" in line and "Errno 28" in line


def test_a_folder_is_refused(demo_server: DemoServer, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    line = one_line_error(run(*FETCH, "-o", str(folder), env=api_env(demo_server)), 2)
    assert "is a folder" in line
    assert folder.is_dir() and list(folder.iterdir()) == []


def test_a_socket_is_refused(demo_server: DemoServer, tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        line = one_line_error(run(*FETCH, "-o", str(path), env=api_env(demo_server)), 2)
    assert "is a socket" in line


def test_a_block_device_is_refused(demo_server: DemoServer, tmp_path: Path) -> None:
    """A block device node made for the test (mknod needs root); else one that exists."""
    node = tmp_path / "disk"
    try:
        os.mknod(node, 0o600 | stat.S_IFBLK, os.makedev(7, 200))
    except (PermissionError, OSError):
        existing = [p for p in Path("/dev").glob("loop*") if p.is_block_device()]
        if not existing:
            pytest.skip("cannot make a block device node and none exists")
        node = existing[0]
    before = node.stat()
    line = one_line_error(run(*FETCH, "-o", str(node), env=api_env(demo_server)), 2)
    assert "block device" in line
    assert node.stat().st_rdev == before.st_rdev and node.is_block_device()


def test_exports_are_private_unless_shared(demo_server: DemoServer, tmp_path: Path) -> None:
    private = tmp_path / "private.csv"
    result = run(*FETCH, "--format", "csv", "-o", str(private), env=api_env(demo_server))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    shared = tmp_path / "shared.csv"
    result = run(*FETCH, "--shared-output", "-o", str(shared), env=api_env(demo_server))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644 & ~umask()


def test_export_mode_umask_in_the_profile(demo_server: DemoServer, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[defaults]\nexport_mode = "umask"\n')
    env = {**api_env(demo_server), "AUDITUI_CONFIG": str(config)}
    target = tmp_path / "x.ndjson"
    assert run(*FETCH, "-o", str(target), env=env).returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o644 & ~umask()
    config.write_text('[defaults]\nexport_mode = "public"\n')
    line = one_line_error(run(*FETCH, "-o", str(target), env=env), 2)
    assert "export_mode" in line and "umask" in line


def _temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if TEMP_NAME_RE.match(p.name)]


@pytest.mark.parametrize(
    ("signum", "name"), [(signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGHUP")]
)
def test_a_signal_during_fetch_leaves_no_temp_file(
    demo_server: DemoServer, tmp_path: Path, signum: int, name: str
) -> None:
    """The output is opened before the load; the server holds every answer, so the signal
    arrives while the temp file exists (waited for, not timed)."""
    demo_server.faults.push(Fault("delay", seconds=120, repeat=100))
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "out.csv"
    (folder / "keep.csv").write_text("someone else's file\n")
    proc = subprocess.Popen(
        command("fetch", "--no-cache", "--since", "3d", "--format", "csv", "-o", str(target)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=api_env(demo_server),
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _temp_files(folder):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the temp file never appeared"
            time.sleep(0.02)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, stderr
    assert stderr.strip() == f"auditui: stopped by {name}"
    assert sorted(p.name for p in folder.iterdir()) == ["keep.csv"]


def test_a_stale_temp_of_the_target_is_swept_by_the_next_fetch(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    """What kill -9 leaves (a temp file of our naming) goes once it is over an hour old."""
    target = tmp_path / "out.ndjson"
    stale = tmp_path / ".out.ndjson.0123456789ab.tmp"
    fresh = tmp_path / ".out.ndjson.ba9876543210.tmp"
    other = tmp_path / ".other.ndjson.0123456789ab.tmp"
    for path in (stale, fresh, other):
        path.write_bytes(b"half written")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    result = run(*FETCH, "-o", str(target), env=api_env(demo_server))
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert fresh.exists() and other.exists()  # a write in progress; another file's
    assert target.is_file()


def test_kill_9_leaves_a_temp_that_a_later_run_sweeps(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    demo_server.faults.push(Fault("delay", seconds=120, repeat=100))
    target = tmp_path / "out.csv"
    proc = subprocess.Popen(
        command("fetch", "--no-cache", "--since", "3d", "-o", str(target)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=api_env(demo_server),
        stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not _temp_files(tmp_path):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    left = [tmp_path / name for name in _temp_files(tmp_path)]
    assert len(left) == 1  # nothing can clean up after kill -9
    old = time.time() - 2 * 3600
    os.utime(left[0], (old, old))
    demo_server.faults.clear()
    assert run(*FETCH, "-o", str(target), env=api_env(demo_server)).returncode == 0
    assert _temp_files(tmp_path) == [] and target.is_file()


def _unshare_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k none /mnt 2>/dev/null"],
        capture_output=True,
        timeout=20,
    )
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(
    sys.platform != "linux" or not _unshare_available(),
    reason="needs `unshare -rm` (a user namespace) to mount a small or read-only tmpfs",
)


def in_mount(options: str, folder: Path, *args: str) -> list[str]:
    """`args` run where `folder` is a fresh tmpfs mounted with `options`, in a private
    mount namespace (nothing outside the child sees it)."""
    script = 'mount -t tmpfs -o "$1" none "$2" && shift 2 && exec "$@"'
    return ["unshare", "-rm", "sh", "-c", script, "sh", options, str(folder), *args]


@needs_mounts
def test_a_full_file_system_is_one_line(demo_server: DemoServer, tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    args = in_mount("size=16k", small, *command(*FETCH, "-o", str(small / "out.ndjson")))
    result = subprocess.run(
        args, capture_output=True, text=True, env=api_env(demo_server), timeout=60
    )
    line = one_line_error(result, 1)
    assert "no space left" in line and "Errno 28" in line


@needs_mounts
def test_a_read_only_file_system_is_one_line(demo_server: DemoServer, tmp_path: Path) -> None:
    frozen = tmp_path / "frozen"
    frozen.mkdir()
    args = in_mount("ro,size=64k", frozen, *command(*FETCH, "-o", str(frozen / "out.ndjson")))
    result = subprocess.run(
        args, capture_output=True, text=True, env=api_env(demo_server), timeout=60
    )
    line = one_line_error(result, 1)
    assert "read-only" in line and "Errno 30" in line
    assert len(demo_server.requests) == 0  # refused before any request
