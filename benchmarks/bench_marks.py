"""Benchmark marks and notes (issue 13: marking, unmarking and `marked:true` at 1M events
within 50 ms); prints figures only.

    python benchmarks/bench_marks.py [--size 1000000] [--marks 1000] [--repeat 7]

Events come from the demo generator (seed 7, 90 days; as `bench_filter.py`), decoded and
put in an `EventStore` (newest first), its search index built as the App's post-load
worker builds it (`prepare_index`, which also builds the uuid → row map mark terms use:
that part is printed on its own). `--marks` events spread over the store are marked (every
tenth with a note), then, median and worst of `--repeat`:

- mark / unmark: what `m` does on the UI thread without drawing: `Marks.toggle` (the
  journal, the snapshot queries read) and the cursor row's store index for the redraw;
- `marked:true`, `marked:true status:failure`, `note:word`, `marked:false`: a `Filterer`
  applying the query from scratch over every event (what the filter runs again after `m`
  when the query reads marks);
- the marked rows of a sorted view (`c` and `e` ask "the N marked events");
- save: `MarkFile.write` of one change over a file holding all the marks (in a worker in
  the App: lock, read, merge, atomic write), in a temporary folder.

Wall-clock on whatever machine runs this; nothing is asserted.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_filter import load_events, timed  # the same events as the filter benchmark

from auditui.events import EventStore, EventView
from auditui.marks import MarkFile, Marks
from auditui.query import Filterer, index_for, prepare_index
from auditui.query.engine.marked import uuid_table

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--marks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"python {platform.python_version()} on {platform.machine()}, {args.size:,} events")

    events = load_events(args.size)
    store = EventStore(events)
    started = time.perf_counter()
    index = index_for(store)
    print(f"search index                {ms(time.perf_counter() - started)}")
    started = time.perf_counter()
    prepare_index(store)  # numpy masks, text columns, the uuid → row map
    print(f"prepare_index (all derived) {ms(time.perf_counter() - started)}")
    index.derived.pop("uuid table", None)
    started = time.perf_counter()
    uuid_table(index)
    print(f"  of which the uuid table   {ms(time.perf_counter() - started)}")

    marks = Marks()
    step = max(len(events) // max(args.marks, 1), 1)
    for n, event in enumerate(events[::step][: args.marks]):
        if n % 10:
            marks.toggle(event.event_uuid, NOW)
        else:
            marks.set_note(event.event_uuid, f"word{n} checked with the team", NOW)
    marks.take_changes()
    print(f"{len(marks):,} marked events")

    view = EventView(store)
    view.sort("user", False)
    row = len(view) // 2
    target = view.event_at(row).event_uuid

    def mark_and_unmark() -> None:
        marks.toggle(target, NOW)
        view.index_at(row)  # the row the table redraws
        marks.toggle(target, NOW)
        view.index_at(row)

    median, worst = timed(mark_and_unmark, args.repeat)
    print(f"mark + unmark (both)        {ms(median)} median {ms(worst)} worst")

    filterer = Filterer(store)
    filterer.marks = marks.notes
    for query in ("marked:true", "marked:true status:failure", "note:word1", "marked:false"):
        found = len(filterer.apply(query).indices)
        median, worst = timed(lambda q=query: filterer.apply(q), args.repeat)  # type: ignore[misc]
        print(f"{query:<27} {ms(median)} median {ms(worst)} worst  ({found:,} events)")

    from auditui.tui.flows.export import marked_indices

    filterer.apply("status:success")
    view.set_filter(filterer.last.indices, ascending=True)  # type: ignore[union-attr]

    class Session:  # what `marked_indices` reads of the TUI's session
        def __init__(self) -> None:
            self.view = view
            self.filterer = filterer

        def mark_notes(self) -> dict[str, str]:
            return marks.notes()

    session = Session()
    count = len(marked_indices(session))  # type: ignore[arg-type]
    median, worst = timed(lambda: marked_indices(session), args.repeat)  # type: ignore[arg-type]
    print(f"marked rows, filtered+sorted{ms(median)} median {ms(worst)} worst  ({count:,} rows)")

    with tempfile.TemporaryDirectory() as folder:
        file = MarkFile("bench", "https://bench", Path(folder) / "marks.json")
        file.write(dict(marks.items()))
        median, worst = timed(lambda: file.write({target: None}), args.repeat)
        print(f"save one change ({len(marks):,})    {ms(median)} median {ms(worst)} worst")


if __name__ == "__main__":
    main()
