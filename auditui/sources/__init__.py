"""Where events come from, and everything about getting them.

The package owns:

- `protocol`: `EventSource`, what the TUI and the CLI need from a source, and
  `api_connection` for the API-only operations (client, key);
- `connection`: `Connection`, the audit-log API of a profile's host as an `EventSource`;
- `api`: `AuditClient`, HTTP to Datafold (host check, retries, typed errors, bounded bodies);
- `windows`: splitting a range into windows, streaming and merging them;
- `dedupe`: the one de-duplication by `event_uuid` (`unique_events`);
- `cache` and `cache_format`: the on-disk cache of past windows and its file format;
- `files`: reading events from files (`auditui open FILE`) and `FileSource`.

Names are re-exported lazily (PEP 562) so that importing the package pulls in nothing
heavy: `auditui open FILE` and `auditui --help` never import httpx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.sources.api import AuditClient, check_host
    from auditui.sources.cache import WindowCache
    from auditui.sources.connection import Connection, open_connection
    from auditui.sources.dedupe import unique_events
    from auditui.sources.files import FileSource, read_events
    from auditui.sources.merge import merge_windows
    from auditui.sources.protocol import EventSource, api_connection
    from auditui.sources.windows import (
        LoadResult,
        Progress,
        WindowBatch,
        load_range,
        split_windows,
        stream_windows,
    )

_WHERE = {
    "AuditClient": "api",
    "check_host": "api",
    "WindowCache": "cache",
    "Connection": "connection",
    "open_connection": "connection",
    "FileSource": "files",
    "read_events": "files",
    "EventSource": "protocol",
    "api_connection": "protocol",
    "LoadResult": "windows",
    "Progress": "windows",
    "WindowBatch": "windows",
    "load_range": "windows",
    "merge_windows": "merge",
    "split_windows": "windows",
    "stream_windows": "windows",
    "unique_events": "dedupe",
}

__all__ = [
    "AuditClient",
    "Connection",
    "EventSource",
    "FileSource",
    "LoadResult",
    "Progress",
    "WindowBatch",
    "WindowCache",
    "api_connection",
    "check_host",
    "load_range",
    "merge_windows",
    "open_connection",
    "read_events",
    "split_windows",
    "stream_windows",
    "unique_events",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
