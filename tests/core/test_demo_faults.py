"""Faults for the demo server: the thread-safe queue and the AUDITUI_DEMO_FAULTS spec."""

from __future__ import annotations

import threading

import pytest

from auditui.demo import Fault, FaultQueue, faults_from_env, parse_fault_spec
from auditui.errors import UsageError


def test_fault_queue_is_thread_safe() -> None:
    queue = FaultQueue()
    queue.push(*[Fault("status", status=500 + i % 3, repeat=3) for i in range(100)])
    taken: list[Fault] = []
    lock = threading.Lock()

    def worker() -> None:
        while (fault := queue.pop()) is not None:
            with lock:
                taken.append(fault)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 300 and len(queue) == 0 and queue.pop() is None


def test_bad_faults_are_refused() -> None:
    with pytest.raises(ValueError):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Fault("status", repeat=0)
    with pytest.raises(ValueError):
        Fault("reset", fraction=1.5)


def test_parse_fault_spec() -> None:
    faults = parse_fault_spec("status:503*2, delay:1.5,status:429:3,reset,truncated:0.25")
    assert faults == [
        Fault("status", status=503, repeat=2),
        Fault("delay", seconds=1.5),
        Fault("status", status=429, headers={"Retry-After": "3"}),
        Fault("reset"),
        Fault("truncated", fraction=0.25),
    ]
    more = parse_fault_spec("html,content_type:text/csv,ignore_range*3,raw:500:oops,trickle:2")
    assert more == [
        Fault("html"),
        Fault("content_type", content_type="text/csv"),
        Fault("ignore_range", repeat=3),
        Fault("raw", status=500, body=b"oops"),
        Fault("trickle", seconds=2.0),
    ]
    assert parse_fault_spec("") == [] and parse_fault_spec(" , ") == []


@pytest.mark.parametrize(
    "text", ["boom", "status", "status:abc", "delay:soon", "status:503*x", "reset:2"]
)
def test_bad_fault_specs_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_fault_spec(text)
    assert "AUDITUI_DEMO_FAULTS" in str(caught.value) and "\n" not in str(caught.value)


def test_faults_from_env_reads_the_variable() -> None:
    assert faults_from_env({}) == []
    env = {"AUDITUI_DEMO_FAULTS": "status:503*2"}
    assert faults_from_env(env) == [Fault("status", status=503, repeat=2)]


def test_pending_lists_repeats_and_status_defaults() -> None:
    queue = FaultQueue()
    queue.push(Fault("status", repeat=2), Fault("html"))
    assert [f.status_code for f in queue.pending()] == [503, 503, 200]
