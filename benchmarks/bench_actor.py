"""Benchmark the actor view over demo events (issue 12: ≤ 300 ms for an actor with 100k
events in a 1M store, badges included); prints figures only.

    python benchmarks/bench_actor.py [--size 1000000] [--repeat 5] [--no-screen]

Events come from the demo generator (seed 7, 90 days; as `bench_filter.py`), decoded and
put in an `EventStore` (newest first, as the loader leaves it). The subjects are the most
active user (the demo's `ci-bot`, ~110k events at 1M), the most frequent client IP and the
most frequent object. For each:

- cold: `actor_events(store, subject)` on a fresh store, its search index built by the
  call (the index build printed on its own, then the call with the index built but nothing
  derived from it yet);
- warm: the same call again (median and worst of `--repeat`): what `a` costs once the
  App's post-load worker has built the index;
- screen: the real `ActorScreen` pushed in a headless Textual app (`App.run_test`, 160×48)
  until its first rows are drawn (worker + first frame; median of 3); `--no-screen` skips
  it.

Wall-clock on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_filter import load_events, timed  # the same events as the filter benchmark

from auditui.events import AuditEvent, EventStore
from auditui.query import index_for
from auditui.stats import Subject, actor_events, actor_subject


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def busiest(events: list[AuditEvent]) -> list[Subject]:
    """The most frequent user, client IP and object of the events."""
    subjects = []
    for kind in ("user", "ip", "object"):
        counts = Counter(actor_subject(event, kind) for event in events)
        counts.pop(None, None)
        subject = counts.most_common(1)[0][0]
        assert subject is not None
        subjects.append(subject)
    return subjects


async def screen_time(store: EventStore, subject: Subject) -> float:
    """Seconds from pushing the `ActorScreen` to its first frame with rows."""
    from textual.app import App

    from auditui.tui.screens.actor import ActorScreen
    from auditui.tui.widgets.actor_table import ActorTable

    class Bench(App[None]):
        pass

    app = Bench()
    async with app.run_test(size=(160, 48)) as pilot:
        screen = ActorScreen(store, subject)
        started = time.perf_counter()
        app.push_screen(screen)
        while screen.actor is None:
            await pilot.pause(0.001)
        table = screen.query_one(ActorTable)
        await pilot.pause()  # the frame with the rows
        elapsed = time.perf_counter() - started
        assert table.row_count == len(screen.actor)
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-screen", action="store_true")
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, {args.size:,} events")
    started = time.perf_counter()
    events = load_events(args.size)
    print(f"generate + decode: {time.perf_counter() - started:6.1f} s")
    subjects = busiest(events)
    for subject in subjects:
        store = EventStore(events)  # a fresh store: no index yet
        started = time.perf_counter()
        index_for(store)
        built = time.perf_counter() - started
        started = time.perf_counter()
        actor = actor_events(store, subject)
        first = time.perf_counter() - started
        warm = timed(partial(actor_events, store, subject), args.repeat)
        badges = sum(len(names) for names in actor.badges.values())
        print(
            f"\n{subject.kind} {subject.text}: {len(actor):,} events, {badges} badges"
            f" on {len(actor.badge_rows)} rows, distinct {actor.distinct}"
        )
        print(f"  index build (cold, once per load): {ms(built)}")
        print(f"  actor_events, first call:          {ms(first)}")
        print(f"  cold total (index + call):         {ms(built + first)}")
        print(f"  warm (median, worst):              {ms(warm[0])} ({ms(warm[1])})")
        if not args.no_screen:
            shown: list[Any] = [asyncio.run(screen_time(store, subject)) for _ in range(3)]
            print(f"  screen to first rows drawn:        {ms(statistics.median(shown))}", end="")
            print(f" (median of 3; worst {ms(max(shown))})")


if __name__ == "__main__":
    main()
