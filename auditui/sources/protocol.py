"""`EventSource`: what the browser and the CLI need from a place events come from.

Two sources implement it: `Connection` (the audit-log API of a profile's host, through the
window cache) and `FileSource` (a file given to `auditui open`). Both answer `load` (every
event of a range, merged) and `stream` (the range's events in batches as they arrive), and
say where they read from (`profile`, `host`) and what they are (`demo`, `offline`).

Only an API source has a key to manage: `client()`, `with_credential()` and
`require_credential()` exist on `Connection` alone. Code that needs them asks
`api_connection(source)`, which refuses a file with a `UsageError`. This module imports
nothing heavy (no httpx) so that `auditui open FILE` never loads the HTTP client.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from auditui.errors import UsageError

if TYPE_CHECKING:
    from auditui.config.credentials import Credential
    from auditui.config.settings import Profile
    from auditui.sources.connection import Connection
    from auditui.sources.windows import LoadResult, Progress, WindowBatch
    from auditui.timespec import TimeRange


class EventSource(Protocol):
    """A place events come from: an API connection or a file."""

    @property
    def profile(self) -> Profile:
        """The settings in force (columns, keymap, theme, window size…)."""
        ...

    @property
    def host(self) -> str:
        """Where the events come from, as shown to people (a URL or a file's path)."""
        ...

    @property
    def demo(self) -> bool:
        """True for the built-in demo server."""
        ...

    @property
    def offline(self) -> bool:
        """True when there is no API behind the source (a file): no key, no login."""
        ...

    @property
    def credential(self) -> Credential | None:
        """The API key in use, if any (always None when `offline`)."""
        ...

    @property
    def prefetched(self) -> bool:
        """True when the first windows were asked for before the browser started
        (`sources.prefetch`): their answers may be here before its screen is."""
        ...

    def hold_prefetched(self) -> Callable[[], None]:
        """Until the returned function is called, a load gets only the first prefetched
        answers, as many as it asks for at once (the browser calls it once its screen is
        mounted); a no-op without them."""
        ...

    def default_range(self) -> TimeRange:
        """The range to show when none was asked for."""
        ...

    async def load(
        self, time_range: TimeRange, on_progress: Callable[[Progress], None] | None = None
    ) -> LoadResult:
        """Every event of `time_range`, newest first, unique by `event_uuid`."""
        ...

    def stream(
        self,
        time_range: TimeRange,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        windows: Sequence[TimeRange] | None = None,
        seen: set[str] | None = None,
    ) -> AsyncGenerator[WindowBatch, None]:
        """The events of `time_range` in batches as they arrive (see `windows.stream_windows`).

        `windows` limits the load to those windows (e.g. the failed ones, to retry them);
        `seen` carries de-duplication over from the load they belong to.
        """
        ...


def api_connection(source: EventSource) -> Connection:
    """`source` as an API connection; `UsageError` for a source without an API (a file)."""
    from auditui.sources.connection import Connection

    if not isinstance(source, Connection):
        raise UsageError(f"{source.host} is a file: there is no API to ask.")
    return source
