"""Benchmark the support-access review over demo events (issue 13: ≤ 1 s over 1M events);
prints figures only.

    python benchmarks/bench_review.py [--size 1000000] [--repeat 5]

Events come from the demo generator (seed 7, 90 days; as `bench_filter.py`), decoded and
put in an `EventStore` (newest first, as the loader leaves it). Timed:

- sessions: `support_sessions(store)` (30m gap): what the review view's worker and
  `auditui review support` compute once the events are loaded (median and worst);
- reports: the Markdown, CSV and JSON documents of those sessions.

Wall-clock on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_filter import load_events, timed  # the same events as the filter benchmark

from auditui.events import EventStore
from auditui.review import REPORT_FORMATS, ReviewReport, render_report, support_sessions


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    started = time.perf_counter()
    events = load_events(args.size)
    print(f"generated and decoded {len(events):,} events in {time.perf_counter() - started:.1f} s")
    store = EventStore(events)

    sessions = support_sessions(store)
    support = sum(session.events for session in sessions)
    actors = len({session.actor for session in sessions})
    print(
        f"support events: {support:,} ({support / len(events):.2%}) in "
        f"{len(sessions):,} sessions of {actors} actors"
    )
    median, worst = timed(lambda: support_sessions(store), args.repeat)
    print(f"support_sessions(store), gap 30m:   median {ms(median)}   worst {ms(worst)}")
    median, worst = timed(lambda: support_sessions(store, timedelta(hours=4)), args.repeat)
    print(f"support_sessions(store), gap 4h:    median {ms(median)}   worst {ms(worst)}")

    report = ReviewReport(
        sessions=sessions,
        time_range=None,
        generated_at=datetime(2026, 11, 26, tzinfo=UTC),
        gap=timedelta(minutes=30),
        events=len(events),
    )
    for fmt in REPORT_FORMATS:
        size = len(render_report(report, fmt))
        median, worst = timed(partial(render_report, report, fmt), args.repeat)
        label = f"report {fmt} ({size / 1e6:.1f} MB):"
        print(f"{label:36}median {ms(median)}   worst {ms(worst)}")


if __name__ == "__main__":
    main()
