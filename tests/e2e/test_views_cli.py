"""`auditui --view NAME` and `auditui views`: an unknown view is one line listing the known
names (exit 2), a known one opens the browser with it (in a pseudo-terminal), and the
view's range is what loads unless the command line gives one."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pytest

from auditui.cli.main import build_parser
from auditui.cli.views import chosen_view, with_view_range
from auditui.config.views import SavedView, ViewBook, ViewError
from auditui.demo import DEMO_KEY, DemoServer
from tests.helpers.cli import one_line_error, run
from tests.helpers.terminal import Terminal


def _config(text: str) -> Path:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "auditui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    return config


def test_an_unknown_view_is_one_line_listing_the_known_ones() -> None:
    _config('[views.failures]\nquery = "status:failure"\n')
    ViewBook("default").save(SavedView(name="mine", query="user:ann"))
    line = one_line_error(run("--demo", "--view", "nope"), 2)
    assert line == "auditui: error: Unknown view 'nope' (known: failures, mine)."


def test_an_unknown_view_without_any_says_how_to_save_one() -> None:
    line = one_line_error(run("--view", "x"), 2)
    assert "Unknown view 'x'" in line and "ctrl+s" in line


def test_a_bad_config_view_is_one_line() -> None:
    _config('[views.x]\nsort = "nope"\n')
    line = one_line_error(run("--demo", "--view", "x"), 2)
    assert "views.x.sort" in line


def test_views_lists_saved_and_config_views() -> None:
    result = run("views")
    assert result.returncode == 0 and "No saved views" in result.stdout
    _config('[views.failures]\nquery = "status:failure"\nsince = "7d"\n')
    ViewBook("default").save(SavedView(name="mine", query="user:ann", sort="user"))
    result = run("views")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["failures", "config"] and "last 7d" in lines[0]
    assert lines[1].split()[:2] == ["mine", "saved"] and "user:ann" in lines[1]


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_the_views_range_loads_unless_the_command_line_gives_one() -> None:
    ViewBook("default").save(SavedView(name="week", since="7d"))
    ViewBook("default").save(
        SavedView(name="nov", start="2026-11-01T00:00:00+00:00", end="2026-11-02T00:00:00+00:00")
    )
    ViewBook("default").save(SavedView(name="plain", query="a"))
    assert chosen_view(_args(), "default") is None
    week = chosen_view(_args("--view", "week"), "default")
    assert with_view_range(_args("--view", "week"), week).since == "7d"
    nov = chosen_view(_args("--view", "nov"), "default")
    args = with_view_range(_args("--view", "nov"), nov)
    assert (args.start, args.end, args.since) == (nov.start, nov.end, None)  # type: ignore[union-attr]
    given = _args("--view", "week", "--since", "2h")
    assert with_view_range(given, week).since == "2h"  # the command line wins
    plain = chosen_view(_args("--view", "plain"), "default")
    assert with_view_range(_args("--view", "plain"), plain).since is None
    with pytest.raises(ViewError):
        chosen_view(_args("--view", "other"), "default")


def test_a_known_view_opens_the_browser_with_it(demo_server: DemoServer) -> None:
    _config(
        '[views.fails]\nquery = "status:failure"\n'
        'from = "2026-11-25T12:00Z"\nto = "2026-11-26T12:00Z"\n'
    )
    env = {
        **os.environ,
        "DATAFOLD_HOST": demo_server.url,
        "DATAFOLD_API_KEY": DEMO_KEY,
        "TERM": "xterm-256color",
    }
    env.pop("CI", None)
    term = Terminal([sys.executable, "-m", "auditui", "--view", "fails"], env, (160, 40))
    try:
        term.wait_output(b"status:failure")
        term.send(b"q")
        assert term.wait_exit() == 0
        assert b"Traceback" not in term.output
    finally:
        term.close()


def test_views_of_an_unknown_profile_is_one_line_exit_2() -> None:
    line = one_line_error(run("views", "--profile", "nope"), 2)
    assert "Unknown profile 'nope'" in line
