"""The archive (issue 11): sync, size, SQL and the browser, each beside its baseline.

    python benchmarks/bench_archive.py [--events 1000000] [--days 90] [--json FILE]
        [--only sync,size,sql,browser] [--sync-repeat 1] [--sql-repeat 5] [--lnav-repeat 3]
        [--browser-repeat 3] [--workdir DIR]

A demo server runs in its own process on 127.0.0.1 (`run.py`'s: `--events` seeded events
over `--days` days, here ending at the last full hour, so that none is in the future: a sync
stops at now, a fetch does not). Every command below is the real `auditui` console script in a
subprocess, pointed at the server by `DATAFOLD_HOST`/`DATAFOLD_API_KEY`, each in its own
private HOME and XDG folders under a temporary folder (nothing touches the user's), timed
from launch (wall clock, interpreter start and imports included):

- sync: `auditui fetch --from F --to T --format ndjson -o FILE` (a first fetch: empty cache,
  written as a user's first fetch writes it) vs `auditui archive sync --from F --to T
  --archive DIR` (an empty archive, its own empty HOME); ratio (target ≤ 1.5). Also the
  fetch without Python 3.11's exit-time repr of its result (`NO_EXIT_REPR`), the baseline
  once that is fixed.
- size: the archive folder on disk (`du`: allocated blocks; also the bytes) vs the NDJSON
  file; ratio (target ≤ 1/8).
- sql: `auditui sql "SELECT user_email, count(*) FROM audit_logs GROUP BY 1 ORDER BY 2
  DESC" --format csv --archive DIR`, median of `--sql-repeat` (target ≤ 1 s) vs lnav over
  the NDJSON with the same count (`benchmarks/lnav/auditui_events.json` installed with
  `lnav -i` into a private HOME; `lnav -n -c ';SELECT …' -c ':write-csv-to -' FILE`),
  median of `--lnav-repeat`; ratio. Both answers are checked against the counts taken from
  the server's own events.
- browser: `auditui --archive-only --from F --to T --archive DIR` in a 120×35 pane of a
  private tmux server (no key given), polling `tmux capture-pane` every 20 ms: first rows
  (a table row on screen) and fully loaded (the header shows every event, no "loading")
  from launch (target: first rows ≤ 1 s). Beside it, the cache reload of the same range:
  `auditui --from F --to T` in the same pane over the cache the fetch wrote (the newest
  window, still open, is fetched), timed the same way; and `run.py`'s own cache reload
  (`stream_range` over a warm cache + store, its "reload from the cache" row). Target:
  fully loaded ≤ the cache reload.

A part needs the fetch and the archive: with `--only`, they are made first (untimed
figures are still printed). Times vary by ±10–20% on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import collections
import csv
import io
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import child, parse_size, serve  # noqa: E402  # benchmarks/run.py, a sibling script

SQL = "SELECT user_email, count(*) FROM audit_logs GROUP BY 1 ORDER BY 2 DESC"
LNAV_FORMAT = HERE / "lnav" / "auditui_events.json"
LNAV_SQL = SQL.replace("audit_logs", "auditui_events")  # lnav's table is the format's name
PARTS = ("sync", "size", "sql", "browser")
# `auditui` with one thing of Python 3.11 avoided: `asyncio.run` puts back its SIGINT handler
# at exit, and `signal.signal` turns the old one (a partial holding the main task) into an
# enum by trying `Handlers(old)`, whose ValueError formats repr(old): the task, its result,
# and so every event `connection.load` returned (`LoadResult`'s dataclass repr), twice.
NO_EXIT_REPR = (
    "import signal, sys\n"
    "signal._int_to_enum = lambda value, kind: kind(value) if isinstance(value, int) else value\n"
    "from auditui.cli.main import main\n"
    "sys.exit(main())"
)
PANE = (120, 35)
POLL = 0.02
TIMEOUT = 300.0
EXITED = "__auditui_exited__"
ROW = re.compile(r"^\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s")
Counts = dict[str | None, int]


def auditui() -> list[str]:
    """The console script next to this interpreter (not a pyenv shim, which adds a shell)."""
    script = Path(sys.executable).parent / "auditui"
    return [str(script)] if script.exists() else [sys.executable, "-m", "auditui"]


def private_env(home: Path, spec: dict[str, Any], key: bool = True) -> dict[str, str]:
    """HOME and the XDG folders under `home`, and the demo server as the API."""
    env = {"HOME": str(home), "DATAFOLD_HOST": spec["url"]}
    for name in ("CONFIG", "CACHE", "DATA", "STATE"):
        env[f"XDG_{name}_HOME"] = str(home / name.lower())
    if key:
        env["DATAFOLD_API_KEY"] = spec["key"]
    return env


def timed_run(
    command: Sequence[str], env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[float, str, str]:
    """Wall seconds from launch to exit, stdout and stderr; a failure stops the benchmark."""
    began = time.perf_counter()
    out = subprocess.run(
        command, env={**os.environ, **(env or {})}, cwd=cwd, capture_output=True, text=True,
        stdin=subprocess.DEVNULL, check=False, timeout=3600,
    )  # fmt: skip
    seconds = time.perf_counter() - began
    if out.returncode != 0:
        lines = (out.stderr.strip() or out.stdout.strip() or "no output").splitlines()
        raise RuntimeError(f"{shlex.join(command[:3])}… exit {out.returncode}: {lines[-1]}")
    return seconds, out.stdout, out.stderr


def disk_usage(folder: Path) -> tuple[int, int]:
    """(allocated bytes as `du` counts them, apparent bytes) of every file under `folder`."""
    blocks = size = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            blocks += stat.st_blocks * 512
            size += stat.st_size
    return blocks, size


def archive_count(folder: Path) -> int:
    """Events in the archive's Parquet files, read by DuckDB directly (not through auditui)."""
    import duckdb

    files = str(folder / "**" / "*.parquet")
    with duckdb.connect() as engine:
        query = "SELECT count(*) FROM read_parquet(?, hive_partitioning = true)"
        row = engine.execute(query, [files]).fetchone()
    return int(row[0]) if row else 0


