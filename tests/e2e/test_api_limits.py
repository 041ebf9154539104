"""`auditui fetch` against a gzip bomb and a trickling body, as a user meets them (issue 16,
items 2 and 3): one line on stderr, exit 1, no event printed, bounded memory, no hang.

The fetch runs in a child of a small Python parent that reports the child's peak resident
memory (`RUSAGE_CHILDREN` of a process with no other child), so nothing else the test
process ran is counted. The demo server is the real one, on loopback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault, parse_fault_spec
from auditui.demo.encoding import gzip_bomb

MiB = 1024**2
DAY = datetime.now(UTC).date() - timedelta(days=2)
ONE_DAY = ("--from", f"{DAY}T00:00:00Z", "--to", f"{DAY + timedelta(days=1)}T00:00:00Z")
MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, stdin=subprocess.DEVNULL)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
print(f"{done.returncode} {peak}")
sys.stderr.write(done.stderr)
sys.stdout.write(done.stdout)
"""


@pytest.fixture
def config(isolated_environment: Path) -> Path:
    """A 0.2 s read timeout: the deadline of a whole response is 1 s."""
    path = isolated_environment / "config" / "auditui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[profiles.default]\nread_timeout = 0.2\n")
    return path


def fetch(server: DemoServer) -> tuple[int, int, str, str]:
    """(exit code, peak RSS in KiB, stdout, stderr) of `auditui fetch` of one whole day."""
    env = {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY}
    env.pop("CI", None)
    command = [sys.executable, "-m", "auditui", "fetch", *ONE_DAY]  # one request
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    first, _, out = done.stdout.partition("\n")
    code, peak = (int(value) for value in first.split())
    return code, peak, out, done.stderr


def test_fetch_refuses_a_gzip_bomb_in_bounded_memory(demo_server: DemoServer) -> None:
    """256 MiB of gzip-compressed spaces (about 256 KiB on the wire): before, all of it was
    inflated (and joined: twice that in memory); now the ratio limit stops it early."""
    gzip_bomb(256 * MiB)  # built before the fetch starts (the server answers at once)
    demo_server.faults.push(Fault("gzip_bomb", size=256 * MiB))
    code, peak, out, err = fetch(demo_server)
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert line.startswith("auditui: error: The response inflates to more than 200 times"), line
    assert peak < 200 * 1024, f"peak RSS {peak // 1024} MiB"
    assert sum(1 for request in demo_server.requests if request.body) == 1  # not retried


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_fetch_gives_up_on_a_trickling_body(
    demo_server: DemoServer, config: Path, chunked: bool
) -> None:
    """A few bytes every 50 ms for a minute: the fetch fails at the 1 s deadline instead."""
    demo_server.faults.push(Fault("trickle", seconds=60.0, chunks=1200, chunked=chunked))
    code, _, out, err = fetch(demo_server)
    assert code == 1 and out == ""
    [line] = err.splitlines()
    assert "did not arrive in full within 1 s (5 × read_timeout)" in line, line
    assert "Traceback" not in err
    demo_server.faults.clear()


def test_a_trickle_spec_can_be_chunked() -> None:
    assert parse_fault_spec("trickle:2:chunked") == [Fault("trickle", seconds=2.0, chunked=True)]
    assert parse_fault_spec("trickle:2") == [Fault("trickle", seconds=2.0)]
