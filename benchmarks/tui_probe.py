"""First rows in the TUI (issue 5): the real `AuditApp` with probes, for `run.py`.

`run.py` starts this in a child process, in one of two ways:

- headless: `App.run_test(size=(160, 48))`, Textual's own test harness (all of the App's
  work, layout and line rendering; the frame is not turned into terminal bytes);
- terminal: `App.run_async()` in a 160×48 tmux pane, a real terminal (pty, Textual's
  Linux driver and its writer thread); the App exits by itself once fully loaded.

Either way the App is the one `auditui` opens on a first launch: a `Connection` to the
benchmark's demo server, the whole `--days` range selected, the default profile (1-day
windows, 4 in flight), no cache (`--no-cache`, as the demo has none), the range's windows
prefetched while the App starts (`Connection.prefetching`, as the CLI does). In the
terminal it is launched through the CLI itself (`auditui --from … --to … --no-cache`, the
host and key in `DATAFOLD_HOST` and `DATAFOLD_API_KEY`); headless, built as the CLI
builds it. Probes, all monkeypatched here (no product code):

- first response: the first window's response body is in this process (a prefetched
  answer or one this process asked for), before it is decoded (`api.decode_logs`);
- first rows: the first frame the App hands to its driver (`App._display`) after the event
  table rendered a line holding an event (`EventTable.render_line`, a row below the
  header while the table has rows); in a terminal, that is when the frame is written;
- fully loaded: the first frame after the load finished (`AuditApp.load_finished`).
- memory (headless only): peak RSS (`VmHWM`) and RSS once the workers the load started
  (the search index and query arrays) are done.

Times are wall-clock (`time.time()`), so "from launch" counts from the parent starting
the process: interpreter start, imports, Textual start-up and the first layout included.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SIZE = (160, 48)
TIMEOUT = 600.0  # seconds; a load that never finishes is reported, not waited for


def install_probes(marks: dict[str, float], on_loaded: Callable[[Any], None] | None = None) -> None:
    """Patch the classes so that `marks` gets the moments listed in the module docstring;
    `on_loaded(app)` is called after the fully loaded frame."""
    from textual.app import App

    from auditui.events import model
    from auditui.sources import api
    from auditui.tui.app import AuditApp
    from auditui.tui.widgets.table.event_table import EventTable

    decode_logs = model.decode_logs

    def timed_decode_logs(body: bytes) -> Any:
        marks.setdefault("first_response", time.time())
        return decode_logs(body)

    render_line = EventTable.render_line

    def probed_render_line(self: EventTable, y: int) -> Any:
        strip = render_line(self, y)
        if y >= 1 and self.row_count > 0:
            marks.setdefault("rows_rendered", time.time())
        return strip

    display = App._display

    def probed_display(self: App[Any], screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is None:
            return
        now = time.time()
        if "rows_rendered" in marks:
            marks.setdefault("first_rows", now)
        if "loaded" in marks and "loaded_frame" not in marks:
            marks["loaded_frame"] = now
            marks["rows"] = float(len(getattr(self, "store", ())))
            if on_loaded is not None:
                on_loaded(self)

    load_finished = AuditApp.load_finished

    def probed_load_finished(self: AuditApp) -> None:
        load_finished(self)
        marks.setdefault("loaded", time.time())
        self.refresh()  # make sure a frame follows, even if nothing else changed

    api.decode_logs = timed_decode_logs  # type: ignore[attr-defined]
    EventTable.render_line = probed_render_line  # type: ignore[method-assign]
    App._display = probed_display  # type: ignore[method-assign]
    AuditApp.load_finished = probed_load_finished  # type: ignore[method-assign,assignment]


def make_app(spec: dict[str, Any]) -> Any:
    """The App `auditui` opens on the benchmark's server and whole range (`cli_args`), its
    windows being prefetched, as the CLI builds it; call it before any event loop runs."""
    from auditui.config.credentials import Credential
    from auditui.config.settings import load_settings
    from auditui.sources.connection import Connection
    from auditui.timespec import TimeRange
    from auditui.tui.app import AuditApp

    profile = load_settings().profile("default", env={})
    connection = Connection(profile, spec["url"], Credential(spec["key"], "benchmark"),
                            use_cache=False)  # fmt: skip
    time_range = TimeRange(datetime.fromtimestamp(spec["start"], UTC),
                           datetime.fromtimestamp(spec["end"], UTC))  # fmt: skip
    return AuditApp(connection.prefetching(time_range), time_range)


def cli_args(spec: dict[str, Any]) -> list[str]:
    """`auditui`'s arguments for the benchmark's whole range, without the cache."""

    def when(stamp: float) -> str:
        return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return ["--from", when(spec["start"]), "--to", when(spec["end"]), "--no-cache"]


def figures(marks: dict[str, float], spawned: float) -> dict[str, Any]:
    """Seconds between the marks; None where a mark is missing."""

    def between(start: str | float, end: str) -> float | None:
        begin = marks.get(start) if isinstance(start, str) else start
        return None if begin is None or end not in marks else marks[end] - begin

    return {
        "first_rows_after_response_s": between("first_response", "first_rows"),
        "first_response_from_launch_s": between(spawned, "first_response"),
        "first_rows_from_launch_s": between(spawned, "first_rows"),
        "loaded_from_launch_s": between(spawned, "loaded_frame"),
        "rows": int(marks.get("rows", 0)),
    }


def measure_headless(spec: dict[str, Any], spawned: float) -> dict[str, Any]:
    marks: dict[str, float] = {}
    loaded: list[asyncio.Event] = []  # made inside the App's event loop
    install_probes(marks, on_loaded=lambda app: loaded[0].set())
    app = make_app(spec)

    memory: dict[str, float] = {}

    async def run() -> None:
        from run import memory as read_memory

        loaded.append(asyncio.Event())
        async with app.run_test(size=SIZE) as pilot:
            # Waited for without polling: `pilot.pause()` in a loop posts a message to every
            # widget each time (~1.5 s of the UI thread over a 1M load).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(loaded[0].wait(), TIMEOUT)
            await pilot.pause()  # the index build starts once the finished screen is drawn
            await pilot.pause()
            await app.workers.wait_for_complete()  # the search index, built after the load
            memory.update(read_memory())

    asyncio.run(run())
    return {"mode": "headless", **figures(marks, spawned), **memory}


def measure_terminal(spec: dict[str, Any], spawned: float, out: Path) -> None:
    """In the tmux pane: run the App until fully loaded, then write the figures to `out`."""
    marks: dict[str, float] = {}
    result: dict[str, Any] = {"mode": "terminal (tmux)"}
    # A load that never finishes is reported; an alarm, not a thread (the CLI forks its
    # prefetch only while this process runs a single thread, as it does for a user).
    signal.signal(signal.SIGALRM, lambda *_: _give_up(out))
    signal.alarm(int(TIMEOUT))
    try:
        import auditui.tui.launch as launch  # light: Textual is imported by `run_app`
        from auditui.cli.main import main

        run_app = launch.run_app

        def probed_run_app(*args: Any, **options: Any) -> int:
            # The probes import Textual and the App: only here, where the CLI would (after
            # it started the prefetch), not before the CLI runs.
            install_probes(marks, on_loaded=lambda app: app.call_later(app.exit))
            return run_app(*args, **options)

        launch.run_app = probed_run_app
        os.environ.update(DATAFOLD_HOST=spec["url"], DATAFOLD_API_KEY=spec["key"])
        code = main(cli_args(spec))
        result.update(figures(marks, spawned))
        if code:
            result["error"] = f"auditui exited with {code}"
    except Exception as exc:  # noqa: BLE001  # reported by run.py, like a failed child
        result["error"] = f"{type(exc).__name__}: {exc}"
    signal.alarm(0)
    _write(out, result)


def _give_up(out: Path) -> None:
    """The load never finished: say so, and end the App's process."""
    _write(out, {"mode": "terminal (tmux)", "error": f"not loaded within {TIMEOUT:g} s"})
    os._exit(1)


def _write(out: Path, result: dict[str, Any]) -> None:
    temp = out.with_suffix(".tmp")
    temp.write_text(json.dumps(result))
    os.replace(temp, out)
