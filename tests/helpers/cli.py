"""Running the CLI in a subprocess, its fixed time-range flags, and reading what it said (one
line of error)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

from auditui.timespec import TimeRange


def span(time_range: TimeRange) -> tuple[str, ...]:
    """`--from START --to END`: a fixed range. Never `--since` where two runs must see the
    same events: it slides with the wall clock between them."""
    return ("--from", time_range.start.isoformat(), "--to", time_range.end.isoformat())


def run(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`python -m auditui ARGS` in a subprocess (stdin closed unless given)."""
    full_env = dict(os.environ if env is None else env)
    full_env.pop("CI", None)  # keep the child's behaviour independent of the CI flag
    return subprocess.run(
        [sys.executable, "-m", "auditui", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=full_env,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The one stderr line of a run that failed with `code` (asserting there is one)."""
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditui"), result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr
    return lines[0]
