"""Benchmark the filter query language (`auditui.query`) over demo events; prints figures only.

    python benchmarks/bench_filter.py [--sizes 100000,1000000] [--check]

Events come from the demo generator (`auditui.demo.data.iter_events`, seed 7, 90 days),
encoded and decoded with `decode_logs` before anything is timed, and put in an
`EventStore` (newest first, as the loader leaves them).

- index: `search_index.index_for(store)` — the one-time build per load: time, and how much
  the process's resident memory grew (Linux `/proc/self/statm`), next to what the events
  themselves took. The payload text is built on the first `payload:` query (timed below).
- keystrokes: a query typed one character at a time; each keystroke is
  parse + compile + `filter_indices`, searching within the previous matches when
  `Query.narrows` says it may (an invalid prefix keeps the previous result, as the TUI
  does). Median and worst per keystroke, and how many keystrokes narrowed.
- queries: representative queries from scratch (all events) and, where marked, narrowed.

`--check` also verifies every result against `Matcher.matches` over all events (slow).
Times are wall-clock on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditui.events import AuditEvent, EventStore, decode_logs
from auditui.query import Matcher, QueryError, SearchIndex, compile_query, index_for, parse
from auditui.query.engine import vector as query_vector

END = datetime(2026, 11, 27, tzinfo=UTC)
NOW = END  # "now" for relative times (after:7d)

TYPED = (
    "status:failure user:*@datafold.com",
    "admin",
    "source:web action:monitor.",
)
QUERIES = (
    ("bare word", "admin"),
    ("bare word (hex-like, hits uuids)", "dead"),
    ("phrase", '"data diff"'),
    ("field", "status:failure"),
    ("field glob", "user:*@datafold.com"),
    ("two fields", "status:failure user:*@datafold.com"),
    ("negation", "-source:ci -status:success"),
    ("OR", "action:monitor.delete OR action:api_key.create"),
    ("NOT + parens", "NOT (source:ci OR source:scheduler) status:denied"),
    ("field regex", "user:/^ad.*@/"),
    ("bare regex", "/monitor #1[0-9]{2}$/"),
    ("url", "url:/datadiffs/"),
    ("uuid prefix", "uuid:918c63*"),
    ("time", "after:7d"),
    ("time + field", "after:7d before:2d support:true"),
    ("payload (1st: builds text)", "payload:tier-1"),
    ("payload", "payload:tier-1"),
    ("support failures 7d", "support:true status:failure after:7d"),
)


def load_events(count: int) -> list[AuditEvent]:
    from auditui.demo.data import iter_events

    per_day = -(-count // 90)
    stream = itertools.islice(iter_events(seed=7, events_per_day=per_day, days=90, end=END), count)
    events: list[AuditEvent] = []
    while chunk := list(itertools.islice(stream, 50_000)):
        events.extend(decode_logs(msgspec.json.encode({"logs": chunk})).events)
    return events


def rss_bytes() -> int:
    """The process's resident memory now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median, worst) seconds of `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def check(matcher: Matcher, store: EventStore, result: Sequence[int]) -> None:
    expected = [i for i, event in enumerate(store.events) if matcher.matches(event)]
    if sorted(result) != expected:
        raise SystemExit(f"MISMATCH for {matcher.query.text!r}: {len(result)} vs {len(expected)}")


def type_query(store: EventStore, text: str) -> tuple[list[float], int, int]:
    """Time each keystroke; returns (times, narrowed keystrokes, final count)."""
    times: list[float] = []
    narrowed = 0
    previous: Matcher | None = None
    result: Sequence[int] = []
    for end in range(1, len(text) + 1):
        start = time.perf_counter()
        try:
            matcher = compile_query(parse(text[:end]), now=NOW)
        except QueryError:
            times.append(time.perf_counter() - start)
            continue  # the table stays as it was
        if previous is not None and matcher.query.narrows(previous.query):
            result = matcher.filter_indices(store, result)
            narrowed += 1
        else:
            result = matcher.filter_indices(store)
        times.append(time.perf_counter() - start)
        previous = matcher
    return times, narrowed, len(result)


def run(size: int, verify: bool) -> None:
    print(f"\n=== {size:,} events ===")
    started = time.perf_counter()
    gc.collect()
    rss = rss_bytes()
    events = load_events(size)
    store = EventStore(events)
    gc.collect()
    events_rss = rss_bytes() - rss
    print(f"generate + decode: {time.perf_counter() - started:.1f} s (not part of any figure)")

    gc.collect()
    rss = rss_bytes()
    started = time.perf_counter()
    index = index_for(store)
    built = time.perf_counter() - started
    gc.collect()
    grown = rss_bytes() - rss
    print(f"index build: {ms(built)}   process memory +{grown / 2**20:.0f} MiB "
          f"(events alone: {events_rss / 2**20:.0f} MiB)")  # fmt: skip
    rss = rss_bytes()
    started = time.perf_counter()
    query_vector.warm(index)  # what `prepare_index` adds after a load, in the same worker
    warmed = time.perf_counter() - started
    gc.collect()
    payload = "prebuilt" if "payload" in index.derived else "built on first payload: query"
    print(f"masks and text columns (warm): {ms(warmed)}   process memory "
          f"+{(rss_bytes() - rss) / 2**20:.0f} MiB; payload column {payload}")  # fmt: skip
    for name in ("low", "high", "entry"):
        group = index.groups[name]
        distinct = ", ".join(f"{f} {len(t):,}" for f, t in group.texts.items())
        print(f"  group {name}: {len(group.counts):,} combinations ({distinct})")

    print(f"\n{'typed query':40s} {'keys':>4s} {'narrowed':>8s} {'median':>11s} {'max':>11s}"
          f" {'matches':>9s}")  # fmt: skip
    for text in TYPED:
        times, narrowed, count = type_query(store, text)
        print(f"{text:40s} {len(times):4d} {narrowed:8d} {ms(statistics.median(times))} "
              f"{ms(max(times))} {count:9,d}")  # fmt: skip

    print(f"\n{'query':34s} {'text':48s} {'all events':>11s} {'matches':>9s}")
    for label, text in QUERIES:
        started = time.perf_counter()
        matcher = compile_query(text, now=NOW)
        result = matcher.filter_indices(store)
        took = time.perf_counter() - started
        print(f"{label:34s} {text:48s} {ms(took)} {len(result):9,d}")
        if verify:
            check(matcher, store, result)

    print("\nnarrowing (search within the previous matches):")
    pairs = (
        ("s", "st"),
        ("a", "ad"),
        ("e", "er"),
        ("ad", "adm"),
        ("status:failure", "status:failure user:*@datafold.com"),
        ("adm", "admin"),
        ("source:web", "source:web action:monitor.delete"),
        ("source:web", "source:web a"),
        ("after:30d", "after:30d dead"),
    )
    for before, after in pairs:
        first = compile_query(before, now=NOW)
        base = first.filter_indices(store)
        second = compile_query(after, now=NOW)
        assert second.query.narrows(first.query)
        started = time.perf_counter()
        result = second.filter_indices(store, base)
        took = time.perf_counter() - started
        print(f"  {before!r:22s} -> {after!r:40s} {ms(took)}  {len(base):9,d} -> {len(result):,}")
        if verify:
            check(second, store, result)
    del index
    assert isinstance(index_for(store), SearchIndex)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--check", action="store_true", help="verify against matches()")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          f"{os.cpu_count()} CPUs; {platform.processor() or platform.machine()}")  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.check)
        gc.collect()


if __name__ == "__main__":
    main()
