"""The newest window asked for before the browser starts: its answer is ready at the first paint.

The browser's first load always fetches the range's newest window live (the cache gate), so
the CLI can ask for it as soon as it knows the range, in a thread, while Textual is imported
and the screen is built: a server's latency then overlaps the start instead of following
it. The answer (or the error, raised exactly where the load would have raised it: a 401
still asks for a key) is handed over once, to the first `AuditClient.fetch_window` for the
same window with the same key; any other request goes to the server as before, and so does a
second one for that window (a retry). An answer nobody takes is dropped with the process.

Only a load of a `Connection` with a key is prefetched (not a file, not the archive-only
path, not a follow), with the profile's usual client: the same retries, timeouts and body
limits. The key stays in the client; nothing is printed.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from auditui.sources.api import AuditClient, WindowResult
    from auditui.timespec import TimeRange


class Prefetch:
    """One window's fetch running in a daemon thread, handed over once (`take`)."""

    def __init__(self, window: TimeRange, client: AuditClient) -> None:
        """`client` (not yet entered) fetches `window` once `start` is called."""
        self.window = window
        self._client = client
        self._answer: Future[WindowResult] = Future()
        self._taken = False
        self._lock = threading.Lock()

    def start(self) -> Prefetch:
        """Fetch the window in a new daemon thread; returns self."""
        threading.Thread(target=self._run, name="auditui-prefetch", daemon=True).start()
        return self

    def _run(self) -> None:
        if not self._answer.set_running_or_notify_cancel():
            return
        try:
            result = asyncio.run(self._fetch(self._client))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever takes the answer
            self._answer.set_exception(exc)
        else:
            self._answer.set_result(result)

    async def _fetch(self, client: AuditClient) -> WindowResult:
        async with client:
            return await client.fetch_window(self.window.start, self.window.end)

    def take(
        self, start: datetime, end: datetime, client: AuditClient
    ) -> Future[WindowResult] | None:
        """The answer for [start, end) to `client` if it sends the key this was asked with,
        the first time only; else None (the client asks the server itself)."""
        with self._lock:
            if self._taken or not client.same_key(self._client):
                return None
            if (start, end) != (self.window.start, self.window.end):
                return None
            self._taken = True
            return self._answer

    @property
    def taken(self) -> bool:
        """Whether a load has taken the answer (for tests and benchmarks)."""
        return self._taken
