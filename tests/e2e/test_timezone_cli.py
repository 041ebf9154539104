"""`--tz ZONE` and `timezone = "..."` on the command line: a bad zone is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import one_line_error, run


@pytest.mark.parametrize(
    "args",
    [
        ("--tz", "Nowhere/Bad"),
        ("--demo", "--tz", "Nowhere/Bad"),
        ("--tz=Nowhere/Bad", "--since", "1h"),
        ("open", "events.ndjson", "--tz", "Nowhere/Bad"),
    ],
)
def test_an_unknown_tz_is_one_line_exit_2(
    isolated_environment: Path, args: tuple[str, ...]
) -> None:
    line = one_line_error(run(*args), 2)
    assert "Unknown time zone 'Nowhere/Bad'" in line and "Europe/Berlin" in line


def test_a_known_tz_passes_on_to_the_next_check(isolated_environment: Path) -> None:
    line = one_line_error(run("open", "missing.ndjson", "--tz", "Europe/Berlin"), 2)
    assert "missing.ndjson" in line and "time zone" not in line


def test_a_bad_timezone_in_config_is_one_line_exit_2(isolated_environment: Path) -> None:
    config = isolated_environment / "config" / "auditui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('timezone = "Nowhere/Bad"\n')
    line = one_line_error(run("status"), 2)
    assert "config.toml" in line and "timezone" in line and "Nowhere/Bad" in line


def test_help_names_the_tz_option() -> None:
    result = run("--help")
    assert result.returncode == 0 and "--tz ZONE" in result.stdout
