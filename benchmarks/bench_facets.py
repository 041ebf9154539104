"""Benchmark facets and the timeline under a filter over demo events; prints figures only.

    python benchmarks/bench_facets.py [--sizes 100000,1000000] [--repeat 5]

Events come from the demo generator (seed 7, 90 days; as `bench_filter.py`), decoded with
`decode_logs` and put in an `EventStore`; the search index is built before timing (the
app builds it in a worker after a load). For each filter (none, a broad one, a narrow one):

- facets: `compute_facets(store, matches)` — the top 10 values of the six facet fields
  (target: ≤ 100 ms at 100k events);
- timeline: `histogram(index.stamps, matches, range, 480)` and a resample to 120 cells;
- filter: the `Filterer.apply` time of the query, for scale.

Median and worst of `--repeat` runs. Wall-clock on whatever machine runs this; nothing is
asserted.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_filter import END, load_events, timed  # the same events as the filter benchmark

from auditui.events import EventStore
from auditui.query import Filterer, index_for
from auditui.stats import compute_facets, histogram
from auditui.timespec import TimeRange

RANGE = TimeRange(END - timedelta(days=90), END)
FILTERS = (
    ("no filter", ""),
    ("broad: -source:ci", "-source:ci"),
    ("narrow: support failures 7d", "support:true status:failure after:7d"),
)


def ms(pair: tuple[float, float]) -> str:
    median, worst = pair
    return f"{median * 1000:7.1f} ms (worst {worst * 1000:6.1f})"


def timeline(stamps: Sequence[datetime], selection: Sequence[int] | None) -> object:
    return histogram(stamps, selection, RANGE, 480).resample(120)


def run(size: int, repeat: int) -> None:
    print(f"\n== {size:,} events ==")
    started = time.perf_counter()
    store = EventStore(load_events(size))
    print(f"generate + decode: {time.perf_counter() - started:6.1f} s")
    started = time.perf_counter()
    index = index_for(store)
    print(f"search index build: {time.perf_counter() - started:6.1f} s (not part of a recompute)")
    filterer = Filterer(store)
    for label, query in FILTERS:
        filterer.clear()
        filter_time = timed(partial(filterer.apply, query, now=END), repeat)
        matches = filterer.apply(query, now=END).indices
        selection = None if not query else matches
        facets_time = timed(partial(compute_facets, store, selection), repeat)
        timeline_time = timed(partial(timeline, index.stamps, selection), repeat)
        print(f"{label:32} {len(matches):>9,} matches")
        print(f"    filter   {ms(filter_time)}")
        print(f"    facets   {ms(facets_time)}")
        print(f"    timeline {ms(timeline_time)}")
        top = compute_facets(store, selection)[0].values[:1]
        if top:
            print(f"    top user: {top[0].count:,} × {top[0].term}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()} on {platform.platform()}; "
        f"{os.cpu_count()} CPUs; {platform.processor() or platform.machine()}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.repeat)
        gc.collect()


if __name__ == "__main__":
    main()
