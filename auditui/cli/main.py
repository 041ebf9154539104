"""The command line: argparse, dispatch, and one-line errors.

One module per command family does the work: `browse` (browse, `--demo`, `open FILE`),
`fetch`, `review` (support), `auth` (login, logout, status), `cache` (info, clear),
`archive` (sync, status, verify), `sql`, `evidence` (export, verify) and `demo`
(demo-server).
This module imports only the standard library at start so that `auditui --help` and
`auditui --version` stay fast (and never import Textual or httpx); a command's module is
imported when it runs. Every user error becomes one line on stderr with exit code 2 (usage)
or 1 (everything else); `--debug` shows the traceback instead. SIGTERM and SIGHUP unwind
like Ctrl+C (temp files are removed) and exit 128 + the signal's number.

A query may start with `-` (`--query -source:ci`, a negation): argparse would read that as
an option, so `--query`/`-q` followed by such a value is joined into `--query=VALUE` first.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from auditui import __version__

PROG = "auditui"
EXIT_INTERRUPTED = 130
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


def _family(
    sub: argparse._SubParsersAction[_Parser], name: str, help: str, *, metavar: str = "ACTION"
) -> argparse._SubParsersAction[_Parser]:
    """`auditui NAME ACTION …`: a command family whose action is required (`NAME_command`)."""
    family = sub.add_parser(name, help=help)
    return family.add_subparsers(
        dest=f"{name}_command", metavar=metavar, required=True, parser_class=_Parser
    )


def _add_review_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    """`auditui review support`: the support-access review (cli/review.py)."""
    kinds = _family(sub, "review", "reviews for auditors (support access)", metavar="REVIEW")
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


def _add_evidence_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    """`auditui evidence export|verify`: a bundle an auditor can check (cli/evidence.py)."""
    actions = _family(sub, "evidence", "evidence for auditors: export a range, verify")
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


def _add_archive_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    """`auditui archive sync|status|verify`: the local Parquet archive (cli/archive.py)."""
    actions = _family(sub, "archive", "the local archive of events (Parquet, per day)")
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


def _add_sql_parser(sub: argparse._SubParsersAction[_Parser]) -> None:
    """`auditui sql "SELECT …"`: SQL over the local archive, the view audit_logs (cli/sql.py)."""
    sql = sub.add_parser(
        "sql", help="SQL over the local archive (the view audit_logs; DuckDB's dialect)"
    )
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

    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    login = sub.add_parser("login", help="store an API key for a profile (hidden prompt)")
    _add_common(login, suppress=True)
    login.add_argument("--host", metavar="URL", help="Datafold host, e.g. https://eu.datafold.com")
    login.add_argument("--stdin", action="store_true", help="read the key from one stdin line")
    login.add_argument(
        "--insecure-storage",
        action="store_true",
        help="store the key in a 0600 file instead of the OS keyring",
    )
    login.add_argument("--no-verify", action="store_true", help="store without checking the key")

    logout = sub.add_parser("logout", help="remove the stored API key of a profile")
    _add_common(logout, suppress=True)

    status = sub.add_parser("status", help="show profile, host and where the key comes from")
    _add_common(status, suppress=True)

    fetch = sub.add_parser("fetch", help="print events for scripts (newest first)")
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

    _add_review_parser(sub)
    _add_evidence_parser(sub)
    _add_sql_parser(sub)
    _add_archive_parser(sub)

    views = sub.add_parser("views", help="list the saved views (open one with --view NAME)")
    _add_common(views, suppress=True)

    open_ = sub.add_parser("open", help="browse events from a file (NDJSON, JSON, CSV; gzip ok)")
    _add_common(open_, suppress=True)
    _add_tz_option(open_, suppress=True)
    open_.add_argument("file", metavar="FILE")

    cache_sub = _family(sub, "cache", "show or clear the local cache of past windows")
    _add_common(
        cache_sub.add_parser("info", help="size and cached ranges per profile"), suppress=True
    )
    _add_common(
        cache_sub.add_parser("clear", help="delete cached windows (all, or one --profile)"),
        suppress=True,
    )

    demo = sub.add_parser("demo-server", help="serve the demo API on 127.0.0.1")
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
    return parser


def _run(args: argparse.Namespace) -> int:
    """Run the command: its module is imported here, only when it runs."""
    command = args.command
    if command is None or command == "open":
        from auditui.cli import browse

        return browse.browse(args) if command is None else browse.open_file(args)
    if command == "fetch":
        from auditui.cli.fetch import fetch

        return fetch(args)
    if command == "views":
        from auditui.cli.views import list_views

        return list_views(args)
    if command == "review":
        from auditui.cli.review import review_support

        return review_support(args)
    if command == "sql":
        from auditui.cli.sql import sql

        return sql(args)
    if command == "evidence":
        from auditui.cli.evidence import evidence

        return evidence(args)
    if command in ("login", "logout", "status"):
        from auditui.cli import auth

        return {"login": auth.login, "logout": auth.logout, "status": auth.status}[command](args)
    if command == "archive":
        from auditui.cli.archive import archive_command

        return archive_command(args)
    if command == "cache":
        from auditui.cli import cache

        return cache.cache_info(args) if args.cache_command == "info" else cache.cache_clear(args)
    from auditui.cli.demo import demo_server

    return demo_server(args)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(attach_dash_values(sys.argv[1:] if argv is None else argv))
    debug = bool(getattr(args, "debug", False)) or os.environ.get("AUDITUI_DEBUG") == "1"
    from auditui.cli.common import Terminated, stop_cleanly_on_signals
    from auditui.errors import AudituiError

    stop_cleanly_on_signals()
    try:
        return _run(args)
    except Terminated as exc:
        if debug:
            raise
        print(f"{PROG}: stopped by {exc.name}", file=sys.stderr)
        return exc.exit_code
    except AudituiError as exc:
        if debug:
            raise
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if debug:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # `auditui fetch | head`: the reader went away; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if debug:
            raise
        from auditui.errors import one_line

        print(
            f"{PROG}: unexpected error: {type(exc).__name__}: {one_line(str(exc))} "
            "(run with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 1
