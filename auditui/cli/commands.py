"""What each `auditui` command does (argparse lives in cli.py; the TUI in auditui.tui).

Commands raise `auditui.errors` types for everything a user can cause; cli.main turns
them into one line on stderr. Nothing here prints or logs an API key.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, BinaryIO, cast

from auditui.errors import CredentialError, UsageError

if TYPE_CHECKING:
    from auditui.timespec import TimeRange


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _time_range(args: argparse.Namespace, default_since: str) -> TimeRange:
    """The range the user asked for with --since or --from/--to, else the profile's default."""
    from auditui.timespec import resolve_range

    return resolve_range(
        since=getattr(args, "since", None),
        start=getattr(args, "start", None),
        end=getattr(args, "end", None),
        default_since=default_since,
    )


# ── auditui (browse) ──────────────────────────────────────────────────────────────────


def browse(args: argparse.Namespace) -> int:
    from auditui.sources.connection import open_connection

    if args.demo:
        return _browse_demo(args)
    connection = open_connection(args.profile, use_cache=not getattr(args, "no_cache", False))
    time_range = _time_range(args, connection.profile.default_range)
    from auditui.tui.launch import run_app

    return run_app(connection, time_range, since=_since(args, connection.profile.default_range))


def _since(args: argparse.Namespace, default: str) -> str | None:
    """The relative range to slide on reload (`--since 24h`), or None for a fixed range."""
    if getattr(args, "start", None):
        return None
    return getattr(args, "since", None) or default


def _browse_demo(args: argparse.Namespace) -> int:
    from auditui.config.credentials import Credential
    from auditui.config.settings import load_settings
    from auditui.demo import DEMO_KEY, DemoServer
    from auditui.sources.connection import Connection
    from auditui.tui.launch import run_app

    settings = load_settings()
    profile = settings.profile("default", env={})
    with DemoServer() as server:
        connection = Connection(
            profile=profile,
            host=server.url,
            credential=Credential(DEMO_KEY, "the built-in demo server"),
            demo=True,
        )
        time_range = _time_range(args, profile.default_range)
        return run_app(connection, time_range, since=_since(args, profile.default_range))


# ── fetch ─────────────────────────────────────────────────────────────────────────────


class _ProgressLine:
    """A single self-rewriting progress line on stderr (only used when stderr is a tty)."""

    def __call__(self, progress: object) -> None:
        from auditui.sources.windows import Progress

        p = cast(Progress, progress)
        mb = p.bytes / 1_000_000
        sys.stderr.write(
            f"\r\x1b[Kwindows {p.windows_done}/{p.windows_total} · "
            f"{p.events:,} events · {mb:,.1f} MB"
        )
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def fetch(args: argparse.Namespace) -> int:
    from auditui.export.formats import write_events
    from auditui.sources.connection import open_connection

    matcher = None
    if args.query:
        from auditui.query.matcher import compile_query

        matcher = compile_query(args.query)  # a bad query fails before any request
    connection = open_connection(args.profile, use_cache=not getattr(args, "no_cache", False))
    connection.require_credential()
    time_range = _time_range(args, connection.profile.default_range)
    progress = _ProgressLine() if sys.stderr.isatty() else None
    try:
        result = asyncio.run(connection.load(time_range, progress))
    finally:
        if progress:
            progress.done()
    events = result.events if matcher is None else matcher.filter_events(result.events)
    with _output(args.output) as out:
        write_events(events, out, args.format)
    if result.malformed:
        _stderr(f"auditui: warning: {result.malformed:,} malformed events skipped")
    if result.out_of_range:
        _stderr(
            f"auditui: warning: {result.out_of_range:,} events outside the range were dropped "
            "(a proxy may have stripped the request body)"
        )
    if args.output:
        _stderr(f"auditui: wrote {len(events):,} events to {args.output}")
    return 0


def _output(path: str | None) -> AbstractContextManager[BinaryIO]:
    if path is None or path == "-":
        return nullcontext(sys.stdout.buffer)
    from auditui.export.formats import atomic_output

    return atomic_output(path)


