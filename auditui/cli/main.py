"""The command line: dispatch, and one-line errors (the options are `cli/parser.py`'s).

One module per command family does the work: `browse` (browse, `--demo`, `open FILE`),
`fetch`, `review` (support), `auth` (login, logout, status), `cache` (info, clear),
`archive` (sync, status, verify), `sql`, `evidence` (export, verify) and `demo`
(demo-server).
This module imports only the standard library at start so that `auditui --help` and
`auditui --version` stay fast (and never import Textual or httpx); a command's module is
imported when it runs. Every user error becomes one line on stderr with exit code 2 (usage)
or 1 (everything else); `--debug` shows the traceback instead. SIGTERM and SIGHUP unwind
like Ctrl+C (temp files are removed) and exit 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from auditui.cli.parser import PROG, attach_dash_values, build_parser

__all__ = ["PROG", "attach_dash_values", "build_parser", "main"]

EXIT_INTERRUPTED = 130


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(attach_dash_values(sys.argv[1:] if argv is None else argv))
    debug = bool(getattr(args, "debug", False)) or os.environ.get("AUDITUI_DEBUG") == "1"
    from auditui.errors import AudituiError
    from auditui.stopping import Terminated, stop_cleanly_on_signals

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
