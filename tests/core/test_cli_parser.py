"""The command line's parser (`cli/parser.py`): a command's options are built only when the
command line names it, and nothing a user sees of the parser changes for that: every command
is listed, parses, has its help and is offered when a name is mistyped."""

from __future__ import annotations

import argparse
import re

import pytest

from auditui.cli.parser import build_parser

COMMANDS = (
    "login",
    "logout",
    "status",
    "fetch",
    "review",
    "evidence",
    "sql",
    "archive",
    "views",
    "open",
    "cache",
    "demo-server",
)


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The `prog` of every parser made from here on, in order."""
    made: list[str] = []
    original = argparse.ArgumentParser.__init__

    def counting(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        made.append(self.prog)

    monkeypatch.setattr(argparse.ArgumentParser, "__init__", counting)
    return made


def test_the_browser_builds_no_commands_parser(built: list[str]) -> None:
    args = build_parser().parse_args(["--demo", "--since", "2h"])
    assert (args.demo, args.since, args.command) == (True, "2h", None)
    assert built == ["auditui"]  # the top level only: no command's parser


def test_a_command_builds_its_own_parser_only(built: list[str]) -> None:
    args = build_parser().parse_args(["fetch", "--since", "1h", "--format", "csv", "-q", "x"])
    assert (args.command, args.since, args.format, args.query) == ("fetch", "1h", "csv", "x")
    assert built == ["auditui", "auditui fetch"]


def test_help_lists_every_command_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["--help"])
    assert exited.value.code == 0
    listed = re.findall(r"^    (\S+)\s", capsys.readouterr().out, flags=re.MULTILINE)
    assert tuple(listed) == COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_its_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args([command, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: auditui {command} ")


def test_a_mistyped_command_is_told_every_choice(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["fech"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "invalid choice: 'fech'" in error
    assert all(f"'{command}'" in error for command in COMMANDS)


def test_families_and_their_actions_parse() -> None:
    parser = build_parser()
    assert parser.parse_args(["cache", "clear", "--profile", "eu"]).cache_command == "clear"
    assert parser.parse_args(["archive", "verify", "--repair"]).repair is True
    review = parser.parse_args(["review", "support", "--format", "csv"])
    assert (review.review_command, review.format) == ("support", "csv")
    assert parser.parse_args(["open", "events.ndjson"]).file == "events.ndjson"
