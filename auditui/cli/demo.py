"""`auditui demo-server`: serve the built-in demo API on 127.0.0.1 until interrupted.

Live by default (`DemoServer.live_demo`: events appear as their time comes, a few late), so
`auditui fetch --follow` against it prints new events; `--no-live` serves a fixed set.
"""

from __future__ import annotations

import argparse

from auditui.errors import UsageError


def demo_server(args: argparse.Namespace) -> int:
    from auditui.demo import DemoServer
    from auditui.demo.faults import faults_from_env, parse_fault_spec

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}.")
    if args.events_per_day < 0 or args.days < 1:
        raise UsageError("--events-per-day must be >= 0 and --days >= 1.")
    faults = parse_fault_spec(args.faults) if args.faults else faults_from_env()
    try:
        make = DemoServer.live_demo if getattr(args, "live", True) else DemoServer
        server = make(
            port=args.port,
            seed=args.seed,
            events_per_day=args.events_per_day,
            days=args.days,
            faults=faults,
        ).start()
    except OSError as exc:
        raise UsageError(f"Cannot listen on 127.0.0.1:{args.port}: {exc.strerror}.") from exc
    how = " live (each as its time comes, a few minutes late now and then)" if server.live else ""
    print(f"Demo API serving {server.total_events:,} events{how} at {server.url}", flush=True)
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
