"""The prefetch in a forked child (`sources.prefetch`), as the CLI starts it: one request, the
answer decoded here without importing the HTTP stack, errors crossing the pipe with their
type and line (a 401 still a 401), no answer at all when one cannot cross (the load asks
itself), and a child that never outlives the process that forked it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from msgspec.structs import replace

from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.errors import (
    AuthError,
    CredentialError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ServerError,
    UsageError,
    ValidationError,
)
from auditui.sources.api import RawAnswer
from auditui.sources.body import BodyTooLarge
from auditui.sources.prefetch import CHILD_NICENESS, Prefetch
from auditui.sources.prefetch_pipe import HEADER, Frame, pack, unpack, write_all
from auditui.sources.windows import split_windows
from auditui.timespec import TimeRange
from tests.helpers.app import RANGE, make_connection, served
from tests.helpers.processes import children_of, wait_gone, wait_until

ROOT = Path(__file__).resolve().parents[2]
WINDOW = timedelta(days=1)  # the default profile's
NEWEST = split_windows(RANGE, WINDOW)[0]
WINDOWS = len(split_windows(RANGE, WINDOW))  # 2, all prefetched (concurrency 4)
HTTP_STACK = ("httpx", "httpcore", "anyio", "h11", "email.utils")

# A fresh process (one thread: the CLI's case) that prefetches the range's first windows and
# loads the range, then reports; with "wait" it waits to be killed instead.
PROBE = """
import asyncio, json, os, sys, time
from datetime import datetime, timedelta
from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
url, key, start, end, mode = sys.argv[1:6]
profile = load_settings().profile("default", env={})
wanted = TimeRange(datetime.fromisoformat(start), datetime.fromisoformat(end))
connection = Connection(profile=profile, host=url, credential=Credential(key, "test"), demo=True)
connection = connection.prefetching(wanted)
if mode in ("wait", "hold"):
    if mode == "hold":  # another process holds every pipe's end too (the orders' included)
        import subprocess
        for fd in map(int, os.listdir("/proc/self/fd")):
            try:
                os.set_inheritable(fd, True)
            except OSError:
                pass
        holder = subprocess.Popen(["sleep", "60"], close_fds=False)
        print(holder.pid, flush=True)
    print("ready", flush=True)
    time.sleep(60)
async def load():
    events, error = [], None
    async for batch in connection.stream(wanted):
        error = error or (batch.error and [type(batch.error).__name__, str(batch.error)])
        events += [event.event_uuid for event in batch.events]
    return sorted(events), error
events, error = asyncio.run(load())
loaded = [name for name in %r if name in sys.modules]
def reaped():
    try:
        return os.waitpid(-1, os.WNOHANG) is None
    except ChildProcessError:
        return True
deadline = time.monotonic() + 30
while not reaped() and time.monotonic() < deadline:
    time.sleep(0.01)
print(json.dumps({"forked": connection.prefetch.forked, "taken": connection.prefetch.taken,
                  "events": events, "error": error, "loaded": loaded, "reaped": reaped()}))
""" % (HTTP_STACK,)  # noqa: UP031


# `auditui --demo` up to the browser, which here loads the range without Textual and reports.
CLI_PROBE = """
import asyncio, json, sys
import auditui.tui.launch as launch
def run_app(connection, time_range, **options):
    async def load():
        return sum([len(batch.events) async for batch in connection.stream(time_range)])
    events = asyncio.run(load())
    loaded = [name for name in %r if name in sys.modules]
    prefetch = connection.prefetch
    print(json.dumps({"forked": prefetch.forked, "windows": len(prefetch.windows),
                      "taken": prefetch.taken, "events": events, "loaded": loaded}))
    return 0
