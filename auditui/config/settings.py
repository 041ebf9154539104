"""`config.toml`: profiles and their settings (the UI state lives in `config.state`).

The file is optional (missing means built-in defaults; reading it creates nothing). It lives
at `~/.config/auditui/config.toml` (platformdirs), or wherever `AUDITUI_CONFIG` points.

```toml
theme = "textual-dark"        # the TUI theme for every profile (optional)
timezone = "Europe/Berlin"    # an IANA zone `u` offers besides UTC and local (optional)

[defaults]                    # optional; profile keys that apply to every profile
range = "24h"

[profiles.default]            # the profile used when none is chosen
host = "https://app.datafold.com"
window = "1d"
concurrency = 4
read_timeout = 120
columns = ["time", "user", "action", "object", "status", "source", "ip"]

[profiles.eu]                 # `auditui --profile eu` (or AUDITUI_PROFILE=eu)
host = "https://eu.datafold.com"
theme = "gruvbox"

[keymap]                      # binding id = keys (comma-separated), for every profile
"table.sort_next" = "s,f6"

[queries]                     # saved filter queries: name = query
failures = "status:failed"

[views.failures]              # saved views (read-only here; `auditui --view failures`)
query = "status:failure"      # all keys optional: query, since or from/to, columns,
since = "7d"                  # sort (a column id) and descending (true/false)
sort = "user"
```

Top-level keys: `theme`, `timezone`, `keymap`, `defaults`, `profiles`, `queries`, `views` (see
`config.views`: a view's keys are checked there, each name as a view name).

Profile keys (in `[defaults]` or `[profiles.NAME]`):

| key | meaning | default |
|---|---|---|
| `host` | API host, a URL with scheme (`DATAFOLD_HOST` overrides) | `https://app.datafold.com` |
| `range` | default WHEN when neither --since nor --from is given | `"24h"` |
| `window` | span of one API request, a duration (`30m`, `6h`, `1d`) up to `366d` | `"1d"` |
| `concurrency` | requests in flight, an integer from 1 to 32 | `4` |
| `read_timeout` | seconds to wait for data (0 < s <= 3600); a response: 5 × this in all | `120` |
| `columns` | table columns, names from `KNOWN_COLUMNS` | `DEFAULT_COLUMNS` |
| `theme` | TUI theme name | none |
| `timezone` | IANA zone (`Europe/Berlin`) for times; `u`: UTC → local → it; unknown: error | none |
| `keymap` | table of binding id = keys, merged over the top-level `[keymap]` | `{}` |
| `cache` | keep fetched windows on disk | `true` |
| `export_mode` | exports: `"private"` (0600) or `"umask"` (0644 less the umask) | `"private"` |
| `review_gap` | support-access review: a gap this long or longer starts a new session | `"30m"` |
| `archive` | the local archive's folder (`auditui archive`), `~` expands | `…/archive/NAME` |
| `follow_interval` | seconds between polls when following (`F`, `fetch --follow`), 1–3600 | `15` |

A profile's value comes from, lowest first: the built-in default, the top-level `theme`,
`timezone` and `[keymap]`, `[defaults]`, `[profiles.NAME]`, and for `host` the
`DATAFOLD_HOST` variable.
The profile `default` always exists. Profile names use letters, digits, `.`, `_`, `-`.
Unknown keys are errors, to catch typos.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec

from auditui.config.views import SavedView, ViewBook, ViewError, view_from_table
from auditui.errors import ConfigError, UsageError
from auditui.paths import (
    CONFIG_ENV,
    PROFILE_NAME_HELP,
    config_file,
    display_path,
    is_valid_profile_name,
)
from auditui.timespec import parse_duration, parse_when
from auditui.timezones import resolve_zone

DEFAULT_PROFILE = "default"
PROFILE_ENV = "AUDITUI_PROFILE"
HOST_ENV = "DATAFOLD_HOST"
DEFAULT_HOST = "https://app.datafold.com"
MAX_WINDOW = timedelta(days=366)  # longer ones are no use and overflow the date arithmetic
EXPORT_MODES: tuple[str, ...] = ("private", "umask")  # as `export.formats.EXPORT_MODES`

KNOWN_COLUMNS: tuple[str, ...] = (
    "time",
    "user",
    "action",
    "object",
    "status",
    "source",
    "ip",
    "uuid",
    "request_type",
    "url",
    "user_agent",
    "referer",
    "support",
    "ago",
)
DEFAULT_COLUMNS: tuple[str, ...] = ("time", "user", "action", "object", "status", "source", "ip")

TOP_LEVEL_KEYS: tuple[str, ...] = (
    "theme",
    "keymap",
    "defaults",
    "profiles",
    "queries",
    "views",
    "timezone",
)
PROFILE_KEYS: tuple[str, ...] = (
    "host",
    "range",
    "window",
    "concurrency",
    "read_timeout",
    "columns",
    "theme",
    "timezone",
    "keymap",
    "cache",
    "export_mode",
    "review_gap",
    "archive",
    "follow_interval",
)


class Profile(msgspec.Struct, frozen=True):
    """Everything one profile says about where and how to fetch, and how to show it.

    A msgspec Struct, not a dataclass: Python compiles a dataclass's methods at import,
    ~1 ms on the way to the first screen. Equal and hashed by every field but the keymap.
    """

    name: str
    host: str = DEFAULT_HOST
    default_range: str = "24h"
    window: timedelta = timedelta(days=1)
    concurrency: int = 4
    read_timeout: float = 120.0
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    theme: str | None = None
    timezone: str | None = None  # an IANA zone name, checked with timezones.resolve_zone
    keymap: dict[str, str] = msgspec.field(default_factory=dict)
    cache: bool = True
    export_mode: str = "private"  # "private" (0600) or "umask" (export.formats.EXPORT_MODES)
    review_gap: timedelta = timedelta(minutes=30)  # support sessions (auditui.review)
    archive: str | None = None  # the archive folder (auditui.archive.archive_root), as written
    follow_interval: float = 15.0  # seconds between polls when following (auditui.follow)
    host_source: str = "built-in default"

    def __hash__(self) -> int:  # as the dataclass was: the keymap (a dict) is not hashed
        return hash(tuple(getattr(self, name) for name in _HASHED_PROFILE_FIELDS))


_HASHED_PROFILE_FIELDS = tuple(name for name in Profile.__struct_fields__ if name != "keymap")


class _Bad(Exception):
    """A value failed validation: `expected` says what was wanted."""

    def __init__(self, expected: str, got: object, key: str | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.got = got
        self.key = key  # a sub-key (list index, table key) below the one being checked


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _host(value: object) -> str:
    expected = "a URL with scheme, like 'https://app.datafold.com'"
    if not isinstance(value, str):
        raise _Bad(expected, value)
    host = value.strip().rstrip("/")
    parts = urlsplit(host)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in host:
        raise _Bad(expected, value)
    return host


def _range(value: object) -> str:
    expected = "a WHEN such as '24h', '7d', 'today' or '2026-11-02'"
    if not isinstance(value, str):
        raise _Bad(expected, value)
    try:
        parse_when(value)
    except UsageError:
        raise _Bad(expected, value) from None
    return value.strip()


def _review_gap(value: object) -> timedelta:
    duration = parse_duration(value) if isinstance(value, str) else None
    if duration is None or duration <= timedelta(0):
        raise _Bad("a positive duration such as '30m', '2h' or '90s'", value)
    return duration


def _window(value: object) -> timedelta:
    expected = "a duration such as '30m', '6h' or '1d', at most '366d'"
    duration = parse_duration(value) if isinstance(value, str) else None
    if duration is None or not timedelta(0) < duration <= MAX_WINDOW:
        raise _Bad(expected, value)
    return duration


def _archive(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise _Bad("a folder path such as '~/audit-archive'", value)
    return value.strip()


def _export_mode(value: object) -> str:
    if value not in EXPORT_MODES:
        raise _Bad('"private" (files 0600) or "umask" (0644 less the umask)', value)
    return str(value)


def _concurrency(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 32:
        raise _Bad("an integer from 1 to 32", value)
    return value


def _read_timeout(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 3600:
        raise _Bad("a number of seconds greater than 0 and at most 3600", value)
    return float(value)


def _follow_interval(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 3600:
        raise _Bad("a number of seconds from 1 to 3600", value)
    return float(value)


def _columns(value: object) -> tuple[str, ...]:
    expected = "a non-empty list of distinct column names from: " + ", ".join(KNOWN_COLUMNS)
    if not isinstance(value, list) or not value:
        raise _Bad(expected, value)
    for index, name in enumerate(value):
        if name not in KNOWN_COLUMNS:
            raise _Bad(f"a column name from: {', '.join(KNOWN_COLUMNS)}", name, f"[{index}]")
    if len(set(value)) != len(value):
        raise _Bad(expected + " (each once)", value)
    return tuple(value)


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _Bad("true or false", value)
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("a non-empty string", value)
    return value.strip()


def _string_table(value: object, what: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Bad(f"a table of name = {what}", value)
    table: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(item, str) or not item.strip():
            raise _Bad(f"{what} as a non-empty string", item, str(key))
        table[str(key)] = item.strip()
    return table


def _timezone(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad('an IANA time zone name such as "Europe/Berlin"', value)
    try:
        resolve_zone(value)
    except UsageError:
        raise _Bad('a known IANA time zone name such as "Europe/Berlin"', value) from None
    return value.strip()


def _keymap(value: object) -> dict[str, str]:
    return _string_table(value, 'keys (e.g. "s,f6")')


_PROFILE_VALIDATORS: dict[str, Callable[[object], object]] = {
    "host": _host,
    "range": _range,
    "window": _window,
    "concurrency": _concurrency,
    "read_timeout": _read_timeout,
    "columns": _columns,
    "theme": _name,
    "timezone": _timezone,
    "keymap": _keymap,
    "cache": _bool,
    "export_mode": _export_mode,
    "review_gap": _review_gap,
    "archive": _archive,
    "follow_interval": _follow_interval,
}


class Settings(msgspec.Struct, frozen=True):
    """A parsed, fully validated config file (or the defaults when there is none)."""

    path: Path
    exists: bool = False
    theme: str | None = None
    timezone: str | None = None
    keymap: dict[str, str] = msgspec.field(default_factory=dict)
    saved_queries: dict[str, str] = msgspec.field(default_factory=dict)
    defaults: dict[str, Any] = msgspec.field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    views: dict[str, SavedView] = msgspec.field(default_factory=dict)

    def __hash__(self) -> int:  # as the dataclass was: the dicts are not hashed
        return hash((self.path, self.exists, self.theme, self.timezone))

    def __repr__(self) -> str:  # as the dataclass was: the file's tables are not shown
        return (
            f"Settings(path={self.path!r}, exists={self.exists!r}, theme={self.theme!r}, "
            f"timezone={self.timezone!r}, keymap={self.keymap!r}, "
            f"saved_queries={self.saved_queries!r})"
        )

    def view_book(self, profile: str) -> ViewBook:
        """`profile`'s saved views with this file's `[views]` (read-only); `ConfigError` for
        an unknown profile."""
        self.profile(profile, env={})  # raises for an unknown profile
        return ViewBook(profile, self.views, config_where=display_path(self.path))

    def profile_names(self) -> list[str]:
        """`default` first, then the file's other profiles in sorted order."""
        return [DEFAULT_PROFILE, *sorted(set(self.profiles) - {DEFAULT_PROFILE})]

    def profile(self, name: str = DEFAULT_PROFILE, env: Mapping[str, str] = os.environ) -> Profile:
        """The named profile with defaults applied; `DATAFOLD_HOST` in `env` overrides host."""
        if name != DEFAULT_PROFILE and name not in self.profiles:
            known = ", ".join(self.profile_names())
            where = display_path(self.path)
            raise ConfigError(
                f"Unknown profile {name!r} (known: {known}); add [profiles.{name}] to {where}."
            )
        own = self.profiles.get(name, {})
        values: dict[str, Any] = {**self.defaults, **own}
        keymap = {**self.keymap, **self.defaults.get("keymap", {}), **own.get("keymap", {})}
        host_source = "built-in default"
        if "host" in own:
            host_source = f"{display_path(self.path)} [profiles.{name}]"
        elif "host" in self.defaults:
            host_source = f"{display_path(self.path)} [defaults]"
        env_host = env.get(HOST_ENV, "").strip()
        if env_host:
            try:
                values["host"] = _host(env_host)
            except _Bad as bad:
                raise ConfigError(
                    f"Environment variable {HOST_ENV}: expected {bad.expected}, "
                    f"got {_shown(env_host)}."
                ) from None
            host_source = f"environment variable {HOST_ENV}"
        return Profile(
            name=name,
            host=values.get("host", DEFAULT_HOST),
            default_range=values.get("range", "24h"),
            window=values.get("window", timedelta(days=1)),
            concurrency=values.get("concurrency", 4),
            read_timeout=values.get("read_timeout", 120.0),
            columns=values.get("columns", DEFAULT_COLUMNS),
            theme=values.get("theme", self.theme),
            timezone=values.get("timezone", self.timezone),
            keymap=keymap,
            cache=values.get("cache", True),
            export_mode=values.get("export_mode", "private"),
            review_gap=values.get("review_gap", timedelta(minutes=30)),
            archive=values.get("archive"),
            follow_interval=values.get("follow_interval", 15.0),
            host_source=host_source,
        )


