"""The real terminal (issue 6, section 5, and the signal cases of section 3).

`auditui` runs in a pseudo-terminal (the standard library's `pty`, no extra packages)
against a demo server in this process, as a person would run it. What is checked is what
the terminal is left with: the alternate screen and mouse reporting switched off, echo and
line editing (cooked mode) back on, no traceback, and the exit code 128 + the signal.
Resizing and NO_COLOR are driven through Textual's Pilot.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault
from tests.helpers.app import (
    demo_server,
    make_app,
    served,
    settle,
    table,
    wait_loaded,
)
from tests.helpers.terminal import Terminal

ALT_SCREEN_OFF = b"\x1b[?1049l"
ALT_SCREEN_ON = b"\x1b[?1049h"
MOUSE_OFF = b"\x1b[?1000l"
ASCII_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


@pytest.fixture
def slow_server() -> Iterator[DemoServer]:
    """The demo data, answering only after 30 s: every load stays in progress."""
    server = demo_server()
    server.faults.push(Fault("delay", seconds=30, repeat=50))
    try:
        yield server
    finally:
        server.faults.clear()
        server.stop()


def auditui(
    server: DemoServer,
    *args: str,
    size: tuple[int, int] = (100, 30),
    env: dict[str, str] | None = None,
) -> Terminal:
    full = {
        **os.environ,
        "DATAFOLD_HOST": server.url,
        "DATAFOLD_API_KEY": DEMO_KEY,
        "TERM": "xterm-256color",
        **(env or {}),
    }
    full.pop("CI", None)
    return Terminal([sys.executable, "-m", "auditui", "--since", "3d", *args], full, size)


def assert_restored(term: Terminal, since: int) -> None:
    after = term.output[since:]
    assert ALT_SCREEN_OFF in after and MOUSE_OFF in after, after[-500:]
    assert b"Traceback" not in term.output
    assert term.mode() == (True, True)  # echo and line editing are back


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_during_a_load_restores_the_terminal(
    slow_server: DemoServer, signum: signal.Signals
) -> None:
    term = auditui(slow_server)
    try:
        term.wait_output(b"loading")
        assert term.mode() == (False, False)  # the App has the terminal in raw mode
        mark = len(term.output)
        term.proc.send_signal(signum)
        assert term.wait_exit() == 128 + signum
        assert_restored(term, mark)
    finally:
        term.close()


def test_ctrl_z_suspends_and_fg_resumes(slow_server: DemoServer) -> None:
    term = auditui(slow_server)
    try:
        term.wait_output(b"loading")
        mark = len(term.output)
        term.send(b"\x1a")  # Ctrl+Z
        stat = Path(f"/proc/{term.proc.pid}/stat")
        term.wait_for(lambda: stat.read_text().rsplit(")", 1)[1].split()[0] == "T")
        term.pump(0.3)
        assert ALT_SCREEN_OFF in term.output[mark:] and term.mode() == (True, True)
        mark = len(term.output)
        term.proc.send_signal(signal.SIGCONT)  # what the shell's `fg` sends
        term.wait_output(ALT_SCREEN_ON, after=mark)
        term.wait_for(lambda: term.mode() == (False, False))
        term.wait_output(b"loading", after=mark)  # redrawn, still loading
        mark = len(term.output)
        term.send(b"q")
        assert term.wait_exit() == 0
        assert_restored(term, mark)
    finally:
        term.close()


def test_an_ascii_locale_still_draws_utf8(slow_server: DemoServer) -> None:
    term = auditui(slow_server, env=ASCII_LOCALE)
    try:
        term.wait_output(b"loading")
        term.pump(0.5)
        assert "━".encode() in term.output or "─".encode() in term.output
        assert b"\\u25" not in term.output  # no box-drawing character written as an escape
        mark = len(term.output)
        term.send(b"q")
        assert term.wait_exit() == 0
        assert_restored(term, mark)
    finally:
        term.close()


CRASHING_WORKER = textwrap.dedent(
    """
    import asyncio
    from textual import work
    from textual.app import App
    from textual.widgets import Static
    from auditui.tui.launch import run_with_signals

    class Crashing(App):
        def compose(self):
            yield Static("crashing soon")

        def on_mount(self):
            self.boom()

        @work
        async def boom(self):
            await asyncio.sleep(0.5)
            raise RuntimeError("worker exploded")

    app = Crashing()
    asyncio.run(run_with_signals(app))
    raise SystemExit(app.return_code or 0)
    """
)


def test_a_crash_in_a_worker_restores_the_terminal() -> None:
    env = {**os.environ, "TERM": "xterm-256color"}
    term = Terminal([sys.executable, "-c", CRASHING_WORKER], env, (80, 24))
    try:
        term.wait_output(b"crashing soon")
        mark = len(term.output)
        assert term.wait_exit() != 0
        after = term.output[mark:]
        assert ALT_SCREEN_OFF in after and MOUSE_OFF in after
        assert b"worker exploded" in after  # Textual prints the error after leaving
        assert after.index(ALT_SCREEN_OFF) < after.index(b"worker exploded")
        assert term.mode() == (True, True)
    finally:
        term.close()


DRAWN = textwrap.dedent(
    """
    import asyncio, contextlib, gc, sys
    from textual.app import App
    from textual.widgets import Static
    from auditui.gc_pause import gc_paused
    from auditui.tui.launch import run_with_signals

    class Drawn(App):
        def compose(self):
            yield Static("first frame")

    app = Drawn()
    with contextlib.ExitStack() as start_up:
        start_up.enter_context(gc_paused())

        def drawn():
            start_up.close()
            app.exit(return_code=0 if gc.isenabled() else 3)

        asyncio.run(run_with_signals(app, drawn=drawn))
    raise SystemExit(app.return_code)
    """
)


def test_the_collectors_start_up_pause_ends_once_the_app_is_drawn() -> None:
    """`run_app` pauses the cyclic GC until the first frame: `drawn` ends it then."""
    env = {**os.environ, "TERM": "xterm-256color"}
    term = Terminal([sys.executable, "-c", DRAWN], env, (80, 24))
    try:
        term.wait_output(b"first frame")
        assert term.wait_exit() == 0
    finally:
        term.close()


HANGING_EXIT = textwrap.dedent(
    """
    import asyncio, time
    from textual.app import App
    from textual.widgets import Static
    from auditui.tui import launch

    launch.EXIT_GRACE = 1.0

    class Hanging(App):
        def compose(self):
            yield Static("hangs on exit")

        def on_unmount(self):
            time.sleep(3600)  # an exit that never ends (a dead terminal, a stuck thread)

    asyncio.run(launch.run_with_signals(Hanging()))
    """
)


def test_a_signal_ends_the_process_even_when_exiting_hangs() -> None:
    """SIGHUP (the SSH session dropped) while the App's exit hangs: the watchdog ends the
    process with 128 + SIGHUP instead of leaving it behind."""
    env = {**os.environ, "TERM": "xterm-256color"}
    term = Terminal([sys.executable, "-c", HANGING_EXIT], env, (80, 24))
    try:
        term.wait_output(b"hangs on exit")
        os.kill(term.proc.pid, signal.SIGHUP)
        assert term.wait_exit() == 128 + signal.SIGHUP
    finally:
        term.close()


# -- Pilot: resizing and NO_COLOR ----------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[DemoServer]:
    yield from served()


async def test_resizing_down_to_40x10_and_back(server: DemoServer) -> None:
    app = make_app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        first = app.view.event_at(0)
        for columns, rows in ((80, 24), (40, 10), (20, 5), (40, 10), (120, 40)):
            await pilot.resize_terminal(columns, rows)
            await settle(pilot)
            grid = table(app)
            lines = [grid.render_line(y).text for y in range(grid.size.height)]
            assert app.is_running, (columns, rows)
            if rows >= 10:
                assert grid.size.height >= 2, (columns, rows)  # the header and a row
                assert any(first.timestamp.strftime("%H:%M:%S") in line for line in lines)
        await pilot.press("j", "c")
        await settle(pilot)
        assert app.clipboard and app.is_running


async def test_no_color_is_honoured(server: DemoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(server)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_loaded(pilot)
        assert app.no_color and app.is_running
        assert table(app).row_count > 0
        svg = app.export_screenshot()
        assert "Time" in svg


# -- non-UTF-8 locale: the commands --------------------------------------------------------------


def run_ascii(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full = {**os.environ, **ASCII_LOCALE, **(env or {})}
    full.pop("CI", None)
    full.pop("PYTHONIOENCODING", None)
    return subprocess.run(
        [sys.executable, "-m", "auditui", *args],
        capture_output=True,
        env=full,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_an_ascii_locale_is_really_ascii() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.stdout.encoding)"],
        capture_output=True,
        text=True,
        env={**os.environ, **ASCII_LOCALE},
        check=True,
    )
    assert probe.stdout.strip() in ("ascii", "ANSI_X3.4-1968")


@pytest.mark.parametrize(
    "args", [("--version",), ("--help",), ("fetch", "--help"), ("demo-server", "--help")]
)
def test_help_and_version_in_an_ascii_locale(args: tuple[str, ...]) -> None:
    result = run_ascii(*args)
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert b"auditui" in result.stdout


def test_fetch_of_non_ascii_events_to_a_pipe_in_an_ascii_locale() -> None:
    from tests.helpers.hostile import all_blobs, encoded, hostile_events

    with DemoServer(encoded(all_blobs())) as hostile:
        env = {"DATAFOLD_HOST": hostile.url, "DATAFOLD_API_KEY": DEMO_KEY}
        window = ("--from", "2026-11-25T12:00Z", "--to", "2026-11-26T12:00Z")
        hostile.faults.push(Fault("raw", status=422, body='{"detail": "bad … range ✗"}'.encode()))
        failed = run_ascii("fetch", *window, env=env)
        assert failed.returncode == 1 and b"Traceback" not in failed.stderr
        assert failed.stderr.count(b"\n") == 1 and b"HTTP 422" in failed.stderr
        for fmt in ("ndjson", "csv"):
            result = run_ascii("fetch", *window, "--format", fmt, env=env)
            assert result.returncode == 0, result.stderr
            assert b"Traceback" not in result.stderr
            assert "監査ログ".encode() in result.stdout  # UTF-8 bytes, as in any locale
            assert len(result.stdout.splitlines()) >= len(hostile_events())


@pytest.mark.parametrize("term", ["dumb", "unknown"])
def test_a_terminal_that_cannot_draw_gets_one_clear_line(term: str) -> None:
    result = run_ascii("--demo", env={"TERM": term})
    assert result.returncode == 2 and b"Traceback" not in result.stderr
    assert result.stderr.decode().strip() == (
        f"auditui: error: auditui needs a full terminal (TERM={term}); run it in a terminal "
        "emulator, or use `auditui fetch` for scripts."
    )
