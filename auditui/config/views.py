"""Saved views: a named query, columns, sort and range, per profile (core, no Textual).

A `SavedView` holds what the browser shows besides the events: the filter query, the
table's columns, the sort column and direction, and the range, either relative (`since`,
a duration such as `24h`: "the last 24 hours" whenever it is opened) or absolute (`start`
and `end`, ISO UTC). Any part may be missing: the view then leaves it as it is.

Views come from two places, merged by `ViewBook`:

- saved from the browser (`ctrl+s`): the state folder's `views/<profile>.json`, a JSON
  object `{"version": 1, "views": [...]}`, written atomically with mode 0600 and merged with
  what is on disk first (two windows saving at once keep both views). A file that cannot
  be read as this format (damaged, or written by a newer auditui) is never overwritten: it
  is renamed aside (`<name>.json.corrupt`, `.corrupt-2`, …) and `ViewBook.notice` says so
  in one line;
- `[views.NAME]` tables in `config.toml` (`view_from_table` checks them when the settings
  load): read-only; a saved view of the same name is shadowed by the config's.

Names: 1 to 64 characters, letters, digits, spaces, `.`, `_`, `-`, starting with a letter
or digit, not ending with a space (`check_name`).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from auditui.errors import UsageError
from auditui.paths import display_path, is_valid_profile_name, state_dir, write_atomic
from auditui.timespec import parse_duration, parse_when

__all__ = [
    "NAME_HELP",
    "SavedView",
    "ViewBook",
    "ViewError",
    "check_name",
    "view_from_table",
    "views_file",
]

VIEWS_DIR_NAME = "views"
_VERSION = 1
_MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_QUERY_LENGTH = 4000  # as `history.MAX_ENTRY_LENGTH`: a view holds a typed query
MAX_VIEWS = 500
NAME_HELP = "1 to 64 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit"
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 ._-]{0,62}[A-Za-z0-9._-])?")
TABLE_KEYS: tuple[str, ...] = ("query", "since", "from", "to", "columns", "sort", "descending")


class ViewError(UsageError):
    """A view name is bad, unknown, taken or read-only (one line; exit code 2)."""


class SavedView(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=False):
    """One saved view; `None` parts are left as they are when the view is opened."""

    name: str
    query: str = ""
    columns: tuple[str, ...] | None = None
    sort: str | None = None
    descending: bool | None = None
    since: str | None = None  # a duration: the range ends "now" whenever the view opens
    start: str | None = None  # ISO UTC, with `end`: a fixed range
    end: str | None = None

    def renamed(self, name: str) -> SavedView:
        return msgspec.structs.replace(self, name=name)

    def describe(self) -> str:
        """A short summary for the palette: query, range, sort, columns (literal text)."""
        parts = [f"query {self.query}" if self.query else "no filter"]
        if self.since:
            parts.append(f"last {self.since}")
        elif self.start and self.end:
            parts.append(f"{_short(self.start)} → {_short(self.end)} UTC")
        if self.sort:
            arrow = {None: "", True: " ↓", False: " ↑"}[self.descending]
            parts.append(f"sort {self.sort}{arrow}")
        if self.columns:
            parts.append(f"{len(self.columns)} columns")
        return " · ".join(parts)


def _short(moment: str) -> str:
    """`2026-11-25T12:00:00+00:00` → `2026-11-25 12:00` (as stored: UTC)."""
    try:
        return datetime.fromisoformat(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return moment


def check_name(name: str) -> str:
    """`name` if it is a valid view name; else `ViewError` saying what a name may hold."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        shown = name if isinstance(name, str) else repr(name)
        raise ViewError(f"Bad view name {shown[:80]!r}: use {NAME_HELP}.")
    return name


def views_file(profile: str) -> Path:
    """Where a profile's saved views live (a profile name that is not a safe file name
    shares the `default` file)."""
    name = profile if is_valid_profile_name(profile) else "default"
    return state_dir() / VIEWS_DIR_NAME / f"{name}.json"


def _is_duration(text: str) -> bool:
    return parse_duration(text) is not None


def _when(text: str) -> bool:
    try:
        parse_when(text)
    except (UsageError, OverflowError):
        return False
    return True


