"""SIGTERM and SIGHUP stop a command cleanly, also while its event loop runs (`stopping`).

Each case runs in its own Python process (a signal sent to the test process itself would
end the test run if a case went wrong): the process installs the command line's handlers,
then runs a coroutine through `stopping.run` and signals itself from inside the loop.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """
import asyncio, os, signal, sys
from auditui import stopping
stopping.stop_cleanly_on_signals()
log = []

def kill_self(number=signal.SIGTERM):
    os.kill(os.getpid(), number)  # its Python handler runs in this thread, right here
    total = 0
    for step in range(1000):  # some bytecode for it to land in
        total += step
"""


def run_case(body: str) -> subprocess.CompletedProcess[str]:
    code = PRELUDE + textwrap.dedent(body)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env=env)  # fmt: skip


def test_a_signal_in_a_loop_callback_stops_the_command_after_it_unwound() -> None:
    done = run_case("""
        async def main():
            asyncio.get_running_loop().call_soon(kill_self)  # lands in a callback
            try:
                await asyncio.sleep(30)
            finally:
                log.append("unwound")
            return "finished"
        try:
            print(stopping.run(main()))
        except stopping.Terminated as stop:
            print("stopped", stop.exit_code, log)
    """)
    assert done.stdout.split("\n")[0] == "stopped 143 ['unwound']"
    assert done.stderr == ""  # no traceback from asyncio's callback handler


def test_plain_asyncio_run_would_lose_it() -> None:
    # Why `stopping.run` exists: the same signal under `asyncio.run` is printed and lost.
    done = run_case("""
        async def main():
            asyncio.get_running_loop().call_soon(kill_self)
            await asyncio.sleep(0.2)
            return "finished"
        print(asyncio.run(main()))
    """)
    assert done.stdout.strip() == "finished" and "Terminated" in done.stderr


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_coroutine_that_swallows_the_cancellation_still_stops(number: int) -> None:
    done = run_case(f"""
        async def main():
            asyncio.get_running_loop().call_soon(kill_self, {int(number)})
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                return "swallowed"
        try:
            stopping.run(main())
        except stopping.Terminated as stop:
            print("stopped", stop.exit_code)
    """)
    assert done.stdout.strip() == f"stopped {128 + number}"


def test_the_handlers_are_the_commands_again_after_the_loop() -> None:
    done = run_case("""
        async def main():
            return "ran"
        before = signal.getsignal(signal.SIGTERM)
        print(stopping.run(main()), signal.getsignal(signal.SIGTERM) is before)
        try:
            kill_self()  # outside a loop: the command's handler, as before
        except stopping.Terminated as stop:
            print("stopped", stop.exit_code)
        with asyncio.Runner() as runner:  # `auditui fetch`'s runner, run through it too
            print(stopping.run(main(), runner))
    """)
    assert done.stdout.split() == ["ran", "True", "stopped", "143", "ran"]


def test_a_second_signal_while_unwinding_ends_the_process_at_once() -> None:
    done = run_case("""
        async def main():
            asyncio.get_running_loop().call_soon(kill_self)
            try:
                await asyncio.sleep(30)
            finally:
                kill_self()  # unwinding hangs, say; the second one ends it
                await asyncio.sleep(30)
        stopping.run(main())
        print("not reached")
    """)
    assert done.returncode == -signal.SIGTERM and "not reached" not in done.stdout
