"""Soak (issue 16): the TUI reloading a large range against a faulty server for minutes.

    python benchmarks/soak.py [--events 1000000] [--days 30] [--minutes 10] [--json FILE]

A demo server runs in its own process (so its memory and threads are not counted),
serving `--events` seeded events over `--days` days; it reads fault specs (the
`--faults` / `AUDITUI_DEMO_FAULTS` form) from its stdin, one line per reload. The real
`AuditApp` runs headless here (`App.run_test`, 160×48) on the whole range, no cache, and
reloads it again and again until `--minutes` have passed, each reload with the next fault
of `FAULTS` queued on the server (some cured by the client's retries, some failing a
window, one with none). After each reload it records:

- RSS (`VmRSS`), open file descriptors (`/proc/self/fd`) and threads (`Threads`);
- whether the fault surfaced: a fault that fails a window must leave its toast
  ("Window failed", naming the reason) and the header's "incomplete: … (reason)"; a fault
  cured by retries, or none, must leave a complete range and the full event count.

It prints one line per reload, then the verdict: RSS after the first reload against the
largest after it (flat within 10%), file descriptors and threads against the first
reload's (no growth), and every fault surfaced. Figures go into `benchmarks/README.md`.
This is a benchmark, not a test: it takes minutes and prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from msgspec.structs import replace

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class SoakFault:
    """A fault queued before a reload, and what the screen must then say."""

    spec: str  # the server's fault spec ("" for none)
    reason: str  # the brief reason the header names ("" : the range must be whole)


FAULTS: tuple[SoakFault, ...] = (
    SoakFault("", ""),
    SoakFault("status:500", "HTTP 500"),
    SoakFault("status:503*2", ""),  # cured by the client's retries
    SoakFault("status:503*40", "HTTP 503"),
    SoakFault("status:429:0.1*40", "HTTP 429"),
    SoakFault("reset*5", "network error"),
    SoakFault("truncated*5", "network error"),
    SoakFault("html:502*40", "HTTP 502"),
    SoakFault("raw:200:not-json", "bad response"),
    SoakFault("delay:2", ""),
)


# ── the server process ──────────────────────────────────────────────────────────────


def serve(count: int, days: int) -> None:
    """Serve the seeded events; each stdin line is a fault spec to queue (EOF stops)."""
    from auditui.demo import DemoServer, encode_events, generate_events
    from auditui.demo.data import default_end
    from auditui.demo.faults import parse_fault_spec

    end = default_end()
    events = generate_events(events_per_day=max(1, count // days), days=days, end=end)
    encoded = encode_events(events)
    del events
    server = DemoServer(encoded).start()
    start = end.timestamp() - days * DAY_SECONDS
    print(json.dumps({"url": server.url, "key": server.key, "start": start,
                      "end": end.timestamp(), "events": len(encoded)}), flush=True)  # fmt: skip
    for line in sys.stdin:
        server.faults.clear()
        server.faults.push(*parse_fault_spec(line.strip()))
        print("queued", flush=True)
    server.stop()


# ── the soaking App ─────────────────────────────────────────────────────────────────


def process_figures() -> dict[str, float]:
    """RSS (MiB), open file descriptors and threads of this process (Linux)."""
    figures: dict[str, float] = {"fds": float(len(os.listdir("/proc/self/fd")))}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key == "VmRSS":
                figures["rss_mib"] = int(rest.split()[0]) / 1024
            elif key == "Threads":
                figures["threads"] = float(rest.strip())
    return figures


async def soak(spec: dict[str, Any], minutes: float, server: subprocess.Popen[str]) -> list[Any]:
    from auditui.config.credentials import Credential
    from auditui.config.settings import load_settings
    from auditui.sources.connection import Connection
    from auditui.timespec import TimeRange
    from auditui.tui.app import AuditApp
    from auditui.tui.widgets.status_bar import HeaderLine

    time_range = TimeRange(datetime.fromtimestamp(spec["start"], UTC),
                           datetime.fromtimestamp(spec["end"], UTC))  # fmt: skip
    profile = load_settings().profile("default", env={})
    connection = Connection(profile, spec["url"], Credential(spec["key"], "bench"), demo=True)
    app = AuditApp(connection, time_range)
    posted: list[str] = []  # every toast as it is posted (a 12 s toast may be gone by the end)
    notify = app.notify

    def recording(message: str, **options: Any) -> None:
        posted.append(message)
        notify(message, **options)

    app.notify = recording  # type: ignore[method-assign]
    app.load_flow.hooks = replace(app.load_flow.hooks, notify=recording)  # bound at start
    rows: list[dict[str, Any]] = []
    assert server.stdin is not None and server.stdout is not None

    def queue(fault: str) -> None:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(fault + "\n")
        server.stdin.flush()
        server.stdout.readline()  # "queued"

    async def loaded() -> float:
        began = time.perf_counter()
        await asyncio.sleep(0.1)
        while app.loading:
            await asyncio.sleep(0.1)
        while any(not worker.is_finished for worker in app.workers):
            await asyncio.sleep(0.1)
        while not app.filter_flow.stats_settled:
            await asyncio.sleep(0.1)
        return time.perf_counter() - began

    async with app.run_test(size=(160, 48), notifications=True):
        first = await loaded()
        total = len(app.store)
        print(f"first load: {total:,} events in {first:.1f} s", flush=True)
        deadline = time.monotonic() + minutes * 60
        n = 0
        while time.monotonic() < deadline:
            fault = FAULTS[n % len(FAULTS)]
            n += 1
            queue(fault.spec)
            posted.clear()
            app.start_load(time_range)
            seconds = await loaded()
            gc.collect()
            header = str(app.query_one(HeaderLine).render())
            toasts = list(posted)
            if fault.reason:
                surfaced = f"({fault.reason})" in header and any(
                    fault.reason.split()[-1] in t or "reach" in t for t in toasts
                )
            else:
                surfaced = "incomplete" not in header and len(app.store) == total
            row = {"reload": n, "fault": fault.spec or "none", "seconds": round(seconds, 2),
                   "events": len(app.store), "surfaced": surfaced,
                   **{k: round(v, 1) for k, v in process_figures().items()}}  # fmt: skip
            if not surfaced:
                row["header"], row["toasts"] = header, toasts
            rows.append(row)
            print(
                f"{n:3} {row['fault']:<18} {seconds:6.1f} s  {row['events']:>9,} events  "
                f"RSS {row['rss_mib']:7.1f} MiB  fds {row['fds']:3.0f}  "
                f"threads {row['threads']:3.0f}  {'ok' if surfaced else 'NOT SURFACED'}",
                flush=True,
            )
            if not surfaced:
                print(f"    header: {header}\n    toasts: {toasts}", flush=True)
            app.clear_notifications()
    return rows


def verdict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first, rest = rows[0], rows[1:] or rows
    top = max(row["rss_mib"] for row in rest)
    return {
        "reloads": len(rows),
        "rss_after_first_mib": first["rss_mib"],
        "rss_max_after_mib": top,
        "rss_growth_pct": round(100 * (top - first["rss_mib"]) / first["rss_mib"], 1),
        "fds_first": first["fds"],
        "fds_max": max(row["fds"] for row in rows),
        "threads_first": first["threads"],
        "threads_max": max(row["threads"] for row in rows),
        "faults_surfaced": sum(row["surfaced"] for row in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.events, args.days)
        return
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_CACHE_HOME": home, "XDG_CONFIG_HOME": home,
               "XDG_STATE_HOME": home, "XDG_DATA_HOME": home}  # fmt: skip
        os.environ.update(env)
        command = [sys.executable, __file__, "--serve", "--events", str(args.events),
                   "--days", str(args.days)]  # fmt: skip
        with subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        ) as server:
            assert server.stdout is not None
            spec = json.loads(server.stdout.readline())
            print(f"{platform.node()} · {os.cpu_count()} cores · Python "
                  f"{platform.python_version()} · {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · "
                  f"{spec['events']:,} events over {args.days} days · {args.minutes:g} min",
                  flush=True)  # fmt: skip
            rows = asyncio.run(soak(spec, args.minutes, server))
            assert server.stdin is not None
            server.stdin.close()
    summary = verdict(rows)
    print(json.dumps(summary, indent=2))
    flat = summary["rss_growth_pct"] <= 10
    leaks = summary["fds_max"] > summary["fds_first"] or (
        summary["threads_max"] > summary["threads_first"]
    )
    print(f"RSS flat within 10%: {'yes' if flat else 'NO'} · fd/thread growth: "
          f"{'NONE' if not leaks else 'YES'} · faults surfaced: "
          f"{summary['faults_surfaced']}/{summary['reloads']}")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
