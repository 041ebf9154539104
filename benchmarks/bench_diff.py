"""Benchmark "what changed": the diff of two ~1 MB payloads, and the neighbours at 1M events.

    python benchmarks/bench_diff.py [--events 1000000] [--repeat 5]

- diff: two payloads of about 1 MB each (nested objects, lists of records, long multi-line
  strings), the second a copy with some values changed, some keys added and removed, list
  items inserted and a few lines of the long strings edited; timed as the detail pane runs
  it: `diff_payload` on an event holding `{"before": A, "after": B}` (decode included) and
  `compare_payloads` of two events (target: ≤ 200 ms), plus the same on identical payloads;
- neighbours: `build_neighbours` over `--events` demo events (the search index built first,
  as the app has it after a load), then a lookup as a cursor move does it (`index_of`,
  `previous_actor`, `previous_object`).

Median and worst of `--repeat` runs. Wall-clock on whatever machine runs this; nothing is
asserted.
"""

from __future__ import annotations

import argparse
import copy
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_filter import load_events, timed  # the same demo events as the filter benchmark

from auditui.changes import compare_payloads, diff_payload
from auditui.events import AuditEvent, EventStore
from auditui.query import index_for
from auditui.stats import build_neighbours


def ms(pair: tuple[float, float]) -> str:
    return f"{pair[0] * 1000:8.1f} ms (worst {pair[1] * 1000:.1f})"


def big_payload(rng: random.Random, target: int = 1_000_000) -> dict[str, Any]:
    """About `target` bytes of JSON: monitors with nested settings, lists, long SQL."""
    monitors: dict[str, Any] = {}
    size, n = 0, 0
    while size < target:
        sql = "\n".join(
            f"SELECT col_{j}, SUM(amount_{j}) FROM schema_{n}.table_{j} GROUP BY 1"
            for j in range(12)
        )
        monitor = {
            "id": n,
            "name": f"monitor {n} freshness",
            "enabled": rng.random() < 0.8,
            "threshold": {"min": round(rng.random() * 10, 2), "max": 100.0},
            "tags": [f"tag-{rng.randrange(50)}" for _ in range(4)],
            "notifications": [
                {"channel": "slack", "target": f"#team-{k}"} for k in range(rng.randrange(1, 4))
            ],
            "schedule": {"cron": "0 * * * *", "timezone": "UTC", "retries": 3},
            "query": sql,
        }
        monitors[f"m{n}"] = monitor
        size += len(msgspec.json.encode(monitor))
        n += 1
    return {"version": 3, "monitors": monitors, "owners": [f"user{k}@acme.io" for k in range(200)]}


def edited(rng: random.Random, payload: dict[str, Any], share: float) -> dict[str, Any]:
    """A copy with `share` of the monitors changed in various ways."""
    after = copy.deepcopy(payload)
    monitors = after["monitors"]
    for key in rng.sample(sorted(monitors), max(1, int(len(monitors) * share))):
        monitor = monitors[key]
        choice = rng.randrange(5)
        if choice == 0:
            monitor["threshold"]["min"] += 1
        elif choice == 1:
            monitor["tags"].insert(0, "tier-1")
        elif choice == 2:
            monitor["query"] = monitor["query"].replace("GROUP BY 1", "GROUP BY 1, 2", 1)
        elif choice == 3:
            del monitor["schedule"]
        else:
            monitor["owner"] = "someone@acme.io"
    after["owners"].append("new@acme.io")
    return after


def event(payload: Any, uuid: str) -> AuditEvent:
    stamp = datetime(2026, 11, 26, 12, tzinfo=UTC)
    raw = msgspec.Raw(msgspec.json.encode(payload))
    return AuditEvent(
        stamp, uuid, "10.0.0.1", "/api", object_type="monitor", object_id=1, payload=raw
    )


def bench_diff(repeat: int) -> None:
    rng = random.Random(7)
    before = big_payload(rng)
    same = event(before, "same")
    old = event(before, "old")
    for share in (0.01, 1.0):
        after = edited(rng, before, share)
        own = event({"before": before, "after": after}, "own")
        new = event(after, "new")
        sizes = f"{len(old.payload) / 1e6:.2f} MB and {len(new.payload) / 1e6:.2f} MB"
        print(f"payloads: {sizes}, {share:.0%} of the monitors edited")
        print(f"  changes found: {diff_payload(own).summary()}")
        own_time = ms(timed(lambda: diff_payload(own), repeat))  # noqa: B023
        two_time = ms(timed(lambda: compare_payloads(old, new), repeat))  # noqa: B023
        print(f"  diff_payload (own before/after, decode incl.) {own_time}")
        print(f"  compare_payloads (two events)                 {two_time}")
    same_time = ms(timed(lambda: compare_payloads(old, same), repeat))
    print(f"  compare_payloads (identical payloads)          {same_time}")


def bench_neighbours(count: int, repeat: int) -> None:
    started = time.perf_counter()
    events = load_events(count)
    store = EventStore(events)
    index_for(store)
    print(f"{len(store):,} events loaded and indexed in {time.perf_counter() - started:.1f} s")
    build = ms(timed(lambda: build_neighbours(store), repeat))
    print(f"  build_neighbours                               {build}")
    neighbours = build_neighbours(store)
    rng = random.Random(3)
    picks = [store.events[rng.randrange(len(store))] for _ in range(1000)]

    def lookups() -> None:
        for picked in picks:
            index = neighbours.index_of(picked)
            assert index is not None
            neighbours.previous_actor(index)
            neighbours.previous_object(index)

    median, worst = (seconds * 1e6 / len(picks) for seconds in timed(lookups, repeat))
    print(f"  lookup (index_of + both previous), per event  {median:8.1f} µs (worst {worst:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()}")
    bench_diff(args.repeat)
    bench_neighbours(args.events, args.repeat)


if __name__ == "__main__":
    main()
