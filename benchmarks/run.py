"""Scale and offline benchmark (issue 5): loading, cache, `auditui open`, VisiData.

    python benchmarks/run.py [--sizes 10k,100k,1M] [--days 90] [--no-visidata] [--no-baseline]
                              [--no-tui] [--json FILE]

For each size, a demo server is started in its own process on 127.0.0.1, serving that
many seeded demo events over `--days` days (it also writes them as NDJSON). Then each
measurement runs in a fresh Python process (so its peak RSS, `VmHWM`, is its own), with
its own `XDG_CACHE_HOME`:

- fetch + decode: `load_range` without the cache (requests, decode, merge).
- fully loaded: `stream_range` with the cache (writing it, as a first launch does), each
  batch added to an `EventStore` as it arrives; "fully loaded" is the last batch in and
  the time order built, also counted "from launch" (since the parent started the process,
  so interpreter start and imports count). The stream then writes the cache before it
  ends (timed separately). Peak RSS while loading, RSS after.
- without sharing (the "before"): the same with `intern_events` disabled, so every event
  keeps its own strings and its payload stays a view into the response body.
- reload from the cache: the same load again over the warm cache (the newest window,
  which ended less than an hour ago, is still fetched).
- open: `sources.read_events` of the NDJSON file, then the store, like `auditui open`.
- VisiData: `vd -b FILE.ndjson -o OUT.tsv` on the same file (its own process; wall time
  and peak RSS), and the ratio to `open`.
- first rows in the TUI: the real `AuditApp` on the same server and the whole range, no
  cache, its windows prefetched as the CLI does, headless (`App.run_test`) and in a 160×48
  tmux pane (a real terminal, launched through the CLI: `auditui --from … --to …
  --no-cache`; skipped without tmux): from the first window's response here to the first
  frame with rows, and from launch to that frame and to the fully loaded frame; headless,
  also the App's peak RSS and its RSS once the search index built after the load is done
  (probes and method: `benchmarks/tui_probe.py`). `--no-tui` skips both.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve()
DAY_SECONDS = 86_400


def memory() -> dict[str, float]:
    """Resident and peak resident memory of this process, MiB (Linux)."""
    values: dict[str, float] = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return {"rss_mib": values.get("VmRSS", 0.0), "peak_mib": values.get("VmHWM", 0.0)}


# ── the server process ──────────────────────────────────────────────────────────────


def serve(count: int, days: int, ndjson: str) -> None:
    from auditui.demo import DemoServer, encode_events, generate_events
    from auditui.demo.data import default_end

    end = default_end()
    events = generate_events(events_per_day=max(1, count // days), days=days, end=end)
    encoded = encode_events(events)
    del events
    with open(ndjson, "wb") as out:
        for blob in encoded.blobs:
            out.write(blob)
            out.write(b"\n")
    server = DemoServer(encoded).start()
    start = end.timestamp() - days * DAY_SECONDS
    print(json.dumps({"url": server.url, "key": server.key, "start": start,
                      "end": end.timestamp(), "events": len(encoded)}), flush=True)  # fmt: skip
    sys.stdin.read()  # until the parent closes our stdin
    server.stop()


# ── the measuring processes ─────────────────────────────────────────────────────────


def _store_of(batches: list[list[Any]]) -> Any:
    from auditui.events import EventStore

    store = EventStore()
    for events in batches:
        store.add(events)
    if hasattr(store, "time_order"):
        store.time_order()
    return store


async def _stream(spec: dict[str, Any], cache_on: bool) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from auditui.events import EventStore
    from auditui.sources.api import AuditClient
    from auditui.sources.cache import WindowCache
    from auditui.sources.windows import split_windows, stream_range
    from auditui.timespec import TimeRange

    time_range = TimeRange(datetime.fromtimestamp(spec["start"], UTC),
                           datetime.fromtimestamp(spec["end"], UTC))  # fmt: skip
    cache = WindowCache("bench", spec["url"]) if cache_on else None
    store = EventStore()
    total = len(split_windows(time_range, timedelta(days=1)))
    began = time.perf_counter()
    first = loaded = launch = None
    cached = windows = 0
    async with AuditClient(spec["url"], spec["key"]) as client:
        stream = stream_range(client, time_range, window=timedelta(days=1), concurrency=4,
                              cache=cache)  # fmt: skip
        async for batch in stream:
            if batch.error is not None:
                raise batch.error
            if first is None:
                first = time.perf_counter() - began
            windows += 1
            cached += batch.cached
            store.add(batch.events)  # as the TUI does (`first_rows_tui` runs the TUI itself)
            if windows == total:  # every row is in: the time order, then "fully loaded"
                if hasattr(store, "time_order"):
                    store.time_order()
                loaded = time.perf_counter() - began
                launch = time.time() - spec["spawned"]
        # The stream ends once the fetched windows are written to the cache.
    ended = time.perf_counter() - began
    return {"first_batch_s": first, "loaded_s": loaded, "loaded_from_launch_s": launch,
            "cache_written_s": ended, "events": len(store), "windows": windows,
            "cached_windows": cached, "_keep": store}  # fmt: skip


def measure(mode: str, spec: dict[str, Any], spawned: float) -> dict[str, Any]:
    result: dict[str, Any]
    spec["spawned"] = spawned
    if mode == "fetch":
        from datetime import UTC, datetime, timedelta

        from auditui.sources.api import AuditClient
        from auditui.sources.windows import load_range
        from auditui.timespec import TimeRange

        async def run() -> dict[str, Any]:
            time_range = TimeRange(datetime.fromtimestamp(spec["start"], UTC),
                                   datetime.fromtimestamp(spec["end"], UTC))  # fmt: skip
            began = time.perf_counter()
            async with AuditClient(spec["url"], spec["key"]) as client:
                loaded = await load_range(client, time_range, window=timedelta(days=1))
            return {"seconds": time.perf_counter() - began, "events": len(loaded.events),
                    "mb": loaded.bytes / 1e6, "_keep": loaded}  # fmt: skip

        result = asyncio.run(run())
    elif mode in ("full", "reload", "nointern"):
        from unittest import mock

        def no_interning(events: object, table: dict[Any, Any] | None = None) -> dict[Any, Any]:
            return table or {}

        sharing = (
            mock.patch("auditui.sources.windows.intern_events", no_interning)
            if mode == "nointern"
            else contextlib.nullcontext()
        )
        with sharing:
            result = asyncio.run(_stream(spec, cache_on=True))
    elif mode == "tui":
        from tui_probe import measure_headless

        return measure_headless(spec, spawned)
    elif mode == "open":
        from auditui.sources.files import read_events

        began = time.perf_counter()
        decoded = read_events(spec["ndjson"])
        read = time.perf_counter() - began
        store = _store_of([decoded.events])
        result = {"read_s": read, "seconds": time.perf_counter() - began,
                  "events": len(store), "malformed": decoded.malformed, "_keep": store}  # fmt: skip
    else:
        raise SystemExit(f"unknown mode {mode}")
    result["from_launch_s"] = time.time() - spawned
    peak = memory()["peak_mib"]
    gc.collect()
    result.update(memory(), peak_mib=peak)
    result.pop("_keep", None)
    return result


def child(mode: str, spec: dict[str, Any], cache_home: Path) -> dict[str, Any]:
    env = {**os.environ, **_private_dirs(cache_home)}
    out = subprocess.run(
        [sys.executable, str(HERE), "_measure", mode, json.dumps(spec), repr(time.time())],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def visidata(ndjson: str, workdir: Path) -> dict[str, Any]:
    """`vd -b FILE -o OUT.tsv` through a small wrapper that reports vd's own peak RSS."""
    if shutil.which("vd") is None:
        return {"error": "vd not installed (pip install visidata)"}
    out = subprocess.run(
        [sys.executable, str(HERE), "_vd", ndjson, str(workdir / "vd.tsv")],
        capture_output=True, text=True, check=False, timeout=3600,
    )  # fmt: skip
    if out.returncode != 0:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run_vd(ndjson: str, tsv: str) -> dict[str, Any]:
    began = time.perf_counter()
    subprocess.run(["vd", "-b", ndjson, "-o", tsv], check=True, capture_output=True,
                   stdin=subprocess.DEVNULL)  # fmt: skip
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with open(tsv, "rb") as lines:
        rows = sum(1 for _ in lines) - 1
    return {"seconds": seconds, "peak_mib": peak, "rows": rows}