launch.run_app = run_app
launch.check_terminal = lambda: None
from auditui.cli import main
sys.exit(main(["--demo"]))
""" % (HTTP_STACK,)  # noqa: UP031


@pytest.fixture
def server() -> Iterator[DemoServer]:
    yield from served()


def _probe(server: DemoServer, mode: str = "load") -> list[str]:
    return [sys.executable, "-c", PROBE, server.url, DEMO_KEY, RANGE.start.isoformat(),
            RANGE.end.isoformat(), mode]  # fmt: skip


def _run_probe(server: DemoServer) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(_probe(server), capture_output=True, text=True, timeout=120,
                          env=env, cwd=ROOT, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


async def _uuids(server: DemoServer, window: TimeRange) -> list[str]:
    uuids = []
    async for batch in make_connection(server).stream(window):
        uuids += [event.event_uuid for event in batch.events]
    return sorted(uuids)


def test_the_child_asks_and_this_process_never_imports_the_http_stack(
    server: DemoServer,
) -> None:
    plain = asyncio.run(_uuids(server, RANGE))
    server.reset_counts()
    result = _run_probe(server)
    assert result["forked"] and result["taken"] and result["error"] is None
    assert result["events"] == plain and plain
    assert server.request_count == WINDOWS  # the child's requests, taken by the load
    assert result["loaded"] == []  # no httpx, httpcore, anyio, h11 (nor email.utils) here
    assert result["reaped"]  # no zombie left


def test_a_refusal_in_the_child_is_the_loads_401(server: DemoServer) -> None:
    server.faults.push(Fault("status", status=401))
    result = _run_probe(server)
    assert result["forked"] and result["taken"]
    name, line = result["error"]  # from one of the two windows
    assert name == "AuthError" and str(AuthError(401, "test")) == line
    assert server.request_count == WINDOWS and result["loaded"] == []


def test_the_child_runs_below_and_dies_with_the_process_that_forked_it(server: DemoServer) -> None:
    server.faults.push(Fault("delay", seconds=60, repeat=WINDOWS))  # the child waits
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(_probe(server, "wait"), stdout=subprocess.PIPE, env=env,
                          cwd=ROOT) as parent:  # fmt: skip
        try:
            assert parent.stdout is not None and parent.stdout.readline() == b"ready\n"
            wait_until(lambda: server.request_count == WINDOWS, "the child's requests")
            (child,) = children_of(parent.pid)
            # below the browser's priority: where both want a core, the browser gets it
            nice = os.getpriority(os.PRIO_PROCESS, child) - os.getpriority(
                os.PRIO_PROCESS, parent.pid
            )
            assert nice == CHILD_NICENESS > 0
            parent.send_signal(signal.SIGKILL)
            parent.wait(10)
            wait_gone(child)
        finally:
            parent.kill()


def test_the_child_dies_with_its_parent_even_while_its_pipes_are_held_elsewhere(
    server: DemoServer,
) -> None:
    """The orders pipe never ends (another process holds its write end), yet the kernel
    ends the child with the process that forked it (Linux's parent-death signal)."""
    server.faults.push(Fault("delay", seconds=60, repeat=WINDOWS))  # the child waits
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = None
    with subprocess.Popen(_probe(server, "hold"), stdout=subprocess.PIPE, env=env,
                          cwd=ROOT) as parent:  # fmt: skip
        try:
            assert parent.stdout is not None
            holder = int(parent.stdout.readline())
            assert parent.stdout.readline() == b"ready\n"
            wait_until(lambda: server.request_count == WINDOWS, "the child's requests")
            (child,) = set(children_of(parent.pid)) - {holder}
            parent.send_signal(signal.SIGKILL)
            parent.wait(10)
            wait_gone(child)
        finally:
            parent.kill()
            if holder is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(holder, signal.SIGKILL)


ERRORS: list[BaseException] = [
    AuthError(401, "the built-in demo server"),
    AuthError(403),
    NetworkError("http://127.0.0.1:9", "connection refused"),
    ServerError(503, "https://app.datafold.com", 2.5),
    ValidationError(["body.start_date: field required", "end_date: bad"]),
    RateLimitError(4.0),
    RateLimitError(None),
    ResponseError("The response is not JSON."),
    BodyTooLarge(1024, 4096),
    UsageError("Cannot load the CA certificates from SSL_CERT_FILE=/x: missing"),
    CredentialError("The API key is empty; store one with `auditui login`."),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_an_error_crosses_the_pipe_whole(error: BaseException) -> None:
    crossed = unpack(pack((3, "error", error)))[2]  # type: ignore[index]
    assert type(crossed) is type(error)
    assert str(crossed) == str(error) and crossed.args == error.args
    assert vars(crossed) == vars(error)


def test_an_answer_crosses_the_pipe_whole() -> None:
    answer = RawAnswer(b'{"logs": []}', datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert unpack(pack((0, "answer", answer))) == (0, "answer", answer)


def test_what_cannot_cross_is_no_answer() -> None:
    error = ResponseError("odd")
    error.__dict__["handle"] = lambda: None  # not picklable
    assert pack((1, "error", error)) == b""
    assert unpack(b"") is None and unpack(b"not a pickle") is None


def test_without_an_answer_the_load_asks_the_server(server: DemoServer) -> None:
    """A child that died, or sent what cannot be read: the load fetches the window itself."""
    plain = asyncio.run(_uuids(server, RANGE))
    server.reset_counts()
    connection = make_connection(server)
    prefetch = Prefetch([NEWEST], connection.client())
    [answer] = prefetch._answers
    assert answer is not None
    answer.set_running_or_notify_cancel()
    read, write = os.pipe()
    os.write(write, b"garbage")
    os.close(write)
    prefetch._read_from(read, None)  # no child of ours: nothing to reap
    connection = replace(connection, prefetch=prefetch)

    async def load() -> list[str]:
        uuids = []
        async for batch in connection.stream(RANGE):
            assert batch.error is None
            uuids += [event.event_uuid for event in batch.events]
        return sorted(uuids)

    assert asyncio.run(load()) == plain
    assert prefetch.taken and server.request_count == WINDOWS


def test_the_demo_forks_its_prefetch_and_shows_rows_without_the_http_stack(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.update({f"XDG_{kind}_HOME": str(tmp_path / kind) for kind in ("CONFIG", "CACHE",
                "STATE", "DATA")})  # fmt: skip
    done = subprocess.run([sys.executable, "-c", CLI_PROBE], capture_output=True, text=True,
                          timeout=120, env=env, cwd=ROOT, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["forked"] and result["taken"] and result["events"] > 0
    assert result["windows"] >= 2  # the default 24 hours: two day windows, both asked
    assert result["loaded"] == []


def test_answers_larger_than_the_pipe_arrive_whole_and_in_order() -> None:
    """Frames of several pipe-fulls each, read without waiting as the writer fills the pipe
    (as the browser's event loop reads its child's answers), each one whole, in order."""
    answers = [RawAnswer(bytes([index]) * (3 * 1024 * 1024 + index), None) for index in range(3)]
    frames = [pack((index, "answer", answer)) for index, answer in enumerate(answers)]
    read, write = os.pipe()

    def send() -> None:
        for data in frames:
            write_all(write, HEADER.pack(len(data)) + data)
        os.close(write)

    writer = threading.Thread(target=send)
    writer.start()
    os.set_blocking(read, False)
    frame, got = Frame(limit=16 * 1024 * 1024), []
    while True:
        select.select([read], [], [])
        try:
            if frame.read(read) == 0:
                break
        except BlockingIOError:
            continue
        if (whole := frame.take()) is not None:
            with whole:
                got.append(unpack(whole))
    writer.join()
    os.close(read)
    assert got == [(index, "answer", answer) for index, answer in enumerate(answers)]


def test_a_frame_longer_than_any_answer_is_refused() -> None:
    read, write = os.pipe()
    os.write(write, HEADER.pack(2_000))
    with pytest.raises(ValueError, match="2000 bytes"):
        Frame(limit=1_000).read(read)
    os.close(read)
    os.close(write)
