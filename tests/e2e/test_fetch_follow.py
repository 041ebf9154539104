"""`auditui fetch --follow` as a subprocess against the live demo server on loopback: new
events printed oldest first and once, a clean stop on SIGINT/SIGTERM, a quiet end when the
reader goes away, no loss and no duplicates across kill -9 with `--state`, one-line errors.

The server runs on this machine's clock (the child reads the same one); what is asserted
never depends on what time it is, only on which events were served.
"""

from __future__ import annotations

import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault
from tests.helpers.cli import one_line_error, run

WAIT = 30.0  # seconds at most for something the follower should do within a poll or two


def api_env(server: DemoServer, key: str = DEMO_KEY) -> dict[str, str]:
    env = {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": key}
    env.pop("CI", None)
    return env


def demo_event(uuid: str, at: datetime) -> dict[str, Any]:
    return {"timestamp": at.isoformat(), "event_uuid": uuid, "client_ip": "10.0.0.1",
            "url": "/api/v1/x", "action": "login", "user_email": "a@acme.com"}  # fmt: skip


def recent(prefix: str, count: int, *, minutes: float = 10) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    step = timedelta(minutes=minutes) / (count + 1)
    return [demo_event(f"{prefix}{i}", now - timedelta(minutes=minutes) + step * (i + 1))
            for i in range(count)]  # fmt: skip


def start(server: DemoServer, *args: str, stdout: int | IO[bytes] = subprocess.PIPE
          ) -> subprocess.Popen[bytes]:  # fmt: skip
    return subprocess.Popen(
        [sys.executable, "-m", "auditui", "fetch", "--follow", "--interval", "1", *args],
        env=api_env(server), stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )  # fmt: skip


class Lines:
    """The child's stdout lines, read in a thread (so a test can wait with a timeout)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._queue: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._queue.put(line)

    def take(self, count: int) -> list[dict[str, Any]]:
        """The next `count` lines, each a JSON object."""
        return [json.loads(line) for line in self.take_raw(count)]

    def take_raw(self, count: int) -> list[bytes]:
        """The next `count` lines as written (waiting at most `WAIT` in all)."""
        deadline = time.monotonic() + WAIT
        return [self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
                for _ in range(count)]  # fmt: skip


def uuids(events: list[dict[str, Any]]) -> list[str]:
    return [event["event_uuid"] for event in events]


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_new_events_print_oldest_first_once_and_a_signal_stops_cleanly(
    stop_signal: signal.Signals,
) -> None:
    with DemoServer(recent("old", 5), live=True) as server:
        child = start(server, "--since", "30m")
        assert child.stdout is not None
        lines = Lines(child.stdout)
        first = lines.take(5)
        server.add_events(recent("new", 3, minutes=0.05))
        then = lines.take(3)
        child.send_signal(stop_signal)
        _, err = child.communicate(timeout=WAIT)
    assert child.returncode == 0, err
    assert uuids(first) == [f"old{i}" for i in range(5)]  # oldest first
    assert uuids(then) == [f"new{i}" for i in range(3)]
    assert "auditui: stopped; " in err.decode() and "Traceback" not in err.decode()
    assert DEMO_KEY not in err.decode()


def test_a_reader_that_goes_away_ends_it_quietly() -> None:
    with DemoServer(recent("old", 3), live=True) as server:
        child = start(server, "--since", "30m")
        assert child.stdout is not None and child.stderr is not None
        child.stdout.readline()
        child.stdout.close()  # `| head -1`
        server.add_events(recent("new", 2, minutes=0.05))
        child.wait(timeout=WAIT)
        err = child.stderr.read().decode()
    assert child.returncode == 0
    assert "Traceback" not in err and "error" not in err


def test_no_event_is_lost_or_repeated_across_kill_9(tmp_path: Path) -> None:
    out, state = tmp_path / "audit.ndjson", tmp_path / "follow.state"
    rng = random.Random(14)
    expected = [f"e{i}" for i in range(8)]
    with DemoServer(recent("e", 8), live=True) as server:
        for round_ in range(6):
            child = start(server, "--since", "30m", "--state", str(state), "-o", str(out),
                          stdout=subprocess.DEVNULL)  # fmt: skip
            batch = recent(f"r{round_}-", rng.randint(1, 4), minutes=0.02)
            time.sleep(rng.uniform(0.0, 1.5))
            server.add_events(batch)
            expected += uuids(batch)
            time.sleep(rng.uniform(0.0, 1.5))
            child.kill()  # SIGKILL, wherever it was
            child.communicate(timeout=WAIT)
        # `--since` as in every round: ignored when a round saved the state; on a loaded
        # machine every round may have been killed before its first poll saved any
        child = start(server, "--since", "30m", "--state", str(state), "-o", str(out),
                      stdout=subprocess.DEVNULL)  # fmt: skip
        try:
            deadline = time.monotonic() + 2 * WAIT
            while time.monotonic() < deadline and len(_written(out)) < len(expected):
                time.sleep(0.2)
        finally:
            child.send_signal(signal.SIGTERM)
            child.communicate(timeout=WAIT)
    written = _written(out)
    assert sorted(written) == sorted(expected)  # each once
    assert os.stat(out).st_mode & 0o777 == 0o600


def _written(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [json.loads(line)["event_uuid"] for line in _whole_lines(path)]


def _whole_lines(path: Path) -> Iterator[bytes]:
    data = path.read_bytes()
    yield from data[: data.rfind(b"\n") + 1].splitlines()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--follow", "--to", "1h"), "--to cannot be used with --follow"),
        (("--follow", "--format", "json"), "does not stream"),
        (("--interval", "5"), "--interval works with --follow only"),
        (("--state", "s.json"), "--state works with --follow only"),
        (("--follow", "--interval", "0.5"), "--interval must be from 1 to 3600"),
    ],
)
def test_options_that_do_not_go_with_follow_are_one_line(args: tuple[str, ...], words: str
                                                         ) -> None:  # fmt: skip
    with DemoServer([]) as server:
        result = run("fetch", *args, env=api_env(server))
    assert words in one_line_error(result, 2)


def test_a_refused_key_is_one_line_and_the_state_is_kept(tmp_path: Path) -> None:
    state = tmp_path / "follow.state"
    with DemoServer(recent("e", 2), live=True) as server:
        env = api_env(server)
        first = start(server, "--since", "30m", "--state", str(state), stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + WAIT
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=WAIT)
        kept = state.read_bytes()
        env["DATAFOLD_API_KEY"] = "wrong-key-7f1e9c2b4d"
        result = run("fetch", "--follow", "--state", str(state), env=env)
    line = one_line_error(result, 1)
    assert "401" in line or "refused" in line.lower() or "key" in line.lower()
    assert "wrong-key" not in result.stderr
    assert json.loads(state.read_bytes())["written"] == json.loads(kept)["written"] == 2


def test_a_damaged_state_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    state = tmp_path / "follow.state"
    state.write_text("{half a state")
    with DemoServer([]) as server:
        result = run("fetch", "--follow", "--state", str(state), env=api_env(server))
    assert "damaged" in one_line_error(result, 1)
    assert state.read_text() == "{half a state"


def test_a_second_follow_on_the_same_state_file_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "follow.state"
    with DemoServer(recent("e", 2), live=True) as server:
        first = start(server, "--state", str(state), stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + WAIT
            while not state.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            second = run("fetch", "--follow", "--state", str(state), env=api_env(server))
        finally:
            first.send_signal(signal.SIGTERM)
            first.communicate(timeout=WAIT)
    line = one_line_error(second, 1)
    assert "in use by pid" in line and "one follow per state file" in line


@pytest.mark.parametrize("offset", [timedelta(minutes=10), -timedelta(minutes=10)])
def test_a_server_clock_ten_minutes_off_loses_nothing_and_is_warned(offset: timedelta) -> None:
    server_now = datetime.now(UTC) + offset
    events = [demo_event(f"e{i}", server_now - timedelta(seconds=30 * (3 - i))) for i in range(3)]
    with DemoServer(events, clock_offset=offset, live=True) as server:
        child = start(server, "--since", "30m")
        assert child.stdout is not None
        lines = Lines(child.stdout)
        first = lines.take(3)
        late = server.now() + timedelta(seconds=1)
        server.add_events([demo_event("after", late)], visible_at=late)
        then = lines.take(1)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=WAIT)
    assert uuids(first) == ["e0", "e1", "e2"] and uuids(then) == ["after"]
    side = "behind" if offset > timedelta(0) else "ahead of"
    # about 10 min: a child started under a test harness that fakes each process's clock
    # from its own start (.ci/clock-edges) runs a little behind this one
    said = re.search(r"clock is about (\d+) min (behind|ahead of) the server's", err.decode())
    assert said is not None and 9 <= int(said[1]) <= 11 and said[2] == side, err.decode()


def test_a_signal_while_a_pipe_is_full_still_writes_the_batch_whole(tmp_path: Path) -> None:
    """A reader that has not read yet (the pipe full mid-batch) and SIGTERM: the write goes
    on to the batch's end once the reader reads, so what the state counts was written."""
    state = tmp_path / "follow.state"
    now = datetime.now(UTC)
    events = [demo_event(f"e{i}", now - timedelta(seconds=30 * i)) for i in range(2000)]
    with DemoServer(events, live=True) as server:
        child = start(server, "--since", "20h", "--state", str(state))
        assert child.stdout is not None
        deadline = time.monotonic() + WAIT
        while not (tmp_path / "follow.state.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)  # the first batch is ~800 KB: the pipe (64 KB) is full, the write waits
        child.send_signal(signal.SIGTERM)
        out, err = child.communicate(timeout=WAIT)
    assert child.returncode == 0, err
    assert out.endswith(b"\n")
    written = json.loads(state.read_bytes())["written"]
    assert out.count(b"\n") == written == 2000


def test_csv_into_a_pipe_has_one_header_and_a_failed_poll_is_logged_then_its_recovery() -> None:
    with DemoServer(recent("old", 2), live=True) as server:
        child = start(server, "--since", "30m", "--format", "csv")
        assert child.stdout is not None
        lines = Lines(child.stdout)
        got = lines.take_raw(3)  # the header and two events
        server.faults.push(Fault("status", 503))
        server.add_events(recent("new", 1, minutes=0.05))
        got += lines.take_raw(1)  # after the failed poll, the next one brings it
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=WAIT)
    text = b"".join(got).decode()
    assert text.count("timestamp,event_uuid") == 1 and "new0" in got[-1].decode()
    log = err.decode()
    assert "auditui: poll failed: the server answered HTTP 503; next poll in 1 s" in log
    assert "auditui: polling again after 1 failed poll" in log
    assert "concurrency" not in log and "range" not in log


def test_a_state_file_refuses_another_selection_or_output(tmp_path: Path) -> None:
    state, out = tmp_path / "follow.state", tmp_path / "a.ndjson"
    with DemoServer(recent("e", 2), live=True) as server:
        first = start(server, "--actor", "a@acme.com", "--state", str(state), "-o", str(out))
        deadline = time.monotonic() + WAIT
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=WAIT)
        env = api_env(server)
        other_query = run("fetch", "--follow", "--state", str(state), "-o", str(out), env=env)
        other_output = run("fetch", "--follow", "--actor", "a@acme.com", "--state", str(state),
                           "-o", str(tmp_path / "b.ndjson"), env=env)  # fmt: skip
    assert "follows the query" in one_line_error(other_query, 1)
    assert f"follows into {out}" in one_line_error(other_output, 1)
