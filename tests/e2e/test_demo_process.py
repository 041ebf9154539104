"""`auditui --demo` in a real terminal: its server runs in a child process that shows rows,
and that child never outlives the browser (a quit, or a `kill -9` of the browser)."""

from __future__ import annotations

import os
import re
import signal
import sys

import pytest

from tests.helpers.processes import children_of, wait_gone, wait_until
from tests.helpers.terminal import Terminal

ROW = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # a table row's time


def demo() -> Terminal:
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("CI", None)
    return Terminal([sys.executable, "-m", "auditui", "--demo"], env, (120, 35))


@pytest.mark.parametrize("how", ["quit", "kill"])
def test_the_demo_server_lives_exactly_as_long_as_the_browser(how: str) -> None:
    term = demo()
    try:
        term.wait_for(lambda: ROW.search(term.output) is not None, timeout=60)
        # the demo server, forked at start (the prefetch's child ends once it has answered)
        wait_until(lambda: len(children_of(term.proc.pid)) == 1, "the prefetch's child to end")
        (server,) = children_of(term.proc.pid)
        if how == "quit":
            term.send(b"q")
            assert term.wait_exit() == 0
        else:
            term.proc.send_signal(signal.SIGKILL)
            term.proc.wait(10)
        wait_gone(server)
        assert b"Traceback" not in term.output
    finally:
        term.close()