def view_from_table(name: str, table: Mapping[str, Any], known_columns: Iterable[str]) -> SavedView:
    """The view a `[views.NAME]` table of config.toml defines.

    Raises `ValueError(key, expected, got)` for a bad key or value (the settings reader
    turns it into a `ConfigError` naming the file and key) and `ViewError` for a bad name.
    """
    check_name(name)
    known = tuple(known_columns)
    for key in table:
        if key not in TABLE_KEYS:
            raise ValueError(key, f"a key from: {', '.join(TABLE_KEYS)}", key)
    query = table.get("query", "")
    if not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH:
        raise ValueError("query", "a query string", query)
    since, start, end = table.get("since"), table.get("from"), table.get("to")
    if since is not None and (not isinstance(since, str) or not _is_duration(since)):
        raise ValueError("since", "a duration such as '24h' or '7d'", since)
    for key, value in (("from", start), ("to", end)):
        if value is not None and (not isinstance(value, str) or not _when(value)):
            raise ValueError(key, "a WHEN such as '2026-11-02' or '2026-11-02T13:00Z'", value)
    if since is not None and (start is not None or end is not None):
        raise ValueError("since", "either since or from/to, not both", since)
    if (start is None) != (end is None):
        raise ValueError("from" if start is None else "to", "from and to together", None)
    columns = table.get("columns")
    if columns is not None and (
        not isinstance(columns, list)
        or not columns
        or any(c not in known for c in columns)
        or len(set(columns)) != len(columns)
    ):
        raise ValueError(
            "columns", f"a list of distinct column names from: {', '.join(known)}", columns
        )
    sort = table.get("sort")
    if sort is not None and sort not in known:
        raise ValueError("sort", f"a column name from: {', '.join(known)}", sort)
    descending = table.get("descending")
    if descending is not None and not isinstance(descending, bool):
        raise ValueError("descending", "true or false", descending)
    if start is not None and end is not None:
        start = parse_when(start, role="start").isoformat()
        end = parse_when(end, role="end").isoformat()
    return SavedView(
        name=name,
        query=query.strip(),
        columns=None if columns is None else tuple(columns),
        sort=sort,
        descending=descending,
        since=since,
        start=start,
        end=end,
    )


class _File(msgspec.Struct):
    version: int
    views: list[SavedView]