def _private_dirs(cache_home: Path) -> dict[str, str]:
    """XDG folders of a measuring process: its own cache, and no one's real config or state."""
    dirs = {"XDG_CACHE_HOME": cache_home}
    for name in ("CONFIG", "STATE", "DATA"):
        dirs[f"XDG_{name}_HOME"] = cache_home.parent / f"{cache_home.name}-{name.lower()}"
    return {key: str(value) for key, value in dirs.items()}


def first_rows_tui(spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """The App headless and, where tmux is installed, in a real terminal (`tui_probe.py`)."""
    figures = {"headless": child("tui", spec, workdir / "headless")}
    figures["terminal"] = tui_in_tmux(spec, workdir / "terminal")
    return figures


def tui_in_tmux(spec: dict[str, Any], cache_home: Path) -> dict[str, Any]:
    """`tui_probe.measure_terminal` in a 160×48 pane of a private tmux server."""
    if shutil.which("tmux") is None:
        return {"error": "tmux not installed"}
    cache_home.mkdir(parents=True, exist_ok=True)
    out = cache_home / "figures.json"
    out.unlink(missing_ok=True)
    socket = f"auditui-bench-{os.getpid()}"
    env = [f"{key}={value}" for key, value in _private_dirs(cache_home).items()]
    spawned = time.time()
    command = shlex.join(["env", *env, sys.executable, str(HERE), "_tui_term",
                          json.dumps(spec), repr(spawned), str(out)])  # fmt: skip
    tmux = ["tmux", "-L", socket]
    subprocess.run([*tmux, "new-session", "-d", "-x", "160", "-y", "48", command], check=True)
    try:  # the App draws on the pane (stderr stays the terminal); errors come back in `out`
        while not out.exists():
            time.sleep(0.1)
            alive = subprocess.run([*tmux, "has-session"], capture_output=True, check=False)
            if alive.returncode != 0 and not out.exists():
                return {"error": "the tmux pane closed without figures"}
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)
    return dict(json.loads(out.read_text()))


