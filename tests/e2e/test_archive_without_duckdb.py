"""Without DuckDB (the extra `auditui[archive]` not installed) every archive command says in
one line how to install it and exits 2, before it reads a config, a key or the network.

The child runs with a fake `duckdb` package first on PYTHONPATH whose import raises
ImportError, as a missing package does; the rest of auditui must work as before (checked
with `auditui --version` and `auditui fetch --help`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from auditui.archive.engine import INSTALL_HINT
from tests.helpers.cli import one_line_error, run

_EVIDENCE_RANGE = ("--from", "2026-11-01", "--to", "2026-11-02")
ARCHIVE_COMMANDS: dict[str, tuple[str, ...]] = {
    "archive sync": ("archive", "sync", "--since", "2d"),
    "archive status": ("archive", "status"),
    "archive verify": ("archive", "verify"),
    "archive verify --repair": ("archive", "verify", "--repair"),
    "sql": ("sql", "SELECT count(*) FROM audit_logs"),
    "sql --format json": ("sql", "SELECT 1", "--format", "json"),
    "browse --archive-only": ("--archive-only", "--since", "1d"),
    "fetch --archive": ("fetch", "--since", "1d"),
    "evidence export --archive": ("evidence", "export", *_EVIDENCE_RANGE, "--output", "{tmp}/b"),
}


@pytest.fixture
def no_duckdb(tmp_path: Path) -> dict[str, str]:
    """The environment of a child in which `import duckdb` fails."""
    fake = tmp_path / "fake-site" / "duckdb"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise ImportError(\"No module named 'duckdb' (faked by the test)\")\n"
    )
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(fake.parent), path]))}


def _with_archive(args: tuple[str, ...], root: Path) -> list[str]:
    """`args` with `--archive DIR` (the browser's flag is a top-level option)."""
    return [*args, "--archive", str(root)]


@pytest.mark.parametrize("name", sorted(ARCHIVE_COMMANDS))
def test_each_archive_command_says_how_to_install_duckdb(
    name: str, no_duckdb: dict[str, str], tmp_path: Path
) -> None:
    root = tmp_path / "archive"
    args = tuple(arg.replace("{tmp}", str(tmp_path)) for arg in ARCHIVE_COMMANDS[name])
    result = run(*_with_archive(args, root), env=no_duckdb)
    line = one_line_error(result, 2)
    assert INSTALL_HINT in line, line
    assert not root.exists()  # nothing created on the way


@pytest.mark.parametrize("args", [("--version",), ("fetch", "--help"), ("archive", "--help")])
def test_the_rest_works_without_duckdb(args: tuple[str, ...], no_duckdb: dict[str, str]) -> None:
    result = run(*args, env=no_duckdb)
    assert result.returncode == 0, result.stderr
    assert "auditui" in result.stdout and result.stderr == ""
