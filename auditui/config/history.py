"""Query history: the filter queries a user ran, per profile (core, no Textual).

Kept in the user state dir (`auditui.paths.state_dir()`) as `query-history/<profile>.json`,
a JSON object `{"version": 1, "queries": [...]}` with the oldest query first and the newest
last; a query appears once (running it again moves it to the end) and at most `MAX_ENTRIES`
are kept. The file is written atomically with mode 0600 (`paths.write_atomic`) and merged
with what is on disk first, so two auditui windows do not drop each other's queries.
Reading a missing, unreadable or damaged file gives an empty history: history is a
convenience and must never stop the app.

`HistoryCursor` walks a history with ↑/↓ the way shells do: the first ↑ remembers the text
being typed, ↓ past the newest entry gives it back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from auditui.paths import is_valid_profile_name, state_dir, write_atomic

__all__ = ["MAX_ENTRIES", "HistoryCursor", "QueryHistory", "history_file"]

MAX_ENTRIES = 500
HISTORY_DIR_NAME = "query-history"
_VERSION = 1
# The longest query kept: a typed query is far shorter, and a longer one (a pivot on a huge
# value: the language accepts up to `auditui.query.MAX_QUERY_LENGTH`, MiBs) is not stored, so
# the file stays small. Config sits below the query package: tests/core/test_history.py
# checks this is at most that limit.
MAX_ENTRY_LENGTH = 4000
_MAX_FILE_BYTES = 8 * 1024 * 1024  # 500 queries of at most 4,000 characters fit easily


def history_file(profile: str) -> Path:
    """Where a profile's query history lives (a profile name that is not a safe file name
    shares the `default` file)."""
    name = profile if is_valid_profile_name(profile) else "default"
    return state_dir() / HISTORY_DIR_NAME / f"{name}.json"


def _clean(entries: Iterable[object], limit: int) -> list[str]:
    """Strings only, stripped, non-empty, not too long; deduped keeping the last; capped."""
    seen: dict[str, None] = {}
    for entry in entries:
        if not isinstance(entry, str):
            continue
        text = entry.strip()
        if not text or len(text) > MAX_ENTRY_LENGTH or "\x00" in text:
            continue
        seen.pop(text, None)
        seen[text] = None
    kept = list(seen)
    return kept[-limit:] if limit > 0 else []


def read_entries(path: Path, limit: int = MAX_ENTRIES) -> list[str]:
    """The queries in a history file; [] when it is missing, unreadable or damaged."""
    try:
        with path.open("rb") as file:
            data = file.read(_MAX_FILE_BYTES + 1)
    except (OSError, ValueError):
        return []
    if len(data) > _MAX_FILE_BYTES:
        return []
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return []
    queries = doc.get("queries") if isinstance(doc, dict) else None
    if not isinstance(queries, list):
        return []
    return _clean(queries, limit)


class QueryHistory:
    """A profile's query history, oldest first (`entries[-1]` is the newest)."""

    def __init__(
        self,
        entries: Iterable[str] = (),
        *,
        path: Path | None = None,
        limit: int = MAX_ENTRIES,
    ) -> None:
        self.path = path
        self.limit = limit
        self._entries = _clean(entries, limit)
        self._unsaved: list[str] = []  # added since the last save, oldest first
        self._lock = threading.Lock()

    @classmethod
    def load(cls, profile: str, *, path: Path | None = None) -> QueryHistory:
        """Read a profile's history (empty when there is none or it is damaged)."""
        where = path if path is not None else history_file(profile)
        return cls(read_entries(where), path=where)

    @property
    def entries(self) -> list[str]:
        """A copy of the queries, oldest first."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, query: str) -> bool:
        """Remember a query in memory (moved to the end if known); False if blank/too long."""
        text = query.strip()
        if not text or len(text) > MAX_ENTRY_LENGTH or "\x00" in text:
            return False
        with self._lock:
            self._entries = _clean([*self._entries, text], self.limit)
            self._unsaved = _clean([*self._unsaved, text], self.limit)
        return True

    def save(self) -> None:
        """Write the file: what is on disk (another window may have added queries) followed
        by the queries added here since the last save, which become the newest.

        Raises `OSError` when the file cannot be written; the history in memory stays.
        """
        if self.path is None:
            return
        with self._lock:
            merged = _clean([*read_entries(self.path, self.limit), *self._unsaved], self.limit)
            data = json.dumps({"version": _VERSION, "queries": merged}, ensure_ascii=False)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, data.encode("utf-8") + b"\n", mode=0o600)
            self._entries, self._unsaved = merged, []

    def record(self, query: str) -> bool:
        """`add` then `save`; False when nothing was added or the file could not be written."""
        if not self.add(query):
            return False
        try:
            self.save()
        except OSError:
            return False
        return True

    def cursor(self, current: str = "") -> HistoryCursor:
        """A cursor over a snapshot of the entries, starting below the newest."""
        return HistoryCursor(self.entries, current)


class HistoryCursor:
    """Walks entries (oldest first) from the newest back with `older()`/`newer()`.

    Position `len(entries)` is "below the newest": the text being typed, remembered on the
    first step up and given back when stepping down past the newest entry.
    """

    def __init__(self, entries: Sequence[str], current: str = "") -> None:
        self.entries = list(entries)
        self.position = len(self.entries)
        self.draft = current

    @property
    def at_draft(self) -> bool:
        return self.position == len(self.entries)

    def older(self, text: str) -> str | None:
        """The previous (older) entry, or None at the oldest. `text`: what the input holds."""
        if self.position == 0:
            return None
        if self.at_draft:
            self.draft = text
        self.position -= 1
        return self.entries[self.position]

    def newer(self) -> str | None:
        """The next (newer) entry, the draft past the newest, or None when already there."""
        if self.at_draft:
            return None
        self.position += 1
        return self.draft if self.at_draft else self.entries[self.position]

    def reset(self, entries: Sequence[str] | None = None, current: str = "") -> None:
        """Back below the newest (optionally with fresh entries and draft)."""
        if entries is not None:
            self.entries = list(entries)
        self.position = len(self.entries)
        self.draft = current
