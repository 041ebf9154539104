"""Where auditui keeps its files, and the one way it writes them safely.

Locations come from platformdirs (XDG on Linux, ~/Library on macOS, %APPDATA% on Windows).
Computing a path creates nothing; only `atomic_writer` (streaming) and `write_atomic` (bytes)
write, and only when called. `AUDITUI_CONFIG` may name another config file. A process killed
mid-write (kill -9, power loss) leaves its temp file (`.NAME.XXXXXXXXXXXX.tmp`) behind;
`sweep_stale_temps` removes such files of our own naming once they are over an hour old.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import platformdirs

from auditui.errors import UsageError

APP_NAME = "auditui"
CONFIG_ENV = "AUDITUI_CONFIG"
CONFIG_FILE_NAME = "config.toml"
UI_STATE_FILE_NAME = "ui-state.json"

# The temp files of `atomic_writer`: `.NAME.` then 12 hex digits then `.tmp`.
TEMP_NAME_RE = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{12}\.tmp$")
STALE_AFTER = 3600.0  # seconds: no write of ours takes an hour between create and rename

# A profile name doubles as a keyring user name and a file name: keep it boring.
PROFILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
PROFILE_NAME_HELP = "letters, digits, '.', '_' or '-', starting with a letter or digit"


def config_dir() -> Path:
    """The per-user config folder, e.g. `~/.config/auditui`."""
    return Path(platformdirs.user_config_dir(APP_NAME))


def config_file(env: Mapping[str, str] = os.environ) -> Path:
    """`config.toml` in the config folder, unless `AUDITUI_CONFIG` names another file."""
    override = env.get(CONFIG_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return config_dir() / CONFIG_FILE_NAME


def cache_dir() -> Path:
    """The per-user cache folder, e.g. `~/.cache/auditui`."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


def state_dir() -> Path:
    """The per-user state folder, e.g. `~/.local/state/auditui`."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def ui_state_file() -> Path:
    """The small JSON file where the TUI remembers choices such as the theme."""
    return state_dir() / UI_STATE_FILE_NAME


def credentials_dir() -> Path:
    """The folder (mode 0700 once created) for opted-in 0600 API-key files."""
    return config_dir() / "credentials"


def is_valid_profile_name(name: str) -> bool:
    return bool(PROFILE_NAME_RE.match(name))


def credentials_file(profile: str) -> Path:
    """The 0600 key file of one profile. Raises `UsageError` for an unsafe profile name."""
    if not is_valid_profile_name(profile):
        raise UsageError(f"Invalid profile name {profile!r}: use {PROFILE_NAME_HELP}.")
    return credentials_dir() / profile


def display_path(path: Path) -> str:
    """The path as people like to read it: the home folder shortened to `~`."""
    home = Path.home()
    try:
        relative = path.relative_to(home)
    except ValueError:
        return str(path)
    return str(Path("~") / relative)


@contextlib.contextmanager
def atomic_writer(path: Path, *, mode: int = 0o600, fsync: bool = True) -> Iterator[BinaryIO]:
    """A binary file that replaces `path` only if the block completes without an exception.

    The one atomic writer (credentials, history, UI state, cache, exports): a fresh temp
    file beside `path` (`.NAME.XXXX.tmp`, O_EXCL, never through a symlink) created with
    `mode` exactly (the umask cannot loosen or tighten it), so the content is never visible
    with looser permissions; then fsync (unless `fsync=False`, for files a checksum guards)
    and a rename, so readers see either the old file or the new one. On failure the temp
    file is removed and `path` is left as it was. The parent folder must exist.
    """
    temp = path.with_name(temp_name(path.name))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        # Inside the `try`: a signal handled just after the file is created (SIGTERM raises
        # in the CLI) still removes it.
        fd = os.open(temp, flags, mode)
        with os.fdopen(fd, "wb") as out:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)  # the umask may have removed bits we want
            yield out
            out.flush()
            if fsync:
                os.fsync(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # never there, or a read-only folder
            temp.unlink()
        raise


def temp_name(name: str) -> str:
    """A fresh name for the temp file of `name` (what `TEMP_NAME_RE` matches)."""
    import secrets  # here: ~4 ms (hmac, hashlib) a start-up that writes nothing never pays

    return f".{name}.{secrets.token_hex(6)}.tmp"


def sweep_stale_temps(folder: Path, *, target: str | None = None, now: float | None = None) -> int:
    """Remove our temp files in `folder` last modified over `STALE_AFTER` seconds ago.

    Only names `temp_name` makes are touched (only those of `target` when given, e.g. the
    output of `fetch -o`); a folder among them (the cache's scope in the making) goes whole.
    Fresh ones may belong to a write in progress and stay. Errors are ignored: a sweep is
    tidying, never a reason to fail. Returns how many were removed.
    """
    limit = (time.time() if now is None else now) - STALE_AFTER
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = TEMP_NAME_RE.match(entry.name)
        if match is None or (target is not None and match.group("name") != target):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_mtime >= limit:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed += 1
        except OSError:
            continue
    return removed


def fsync_path(path: os.PathLike[str] | str, *, folder: bool = False) -> None:
    """Flush a file, or a folder's entries (a rename survives a power cut), to the disk."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if folder else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600, fsync: bool = True) -> None:
    """Write `data` to `path` atomically with `mode` (`atomic_writer`, in one call)."""
    with atomic_writer(path, mode=mode, fsync=fsync) as out:
        out.write(data)


def umask() -> int:
    """The process umask, read without changing it where the OS allows (thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: the classic read-and-restore (briefly racy)
    os.umask(mask)
    return mask


def shared_file_mode() -> int:
    """The mode of a file the user chose to share (an export with `--shared-output`): 0644
    less the umask."""
    return 0o644 & ~umask()
