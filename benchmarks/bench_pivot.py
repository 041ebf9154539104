"""Benchmark pivots (exact terms, `auditui.query.pivot`) over demo events; prints figures only.

    python benchmarks/bench_pivot.py [--sizes 1000000] [--samples 15] [--check]

Events come from the demo generator (seed 7, 90 days), decoded with `decode_logs` and put
in an `EventStore` (newest first), then indexed and warmed as a load leaves them
(`prepare_index`) before anything is timed. For each pivot field (user, ip, object, uuid)
the value of `--samples` events spread over the store is pivoted on (`pivot_query`):

- from no filter: `Filterer.apply(pivot)` over every event (parse, compile, match);
- narrowing: `Filterer.apply(add_term(base, pivot))` right after `Filterer.apply(base)`,
  as the TUI does when `=` is pressed with a filter in force (searches within its matches);

each the median and the worst over the samples (the first pivot on a field included), next
to a narrowing keystroke (one more character of a contains query, `adm` → `admi`). The
table's redraw is not timed here (see bench_table.py). `--check` verifies each result
against `Matcher.matches` over all events (slow). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_filter import END, load_events  # the same events as the filter benchmark

from auditui.events import EventStore
from auditui.query import Filterer, add_term, compile_query, pivot_query, prepare_index

NOW = END
FIELDS = ("user", "ip", "object", "uuid")
BASES = ("source:web", "status:success", "after:30d")  # filters in force before a pivot
KEYSTROKES = (("adm", "admi"), ("s", "st"), ("source:web a", "source:web ad"))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def timed(action: Callable[[], Sequence[int]]) -> tuple[float, Sequence[int]]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def check(store: EventStore, text: str, result: Sequence[int]) -> None:
    matcher = compile_query(text, now=NOW)
    expected = [i for i, event in enumerate(store.events) if matcher.matches(event)]
    if list(result) != expected:
        raise SystemExit(f"MISMATCH for {text[:80]!r}: {len(result)} vs {len(expected)}")


def pivots(store: EventStore, field: str, samples: int, verify: bool) -> None:
    size = len(store)
    step = max(size // samples, 1)
    chosen = [store.events[i] for i in range(step // 2, size, step)][:samples]
    alone: list[float] = []
    narrowed: list[float] = []
    matches: list[int] = []
    for n, event in enumerate(chosen):
        term = pivot_query(event, field)
        assert term is not None
        filterer = Filterer(store)
        took, result = timed(lambda: filterer.apply(term, now=NOW).indices)  # noqa: B023
        alone.append(took)
        matches.append(len(result))
        if verify:
            check(store, term, result)
        base = BASES[n % len(BASES)]
        filterer.apply(base, now=NOW)
        query = add_term(base, term)
        started = time.perf_counter()
        outcome = filterer.apply(query, now=NOW)
        narrowed.append(time.perf_counter() - started)
        assert outcome.narrowed
        result = outcome.indices
        if verify:
            check(store, query, result)
    print(
        f"  pivot {field:7s} no filter: median {ms(statistics.median(alone))} "
        f"worst {ms(max(alone))} | narrowing: median {ms(statistics.median(narrowed))} "
        f"worst {ms(max(narrowed))} | matches {min(matches):,}–{max(matches):,}"
    )


def keystrokes(store: EventStore) -> None:
    for before, after in KEYSTROKES:
        filterer = Filterer(store)
        filterer.apply(before, now=NOW)
        took, result = timed(lambda: filterer.apply(after, now=NOW).indices)  # noqa: B023
        print(f"  keystroke {before!r:16s} -> {after!r:18s} {ms(took)}  {len(result):9,d} matches")


def run(size: int, samples: int, verify: bool) -> None:
    print(f"\n=== {size:,} events ===")
    started = time.perf_counter()
    store = EventStore(load_events(size))
    prepare_index(store)
    print(f"generate + decode + index: {time.perf_counter() - started:.1f} s (not timed below)")
    print(f"pivots ({samples} events each, spread over the store; narrowing from {BASES}):")
    for field in FIELDS:
        pivots(store, field, samples, verify)
    print("narrowing keystrokes, for comparison:")
    keystrokes(store)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})")
    for size in map(int, args.sizes.split(",")):
        run(size, args.samples, args.check)


if __name__ == "__main__":
    main()
