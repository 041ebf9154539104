"""Writing a profile's host into `config.toml` at `auditui login`, editing as little as possible.

`auditui login --profile NEW [--host URL]` creates `[profiles.NEW]` with its host, and
`--host` on an existing profile saves the new host. The file is usually written by hand,
so it is never re-serialized: a new profile is a table appended at the end, a new host one
line inserted (or replaced) in the profile's own table, and every comment and blank line
stays. The result is parsed again and must equal the old document plus exactly that one
change; when it does not (an inline `profiles = {…}` table, dotted keys, anything unusual),
nothing is written and the error says what to add by hand.

The read, edit and write happen under an advisory lock on the config folder (POSIX `flock`,
so two logins cannot lose each other's edit) and the file is replaced atomically
(`paths.write_atomic`), through a symlink to its target, keeping its mode (0600 when new).
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from auditui.config.settings import Profile, Settings
from auditui.errors import ConfigError, UsageError
from auditui.paths import PROFILE_NAME_HELP, display_path, is_valid_profile_name, write_atomic

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class ProfileEdit:
    """A change to make to the config file: `[profiles.NAME]` gets `host`."""

    path: Path
    profile: str
    host: str

    def describe(self, created: bool) -> str:
        what = "Added" if created else "Saved"
        table = f"[profiles.{self.profile}]"
        where = display_path(self.path)
        if created:
            return f'{what} {table} with host = "{self.host}" to {where}.'
        return f'{what} host = "{self.host}" under {table} in {where}.'


def login_profile(
    settings: Settings, name: str, env: Mapping[str, str] = os.environ
) -> tuple[Profile, bool]:
    """The profile `auditui login` works on, and whether config.toml lacks it (a new one).

    A name the file does not know gets the defaults (`[defaults]`, built-ins), as the
    profile it will become once login adds it.
    """
    if not is_valid_profile_name(name):
        raise UsageError(f"Invalid profile name {name!r}: use {PROFILE_NAME_HELP}.")
    known = name == "default" or name in settings.profiles
    if known:
        return settings.profile(name, env), False
    widened = msgspec.structs.replace(settings, profiles={**settings.profiles, name: {}})
    return widened.profile(name, env), True


def plan_host(settings: Settings, name: str, host: str, *, asked: bool) -> ProfileEdit | None:
    """The edit login must make so that the profile `name` uses `host`, or None.

    A profile missing from the file is always written (with its host); an existing one
    only when `--host` was given (`asked`) and differs from what the file gives it.
    """
    own = settings.profiles.get(name)
    if own is None and name == "default" and not asked:
        return None  # the default profile exists without a table
    if own is not None:
        if not asked:
            return None
        if settings.profile(name, env={}).host == host:
            return None
    edit = ProfileEdit(settings.path, name, host)
    _edited(_read_text(_target(edit.path)), edit)  # fail now, before the key is asked for
    return edit


def apply(edit: ProfileEdit) -> bool:
    """Write the edit (re-read under the lock); returns True when the profile's table was new."""
    path = _target(edit.path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with _locked(path.parent):
        text = _read_text(path)
        new_text, created = _edited(text, edit)
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            mode = 0o600
        try:
            write_atomic(path, new_text.encode("utf-8"), mode=mode)
        except OSError as exc:
            raise ConfigError(
                f"Could not write {display_path(path)}: {exc.strerror or exc}; add "
                f'[profiles.{edit.profile}] with host = "{edit.host}" to it by hand.'
            ) from None
    return created


def _target(path: Path) -> Path:
    """The file to replace: a symlinked config (dotfiles) is edited where it really lives."""
    return path.resolve() if path.is_symlink() else path


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        raise ConfigError(f"The config file {display_path(path)} is not UTF-8 text.") from None
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the config file {display_path(path)}: {exc.strerror or exc}."
        ) from None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An advisory exclusive lock on the folder (POSIX flock); nothing where there is none."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the atomic write still keeps the file whole
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _toml_key(name: str) -> str:
    return name if _BARE_KEY.match(name) else f'"{name}"'


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _parse(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"The config file {display_path(path)} is not valid TOML: {exc}."
        ) from None


def _edited(text: str, edit: ProfileEdit) -> tuple[str, bool]:
    """The file's new text and whether the profile's table is new; `ConfigError` when the
    change cannot be made by adding or replacing one line or table."""
    before = _parse(text, edit.path)
    profiles = before.get("profiles", {})
    created = not (isinstance(profiles, dict) and edit.profile in profiles)
    host_line = f"host = {_toml_string(edit.host)}"
    new_text: str | None
    if created:
        new_text = _append_table(text, f"[profiles.{_toml_key(edit.profile)}]\n{host_line}\n")
    else:
        new_text = _set_in_table(text, edit.profile, host_line)
    expected = _with_host(before, edit.profile, edit.host)
    try:
        after = tomllib.loads(new_text) if new_text is not None else None
    except tomllib.TOMLDecodeError:
        after = None
    if new_text is None or after != expected:
        raise ConfigError(
            f"Could not add the profile's host to {display_path(edit.path)} without "
            f"rewriting it; add [profiles.{edit.profile}] with {host_line} there by hand, "
            "then log in again."
        )
    return new_text, created


def _with_host(doc: dict[str, Any], profile: str, host: str) -> dict[str, Any]:
    profiles = dict(doc.get("profiles", {}))
    profiles[profile] = {**profiles.get(profile, {}), "host": host}
    return {**doc, "profiles": profiles}


def _append_table(text: str, table: str) -> str:
    if not text.strip():
        return table
    return text.rstrip("\n") + "\n\n" + table


def _header(profile: str) -> re.Pattern[str]:
    quoted = re.escape(profile)
    names = (
        rf"(?:{quoted}|\"{quoted}\"|'{quoted}')"
        if _BARE_KEY.match(profile)
        else (rf"(?:\"{quoted}\"|'{quoted}')")
    )
    return re.compile(rf"^[ \t]*\[[ \t]*profiles[ \t]*\.[ \t]*{names}[ \t]*\][ \t]*(?:#.*)?$", re.M)


def _set_in_table(text: str, profile: str, host_line: str) -> str | None:
    """The text with `host_line` replacing the table's `host = …` line (or added after its
    header), or None when the table is not one `[profiles.NAME]` header in the file."""
    headers = list(_header(profile).finditer(text))
    if len(headers) != 1:
        return None
    start = headers[0].end()
    following = re.compile(r"^[ \t]*\[", re.M).search(text, start)
    end = following.start() if following else len(text)
    body = text[start:end]
    host = re.compile(r"^([ \t]*)host[ \t]*=[^\n]*$", re.M)
    found = list(host.finditer(body))
    if len(found) > 1:
        return None
    if found:
        line = found[0]
        body = body[: line.start()] + line.group(1) + host_line + body[line.end() :]
    else:
        body = "\n" + host_line + body if body.startswith("\n") else f"\n{host_line}\n" + body
    return text[:start] + body + text[end:]