# ── login / logout / status ───────────────────────────────────────────────────────────


def _read_key(args: argparse.Namespace, host: str) -> str:
    if args.stdin:
        key = sys.stdin.readline().strip()
    else:
        if not sys.stdin.isatty():
            raise UsageError("No terminal to prompt for the key: pipe it in with --stdin.")
        key = getpass.getpass(f"API key for {host} (input hidden): ").strip()
    if not key:
        raise UsageError("No API key was entered; nothing was stored.")
    return key


def login(args: argparse.Namespace) -> int:
    from auditui.config.credentials import store_credential
    from auditui.sources.api import check_host
    from auditui.sources.connection import Connection, profile_from_settings

    settings, profile = profile_from_settings(args.profile)
    host = check_host(args.host or profile.host)
    key = _read_key(args, host)
    if not args.no_verify:
        connection = Connection(profile, host)

        async def verify() -> None:
            async with connection.client(api_key=key) as client:
                await client.verify()

        asyncio.run(verify())
        _stderr(f"The key works against {host}.")
    where = store_credential(profile.name, key, insecure_file=args.insecure_storage)
    print(f"Stored the API key for profile '{profile.name}' in {where}.")
    if args.host and check_host(profile.host) != host:
        print(
            f"Note: profile '{profile.name}' uses {profile.host}; to use {host}, set "
            f'host = "{host}" under [profiles.{profile.name}] in {settings.path} '
            "or export DATAFOLD_HOST."
        )
    if os.environ.get("DATAFOLD_API_KEY") or os.environ.get("DATAFOLD_APIKEY"):
        print("Note: DATAFOLD_API_KEY is set in this environment and takes precedence.")
    return 0


def logout(args: argparse.Namespace) -> int:
    from auditui.config.credentials import delete_credential
    from auditui.sources.connection import profile_from_settings

    _, profile = profile_from_settings(args.profile)
    removed = delete_credential(profile.name)
    if not removed:
        raise CredentialError(f"No stored API key for profile '{profile.name}'; nothing removed.")
    for where in removed:
        print(f"Removed the API key of profile '{profile.name}' from {where}.")
    if os.environ.get("DATAFOLD_API_KEY") or os.environ.get("DATAFOLD_APIKEY"):
        print("Note: DATAFOLD_API_KEY is still set in this environment.")
    return 0


def status(args: argparse.Namespace) -> int:
    from auditui.config.credentials import describe_credential
    from auditui.sources.connection import profile_from_settings

    settings, profile = profile_from_settings(args.profile)
    host_note = " (from DATAFOLD_HOST)" if os.environ.get("DATAFOLD_HOST") else ""
    config_note = "" if settings.path.exists() else " (not created; defaults in use)"
    print(f"profile: {profile.name}")
    print(f"host:    {profile.host}{host_note}")
    print(f"config:  {settings.path}{config_note}")
    print(f"key:     {describe_credential(profile.name)}")
    return 0


# ── demo-server ───────────────────────────────────────────────────────────────────────


def demo_server(args: argparse.Namespace) -> int:
    from auditui.demo import DemoServer
    from auditui.demo.faults import faults_from_env, parse_fault_spec

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}.")
    if args.events_per_day < 0 or args.days < 1:
        raise UsageError("--events-per-day must be >= 0 and --days >= 1.")
    faults = parse_fault_spec(args.faults) if args.faults else faults_from_env()
    try:
        server = DemoServer(
            port=args.port,
            seed=args.seed,
            events_per_day=args.events_per_day,
            days=args.days,
            faults=faults,
        ).start()
    except OSError as exc:
        raise UsageError(f"Cannot listen on 127.0.0.1:{args.port}: {exc.strerror}.") from exc
    print(f"Demo API serving {server.total_events:,} events at {server.url}", flush=True)
    print(f"Demo key: {server.key}", flush=True)
    print(
        f"Try: DATAFOLD_HOST={server.url} DATAFOLD_API_KEY={server.key} auditui fetch --since 1h",
        flush=True,
    )
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
