"""The command line's parser: its options and commands (argparse), nothing run here.

A command's options are added when the command line names it (`_Commands`): the browser's
`auditui` (and `--demo`) builds only the top-level options. Errors are one line (`_Parser`).

A query may start with `-` (`--query -source:ci`, a negation): argparse would read that as
an option, so `--query`/`-q` followed by such a value is joined into `--query=VALUE` first
(`attach_dash_values`).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterator, Sequence
from typing import NoReturn

from auditui import __version__

PROG = "auditui"
# `fetch`'s exact-match flags: (flag, metavar, query field, what it names); see cli/fetch.py
_PIVOT_FLAGS = (
    ("--actor", "EMAIL", "user", "user (the e-mail, else user:ID)"),
    ("--ip", "IP", "ip", "client IP"),
    ("--object", "TEXT", "object", "object as the table shows it (e.g. 'monitor #193')"),
)
_DASH_VALUE_OPTIONS = ("--query", "-q")  # options whose value may well start with "-"
_SHORT_OPTION = re.compile(r"-[A-Za-z]")  # `-q -o`: the value was forgotten, `-o` is an option


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, not usage plus message."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _add_range_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group(
        "time range (WHEN: 2026-11-02, 2026-11-02T13:00Z, 15m, 24h, 7d)"
    )
    group.add_argument("--since", metavar="WHEN", default=default, help="from WHEN until now")
    group.add_argument("--from", dest="start", metavar="WHEN", default=default, help="range start")
    group.add_argument("--to", dest="end", metavar="WHEN", default=default, help="range end")


def _add_follow_options(fetch: argparse.ArgumentParser) -> None:
    group = fetch.add_argument_group("following (new events as they arrive, oldest first)")
    group.add_argument(
        "--follow",
        "-f",
        action="store_true",
        help="keep polling and print new events as they arrive (from --since/--from, else now)",
    )
    group.add_argument(
        "--interval",
        metavar="S",
        type=float,
        help="seconds between polls (default: the profile's follow_interval, 15)",
    )
    group.add_argument(
        "--state",
        metavar="FILE",
        help="remember how far it got in FILE and go on from there after a restart",
    )


def _add_profile_option(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=argparse.SUPPRESS if suppress else None,
        help="config profile (default: $AUDITUI_PROFILE or 'default')",
    )


def _add_tz_option(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    parser.add_argument(
        "--tz",
        metavar="ZONE",
        default=argparse.SUPPRESS if suppress else None,
        help="show times in this IANA zone, e.g. Europe/Berlin (`u` cycles UTC, local, ZONE)",
    )


def _add_archive_option(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """`--archive DIR`, before or after the command (a command's own never hides the
    top-level one: its default is left unset)."""
    parser.add_argument(
        "--archive",
        metavar="DIR",
        default=argparse.SUPPRESS if suppress else None,
        help="the local archive's folder (default: the profile's `archive`, else the user "
        "data folder)",
    )


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    _add_profile_option(parser, suppress=suppress)
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="show tracebacks for errors",
    )


class _Commands(dict[str, argparse.ArgumentParser]):
    """The commands' parsers, each built when argparse first looks it up (a command line
    that names it): `auditui` with no command builds none of their ~100 options, a tenth of
    the start before Textual. Names and help lines are known at once, so `--help` lists
    them and a wrong name is told the choices. The map argparse's subparsers action keeps."""

    def __init__(self, sub: argparse._SubParsersAction[_Parser]) -> None:
        super().__init__()
        self._sub = sub
        self._builders: dict[str, Callable[[_Parser], None]] = {}
        sub._name_parser_map = sub.choices = self  # type: ignore[assignment]

    def add(self, name: str, help: str, build: Callable[[_Parser], None]) -> None:
        """The command `name`, listed with `help`, whose options `build` adds."""
        self._builders[name] = build
        self._sub._choices_actions.append(self._sub._ChoicesPseudoAction(name, (), help))

    def __missing__(self, name: str) -> argparse.ArgumentParser:
        build = self._builders.pop(name)  # KeyError: not a command, as argparse expects
        parser = self._sub.add_parser(name)  # without help: listed once, by `add`
        build(parser)
        return parser

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or name in self._builders

    def __iter__(self) -> Iterator[str]:
        return iter([*super().__iter__(), *self._builders])

    def __len__(self) -> int:
        return super().__len__() + len(self._builders)


def _family(
    family: _Parser, name: str, *, metavar: str = "ACTION"
) -> argparse._SubParsersAction[_Parser]:
    """`auditui NAME ACTION …`: a command family whose action is required (`NAME_command`)."""
    return family.add_subparsers(
        dest=f"{name}_command", metavar=metavar, required=True, parser_class=_Parser
    )


