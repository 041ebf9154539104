"""Failed windows are yielded newest first, whatever order their requests end in.

A load tells one toast per distinct error, naming the first failed window it is given; with
several windows failing alike (a host that refuses every connection), which request gives up
first is chance (retries are jittered), so the stream holds a failure back until every newer
window has been yielded. Successful windows still come as they arrive.

The client here is a stand-in whose windows end in a set order: the demo server's fault
queue serves requests in the order they arrive, which two concurrent connections do not
fix, so a real server cannot make the newest window fail last every time.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from auditui.errors import ServerError
from auditui.sources.api import AuditClient, WindowResult
from auditui.sources.windows import WindowBatch, split_windows, stream_windows
from auditui.timespec import TimeRange

DAY = timedelta(days=1)
END = datetime(2026, 11, 30, 12, tzinfo=UTC)
WINDOWS = split_windows(TimeRange(END - 3 * DAY, END), DAY)  # 4 windows, newest first


class Timed:
    """Answers each window after its delay: fails the ones in `failing`, else no events."""

    def __init__(self, delays: list[float], failing: set[int]) -> None:
        self.delays, self.failing = delays, failing

    async def fetch_window(self, start: datetime, end: datetime) -> WindowResult:
        index = next(i for i, w in enumerate(WINDOWS) if w.start == start)
        await asyncio.sleep(self.delays[index])
        if index in self.failing:
            raise ServerError(500, "https://example.test")
        return WindowResult(start, end, [], 0, 0)


async def order(delays: list[float], failing: set[int]) -> list[tuple[int, bool]]:
    client = cast(AuditClient, Timed(delays, failing))
    batches: list[WindowBatch] = []
    async with aclosing(stream_windows(client, WINDOWS, concurrency=4)) as stream:
        batches = [batch async for batch in stream]
    return [(batch.index, batch.error is not None) for batch in batches]


def run(delays: list[float], failing: set[int]) -> Any:
    return asyncio.run(order(delays, failing))


def test_failures_come_newest_first_though_the_newest_ends_last() -> None:
    # every window fails, the newest last and the oldest first
    assert run([0.3, 0.2, 0.1, 0.0], {0, 1, 2, 3}) == [(0, True), (1, True), (2, True), (3, True)]


def test_successes_are_not_held_back_by_a_slow_newer_window() -> None:
    # window 1 fails at once and waits for the newest, which fails late; windows 2 and 3
    # load meanwhile and are yielded as they come
    assert run([0.6, 0.0, 0.1, 0.3], {0, 1}) == [(2, False), (3, False), (0, True), (1, True)]


def test_a_failure_waits_only_for_newer_windows() -> None:
    # the oldest fails first, the newer ones load later: the failure comes last
    assert run([0.1, 0.3, 0.5, 0.0], {3}) == [(0, False), (1, False), (2, False), (3, True)]
