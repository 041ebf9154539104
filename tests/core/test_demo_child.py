"""The demo server in a child process (`demo.child.live_demo`): it answers, it ends with the
context (or its parent's death), and it runs in this process where there is no fork."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from urllib.parse import urlsplit

import pytest

from auditui.demo import DEMO_KEY
from auditui.demo.child import NICENESS, DemoAddress, live_demo
from tests.helpers.processes import children_of, wait_gone, wait_until


def _first_day(address: DemoAddress) -> list[dict[str, object]]:
    """The server's answer for a day ending at its now (a GET with a JSON body, as the spec)."""
    body = json.dumps({"start_date": "2000-01-01T00:00:00Z", "end_date": "2100-01-01T00:00:00Z"})
    request = urllib.request.Request(
        f"{address.url}/api/v1/audit_logs",
        data=body.encode(),
        method="GET",
        headers={"Authorization": f"Key {address.key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        logs = json.load(response)["logs"]
    assert isinstance(logs, list)
    return logs


def _refuses(url: str) -> bool:
    parts = urlsplit(url)
    with socket.socket() as sock:
        return sock.connect_ex((parts.hostname or "", parts.port or 0)) != 0


def test_the_server_answers_from_a_child_and_ends_with_the_context() -> None:
    before = set(children_of(os.getpid()))
    with live_demo(events_per_day=50, days=2) as address:
        started = set(children_of(os.getpid())) - before
        assert len(started) == 1  # one child process serves …
        assert address.key == DEMO_KEY
        logs = _first_day(address)
        assert logs and all("event_uuid" in event for event in logs)
    (child,) = started
    assert child not in children_of(os.getpid())  # … and was waited for at the exit
    assert _refuses(address.url)


def test_the_child_gives_way_to_the_browser() -> None:
    # a lower priority than this process (the browser's): on few cores the browser goes first
    before = set(children_of(os.getpid()))
    with live_demo(events_per_day=50, days=2) as address:
        (child,) = set(children_of(os.getpid())) - before
        assert _first_day(address)  # serving (the priority is set before it serves)
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, child) == min(ours + NICENESS, 19)


def test_without_fork_it_serves_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # A platform without fork (Windows) cannot be run here: `os.fork` is removed instead.
    monkeypatch.delattr(os, "fork")
    before = set(children_of(os.getpid()))
    with live_demo(events_per_day=50, days=2) as address:
        assert set(children_of(os.getpid())) == before
        assert _first_day(address)
    assert _refuses(address.url)


def test_a_host_that_is_not_loopback_is_refused_before_any_child_starts() -> None:
    before = set(children_of(os.getpid()))
    with pytest.raises(ValueError, match="only listens on loopback"), live_demo(host="192.0.2.1"):
        pass
    assert set(children_of(os.getpid())) == before


def test_the_child_ends_when_its_parent_is_killed() -> None:
    script = (
        "import sys, time\n"
        "from auditui.demo.child import live_demo\n"
        "with live_demo(events_per_day=50, days=2) as a:\n"
        "    print(a.url, flush=True)\n"
        "    time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        url = parent.stdout.readline().decode().strip()
        (child,) = children_of(parent.pid)
        assert not _refuses(url)
        parent.kill()  # SIGKILL: no clean-up runs in the parent
        parent.wait()
        wait_gone(child)
        wait_until(lambda: _refuses(url), "the port to close")  # the last thread exits last
    finally:
        parent.kill()
        parent.wait()


def test_the_child_ends_with_its_parent_even_while_its_lifeline_is_held_elsewhere() -> None:
    """A process the parent started holds the lifeline's write end too (as the prefetch's
    forked child does): the pipe never ends, yet the kernel ends the server with the
    parent (Linux's parent-death signal)."""
    script = (
        "import os, subprocess, sys, time\n"
        "from auditui.demo.child import live_demo\n"
        "with live_demo(events_per_day=50, days=2) as a:\n"
        "    for fd in map(int, os.listdir('/proc/self/fd')):\n"
        "        try:\n"
        "            os.set_inheritable(fd, True)\n"
        "        except OSError:\n"
        "            pass\n"
        "    holder = subprocess.Popen(['sleep', '60'], close_fds=False)\n"
        "    print(a.url, holder.pid, flush=True)\n"
        "    time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    holder = None
    try:
        assert parent.stdout is not None
        url, holder_pid = parent.stdout.readline().decode().split()
        holder = int(holder_pid)
        (child,) = set(children_of(parent.pid)) - {holder}
        assert not _refuses(url)
        parent.kill()  # SIGKILL: no clean-up runs in the parent
        parent.wait()
        wait_gone(child)
    finally:
        parent.kill()
        parent.wait()
        if holder is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(holder, signal.SIGKILL)