def counts_of(text: str, nulls: Sequence[str]) -> Counts:
    """(user_email → count) from CSV with a header; the texts in `nulls` mean NULL."""
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return {(None if row[0] in nulls else row[0]): int(row[1]) for row in rows if row}


def true_counts(ndjson: Path) -> Counts:
    """The count per user_email of the server's own events."""
    decoder = msgspec.json.Decoder()
    counter: collections.Counter[str | None] = collections.Counter()
    with ndjson.open("rb") as lines:
        for line in lines:
            counter[decoder.decode(line).get("user_email")] += 1
    return dict(counter)


def secs(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"


class Bench:
    """One run: the server, the range, the private folders and what was made so far."""

    def __init__(self, spec: dict[str, Any], workdir: Path, args: argparse.Namespace) -> None:
        self.spec, self.workdir, self.args = spec, workdir, args
        stamp = "%Y-%m-%dT%H:%MZ"
        self.range = [
            "--from", datetime.fromtimestamp(spec["start"], UTC).strftime(stamp),
            "--to", datetime.fromtimestamp(spec["end"], UTC).strftime(stamp),
        ]  # fmt: skip
        self.fetch_home = workdir / "home-fetch"  # its cache is the browser's baseline
        self.ndjson = workdir / "fetched.ndjson"
        self.archive = workdir / "archive"
        self.fetched = self.archived = False
        self.panes = 0
        self.figures: dict[str, Any] = {"events": spec["events"]}

    # ── making the NDJSON and the archive ──────────────────────────────────────────────

    def fetch(self, *, no_exit_repr: bool = False) -> float:
        shutil.rmtree(self.fetch_home, ignore_errors=True)
        self.ndjson.unlink(missing_ok=True)
        program = [sys.executable, "-c", NO_EXIT_REPR] if no_exit_repr else auditui()
        command = [*program, "fetch", *self.range, "--format", "ndjson", "-o", str(self.ndjson)]
        seconds, _, _ = timed_run(command, private_env(self.fetch_home, self.spec))
        self.fetched = True
        return seconds

    def sync(self, run: int = 0) -> tuple[float, str]:
        home = self.workdir / f"home-sync-{run}"
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(self.archive, ignore_errors=True)
        command = [*auditui(), "archive", "sync", *self.range, "--archive", str(self.archive)]
        seconds, out, err = timed_run(command, private_env(home, self.spec))
        self.archived = True
        said = (out + err).strip()
        return seconds, said.splitlines()[-1] if said else ""

    def ensure(self) -> None:
        if not self.fetched:
            print(f"  (prepared: fetch {secs(self.fetch())})", flush=True)
        if not self.archived:
            print(f"  (prepared: archive sync {secs(self.sync()[0])})", flush=True)

    # ── the parts ──────────────────────────────────────────────────────────────────────

    def part_sync(self) -> None:
        fetches: list[float] = []
        bare: list[float] = []  # the fetch without the exit-time repr (see NO_EXIT_REPR)
        syncs: list[float] = []
        summary = ""
        for run in range(self.args.sync_repeat):  # alternated, so drift hits all alike
            bare.append(self.fetch(no_exit_repr=True))
            fetches.append(self.fetch())
            seconds, summary = self.sync(run)
            syncs.append(seconds)
        fetch, sync = statistics.median(fetches), statistics.median(syncs)
        without = statistics.median(bare)
        self.figures["sync"] = {"fetch_s": fetches, "fetch_no_exit_repr_s": bare,
                                "sync_s": syncs, "ratio": sync / fetch,
                                "ratio_no_exit_repr": sync / without,
                                "summary": summary}  # fmt: skip
        print(f"  fetch to NDJSON: {secs(fetch)}  {_runs(fetches)}")
        print(f"  … without asyncio.run's exit-time repr: {secs(without)}  {_runs(bare)}")
        print(f"  archive sync:    {secs(sync)}  {_runs(syncs)}")
        print(f"  sync / fetch:    {sync / fetch:.2f}×  (target ≤ 1.5×); against the fetch "
              f"without the repr: {sync / without:.2f}×")  # fmt: skip
        print(f"  sync said: {summary}")

    def part_size(self) -> None:
        self.ensure()
        blocks, size = disk_usage(self.archive)
        ndjson = self.ndjson.stat().st_size
        files = sum(1 for p in self.archive.rglob("*.parquet"))
        self.figures["size"] = {"archive_du": blocks, "archive_bytes": size, "ndjson": ndjson,
                                "parquet_files": files, "ratio": blocks / ndjson}  # fmt: skip
        print(f"  archive on disk: {blocks / 1e6:,.1f} MB (du; {size / 1e6:,.1f} MB of bytes, "
              f"{files} Parquet files)")  # fmt: skip
        print(f"  NDJSON:          {ndjson / 1e6:,.1f} MB")
        print(f"  archive / NDJSON: 1/{ndjson / blocks:.1f}  (target ≤ 1/8)")

    def part_sql(self) -> None:
        self.ensure()
        command = [*auditui(), "sql", SQL, "--format", "csv", "--archive", str(self.archive)]
        env = private_env(self.workdir / "home-sql", self.spec, key=False)
        runs: list[float] = []
        answer = ""
        for _ in range(self.args.sql_repeat):
            seconds, answer, _ = timed_run(command, env)
            runs.append(seconds)
        ours = counts_of(answer, ("", "NULL", "<NULL>"))
        lnav_runs, theirs, version = self.lnav()
        truth = true_counts(Path(self.spec["ndjson"]))
        sql, lnav = statistics.median(runs), statistics.median(lnav_runs)
        self.figures["sql"] = {"sql_s": runs, "lnav_s": lnav_runs, "ratio": lnav / sql,
                               "lnav": version, "sql_correct": ours == truth,
                               "lnav_correct": theirs == truth}  # fmt: skip
        print(f"  auditui sql:     {secs(sql)}  {_runs(runs)}  (target ≤ 1 s)")
        print(f"  {version}:     {secs(lnav)}  {_runs(lnav_runs)}")
        print(f"  lnav / auditui sql: {lnav / sql:.1f}×")
        for name, got in (("auditui sql", ours), ("lnav", theirs)):
            verdict = "equal to" if got == truth else "DIFFERENT from"
            total = sum(got.values())
            print(f"  {name}: {len(got)} users, {total:,} events, {verdict} the true counts")
        if ours != truth:
            wrong = {k: (ours.get(k), truth.get(k)) for k in truth.keys() | ours.keys()
                     if ours.get(k) != truth.get(k)}  # fmt: skip
            print(f"  auditui sql differs (got, true): {dict(list(wrong.items())[:5])}")

    def lnav(self) -> tuple[list[float], Counts, str]:
        if shutil.which("lnav") is None:
            raise RuntimeError("lnav is not installed (apt-get install lnav)")
        # lnav 0.11 keeps its files in $XDG_CONFIG_HOME/lnav (in the cwd if that is missing)
        home = self.workdir / "home-lnav"
        config = home / ".config"
        config.mkdir(parents=True, exist_ok=True)
        env = {"HOME": str(home), "XDG_CONFIG_HOME": str(config)}
        timed_run(["lnav", "-i", str(LNAV_FORMAT)], env, cwd=home)
        if not (config / "lnav" / "formats" / "installed" / LNAV_FORMAT.name).exists():
            raise RuntimeError(f"lnav -i did not install {LNAV_FORMAT.name} under {config}")
        version = timed_run(["lnav", "-V"], env, cwd=home)[1].strip()
        command = ["lnav", "-n", "-c", f";{LNAV_SQL}", "-c", ":write-csv-to -", str(self.ndjson)]
        self.figures["lnav_command"] = shlex.join(command)
        runs: list[float] = []
        answer = ""
        for _ in range(self.args.lnav_repeat):
            seconds, answer, _ = timed_run(command, env, cwd=home)
            runs.append(seconds)
        return runs, counts_of(answer, ("<NULL>",)), version

    def part_browser(self) -> None:
        self.ensure()
        archive_cmd = [*auditui(), "--archive-only", *self.range, "--archive", str(self.archive)]
        archive_env = private_env(self.workdir / "home-browser", self.spec, key=False)
        cache_cmd = [*auditui(), *self.range]
        results: dict[str, list[dict[str, Any]]] = {"archive": [], "cache": []}
        archived, fetched = archive_count(self.archive), self.spec["events"]
        if archived != fetched:
            print(f"  the archive holds {archived:,} events, the server {fetched:,}")
        for _ in range(self.args.browser_repeat):  # alternated
            results["archive"].append(self.in_tmux(archive_cmd, archive_env, archived))
            cache_env = private_env(self.fetch_home, self.spec)
            results["cache"].append(self.in_tmux(cache_cmd, cache_env, fetched))
        child("full", dict(self.spec), self.workdir / "core-cache")  # run.py: cache written
        core = child("reload", dict(self.spec), self.workdir / "core-cache")
        self.figures["browser"] = {**results, "core_reload": core}
        print(f"  archive-only (App in tmux):   {_pane(results['archive'])}  (target ≤ 1 s)")
        print(f"  cache reload (App in tmux):   {_pane(results['cache'])}")
        print(f"  cache reload (run.py's path, stream_range + store): "
              f"{secs(core.get('loaded_s'))}, from launch {secs(core.get('loaded_from_launch_s'))}"
              f" ({core.get('cached_windows')}/{core.get('windows')} windows cached)")  # fmt: skip
        loaded = _median(results["archive"], "loaded_s")
        for name, baseline in (
            ("cache reload (App)", _median(results["cache"], "loaded_s")),
            ("run.py's reload from launch", core.get("loaded_from_launch_s")),
        ):
            if loaded and baseline:
                print(f"  archive fully loaded / {name}: {loaded / baseline:.2f}×  (target ≤ 1)")
        for run in results["archive"] + results["cache"]:
            if "error" in run:
                print(f"  error: {run['error']}")
        for name in ("archive", "cache"):
            print(f"  {name} header: {results[name][-1].get('header', '')}")

    def in_tmux(self, command: list[str], env: dict[str, str], events: int) -> dict[str, Any]:
        """First rows and fully loaded, from launch, by polling a private tmux pane."""
        if shutil.which("tmux") is None:
            return {"error": "tmux not installed"}
        self.panes += 1  # a private tmux server per run, its socket in the work folder
        tmux = ["tmux", "-S", str(self.workdir / f"tmux-{self.panes}.socket")]
        line = shlex.join(["env", *(f"{k}={v}" for k, v in env.items()), *command])
        total = re.compile(rf"\b{events:,} events\b")
        result: dict[str, Any] = {}
        began = time.perf_counter()
        started = subprocess.run([*tmux, "new-session", "-d", "-x", str(PANE[0]), "-y",
                                  str(PANE[1]), f"{line}; echo {EXITED} $?; sleep 600"],
                                 capture_output=True, text=True, check=False)  # fmt: skip
        if started.returncode != 0:
            return {"error": f"tmux new-session: {started.stderr.strip()}"}
        try:
            screen: list[str] = []
            while time.perf_counter() - began < TIMEOUT:
                shot = subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True,
                                      text=True, check=False)  # fmt: skip
                now = time.perf_counter() - began
                screen = shot.stdout.splitlines()
                if "first_rows_s" not in result and any(ROW.match(row) for row in screen):
                    result["first_rows_s"] = now
                if any(row.startswith(EXITED) for row in screen):  # it ended before loading
                    result["error"] = "exited: " + " / ".join(r for r in screen if r.strip())[-300:]
                    break
                header = next((row for row in screen if "auditui" in row), "")
                if total.search(header) and "loading" not in header:
                    result.setdefault("first_rows_s", now)
                    result.update(loaded_s=now, header=header.strip())
                    break
                time.sleep(POLL)
            else:
                result["error"] = "not loaded after the timeout: " + " / ".join(screen[:2])
        finally:
            subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)
        return result


