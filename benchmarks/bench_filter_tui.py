"""Benchmark a filter keystroke in the real App, headless: match + view + table refresh.

    python benchmarks/bench_filter_tui.py [--sizes 100000,1000000] [--sort time]

The events (demo generator, seed 7, 90 days, decoded as in `bench_filter.py`) are made
ready the way a load does it (`session.prepare`: store and sort keys, then
`prepare_index`: search index and query arrays, in workers — here before timing) and
installed in an `AuditApp` running under `App.run_test` (`Session.install`, then
`FilterFlow.installed`; no terminal, no server: `start_load` is a no-op). Then each
keystroke of a typed query calls what `FilterBar.Changed` calls, `FilterFlow.apply(text)`,
and is timed:

- match: parse, compile and `Session.match` (index search, narrowing when it may);
- table: `EventView.set_filter(indices, ascending=True)` (+ the sort when not by time),
  `EventTable.refresh_rows` (selection kept, columns re-measured over a bounded sample),
  the bar's counter and the header;
- paint: the table's visible lines rendered (`EventTable.render_line` for each screen
  line: what the next screen update asks of it; only visible rows are ever formatted).

A query that first needs one-time work (`Matcher.preparation`: the payload text of a store
of 100k+ events) has it timed apart: the App runs it in a thread worker while typing goes on.
Facets and the timeline are recomputed in a thread worker after each keystroke; the
benchmark waits for it between keystrokes and does not count it (see bench_facets.py).
Targets (issue 4): ≤ 50 ms at 100k, ≤ 150 ms at 1M, ≤ 50 ms at 1M when narrowing.
Times are wall-clock on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_filter import END, load_events
from textual.pilot import Pilot

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.query import QueryError, compile_query, parse, prepare_index
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
from auditui.tui.app import AuditApp
from auditui.tui.session import prepare

TYPED = (
    "status:failure user:*@datafold.com",
    "admin",
    "source:web action:monitor.",
    "support:true status:failure after:7d",
    "error",
)
SCRATCH = (
    "status:failure",
    "-source:ci -status:success",
    "action:monitor.delete OR action:api_key.create",
    "payload:tier-1",
)


class BenchApp(AuditApp):
    CSS_PATH = str(Path(sys.modules[AuditApp.__module__].__file__ or "").with_name("app.tcss"))

    def start_load(  # no server: events installed
        self, time_range: TimeRange, windows: list[TimeRange] | None = None, *, chosen: bool = False
    ) -> None:
        pass


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


class Keystrokes:
    def __init__(self) -> None:
        self.rows: list[tuple[str, bool, float, float, float, int]] = []
        self.prepared: list[float] = []  # one-time work run in a worker before a match

    def summary(self, narrowed: bool | None) -> str:
        rows = [r for r in self.rows if narrowed is None or r[1] == narrowed]
        if not rows:
            return "  (none)"
        total = [r[2] + r[3] for r in rows]
        painted = [r[2] + r[3] + r[4] for r in rows]
        return (
            f"{len(rows):4d} keys  match+table median {ms(statistics.median(total))}"
            f" max {ms(max(total))}  | +paint median {ms(statistics.median(painted))}"
            f" max {ms(max(painted))}"
        )


async def keystroke(app: AuditApp, pilot: Pilot[Any], text: str, log: Keystrokes) -> None:
    flow, session = app.filter_flow, app.session
    before = session.filterer.last
    try:
        preparation = session.preparation(compile_query(text))
    except QueryError:
        preparation = None  # an invalid prefix: `apply` below reports it
    if preparation is not None:  # the App runs it in a thread worker, typing goes on
        began = time.perf_counter()
        preparation.run()
        log.prepared.append(time.perf_counter() - began)
    started = time.perf_counter()
    # FilterFlow.apply, split in two timed halves (same calls, same order)
    try:
        result = session.match(compile_query(parse(text)))
    except QueryError:  # an invalid prefix: the table stays as it was
        log.rows.append((text, False, time.perf_counter() - started, 0.0, 0.0, -1))
        return
    matched = time.perf_counter()
    flow.bar.show_error(None)
    flow._show(result)
    shown = time.perf_counter()
    table = app.table
    for y in range(table.size.height):  # what the next screen update asks the table for
        table.render_line(y)
    painted = time.perf_counter()
    narrowed = result.narrowed and before is not None
    log.rows.append(
        (text, narrowed, matched - started, shown - matched, painted - shown, len(app.view))
    )
    await app.workers.wait_for_complete()  # facets/timeline thread: not counted
    await pilot.pause()  # the real paint, detail pane, etc.


async def run(size: int, sort: str) -> None:
    print(f"\n=== {size:,} events (sorted by {sort}) ===")
    started = time.perf_counter()
    events = load_events(size)
    print(f"generate + decode: {time.perf_counter() - started:.1f} s (not counted)")
    started = time.perf_counter()
    prepared = prepare(events, "", sort, sort != "time")
    print(f"prepare (store, sort keys; a worker thread in the App, before rows show): "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    started = time.perf_counter()
    prepare_index(prepared.store)
    print(f"search index and query arrays (a worker after the load): "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    profile = load_settings().profile("default", env={})
    connection = Connection(profile, "http://127.0.0.1:9", Credential("x", "bench"), demo=True)
    app = BenchApp(connection, TimeRange(END - timedelta(days=90), END))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        started = time.perf_counter()
        app.filter_flow.installed(app.session.install(prepared, app.time_range))
        app.filter_flow.refresh_stats()
        await pilot.pause()
        print(f"install (swap in, first paint): {ms(time.perf_counter() - started)}")
        await app.workers.wait_for_complete()
        for typed in TYPED:
            log = Keystrokes()
            app.filter_flow.clear()
            await app.workers.wait_for_complete()
            for end in range(1, len(typed) + 1):
                await keystroke(app, pilot, typed[:end], log)
            print(f"typed {typed!r} → {len(app.view):,} rows")
            print(f"  narrowing     {log.summary(True)}")
            print(f"  from scratch  {log.summary(False)}")
            worst = sorted(log.rows, key=lambda r: r[2] + r[3], reverse=True)[:2]
            for text, narrowed, match, table, _, rows in worst:
                kind = "narrowed" if narrowed else "scratch"
                print(f"    slowest: {text!r:40s} {kind:8s} match {ms(match)} table {ms(table)}"
                      f" {rows:9,d} rows")  # fmt: skip
        print("queries from scratch (after a clear):")
        for text in SCRATCH:
            log = Keystrokes()
            app.filter_flow.clear()
            await app.workers.wait_for_complete()
            await keystroke(app, pilot, text, log)
            _, _, match, table, paint, rows = log.rows[0]
            print(f"  {text:48s} match {ms(match)} table {ms(table)} paint {ms(paint)}"
                  f" {rows:9,d} rows")  # fmt: skip
            for seconds in log.prepared:
                print(f"    (first: indexing payloads in a worker {ms(seconds)}, then the above)")
        log = Keystrokes()
        app.filter_flow.clear()
        await app.workers.wait_for_complete()
        await keystroke(app, pilot, "status:success", log)
        await keystroke(app, pilot, "", log)
        _, _, match, table, paint, rows = log.rows[-1]
        print(f"  clearing a broad filter (all rows back)       match {ms(match)} "
              f"table {ms(table)} paint {ms(paint)} {rows:9,d} rows")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--sort", default="time", help="the table's sort column")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          f"{os.cpu_count()} CPUs; {platform.processor() or platform.machine()}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        asyncio.run(run(size, args.sort))
        gc.collect()


if __name__ == "__main__":
    main()