# ── the parent ──────────────────────────────────────────────────────────────────────


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def bench_size(count: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    ndjson = workdir / f"events-{count}.ndjson"
    server = subprocess.Popen(
        [sys.executable, str(HERE), "_serve", str(count), str(args.days), str(ndjson)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        spec = json.loads(server.stdout.readline())
        spec["ndjson"] = str(ndjson)
        cache_home = workdir / f"cache-{count}"
        figures: dict[str, Any] = {
            "events": spec["events"],
            "ndjson_mb": ndjson.stat().st_size / 1e6,
        }
        figures["fetch"] = child("fetch", spec, workdir / "no-cache")
        figures["full"] = child("full", spec, cache_home)
        figures["reload"] = child("reload", spec, cache_home)
        if args.baseline:
            figures["nointern"] = child("nointern", spec, workdir / f"cache-nointern-{count}")
        figures["open"] = child("open", spec, workdir / "no-cache")
        figures["visidata"] = visidata(str(ndjson), workdir) if args.visidata else {}
        figures["first_rows_tui"] = (
            first_rows_tui(spec, workdir / f"tui-{count}") if args.tui else {}
        )
        cache_dir = cache_home / "auditui"
        figures["cache_mb"] = sum(p.stat().st_size for p in cache_dir.rglob("*.win")) / 1e6
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=60)
    return figures


def _fmt(value: Any, unit: str = "s") -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"
    return f"{value:,.0f} MiB"


def report(sizes: list[int], results: dict[int, dict[str, Any]]) -> None:
    rows = [
        ("fetch + decode (load_range, no cache)", lambda r: _fmt(r["fetch"].get("seconds"))),
        ("first batch (stream_range)", lambda r: _fmt(r["full"].get("first_batch_s"))),
        ("fully loaded: last batch + store", lambda r: _fmt(r["full"].get("loaded_s"))),
        ("fully loaded, from launch", lambda r: _fmt(r["full"].get("loaded_from_launch_s"))),
        ("  then cache written (stream ends)", lambda r: _fmt(r["full"].get("cache_written_s"))),
        ("peak RSS while loading", lambda r: _fmt(r["full"].get("peak_mib"), "m")),
        ("RSS after loading", lambda r: _fmt(r["full"].get("rss_mib"), "m")),
        (
            "  without sharing: peak / after",
            lambda r: _pair(r.get("nointern", {})),
        ),
        ("reload from the cache (+ store)", lambda r: _fmt(r["reload"].get("loaded_s"))),
        (
            "  windows from the cache",
            lambda r: f"{r['reload'].get('cached_windows')}/{r['reload'].get('windows')}",
        ),
        ("cache on disk", lambda r: f"{r['cache_mb']:,.1f} MB (NDJSON {r['ndjson_mb']:,.0f} MB)"),
        ("open NDJSON (read_events + store)", lambda r: _fmt(r["open"].get("seconds"))),
        ("  open: peak RSS", lambda r: _fmt(r["open"].get("peak_mib"), "m")),
        ("VisiData vd -b (same NDJSON)", lambda r: _fmt(r["visidata"].get("seconds"))),
        ("  VisiData peak RSS", lambda r: _fmt(r["visidata"].get("peak_mib"), "m")),
        (
            "open vs VisiData",
            lambda r: _ratio(r["visidata"].get("seconds"), r["open"].get("seconds")),
        ),
        (
            "TUI: first rows after the first response",
            lambda r: _tui(r, "first_rows_after_response_s"),
        ),
        ("TUI: first response, from launch", lambda r: _tui(r, "first_response_from_launch_s")),
        ("TUI: first rows, from launch", lambda r: _tui(r, "first_rows_from_launch_s")),
        ("TUI: fully loaded, from launch", lambda r: _tui(r, "loaded_from_launch_s")),
        (
            "TUI: peak RSS / RSS after (index built; headless)",
            lambda r: _pair(r["first_rows_tui"].get("headless", {})),
        ),
    ]
    names = [f"{n:,}" for n in sizes]
    print(f"\n| | {' | '.join(names)} |")
    print(f"|---|{'---|' * len(sizes)}")
    for label, cell in rows:
        print(f"| {label} | {' | '.join(_safe(cell, results[n]) for n in sizes)} |")
    for n in sizes:
        parts = {**results[n], **{f"tui {k}": v for k, v in results[n]["first_rows_tui"].items()}}
        errors = {k: v["error"] for k, v in parts.items() if isinstance(v, dict) and "error" in v}
        if errors:
            print(f"errors at {n:,}: {errors}")


def _tui(figures: dict[str, Any], key: str) -> str:
    """Headless / tmux."""
    runs = figures["first_rows_tui"]
    return " / ".join(_fmt(runs.get(mode, {}).get(key)) for mode in ("headless", "terminal"))


def _pair(figures: dict[str, Any]) -> str:
    return f"{_fmt(figures.get('peak_mib'), 'm')} / {_fmt(figures.get('rss_mib'), 'm')}"


def _ratio(slow: float | None, fast: float | None) -> str:
    return f"{slow / fast:.1f}× faster" if slow and fast else "—"


def _safe(cell: Any, figures: dict[str, Any]) -> str:
    try:
        return str(cell(figures))
    except (KeyError, TypeError):
        return "—"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_measure":
        figures = measure(sys.argv[2], json.loads(sys.argv[3]), float(sys.argv[4]))
        print(json.dumps(figures), flush=True)
        os._exit(0)  # skip freeing a million objects one by one
    if len(sys.argv) > 1 and sys.argv[1] == "_tui_term":
        from tui_probe import measure_terminal

        measure_terminal(json.loads(sys.argv[2]), float(sys.argv[3]), Path(sys.argv[4]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_vd":
        print(json.dumps(run_vd(sys.argv[2], sys.argv[3])), flush=True)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--no-visidata", dest="visidata", action="store_false")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the run without string sharing")  # fmt: skip
    parser.add_argument("--no-tui", dest="tui", action="store_false",
                        help="skip the TUI's first rows (headless and in tmux)")  # fmt: skip
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args()
    sizes = [parse_size(part) for part in args.sizes.split(",") if part.strip()]
    print(f"{platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
          f"{time.strftime('%Y-%m-%d %H:%M')}")  # fmt: skip
    results: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="auditui-bench-") as temp:
        for count in sizes:
            print(f"… {count:,} events", flush=True)
            results[count] = bench_size(count, args, Path(temp))
            print(json.dumps(results[count]), flush=True)
    report(sizes, results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