class ViewBook:
    """A profile's views: the config's (read-only) and the saved ones (`views_file`).

    `notice`: one line to show when the saved file was damaged and was kept aside.
    """

    def __init__(
        self,
        profile: str,
        config_views: Mapping[str, SavedView] | None = None,
        *,
        path: Path | None = None,
        config_where: str = "config.toml",
    ) -> None:
        self.path = path if path is not None else views_file(profile)
        self.config_views = dict(config_views or {})
        self.config_where = config_where
        self.notice: str | None = None
        self._lock = threading.Lock()
        self._saved = self._read()

    # -- reading ---------------------------------------------------------------------------

    def _read(self) -> dict[str, SavedView]:
        """The saved views on disk; a damaged or newer file is renamed aside (see `notice`)."""
        try:
            with self.path.open("rb") as file:
                data = file.read(_MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            self.notice = f"Cannot read the saved views {display_path(self.path)}: {exc.strerror}."
            return {}
        problem = self._problem(data)
        if problem is None:
            decoded = msgspec.json.decode(data, type=_File)
            views: dict[str, SavedView] = {}
            for view in decoded.views:
                if _valid_saved(view):
                    views[view.name] = view
            return views
        aside = self._keep_aside()
        where = display_path(self.path)
        if aside is None:
            self.notice = f"The saved views {where} {problem} and could not be renamed aside."
        else:
            self.notice = (
                f"The saved views {where} {problem}; kept it as {aside.name} and started anew."
            )
        return {}

    @staticmethod
    def _problem(data: bytes) -> str | None:
        """Why `data` is not a views file this version reads, or None when it is one."""
        if len(data) > _MAX_FILE_BYTES:
            return "are too large to be auditui's"
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return "are damaged (not JSON)"
        if not isinstance(doc, dict) or not isinstance(doc.get("version"), int):
            return "are damaged (not a views file)"
        if doc["version"] > _VERSION:
            return f"were written by a newer auditui (format {doc['version']})"
        try:
            msgspec.json.decode(data, type=_File)
        except msgspec.ValidationError:
            return "are damaged (unexpected content)"
        return None

    def _keep_aside(self) -> Path | None:
        for n in range(1, 1000):
            suffix = ".corrupt" if n == 1 else f".corrupt-{n}"
            target = self.path.with_name(self.path.name + suffix)
            if target.exists():
                continue
            try:
                self.path.rename(target)
            except OSError:
                return None
            return target
        return None

    def refresh(self) -> None:
        """Read the file again (another window may have saved or deleted views)."""
        with self._lock:
            self._saved = self._read()

    # -- what there is ---------------------------------------------------------------------

    def names(self) -> list[str]:
        """Every view name, sorted case-insensitively (config and saved once each)."""
        return sorted({*self.config_views, *self._saved}, key=lambda n: (n.casefold(), n))

    def views(self) -> list[SavedView]:
        return [self[name] for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self.config_views or name in self._saved

    def __getitem__(self, name: str) -> SavedView:
        view = self.config_views.get(name) or self._saved.get(name)
        if view is None:
            raise KeyError(name)
        return view

    def read_only(self, name: str) -> bool:
        """True for a view `config.toml` defines."""
        return name in self.config_views

    def has_saved(self, name: str) -> bool:
        """True when a view of this name is saved (even one a config view of the same name
        hides: renaming or deleting it acts on the saved one)."""
        return name in self._saved

    def hidden(self) -> list[str]:
        """The saved views a config view of the same name hides, sorted."""
        return sorted(name for name in self._saved if name in self.config_views)

    def get(self, name: str) -> SavedView:
        """The named view, or `ViewError` listing the known names."""
        if name in self:
            return self[name]
        known = ", ".join(self.names()) or "none yet: save one with ctrl+s in the browser"
        raise ViewError(f"Unknown view {name!r} (known: {known}).")

    # -- changes (each re-reads the file first and writes it atomically, 0600) -------------

    def _read_only_error(self, name: str, doing: str) -> ViewError:
        return ViewError(
            f"The view {name!r} is defined in {self.config_where} ([views.{name}]) and is "
            f"read-only here; edit that file to {doing} it."
        )

    def save(self, view: SavedView) -> None:
        """Save `view` (replacing a saved one of the same name: ask the user before).

        Raises `ViewError` (bad or read-only name) or `OSError` (the file not written).
        """
        check_name(view.name)
        if self.read_only(view.name):
            raise self._read_only_error(view.name, "change")
        if len(view.query) > MAX_QUERY_LENGTH:
            raise ViewError(
                f"The query is too long to keep in a view ({len(view.query):,} characters, "
                f"at most {MAX_QUERY_LENGTH:,}); shorten it first."
            )
        self._change(lambda views: views.__setitem__(view.name, view))

    def delete(self, name: str) -> None:
        """Forget the saved view `name` (one a config view hides included)."""
        if name not in self._saved:
            if self.read_only(name):
                raise self._read_only_error(name, "delete")
            self.get(name)  # raises, listing the known names
        self._change(lambda views: views.pop(name, None))

    def rename(self, old: str, new: str) -> SavedView:
        """Give the saved view `old` the name `new` (replacing a saved `new`: ask before)."""
        if old not in self._saved and self.read_only(old):
            raise self._read_only_error(old, "rename")
        check_name(new)
        if self.read_only(new):
            raise self._read_only_error(new, "replace")
        view = self._saved.get(old) or self.get(old)
        renamed = view.renamed(new)

        def change(views: dict[str, SavedView]) -> None:
            views.pop(old, None)
            views[new] = renamed

        self._change(change)
        return renamed

    def _change(self, change: Callable[[dict[str, SavedView]], object]) -> None:
        with self._lock:
            views = self._read()  # another window's views are kept (a damaged file: aside)
            change(views)
            if len(views) > MAX_VIEWS:
                raise ViewError(f"At most {MAX_VIEWS} views can be saved; delete some first.")
            ordered = [views[name] for name in sorted(views)]
            data = msgspec.json.encode(_File(version=_VERSION, views=ordered))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, data + b"\n", mode=0o600)
            self._saved = views


def _valid_saved(view: SavedView) -> bool:
    """A view read back from the file is usable (a name, a query of sane length)."""
    try:
        check_name(view.name)
    except ViewError:
        return False
    if len(view.query) > MAX_QUERY_LENGTH:
        return False
    if view.since is not None and not _is_duration(view.since):
        return False
    if (view.start is None) != (view.end is None):
        return False
    if view.start is not None and view.end is not None:
        try:
            start, end = datetime.fromisoformat(view.start), datetime.fromisoformat(view.end)
            return start.tzinfo is not None and end.tzinfo is not None and start < end
        except (ValueError, TypeError):
            return False
    return True
