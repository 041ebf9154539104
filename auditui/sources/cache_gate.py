"""The cache's authorisation: cached windows are shown only once the API accepted the key.

A cached window was fetched with this key earlier (the cache is scoped by key), but the key
may have been revoked since. So `Connection` fetches the newest window of every load live
(`WindowCache.fetch_live`) and passes the stream through `CacheGate`, which holds cached
batches (and the progress reports that count them) until a fetched window succeeds:

- a fetched window arrives: the gate opens; that window, then the held ones, are yielded;
- a 401/403 (`AuthError`) arrives first: it is yielded, the held windows are dropped and
  the stream ends, so nothing from the cache is shown or printed;
- every fetched window failed otherwise (server down, timeouts): the held windows are
  yielded as failed (`UnconfirmedCache`), so they can be retried, never shown unconfirmed.

`auditui fetch` (`Connection.load`) needs only the live window and the held progress: it
prints nothing until every window is in, and its first error (a 401 included) ends it.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable

from auditui.errors import ApiError, AuthError
from auditui.sources.windows import Progress, WindowBatch

ProgressHook = Callable[[Progress], None]


class UnconfirmedCache(ApiError):
    """A cached window withheld because no request of the load confirmed the key."""

    def __init__(self) -> None:
        super().__init__(
            "The cached copy was not shown: no request of this load succeeded, so the key "
            "could not be confirmed; retry when the server answers."
        )


def held_progress(on_progress: ProgressHook | None) -> ProgressHook | None:
    """`on_progress`, silent until a fetched window is done (cached ones count only then)."""
    if on_progress is None:
        return None
    forward = on_progress

    def report(progress: Progress) -> None:
        if progress.windows_done > progress.cached_windows:
            forward(progress)

    return report


class CacheGate:
    """Holds a stream's cached batches until a fetched window succeeds (see the module)."""

    def __init__(self, on_progress: ProgressHook | None) -> None:
        self.open = False
        self._forward = on_progress
        self._pending: Progress | None = None

    def progress(self, progress: Progress) -> None:
        """The hook to give the stream: reports wait while the gate is closed."""
        if self.open:
            if self._forward is not None:
                self._forward(progress)
        else:
            self._pending = progress

    def _opened(self) -> None:
        self.open = True
        pending, self._pending = self._pending, None
        if pending is not None and self._forward is not None:
            self._forward(pending)

    async def run(self, batches: AsyncIterator[WindowBatch]) -> AsyncGenerator[WindowBatch, None]:
        """`batches`, with cached ones held back until the key is confirmed."""
        held: list[WindowBatch] = []
        async for batch in batches:
            if self.open:
                yield batch
            elif batch.cached and batch.error is None:
                held.append(batch)
            elif batch.error is None:
                self._opened()
                yield batch
                for waiting in held:
                    yield waiting
                held.clear()
            elif isinstance(batch.error, AuthError):
                held.clear()  # the key is refused: nothing from the cache, ever
                yield batch
                return
            else:
                yield batch  # failed for another reason: the key is still unconfirmed
        for waiting in held:
            yield WindowBatch(waiting.window, waiting.index, [], error=UnconfirmedCache())
