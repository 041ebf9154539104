"""The local window cache: past windows kept on disk, so no one waits twice for one day.

A window that ended more than an hour ago (`IMMUTABLE_AFTER`) no longer changes, so its
events are stored once per profile, host *and* API key, under
`paths.cache_dir()/windows/<profile>-<hash of host>-<identity>/`, folders 0700, files 0600.
The identity is a keyed hash of the key (`cache_identity`: never the key, useless without
the per-install secret kept outside the cache), so another key, a revoked one or another
organisation's on the same host, never reads these windows (it misses and fetches). That
the key still may read them is the loader's business: `Connection` fetches the newest
window of every load live (`WindowCache.fetch_live`) and shows cached windows only after a
request succeeded (`sources.cache_gate`). Folders of the older, unscoped layout (their
`scope.json` has no identity) are never served and are deleted when the index is read.

One file per window (`auditui.sources.cache_format`): a header, the events as zlib-compressed
columns and a checksummed footer. A short, corrupt or foreign file fails `read_window_file` with
`CorruptWindow`; `WindowCache.read` deletes it and the loader fetches the window again. A
file an older auditui wrote (`StaleWindow`) is a miss, deleted and fetched again the same way.

`index.json` (rewritten atomically, under an advisory `flock` where the OS has one) records
each file's size and last access for LRU eviction above a size cap (default 1 GiB). The
index is only bookkeeping: a lost or corrupt index, or one an older auditui wrote, is
rebuilt from the files' headers (dropping files of an older layout), and files another
process wrote meanwhile are picked up at the next `flush`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from auditui.errors import UsageError
from auditui.events.model import AuditEvent
from auditui.paths import cache_dir, sweep_stale_temps, write_atomic
from auditui.sources.cache_format import (
    HEADER,
    CorruptWindow,
    StaleWindow,
    WindowHeader,
    encode_window_file,
    file_name,
    from_micros,
    micros,
    parse_header,
    read_window_file,
    scope_name,
)
from auditui.timespec import TimeRange, utcnow

IMMUTABLE_AFTER = timedelta(hours=1)
DEFAULT_MAX_BYTES = 1024**3
LIMIT_ENV = "AUDITUI_CACHE_MAX"
_SUFFIX = ".win"
_INDEX = "index.json"
_SCOPE_FILE = "scope.json"
_SCOPE_VERSION = 2  # scope.json with the key's identity; folders of any other are deleted
_INDEX_VERSION = 3  # entries with the key's identity; any other index is rebuilt

__all__ = [
    "CorruptWindow",
    "StaleWindow",
    "WindowCache",
    "WindowHeader",
    "cache_info",
    "cache_limit",
    "clear_cache",
    "default_root",
    "encode_window_file",
    "read_index",
    "read_window_file",
    "scope_name",
]


class CacheStats(msgspec.Struct):
    """What one `WindowCache` did (for the header line and the tests)."""

    hits: int = 0
    misses: int = 0
    corrupt: int = 0
    writes: int = 0
    evicted: int = 0


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """An advisory lock on the index (POSIX flock); a no-op where there is none."""
    try:
        import fcntl
    except ImportError:  # Windows: atomic renames only
        yield
        return
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Entry(msgspec.Struct):
    """One cached window as the index knows it (`path` relative to the cache root)."""

    path: str
    profile: str
    host: str
    identity: str
    start: datetime
    end: datetime
    events: int
    size: int
    accessed: float

    def to_json(self) -> dict[str, Any]:
        return {"profile": self.profile, "host": self.host, "identity": self.identity,
                "start": micros(self.start), "end": micros(self.end), "events": self.events,
                "size": self.size, "accessed": self.accessed}  # fmt: skip

    @classmethod
    def from_json(cls, path: str, value: dict[str, Any]) -> Entry:
        return cls(path, str(value["profile"]), str(value["host"]), str(value["identity"]),
                   from_micros(value["start"]), from_micros(value["end"]),
                   int(value["events"]), int(value["size"]),
                   float(value["accessed"]))  # fmt: skip


def default_root() -> Path:
    return cache_dir() / "windows"


def cache_limit(env: Mapping[str, str] = os.environ) -> int:
    """The size cap: `AUDITUI_CACHE_MAX` (bytes, or with K/M/G: `500M`, `2G`), else 1 GiB.

    Raises `UsageError` for a value that is not a size.
    """
    text = env.get(LIMIT_ENV, "").strip().upper().removesuffix("B")
    if not text:
        return DEFAULT_MAX_BYTES
    scale = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if not 0 <= value * scale < 2**63:  # NaN, negative, inf or beyond any disk: not a size
        raise UsageError(f"{LIMIT_ENV}={env[LIMIT_ENV]!r} is not a size such as 500M or 2G.")
    return int(value * scale)


def read_index(root: Path) -> dict[str, Entry]:
    """The index, reconciled with the files on disk (rebuilt from headers if corrupt or
    written by another version, which drops files of another layout)."""
    try:
        doc = json.loads((root / _INDEX).read_bytes())
        windows = doc["windows"] if doc["version"] == _INDEX_VERSION else {}
        entries = {path: Entry.from_json(path, value) for path, value in windows.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        entries = {}
    return _reconcile(root, entries)


def _reconcile(root: Path, entries: dict[str, Entry]) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    if not root.is_dir():
        return found
    sweep_stale_temps(root)  # what a killed process left: an index or a scope in the making
    for scope in root.iterdir():
        if not scope.is_dir() or scope.name.startswith("."):
            continue
        sweep_stale_temps(scope)  # window files a killed process left half-written
        try:
            owner = json.loads((scope / _SCOPE_FILE).read_bytes())
            profile, host = str(owner["profile"]), str(owner["host"])
            identity = str(owner["identity"])
            if owner["version"] != _SCOPE_VERSION or scope.name != scope_name(
                profile, host, identity
            ):
                raise ValueError("another layout")
        except (OSError, ValueError, KeyError, TypeError):
            # no owner, or an older layout not bound to a key: never served, drop it
            shutil.rmtree(scope, ignore_errors=True)
            continue
        for file in scope.glob("*" + _SUFFIX):
            rel = f"{scope.name}/{file.name}"
            known = entries.get(rel)
            try:
                size = file.stat().st_size
                if known is not None and known.size == size:
                    found[rel] = known
                    continue
                with open(file, "rb") as stream:
                    header = parse_header(stream.read(HEADER.size))[0]
                mtime = file.stat().st_mtime
            except (OSError, CorruptWindow):
                with contextlib.suppress(OSError):
                    file.unlink()
                continue
            found[rel] = Entry(rel, profile, host, identity, header.start, header.end,
                               header.events, size, mtime)  # fmt: skip
    return found


def write_index(root: Path, entries: dict[str, Entry]) -> None:
    doc = {
        "version": _INDEX_VERSION,
        "windows": {p: e.to_json() for p, e in sorted(entries.items())},
    }
    write_atomic(root / _INDEX, json.dumps(doc, separators=(",", ":")).encode(), fsync=False)


class WindowCache:
    """The cached windows of one profile + host + key; shares the root and size cap with all.

    `identity` is `cache_identity.key_identity(host, key)` (a `Connection` passes its key's;
    without one, the windows are nobody's key's). Reads and writes are thread-safe enough to
    run in `asyncio.to_thread`; the index is written by `flush()` (once per load), which
    also evicts least recently used windows.
    """

    def __init__(self, profile: str, host: str, *, identity: str = "",
                 root: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 now: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        self.profile = profile
        self.host = host
        self.identity = identity
        self.root = root if root is not None else default_root()
        self.max_bytes = max_bytes
        self.stats = CacheStats()
        self._now = now or utcnow
        self._scope = scope_name(profile, host, identity)
        self._dir = self.root / self._scope
        self._live: set[TimeRange] = set()  # windows this load must fetch (`fetch_live`)
        self._index: dict[str, Entry] | None = None
        self._touched: dict[str, float] = {}
        self._added: dict[str, Entry] = {}
        self._removed: set[str] = set()
        self._lock = threading.Lock()  # the three pending maps above, across threads

    def __repr__(self) -> str:
        return f"WindowCache(profile={self.profile!r}, host={self.host!r}, root={self.root!r})"

    def cacheable(self, window: TimeRange) -> bool:
        """Whether the window ended long enough ago to never change again."""
        return window.end <= self._now() - IMMUTABLE_AFTER

    def _entries(self) -> dict[str, Entry]:
        if self._index is None:
            self._index = read_index(self.root) if self.root.is_dir() else {}
        return self._index

    def fetch_live(self, window: TimeRange) -> None:
        """Make `lookup` miss `window`, so the loader asks the API for it (the live request
        that confirms the key may still read this cache; it is stored again afterwards)."""
        self._live.add(window)

    def lookup(self, window: TimeRange) -> str | None:
        """The cached file holding `window` (the same window or a larger one), if any."""
        if window in self._live:
            return None
        exact = f"{self._scope}/{file_name(window)}"
        if exact in self._added or (self._dir / file_name(window)).is_file():
            return exact
        best: Entry | None = None
        mine = self._scope + "/"
        for entry in self._entries().values():
            if (entry.path.startswith(mine)
                    and entry.start <= window.start and window.end <= entry.end
                    and entry.path not in self._removed
                    and (best is None or entry.size < best.size)):  # fmt: skip
                best = entry
        return best.path if best is not None else None

    def read(
        self, path: str, window: TimeRange, table: dict[Any, Any] | None = None
    ) -> tuple[list[AuditEvent], int] | None:
        """The events of `window` from the file at `path` (and its malformed count).

        Repeated values are shared through `table` (see `intern_events`). None when the file
        is gone or of an older version (`stats.misses`) or corrupt (`stats.corrupt`); both
        are deleted. Payloads are views into the file's payload section.
        """
        file = self.root / path
        try:
            data = file.read_bytes()
        except OSError:
            self.stats.misses += 1
            return None
        try:
            header, events = read_window_file(data, table)
            if not (header.start <= window.start and window.end <= header.end):
                raise CorruptWindow("the file holds another window")
        except CorruptWindow as exc:
            with self._lock:
                if isinstance(exc, StaleWindow):
                    self.stats.misses += 1
                else:
                    self.stats.corrupt += 1
            self.discard(path)
            return None
        if (header.start, header.end) != (window.start, window.end):
            low, high = window.start, window.end
            events = [event for event in events if low <= event.timestamp < high]
        with self._lock:
            self.stats.hits += 1
            self._touched[path] = utcnow().timestamp()
        return events, header.malformed

    def discard(self, path: str) -> None:
        with contextlib.suppress(OSError):
            (self.root / path).unlink()
        with self._lock:
            self._removed.add(path)
            self._added.pop(path, None)

    def put(self, window: TimeRange, events: list[AuditEvent], malformed: int = 0) -> bool:
        """Store a window that ended over an hour ago (events already inside it)."""
        if not self.cacheable(window):
            return False
        data = encode_window_file(window, events, malformed)
        self._ensure_scope()
        name = file_name(window)
        # No fsync: a file cut short by a crash fails its checksum and is fetched again.
        write_atomic(self._dir / name, data, fsync=False)
        path = f"{self._scope}/{name}"
        entry = Entry(path, self.profile, self.host, self.identity, window.start, window.end,
                      len(events), len(data), utcnow().timestamp())  # fmt: skip
        with self._lock:
            self._added[path] = entry
            self._removed.discard(path)
            self.stats.writes += 1
        return True

    def _ensure_scope(self) -> None:
        """Create the scope folder with its owner file in one rename (never ownerless)."""
        if (self._dir / _SCOPE_FILE).is_file():
            return
        _private_dir(self.root.parent)
        _private_dir(self.root)
        import secrets  # here: hmac and its hashes are not needed for a start without cache

        temp = self.root / f".{self._scope}.{secrets.token_hex(6)}.tmp"
        temp.mkdir(mode=0o700)
        try:
            owner = {"version": _SCOPE_VERSION, "profile": self.profile, "host": self.host,
                     "identity": self.identity}  # fmt: skip
            write_atomic(temp / _SCOPE_FILE, json.dumps(owner).encode(), fsync=False)
            os.rename(temp, self._dir)
        except OSError:
            if not (self._dir / _SCOPE_FILE).is_file():
                raise
        finally:
            shutil.rmtree(temp, ignore_errors=True)

    def flush(self) -> None:
        """Record accesses and new files in the index, then evict down to the size cap."""
        with self._lock:
            touched, self._touched = self._touched, {}
            added, self._added = self._added, {}
            removed, self._removed = self._removed, set()
        if not (touched or added or removed) or not self.root.is_dir():
            return
        with _locked(self.root):
            entries = read_index(self.root)
            for path, when in touched.items():
                if path in entries:
                    entries[path].accessed = max(entries[path].accessed, when)
            for path in removed:
                entries.pop(path, None)
            entries.update((path, entry) for path, entry in added.items()
                           if (self.root / path).is_file())  # fmt: skip
            self.stats.evicted += _evict(self.root, entries, self.max_bytes)
            write_index(self.root, entries)
            self._index = entries


def _evict(root: Path, entries: dict[str, Entry], max_bytes: int) -> int:
    total = sum(entry.size for entry in entries.values())
    evicted = 0
    for entry in sorted(entries.values(), key=lambda item: item.accessed):
        if total <= max_bytes:
            break
        with contextlib.suppress(OSError):
            (root / entry.path).unlink()
        del entries[entry.path]
        total -= entry.size
        evicted += 1
    return evicted


class ScopeInfo(msgspec.Struct):
    """`cache info` for one profile + host + key: windows, events, bytes, contiguous ranges.

    `identity` is the key's keyed hash (`cache_identity`), shown shortened to tell keys apart.
    """

    profile: str
    host: str
    identity: str = ""
    windows: int = 0
    events: int = 0
    size: int = 0
    ranges: list[TimeRange] = msgspec.field(default_factory=list)


def cache_info(root: Path | None = None) -> list[ScopeInfo]:
    """What the cache holds, per profile, host and key (sorted), adjacent ranges merged."""
    root = root if root is not None else default_root()
    scopes: dict[tuple[str, str, str], ScopeInfo] = {}
    spans: dict[tuple[str, str, str], list[tuple[datetime, datetime]]] = {}
    for entry in read_index(root).values():
        key = (entry.profile, entry.host, entry.identity)
        info = scopes.setdefault(key, ScopeInfo(*key))
        info.windows += 1
        info.events += entry.events
        info.size += entry.size
        spans.setdefault(key, []).append((entry.start, entry.end))
    for key, info in scopes.items():
        merged: list[list[datetime]] = []
        for start, end in sorted(spans[key]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        info.ranges = [TimeRange(start, end) for start, end in merged]
    return [scopes[key] for key in sorted(scopes)]


def clear_cache(profile: str | None = None, root: Path | None = None) -> tuple[int, int]:
    """Delete every cached window (or one profile's, for all its hosts and keys), and
    folders of older layouts: (files, bytes)."""
    root = root if root is not None else default_root()
    if not root.is_dir():
        return 0, 0
    with _locked(root):
        entries = read_index(root)
        gone = [e for e in entries.values() if profile is None or e.profile == profile]
        for entry in gone:
            with contextlib.suppress(OSError):
                (root / entry.path).unlink()
            del entries[entry.path]
        for scope in root.iterdir():
            if scope.is_dir() and not any(p.startswith(scope.name + "/") for p in entries):
                shutil.rmtree(scope, ignore_errors=True)
        write_index(root, entries)
    return len(gone), sum(entry.size for entry in gone)
