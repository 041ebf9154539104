"""The polling loop of a follow, for the browser and `auditui fetch --follow` alike.

`poll_forever` asks the windows the `Poller` plans, one request at a time (never two at
once), yields each answered window as a `Poll` and each failed poll as a `Failed` (with the
delay before the next), and waits out the `Backoff`'s delay between polls, start to start,
so polls are never closer than the interval, errors included. The client makes a single
attempt per request (`Connection.client(retries=False)`): retries are the loop's, on its
schedule. A refused key (`AuthError`) is raised: the caller asks for a key and starts
again with the same `Poller`, which remembers how far it got. `stop` ends the loop before
its next request (a request under way is answered first).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from auditui.errors import ApiError, AuthError
from auditui.follow.poller import Answer, Poll, Poller
from auditui.follow.schedule import Backoff, Delay
from auditui.timespec import utcnow

if TYPE_CHECKING:
    from auditui.sources.api import WindowResult

Clock = Callable[[], datetime]
Wait = Callable[[float], Awaitable[None]]


class WindowFetcher(Protocol):
    """What the loop needs of an `AuditClient`."""

    async def fetch_window(self, start: datetime, end: datetime) -> WindowResult: ...


@dataclass(frozen=True, slots=True)
class Failed:
    """A poll failed; the next one is `delay.seconds` after this one started."""

    error: ApiError
    delay: Delay


@dataclass(frozen=True, slots=True)
class Waiting:
    """The loop waits `delay` before its next poll (after a poll that succeeded)."""

    delay: Delay


def stop_wait(stop: asyncio.Event) -> Wait:
    """A wait that ends early when `stop` is set."""

    async def wait(seconds: float) -> None:
        if seconds <= 0 or stop.is_set():
            return
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            return

    return wait


async def poll_forever(
    client: WindowFetcher,
    poller: Poller,
    backoff: Backoff,
    *,
    max_span: timedelta,
    stop: asyncio.Event,
    clock: Clock = utcnow,
    wait: Wait | None = None,
) -> AsyncGenerator[Poll | Failed | Waiting, None]:
    """Poll until `stop` is set; see the module docstring."""
    pause = wait or stop_wait(stop)
    while not stop.is_set():
        started = clock()
        windows = poller.plan(started, max_span)
        delay: Delay
        try:
            for position, window in enumerate(windows):
                fetched = await client.fetch_window(window.start, window.end)
                answer = Answer(fetched.events, fetched.malformed, fetched.skipped,
                                fetched.bytes, fetched.server_date)  # fmt: skip
                last = position == len(windows) - 1
                yield poller.accept(window, answer, received=clock(), last=last)
                if stop.is_set():
                    return
        except AuthError:
            raise
        except ApiError as exc:
            delay = backoff.failed(exc)
            yield Failed(exc, delay)
        else:
            delay = backoff.succeeded()
            yield Waiting(delay)
        if stop.is_set():
            return
        remaining = delay.seconds - (clock() - started).total_seconds()
        await pause(max(0.0, remaining))
