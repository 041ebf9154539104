"""Benchmark a pivot (`=`) and going back / forward in the real App, headless, beside a
narrowing keystroke.

    python benchmarks/bench_history.py [--sizes 1000000] [--repeat 7]

The events (demo generator, seed 7, 90 days, as in `bench_filter.py`) are readied as a
load does it (`session.prepare`, then `prepare_index`, before timing) and installed in an
`AuditApp` under `App.run_test` (no server: see `bench_filter_tui.py`). Each figure is the
call the key runs, up to the table refreshed and its visible lines rendered:

- keystroke: `FilterFlow.apply` of one more character that narrows the query typed;
- pivot: `PivotFlow.pivot()` (what `=` runs) on the User cell of a row: the term built,
  matched (narrowing from the query applied, if any), the view, the table, the step;
- back / forward: `HistoryFlow.go(-1)` / `go(1)` (Backspace / shift+Backspace): the
  step's cached result shown again (`Session.reshow`, no matching), the table, the cursor
  on the step's event; also over a sort step (by user: one sort with the cached keys).

Facets and the timeline are recomputed in a thread worker afterwards; the benchmark waits
for it between runs and does not count it. Target (issue 12): pivot and back ≤ 50 ms at
1M events. Times are wall-clock on whatever machine runs this; nothing is asserted.
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
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_filter import END, load_events
from bench_filter_tui import BenchApp
from textual.pilot import Pilot

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.query import prepare_index
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
from auditui.tui.app import AuditApp
from auditui.tui.session import prepare


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


async def timed(app: AuditApp, pilot: Pilot[Any], action: Callable[[], object]) -> float:
    """Seconds for `action` plus the table's visible lines rendered; then the stats worker
    and a real paint (not counted)."""
    table = app.table
    started = time.perf_counter()
    action()
    for y in range(table.size.height):
        table.render_line(y)
    elapsed = time.perf_counter() - started
    await app.workers.wait_for_complete()
    await pilot.pause()
    return elapsed


def summary(label: str, times: list[float], rows: int) -> str:
    return (
        f"  {label:44s} median {ms(statistics.median(times))}  max {ms(max(times))}"
        f"  {rows:9,d} rows"
    )


async def reset(app: AuditApp, pilot: Pilot[Any], query: str) -> None:
    app.filter_flow.set_query(query)
    await app.workers.wait_for_complete()
    await pilot.pause()


async def run(size: int, repeat: int) -> None:
    print(f"\n=== {size:,} events ===")
    events = load_events(size)
    prepared = prepare(events, "", "time", True)
    prepare_index(prepared.store)
    profile = load_settings().profile("default", env={})
    connection = Connection(profile, "http://127.0.0.1:9", Credential("x", "bench"), demo=True)
    app = BenchApp(connection, TimeRange(END - timedelta(days=90), END))
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.pause()
        app.filter_flow.installed(app.session.install(prepared, app.time_range))
        await app.workers.wait_for_complete()
        await pilot.pause()
        table, flow, history = app.table, app.filter_flow, app.history_flow
        table.columns = table.columns  # the cell cursor on the first column
        table.action_column(1)  # User
        assert table.current_column == "user"

        results: dict[str, tuple[list[float], int]] = {}

        def note(label: str, seconds: float) -> None:
            times, _ = results.get(label, ([], 0))
            times.append(seconds)
            results[label] = (times, len(app.view))

        for _ in range(repeat):
            await reset(app, pilot, "status:failure source:we")
            note("keystroke (narrowing: …source:we → web)", await timed(
                app, pilot, lambda: flow.apply("status:failure source:web")))  # fmt: skip

            for base in ("", "status:failure"):
                await reset(app, pilot, base)
                table.move_cursor(10)
                what = "no filter" if not base else "on status:failure"
                note(f"pivot: = on User ({what})", await timed(
                    app, pilot, app.pivot_flow.pivot))  # fmt: skip
                note(f"back: Backspace ({what})", await timed(
                    app, pilot, lambda: history.go(-1)))  # fmt: skip
                note(f"forward: shift+Backspace ({what})", await timed(
                    app, pilot, lambda: history.go(1)))  # fmt: skip

            await reset(app, pilot, "")
            table.sort_by("user", False)
            await pilot.pause()
            note("back over a sort (user → time)", await timed(
                app, pilot, lambda: history.go(-1)))  # fmt: skip
            note("forward over a sort (time → user)", await timed(
                app, pilot, lambda: history.go(1)))  # fmt: skip
            table.sort_by("time", True)
            await pilot.pause()

        for label, (times, rows) in results.items():
            print(summary(label, times, rows))
        depth = history.depth
        cached = history.history.cached_size
        print(f"  history: {len(history.history.steps)} steps (◀ {depth[0]} ▶ {depth[1]}),"
              f" cached results hold {cached:,} indices")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          f"{os.cpu_count()} CPUs; {platform.processor() or platform.machine()}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        asyncio.run(run(size, args.repeat))
        gc.collect()


if __name__ == "__main__":
    main()