def _runs(values: Sequence[float | None]) -> str:
    return "(runs: " + ", ".join(secs(v) for v in values) + ")"


def _pane(runs: list[dict[str, Any]]) -> str:
    """First rows and fully loaded (medians), and each run's fully loaded."""
    first, loaded = _median(runs, "first_rows_s"), _median(runs, "loaded_s")
    return f"first rows {secs(first)}, fully loaded {secs(loaded)} " + _runs(
        [run.get("loaded_s") for run in runs]
    )


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in runs if key in run]
    return statistics.median(values) if values else None


def machine() -> str:
    model = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    lnav = "not installed"
    if shutil.which("lnav"):
        lnav = subprocess.run(["lnav", "-V"], capture_output=True, text=True).stdout.strip()
    try:
        import duckdb

        engine = f"DuckDB {duckdb.__version__}"
    except ImportError:
        engine = "no DuckDB"
    return (f"{platform.node()} · {os.cpu_count()} cores ({model}) · Python "
            f"{platform.python_version()} · {engine} · {lnav} · "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · load {os.getloadavg()[0]:.2f}")  # fmt: skip


def serve_past(count: int, days: int, ndjson: str) -> None:
    """`run.py`'s server, its events ending at the last full hour: all in the past, so a
    sync (which stops at now) and a fetch (which asks up to `--to`) see the same events."""
    from unittest import mock

    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with mock.patch("auditui.demo.data.default_end", return_value=end):
        serve(count, days, ndjson)


def main() -> None:
    if sys.argv[1:2] == ["_serve"]:
        serve_past(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=parse_size, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts: {', '.join(PARTS)}")  # fmt: skip
    parser.add_argument("--sync-repeat", type=int, default=1)
    parser.add_argument("--sql-repeat", type=int, default=5)
    parser.add_argument("--lnav-repeat", type=int, default=3)
    parser.add_argument("--browser-repeat", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--workdir", metavar="DIR",
                        help="keep the files (NDJSON, archive, homes) in DIR")  # fmt: skip
    args = parser.parse_args()
    parts = [part.strip() for part in args.only.split(",") if part.strip()]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {PARTS}")
    # As in a terminal: a SIGINT ignored here (a background job) would be ignored by every
    # child too, and `asyncio.run` in them would then skip what NO_EXIT_REPR is about.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="auditui-archive-bench-") as temp:
        workdir = Path(args.workdir or temp)
        workdir.mkdir(parents=True, exist_ok=True)
        served = workdir / "served.ndjson"
        server = subprocess.Popen(
            [sys.executable, __file__, "_serve", str(args.events), str(args.days), str(served)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert server.stdout is not None
            spec = json.loads(server.stdout.readline())
            spec["ndjson"] = str(served)
            bench = Bench(spec, workdir, args)
            print(f"{spec['events']:,} events over {args.days} days: {' '.join(bench.range)}")
            for part in PARTS:
                if part in parts:
                    print(f"\n{part}", flush=True)
                    getattr(bench, f"part_{part}")()
            if args.json:
                Path(args.json).write_text(json.dumps(bench.figures, indent=2))
        finally:
            if server.stdin:
                server.stdin.close()
            server.wait(timeout=60)


if __name__ == "__main__":
    main()