def _review_options(review: _Parser) -> None:
    """`auditui review support`: the support-access review (cli/review.py)."""
    kinds = _family(review, "review", metavar="REVIEW")
    support = kinds.add_parser(
        "support", help="support users' events grouped into sessions (Markdown, CSV, JSON)"
    )
    _add_common(support, suppress=True)
    _add_range_options(support, suppress=True)
    support.add_argument(
        "--format", choices=("md", "csv", "json"), default="md", help="report format (md)"
    )
    support.add_argument(
        "--output", "-o", metavar="FILE", help="write to FILE (atomic, 0600) instead of stdout"
    )
    support.add_argument(
        "--gap",
        metavar="DURATION",
        help="a gap this long or longer starts a new session (default: the profile's "
        "review_gap, 30m)",
    )
    support.add_argument(
        "--no-cache", action="store_true", default=argparse.SUPPRESS, help="bypass the cache"
    )


def _evidence_options(evidence: _Parser) -> None:
    """`auditui evidence export|verify`: a bundle an auditor can check (cli/evidence.py)."""
    actions = _family(evidence, "evidence")
    export = actions.add_parser(
        "export",
        help="a range's events as a folder (or .zip) with digests and a manifest",
    )
    _add_common(export, suppress=True)
    _add_range_options(export, suppress=True)
    export.add_argument(
        "--query",
        "-q",
        metavar="QUERY",
        help="keep only events matching QUERY (as `/` in the app); recorded in the manifest",
    )
    export.add_argument(
        "--output",
        "-o",
        metavar="PATH",
        required=True,
        help="a new folder, or a zip when PATH ends with .zip (never overwritten)",
    )
    _add_archive_option(export, suppress=True)
    verify = actions.add_parser("verify", help="recompute a bundle's digests; name differences")
    _add_common(verify, suppress=True)
    verify.add_argument("path", metavar="PATH", help="the bundle's folder or .zip")
    verify.add_argument(
        "--expect",
        metavar="HEX",
        help="the SHA-256 of SHA256SUMS recorded at hand-over: exit 1 when it differs",
    )


def _archive_options(archive: _Parser) -> None:
    """`auditui archive sync|status|verify`: the local Parquet archive (cli/archive.py)."""
    actions = _family(archive, "archive")
    sync = actions.add_parser(
        "sync",
        help="fetch the days not archived yet (default: the last 90 days)",
        description="Fetch the UTC days of the range not archived yet (default range: the "
        "last 90 days); today's open day is refetched and merged.",
    )
    status = actions.add_parser("status", help="covered ranges, gaps, days, events, size")
    verify = actions.add_parser("verify", help="check every file against the manifest")
    verify.add_argument(
        "--repair", action="store_true", help="refetch the days affected, remove extra files"
    )
    for action in (sync, status, verify):
        _add_common(action, suppress=True)
        _add_archive_option(action, suppress=True)
    _add_range_options(sync, suppress=True)


def _sql_options(sql: _Parser) -> None:
    """`auditui sql "SELECT …"`: SQL over the local archive, the view audit_logs (cli/sql.py)."""
    _add_common(sql, suppress=True)
    sql.add_argument(
        "query", metavar="QUERY", help="e.g. 'SELECT count(*) FROM audit_logs' (- reads stdin)"
    )
    sql.add_argument(
        "--format",
        choices=("table", "csv", "json", "ndjson"),
        default="table",
        help="output format (table: for people, long cells cut; csv/json/ndjson: whole)",
    )
    _add_archive_option(sql, suppress=True)


def _common_options(command: _Parser) -> None:
    """`logout`, `status`, `views`: the options every command has."""
    _add_common(command, suppress=True)


def _login_options(login: _Parser) -> None:
    _add_common(login, suppress=True)
    login.add_argument("--host", metavar="URL", help="Datafold host, e.g. https://eu.datafold.com")
    login.add_argument("--stdin", action="store_true", help="read the key from one stdin line")
    login.add_argument(
        "--insecure-storage",
        action="store_true",
        help="store the key in a 0600 file instead of the OS keyring",
    )
    login.add_argument("--no-verify", action="store_true", help="store without checking the key")


