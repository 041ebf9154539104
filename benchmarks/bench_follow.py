"""Benchmark one poll of a follow (`F`) joining a large store, in the real App, headless.

    python benchmarks/bench_follow.py [--sizes 1000000] [--new 20] [--repeat 5]

The events (demo generator, seed 7, 90 days, decoded as in `bench_filter.py`) are made
ready the way a load does it (`session.prepare`, `prepare_index`: before timing) and
installed in an `AuditApp` under `App.run_test` (no terminal, no server). Then, `repeat`
times, a poll's answer of `new` events newer than every loaded one is handed to the follow
flow as the worker hands it (`FollowFlow._merge`: UI thread), and timed:

- merge: `Session.follow` (the store grows and keeps its time order, the filter matches the
  new events only, the view re-sorted), the filter flow's `extended` (table rows re-read,
  the selection kept, counter, header), the highlight;
- paint: the table's visible lines rendered (what the next screen update asks of it).

Facets and the timeline are recomputed in a thread worker after each poll (not counted:
the benchmark waits for it between polls). Cases: no filter, a filter (`status:failure`),
and the table sorted by user. Target (issue 14): the merge within 50 ms at 1M events.
Times are wall-clock on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import platform
import pstats
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import msgspec
from bench_filter import END, load_events
from bench_filter_tui import BenchApp, ms
from textual.pilot import Pilot

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.events import AuditEvent, default_descending
from auditui.follow import Poll, Poller
from auditui.query import prepare_index
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
from auditui.tui.app import AuditApp
from auditui.tui.session import prepare

PROFILE = os.environ.get("BENCH_PROFILE") == "1"  # print where a merge's time goes
TIME_RANGE = TimeRange(END - timedelta(days=90), END)
CASES: tuple[tuple[str, str, str], ...] = (
    ("no filter", "", "time"),
    ("filter", "status:failure", "time"),
    ("sort", "", "user"),
)
if os.environ.get("BENCH_CASE"):  # one case only, e.g. BENCH_CASE=sort
    CASES = tuple(case for case in CASES if case[0] == os.environ["BENCH_CASE"])


def arrivals(template: list[AuditEvent], start: Any, count: int, serial: int) -> list[AuditEvent]:
    """`count` events stamped a second apart after `start` (oldest first), new uuids."""
    return [
        msgspec.structs.replace(
            template[i % len(template)],
            timestamp=start + timedelta(seconds=i + 1),
            event_uuid=f"follow-{serial}-{i}",
        )
        for i in range(count)
    ]


async def one_poll(app: AuditApp, pilot: Pilot[Any], new: list[AuditEvent]) -> tuple[float, float]:
    flow, session = app.follow_flow, app.session
    start = session.time_range.end
    end = new[-1].timestamp + timedelta(seconds=1)
    poll = Poll(TimeRange(start - timedelta(minutes=5), end), new, [])
    gc.collect()
    profiler = cProfile.Profile() if PROFILE else None
    began = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    flow._merge(poll)
    merged = time.perf_counter()
    if profiler is not None:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    table = app.table
    for y in range(table.size.height):
        table.render_line(y)
    painted = time.perf_counter()
    await app.workers.wait_for_complete()  # facets/timeline thread: not counted
    await pilot.pause()
    return merged - began, painted - merged


async def run(size: int, count: int, repeat: int) -> None:
    print(f"\n=== {size:,} events, {count} new per poll, {repeat} polls per case ===")
    started = time.perf_counter()
    events = load_events(size)
    template = events[:count]
    print(f"generate + decode: {time.perf_counter() - started:.1f} s (not counted)")
    profile = load_settings().profile("default", env={})
    connection = Connection(profile, "http://127.0.0.1:9", Credential("x", "bench"), demo=True)
    app = BenchApp(connection, TimeRange(END - timedelta(days=90), END))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        for label, query, sort in CASES:
            app.filter_flow.clear()
            await app.workers.wait_for_complete()
            descending = default_descending(sort)
            prepared = prepare(list(events), "", sort, descending)
            prepare_index(prepared.store)
            app.table.sort_by(sort, descending)
            app.filter_flow.installed(app.session.install(prepared, TIME_RANGE))
            if query:
                app.filter_flow.set_query(query)
            await app.workers.wait_for_complete()
            await pilot.pause()
            flow = app.follow_flow
            flow._store = app.session.store
            flow._poller = Poller(TIME_RANGE.start, covered=TIME_RANGE.end)
            merges, paints = [], []
            for serial in range(repeat):
                new = arrivals(template, app.session.time_range.end, count, serial)
                merge, paint = await one_poll(app, pilot, new)
                merges.append(merge)
                paints.append(paint)
            print(
                f"  {label:10s} merge median {ms(statistics.median(merges))}"
                f" max {ms(max(merges))} | paint median {ms(statistics.median(paints))}"
                f" | {len(app.store):,} events, {len(app.view):,} shown"
            )
            del prepared
            gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--new", type=int, default=20, help="new events per poll")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          f"{os.cpu_count()} CPUs; {platform.processor() or platform.machine()}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        asyncio.run(run(size, args.new, args.repeat))
        gc.collect()


if __name__ == "__main__":
    main()
