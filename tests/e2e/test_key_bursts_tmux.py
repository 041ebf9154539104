"""Keys sent in one burst to the real program in tmux reach the input the first key opened.

`tmux send-keys -l` writes the whole string to the pane's terminal at once, as a slow SSH
link delivers what was typed: `/status:failure` must end up in the filter bar (not `s`
sorting, `t` opening the range dialog, `u` switching to UTC). The screen is read back with
`capture-pane`; waits are bounded polls of what the screen shows, never timings.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from auditui.demo import DEMO_KEY, DemoServer
from auditui.timespec import format_utc
from tests.helpers.app import RANGE, served

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tmux:
    """auditui in a detached tmux session on its own server socket."""

    def __init__(self, server: DemoServer, size: tuple[int, int] = (120, 30)) -> None:
        self.socket = f"auditui-test-{uuid.uuid4().hex[:12]}"
        env = {
            **os.environ,
            "DATAFOLD_HOST": server.url,
            "DATAFOLD_API_KEY": DEMO_KEY,  # the environment, never argv
            "TERM": "xterm-256color",
        }
        env.pop("CI", None)
        env.pop("TMUX", None)
        columns, rows = size
        start, end = (format_utc(moment) for moment in (RANGE.start, RANGE.end))
        command = f"{sys.executable} -m auditui --from {start} --to {end} --no-cache"
        self._tmux(
            "-f", "/dev/null", "new-session", "-d", "-x", str(columns), "-y", str(rows), command,
            env=env,
        )  # fmt: skip

    def _tmux(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=20,
        )
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def type(self, text: str) -> None:
        """All of `text` in one write to the terminal (`-l`: literally, no key names)."""
        self._tmux("send-keys", "-l", text)

    def key(self, name: str) -> None:
        self._tmux("send-keys", name)

    def wait_for(self, condition: Callable[[str], bool], what: str) -> str:
        end = time.monotonic() + 30
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if time.monotonic() > end:
                raise AssertionError(f"gave up waiting for {what}:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


@pytest.fixture
def server() -> Iterator[DemoServer]:
    yield from served()


@pytest.fixture
def tmux(server: DemoServer) -> Iterator[Tmux]:
    session = Tmux(server)
    try:
        yield session
    finally:
        session.close()


def filter_line(screen: str) -> str:
    """The open filter bar's line (its `/` prompt, then the query), or "".

    The footer's line starts with " / Filter": a space after the slash."""
    return next((line for line in screen.splitlines() if re.match(r" /\S", line)), "")


def test_a_query_sent_in_one_burst_lands_in_the_filter_bar(tmux: Tmux) -> None:
    tmux.wait_for(lambda s: " events" in s and "loading" not in s, "the first load")
    tmux.type("/status:failure")
    screen = tmux.wait_for(lambda s: "status:failure" in filter_line(s), "the query in the bar")
    assert "Time range" not in screen  # `t` did not open the range dialog
    assert "Times in" not in screen  # `u` did not switch the time zone (a toast says so)
    tmux.key("Enter")
    tmux.wait_for(lambda s: not filter_line(s), "the bar to close")
    tmux.type("/")
    screen = tmux.wait_for(lambda s: bool(filter_line(s)), "the bar again")
    assert "status:failure" in filter_line(screen)  # Enter applied the whole query
    tmux.key("Escape")
    tmux.type("q")
