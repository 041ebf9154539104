"""Benchmark auditui's EventTable (Line API) against Textual's DataTable; prints figures only.

    python benchmarks/bench_table.py [--sizes 10000,100000,1000000] [--no-datatable]

Events come from the demo generator (`auditui.demo.data`), encoded as one API response
body and decoded with `decode_logs`, before anything is timed ("already decoded").
Every measurement runs inside a headless `App.run_test(size=(160, 48))`.

Method: the tables are subclassed with a probe in `render_line` that notes the clock when
the last line of the screen is rendered. A measurement starts the clock, does the work
(mount a table on a ready `EventView`; `sort_by`; one cursor step), then awaits
`pilot.pause()` until the probe fired; the figure is probe time minus start, so it covers
the work plus Textual's layout and line rendering but not the test pilot's idle waiting.

- first screen: mount → first complete screen of rows (DataTable: mount + add_columns +
  add_rows + first screen; its cell strings are prepared beforehand, untimed, which
  flatters DataTable).
- sort: `EventTable.sort_by(column)` → screen re-rendered. "cold" is a column's first sort
  (its keys are computed and cached by the store); "warm" is the other direction after.
- cursor step: `action_move(1)` (the `down`/`j` binding) → the changed lines rendered;
  150 steps from the top, so two thirds of them scroll the whole screen (a full repaint
  by Textual's compositor). Median, p95 and worst are printed.

Times are wall-clock on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import textual
from textual.app import App
from textual.strip import Strip
from textual.widgets import DataTable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditui.events import (
    DEFAULT_COLUMNS,
    KNOWN_COLUMNS,
    AuditEvent,
    EventStore,
    EventView,
    decode_logs,
)
from auditui.tui.widgets.table.event_table import EventTable

SIZE = (160, 48)
END = datetime(2026, 11, 27, tzinfo=UTC)


# -- data -------------------------------------------------------------------------------


def load_events(count: int) -> tuple[list[AuditEvent], str]:
    """`count` decoded events, newest first, and where they came from."""
    try:
        from auditui.demo.data import iter_events
    except ImportError:
        return synthetic_events(count), "synthetic (auditui.demo.data missing)"
    days = 90
    per_day = -(-count // days)
    stream = itertools.islice(
        iter_events(seed=7, events_per_day=per_day, days=days, end=END), count
    )
    events: list[AuditEvent] = []
    while chunk := list(itertools.islice(stream, 50_000)):  # bounded memory at 1M
        events.extend(decode_logs(msgspec.json.encode({"logs": chunk})).events)
    return events, "auditui.demo.data.iter_events (seed 7), decoded with decode_logs"


def synthetic_events(count: int) -> list[AuditEvent]:
    """A fallback with realistic cardinalities, should the demo generator be absent."""
    import random
    from datetime import timedelta

    rng = random.Random(7)
    users = [f"user{i}@example.com" for i in range(30)]
    actions = [f"object.action_{i}" for i in range(25)]
    return [
        AuditEvent(
            timestamp=END - timedelta(seconds=i * 7),
            event_uuid=f"{rng.getrandbits(128):032x}",
            client_ip=f"203.0.113.{rng.randrange(50)}",
            url=f"https://app.datafold.com/api/v1/things/{rng.randrange(10_000)}",
            user_email=rng.choice(users),
            action=rng.choice(actions),
            status=rng.choice(["success"] * 20 + ["failure", "denied"]),
            source=rng.choice(["web", "api", "ci", "cli", "scheduler"]),
            object_type="dataset",
            object_id=rng.randrange(10_000),
        )
        for i in range(count)
    ]


# -- probes -----------------------------------------------------------------------------


class Probe:
    """Notes the clock when a widget renders its last screen line (or any line)."""

    def __init__(self) -> None:
        self.last_line: float | None = None
        self.any_line: float | None = None

    def reset(self) -> None:
        self.last_line = self.any_line = None

    def saw(self, y: int, height: int) -> None:
        now = time.perf_counter()
        self.any_line = self.any_line or now
        if y == height - 1:
            self.last_line = now


class ProbeEventTable(EventTable):
    probe = Probe()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        self.probe.saw(y, self.scrollable_content_region.height)
        return strip


class ProbeDataTable(DataTable[str]):
    probe = Probe()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        self.probe.saw(y, self.scrollable_content_region.height)
        return strip


class Host(App[None]):
    """An empty app: tables are mounted into it while the clock runs."""


async def until(pilot: Any, check: Callable[[], float | None]) -> float:
    for _ in range(2000):
        value = check()
        if value is not None:
            return value
        await pilot.pause()
    raise RuntimeError("the table never rendered")


# -- measurements -----------------------------------------------------------------------


async def bench_event_table(view: EventView) -> dict[str, Any]:
    results: dict[str, Any] = {}
    probe = ProbeEventTable.probe
    async with Host().run_test(size=SIZE) as pilot:
        probe.reset()
        start = time.perf_counter()
        table = ProbeEventTable(view)
        await pilot.app.mount(table)
        results["first_screen"] = await until(pilot, lambda: probe.last_line) - start
        table.focus()
        await pilot.pause()

        sorts: dict[str, tuple[float, float, float]] = {}
        table.columns = tuple(KNOWN_COLUMNS)  # sort (and show) every column
        await pilot.pause()
        for column_id in KNOWN_COLUMNS:
            timings = []
            for descending in (False, True):
                probe.reset()
                start = time.perf_counter()
                table.sort_by(column_id, descending)
                done = time.perf_counter()
                rendered = await until(pilot, lambda: probe.last_line)
                timings.append((done - start, rendered - start))
            sorts[column_id] = (timings[0][0], timings[0][1], timings[1][1])
        results["sorts"] = sorts
        table.columns = DEFAULT_COLUMNS
        table.sort_by("time", True)
        table.move_cursor(0)
        await pilot.pause()

        steps = []
        for _ in range(150):
            probe.reset()
            start = time.perf_counter()
            table.action_move(1)
            steps.append(await until(pilot, lambda: probe.any_line) - start)
        results["steps"] = steps
    return results


async def bench_data_table(view: EventView) -> float:
    columns = [KNOWN_COLUMNS[c] for c in DEFAULT_COLUMNS]
    titles = [c.title for c in columns]
    rows = [tuple(c.text(e) for c in columns) for e in view.rows(0, len(view))]  # untimed
    probe = ProbeDataTable.probe
    async with Host().run_test(size=SIZE) as pilot:
        probe.reset()
        start = time.perf_counter()
        table = ProbeDataTable(cursor_type="row")
        await pilot.app.mount(table)
        table.add_columns(*titles)
        table.add_rows(rows)
        return await until(pilot, lambda: probe.last_line) - start


# -- report -----------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def report(size: int, prep: dict[str, float], ours: dict[str, Any], theirs: float | None) -> None:
    print(f"\n== {size:,} events ==")
    print(f"  (untimed setup: decode {prep['decode']:.2f} s, store+view {ms(prep['view'])})")
    print(f"  EventTable first screen          {ms(ours['first_screen'])}")
    if theirs is not None:
        ratio = theirs / ours["first_screen"]
        print(
            f"  DataTable  first screen          {ms(theirs)}   → EventTable {ratio:,.0f}× faster"
        )
    print("  sort_by        core+refresh  +render(cold)  other direction(warm, +render)")
    for column_id, (work, cold, warm) in ours["sorts"].items():
        print(f"    {column_id:<12} {ms(work)}  {ms(cold)}  {ms(warm)}")
    worst = max(cold for _work, cold, _warm in ours["sorts"].values())
    steps = sorted(ours["steps"])
    print(f"    worst sort (cold, with render) {ms(worst)}")
    print(
        f"  cursor step    median {ms(statistics.median(steps))}  "
        f"p95 {ms(steps[int(len(steps) * 0.95)])}  max {ms(steps[-1])}"
    )


def machine() -> None:
    print("auditui EventTable benchmark")
    print(f"  date     {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"  machine  {platform.machine()} {platform.system()}, cpus={os.cpu_count()}")
    print(f"  python   {platform.python_version()}  textual {textual.__version__}")
    print(f"  screen   {SIZE[0]}x{SIZE[1]} headless (App.run_test)")


def sizes_arg(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


async def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=sizes_arg, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--no-datatable", action="store_true", help="skip Textual's DataTable")
    parser.add_argument(
        "--datatable-max", type=int, default=100_000, help="largest size for DataTable"
    )
    args = parser.parse_args(argv)
    machine()
    for size in sorted(args.sizes):
        start = time.perf_counter()
        events, source = load_events(size)
        decoded = time.perf_counter() - start
        start = time.perf_counter()
        view = EventView(EventStore(events))
        prep = {"decode": decoded, "view": time.perf_counter() - start}
        if size == min(args.sizes):
            print(f"  data     {source}")
        gc.collect()
        ours = await bench_event_table(view)
        theirs = None
        if not args.no_datatable and size <= args.datatable_max:
            theirs = await bench_data_table(view)
        report(size, prep, ours, theirs)
        del events, view
        gc.collect()


if __name__ == "__main__":
    asyncio.run(main())
