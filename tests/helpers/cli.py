"""Reading what a CLI subprocess said: exactly one line of error, no traceback."""

from __future__ import annotations

import subprocess


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The one stderr line of a run that failed with `code` (asserting there is one)."""
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("auditui"), result.stderr
    assert "Traceback" not in result.stderr and "unexpected error" not in result.stderr
    return lines[0]
