"""Start-up to rows on screen (issue 17): `auditui --demo` beside a one-widget Textual app.

    python benchmarks/bench_startup.py [--runs 5] [--size 120x35] [--only baseline,demo]
                                       [--tree DIR]

Each program runs in a new session of a private tmux server, in a pane of the same size
(120×35 by default); the time is from starting that session to the first screen capture
(`tmux capture-pane`, polled every 20 ms: the same delay for all) that shows:

- baseline: a Textual `App` with one `Static` widget (`_baseline` mode of this script),
  its text on screen;
- demo: `auditui --demo` of this tree (the console script next to this interpreter, not a
  shell shim, with this tree first on `PYTHONPATH`: a venv's own install of auditui is not
  what is measured; a fresh config, cache and state folder per run), a table row (a date
  and a time) and the footer's keys: the whole first screen (the footer composes its keys
  after a first frame, which may already show the rows);
- tree (with `--tree DIR`): the same from another source tree (`python -m auditui --demo`
  with `PYTHONPATH=DIR`), e.g. a copy of the code before a change, side by side;
- remote (with `--server-delay S`): `auditui` (not the demo) against a demo server in this
  process that answers each request S seconds late, as a real server far away does (the
  key in the environment; a first launch: an empty cache); with `--tree`, also `tree-remote`.

`--python PATH` runs all of them with another interpreter, e.g. a clean venv with only
auditui's dependencies (this tree on `PYTHONPATH`): a development environment may hold
packages that others import when present (httpx imports its command line when `click`
is installed; httpcore imports `trio` when installed), which a user's install has not.

One uncounted warm-up run of each first writes the bytecode into a private
`PYTHONPYCACHEPREFIX` (as an installed package has it; `PYTHONDONTWRITEBYTECODE` is
unset for the programs). The runs then alternate (baseline, demo, demo, baseline, …) so
that the machine's noise falls on each alike. Printed: every run, the median of `--runs`
runs of each, and the ratio to the baseline (issue 17's target: ≤ 1.5×).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
POLL = 0.02
TIMEOUT = 30.0
BASELINE_TEXT = "one static widget, painted"
# A table row: a date and a time the way the table shows them (`2026-12-06 21:59:58`).
ROW = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
# … and the footer's keys, its last one the command palette's (`^p palette`): the whole
# screen, not a frame drawn before the footer has composed its keys
FOOTER = "palette"


def baseline_app() -> None:
    """The floor: the smallest Textual app that paints something (one Static widget)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Baseline(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(BASELINE_TEXT)

    Baseline().run()


def _commands(
    python: str, tree: str | None, remote: dict[str, str] | None = None
) -> dict[str, tuple[list[str], dict[str, str], Callable[[str], bool]]]:
    """name → (command, extra environment, screen test)."""
    # The console script next to this interpreter (not a shell shim that execs another
    # program first, as pyenv's `auditui` on PATH is), else `python -m auditui`: either way
    # this tree (PYTHONPATH comes before whatever auditui that interpreter has installed).
    script = Path(python).with_name("auditui")
    this_tree = {"PYTHONPATH": str(ROOT)}
    demo = ([str(script), "--demo"], this_tree) if script.exists() else (
        [python, "-m", "auditui", "--demo"], this_tree)  # fmt: skip
    commands: dict[str, tuple[list[str], dict[str, str], Callable[[str], bool]]] = {
        "baseline": ([python, str(HERE), "_baseline"], {}, _painted),
        "demo": (*demo, _rows),
    }
    if tree is not None:  # another source tree of auditui, e.g. the commit before a change
        commands["tree"] = ([python, "-m", "auditui", "--demo"], {"PYTHONPATH": tree}, _rows)
    if remote is not None:
        command = demo[0][:-1] if script.exists() else [python, "-m", "auditui"]
        commands["remote"] = (command, {**demo[1], **remote}, _rows)
        if tree is not None:
            extra = {"PYTHONPATH": tree, **remote}
            commands["tree-remote"] = ([python, "-m", "auditui"], extra, _rows)
    return commands


@contextlib.contextmanager
def slow_server(delay: float | None) -> Iterator[dict[str, str] | None]:
    """With a delay: the environment that points `auditui` at a demo server answering each
    request `delay` seconds late (running in this process while the block runs)."""
    if delay is None:
        yield None
        return
    sys.path.insert(0, str(ROOT))
    from auditui.demo import DemoServer, Fault

    with DemoServer.live_demo(faults=[Fault("delay", seconds=delay, repeat=1_000_000)]) as server:
        yield {"DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": server.key}


def _painted(screen: str) -> bool:
    return BASELINE_TEXT in screen


def _rows(screen: str) -> bool:
    return ROW.search(screen) is not None and FOOTER in screen


def one_run(
    command: list[str],
    extra: dict[str, str],
    done: Callable[[str], bool],
    size: tuple[int, int],
    home: Path,
    pycache: Path,
) -> float | None:
    """Seconds from starting the tmux session to the screen `done` accepts (None: timeout)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        f"XDG_{kind}_HOME": str(home / kind.lower())
        for kind in ("CACHE", "CONFIG", "STATE", "DATA")
    }
    env["PYTHONPYCACHEPREFIX"] = str(pycache)  # compiled once by the warm-up, as installed
    env.update(extra)
    socket = f"auditui-startup-{os.getpid()}"
    tmux = ["tmux", "-L", socket]
    variables = [f"{key}={value}" for key, value in env.items()]
    shell = shlex.join(["env", "-u", "PYTHONDONTWRITEBYTECODE", *variables, *command])
    began = time.perf_counter()
    pane = ["-c", str(home), "-x", str(size[0]), "-y", str(size[1])]  # cwd: not this tree
    subprocess.run([*tmux, "new-session", "-d", *pane, shell], check=True)
    try:
        while time.perf_counter() - began < TIMEOUT:
            screen = subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True,
                                    text=True, check=False).stdout  # fmt: skip
            if done(screen):
                return time.perf_counter() - began
            time.sleep(POLL)
        return None
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, check=False)
        time.sleep(0.2)  # the killed App restores the terminal and exits


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_baseline":
        baseline_app()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="120x35")
    parser.add_argument("--only", default="baseline,demo")
    parser.add_argument("--tree", metavar="DIR", help="also run auditui from this source tree")
    parser.add_argument(
        "--server-delay",
        type=float,
        metavar="S",
        help="also run `auditui` against a server answering S seconds late",
    )
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter for every program (e.g. a clean venv's)")  # fmt: skip
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    names = [name for name in args.only.split(",") if name]
    if args.tree and "tree" not in names:  # (`--only …,tree` names it already)
        names.append("tree")
    if args.server_delay is not None:
        wanted = ["remote", "tree-remote"] if args.tree else ["remote"]
        names += [name for name in wanted if name not in names]  # (unless `--only` names it)
    print(f"{platform.node()} · {os.cpu_count()} cores · {args.python} · "
          f"{time.strftime('%Y-%m-%d %H:%M %Z')} · load {os.getloadavg()[0]:.2f}")  # fmt: skip
    times: dict[str, list[float]] = {name: [] for name in names}
    failed: dict[str, int] = {name: 0 for name in names}
    with (
        tempfile.TemporaryDirectory(prefix="auditui-startup-", ignore_cleanup_errors=True) as temp,
        slow_server(args.server_delay) as remote,
    ):
        commands = _commands(args.python, args.tree, remote)
        pycache = Path(temp) / "pycache"
        for name in names:  # the warm-up: bytecode written, files in the page cache
            command, extra, done = commands[name]
            one_run(command, extra, done, (width, height), Path(temp) / f"{name}-warm", pycache)
        for run in range(args.runs):
            order = names if run % 2 == 0 else list(reversed(names))
            for name in order:
                command, extra, done = commands[name]
                home = Path(temp) / f"{name}-{run}"
                seconds = one_run(command, extra, done, (width, height), home, pycache)
                if seconds is None:
                    failed[name] += 1
                else:
                    times[name].append(seconds)
                shown = "timeout" if seconds is None else f"{seconds * 1000:.0f} ms"
                print(f"  run {run + 1} {name}: {shown}", flush=True)
    print(f"\n| in tmux {width}×{height}, median of {args.runs} | median | runs |")
    print("|---|---|---|")
    medians: dict[str, float] = {}
    for name in names:
        if times[name]:
            medians[name] = statistics.median(times[name])
            runs = ", ".join(f"{t * 1000:.0f}" for t in times[name])
            print(f"| {name} | {medians[name] * 1000:.0f} ms | {runs} ms"
                  f"{f' ({failed[name]} timed out)' if failed[name] else ''} |")  # fmt: skip
    for name in ("demo", "tree", "remote", "tree-remote"):
        if name in medians and "baseline" in medians:
            ratio = medians[name] / medians["baseline"]
            print(f"ratio {name} / baseline: {ratio:.2f}× (target ≤ 1.5×)")


if __name__ == "__main__":
    main()