def _fetch_options(fetch: _Parser) -> None:
    """`auditui fetch`: events for scripts (cli/fetch.py)."""
    _add_common(fetch, suppress=True)
    _add_range_options(fetch, suppress=True)
    fetch.add_argument(
        "--format",
        choices=("ndjson", "json", "csv", "ocsf", "ecs"),
        default="ndjson",
        help="output format (ocsf: OCSF API Activity, ecs: Elastic Common Schema; one per line)",
    )
    fetch.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write to FILE instead of stdout (private, 0600; a FIFO or device is written to)",
    )
    fetch.add_argument(
        "--shared-output",
        action="store_true",
        help="create FILE with the umask's permissions (e.g. 0644) instead of 0600",
    )
    fetch.add_argument(
        "--query",
        "-q",
        metavar="QUERY",
        help="keep only events matching QUERY (as `/` in the app; '-source:ci' works)",
    )
    for flag, metavar, field, what in _PIVOT_FLAGS:
        fetch.add_argument(
            flag,
            metavar=metavar,
            help=f"keep only events whose {what} is exactly {metavar} "
            f'(the query term {field}:="{metavar}", ANDed with --query)',
        )

    fetch.add_argument(
        "--no-cache", action="store_true", default=argparse.SUPPRESS, help="bypass the cache"
    )
    _add_follow_options(fetch)
    _add_archive_option(fetch, suppress=True)


def _open_options(open_: _Parser) -> None:
    _add_common(open_, suppress=True)
    _add_tz_option(open_, suppress=True)
    open_.add_argument("file", metavar="FILE")


def _cache_options(cache: _Parser) -> None:
    actions = _family(cache, "cache")
    _add_common(
        actions.add_parser("info", help="size and cached ranges per profile"), suppress=True
    )
    _add_common(
        actions.add_parser("clear", help="delete cached windows (all, or one --profile)"),
        suppress=True,
    )


def _demo_server_options(demo: _Parser) -> None:
    _add_common(demo, suppress=True)
    demo.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    demo.add_argument("--events-per-day", type=int, default=2000, metavar="N")
    demo.add_argument("--days", type=int, default=90, metavar="N")
    demo.add_argument("--seed", type=int, default=7, metavar="N")
    demo.add_argument(
        "--no-live",
        dest="live",
        action="store_false",
        help="serve every event at once (by default events appear as their time comes, a few late)",
    )
    demo.add_argument(
        "--faults", metavar="SPEC", help="inject faults, e.g. 'status:503*2,delay:1.5'"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="A keyboard-driven terminal browser for Datafold audit logs.",
        epilog="Run `auditui COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="browse built-in demo data (no key, no network)"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the local window cache"
    )
    _add_archive_option(parser, suppress=False)
    parser.add_argument(
        "--archive-only",
        action="store_true",
        help="browse the local archive alone: no network, no key (days not archived: missing)",
    )
    _add_range_options(parser, suppress=False)
    _add_tz_option(parser, suppress=False)
    parser.add_argument(
        "--view",
        metavar="NAME",
        help="open with a saved view (ctrl+s saves one; `auditui views` lists them)",
    )
    _add_common(parser, suppress=False)

    commands = _Commands(
        parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    )
    commands.add("login", "store an API key for a profile (hidden prompt)", _login_options)
    commands.add("logout", "remove the stored API key of a profile", _common_options)
    commands.add("status", "show profile, host and where the key comes from", _common_options)
    commands.add("fetch", "print events for scripts (newest first)", _fetch_options)
    commands.add("review", "reviews for auditors (support access)", _review_options)
    commands.add("evidence", "evidence for auditors: export a range, verify", _evidence_options)
    commands.add(
        "sql", "SQL over the local archive (the view audit_logs; DuckDB's dialect)", _sql_options
    )
    commands.add("archive", "the local archive of events (Parquet, per day)", _archive_options)
    commands.add("views", "list the saved views (open one with --view NAME)", _common_options)
    commands.add("open", "browse events from a file (NDJSON, JSON, CSV; gzip ok)", _open_options)
    commands.add("cache", "show or clear the local cache of past windows", _cache_options)
    commands.add("demo-server", "serve the demo API on 127.0.0.1", _demo_server_options)
    return parser


def attach_dash_values(argv: Sequence[str]) -> list[str]:
    """`--query -source:ci` → `--query=-source:ci` (and the same after `-q`), so argparse
    takes a value that starts with `-` as the value, not as an unknown option. A lone short
    option (`-q -o`) stays as it is: the value was forgotten, and argparse says so."""
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        arg = items[i]
        if arg == "--":
            out.extend(items[i:])
            break
        value = items[i + 1] if i + 1 < len(items) else ""
        if (
            arg in _DASH_VALUE_OPTIONS
            and value.startswith("-")
            and not value.startswith("--")
            and value != "-"
            and not _SHORT_OPTION.fullmatch(value)
        ):
            out.append(f"--query={value}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out