def default_profile_name(env: Mapping[str, str] = os.environ) -> str:
    """The profile to use when `--profile` is not given: `AUDITUI_PROFILE`, else `default`."""
    return env.get(PROFILE_ENV, "").strip() or DEFAULT_PROFILE


class _Reader:
    """Validates one parsed document, naming the file and key path in every error."""

    def __init__(self, path: Path) -> None:
        self.where = display_path(path)

    def error(self, key: str, bad: _Bad) -> ConfigError:
        full = key
        if bad.key:
            full += bad.key if bad.key.startswith("[") else f".{bad.key}"
        return ConfigError(
            f"In {self.where}, {full}: expected {bad.expected}, got {_shown(bad.got)}."
        )

    def check_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key not in allowed:
                raise ConfigError(
                    f"In {self.where}, unknown key {prefix}{key!r}; "
                    f"allowed here: {', '.join(allowed)}."
                )

    def table(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, _Bad("a table", value))
        return value

    def profile_table(self, value: object, key: str) -> dict[str, Any]:
        table = self.table(value, key)
        self.check_keys(table, PROFILE_KEYS, f"{key}.")
        validated: dict[str, Any] = {}
        for name, item in table.items():
            try:
                validated[name] = _PROFILE_VALIDATORS[name](item)
            except _Bad as bad:
                raise self.error(f"{key}.{name}", bad) from None
        return validated

    def view(self, name: str, table: dict[str, Any]) -> SavedView:
        try:
            return view_from_table(name, table, KNOWN_COLUMNS)
        except ViewError as exc:
            raise ConfigError(f"In {self.where}, views.{name!r}: {exc}") from None
        except ValueError as exc:
            key, expected, got = exc.args
            raise self.error(f"views.{name}.{key}", _Bad(expected, got)) from None

    def settings(self, path: Path, doc: dict[str, Any]) -> Settings:
        self.check_keys(doc, TOP_LEVEL_KEYS, "")
        values: dict[str, Any] = {}
        for key, check in (("theme", _name), ("timezone", _timezone), ("keymap", _keymap)):
            if key in doc:
                try:
                    values[key] = check(doc[key])
                except _Bad as bad:
                    raise self.error(key, bad) from None
        queries: dict[str, str] = {}
        if "queries" in doc:
            try:
                queries = _string_table(doc["queries"], "query")
            except _Bad as bad:
                raise self.error("queries", bad) from None
        defaults = self.profile_table(doc.get("defaults", {}), "defaults")
        profiles: dict[str, dict[str, Any]] = {}
        for name, table in self.table(doc.get("profiles", {}), "profiles").items():
            if not is_valid_profile_name(name):
                raise ConfigError(
                    f"In {self.where}, profiles.{name!r}: a profile name uses {PROFILE_NAME_HELP}."
                )
            profiles[name] = self.profile_table(table, f"profiles.{name}")
        views: dict[str, SavedView] = {}
        for name, table in self.table(doc.get("views", {}), "views").items():
            views[name] = self.view(name, self.table(table, f"views.{name}"))
        return Settings(
            path=path,
            exists=True,
            theme=values.get("theme"),
            timezone=values.get("timezone"),
            keymap=values.get("keymap", {}),
            saved_queries=queries,
            defaults=defaults,
            profiles=profiles,
            views=views,
        )


def load_settings(path: Path | None = None, env: Mapping[str, str] = os.environ) -> Settings:
    """Read and validate the config file; defaults when the usual file does not exist.

    `path=None` means `AUDITUI_CONFIG` or the platform location. A file named explicitly
    (argument or `AUDITUI_CONFIG`) must exist. Creates nothing. Raises `ConfigError`.
    """
    explicit = path is not None or bool(env.get(CONFIG_ENV, "").strip())
    path = path if path is not None else config_file(env)
    where = display_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"The config file {where} does not exist.") from None
        return Settings(path=path)
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {where}: {exc.strerror or exc}.") from None
    import tomllib  # here: only a start-up with a config file pays its import (~2.5 ms)

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"The config file {where} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {where} is not valid TOML: {exc}.") from None
    return _Reader(path).settings(path, doc)


def profile_from_settings(
    profile_name: str | None, env: Mapping[str, str] = os.environ
) -> tuple[Settings, Profile]:
    """The settings and the profile asked for (`--profile`, else `default_profile_name`)."""
    settings = load_settings()
    return settings, settings.profile(profile_name or default_profile_name(env), env)
