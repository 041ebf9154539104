"""`auditui cache info`, `auditui cache clear` and `auditui open FILE` (the CLI wires them).

Each takes the parsed arguments and returns the exit code; errors are `AudituiError`s
that the CLI prints as one line. Nothing here imports Textual until the browser opens.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from auditui.errors import UsageError
from auditui.paths import display_path
from auditui.sources.cache import (
    DEFAULT_MAX_BYTES,
    LIMIT_ENV,
    cache_limit,
    clear_cache,
    default_root,
)
from auditui.sources.cache import cache_info as _cache_info

if TYPE_CHECKING:
    from auditui.sources.files import ReadProgress


def human_bytes(count: int) -> str:
    """`1.5 GiB`, `12.0 MiB`, `300 KiB`, `12 bytes`."""
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def cache_info(args: argparse.Namespace) -> int:
    """Print where the cache is, its size against the cap, and per profile its ranges."""
    limit = cache_limit()
    scopes = _cache_info()
    total = sum(scope.size for scope in scopes)
    where = display_path(default_root())
    cap = human_bytes(limit) + ("" if limit == DEFAULT_MAX_BYTES else f" (from {LIMIT_ENV})")
    print(f"Cache: {where} · {human_bytes(total)} of {cap}")
    wanted = getattr(args, "profile", None)
    if not scopes:
        print("No cached windows.")
    for scope in scopes:
        if wanted and scope.profile != wanted:
            continue
        print(
            f"{scope.profile} · {scope.host} · {scope.windows:,} windows · "
            f"{scope.events:,} events · {human_bytes(scope.size)}"
        )
        for piece in scope.ranges:
            print(f"  {piece.label()}")
    return 0


def cache_clear(args: argparse.Namespace) -> int:
    """Delete the cached windows of `--profile` (every host), or of every profile."""
    profile = getattr(args, "profile", None) or None
    files, size = clear_cache(profile)
    whose = f" of profile '{profile}'" if profile else ""
    print(f"Removed {files:,} cached windows{whose} ({human_bytes(size)}).")
    return 0


class _ReadLine:
    """A self-rewriting progress line on stderr while a file is read."""

    def __call__(self, progress: ReadProgress) -> None:
        share = progress.bytes_read / progress.bytes_total if progress.bytes_total else 1.0
        sys.stderr.write(f"\r\x1b[Kreading · {progress.events:,} events · {share:.0%}")
        sys.stderr.flush()

    def done(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _require_readable(name: str) -> None:
    path = Path(name)
    if not path.exists():
        raise UsageError(f"Cannot open {name}: no such file.")
    if not path.is_file() or not os.access(path, os.R_OK):
        raise UsageError(f"Cannot open {name}: not a readable file.")


def open_file(args: argparse.Namespace) -> int:
    """Read FILE (NDJSON, JSON, an API body or auditui CSV, maybe gzipped), then browse it."""
    from auditui.sources.connection import profile_from_settings
    from auditui.sources.files import FileSource
    from auditui.tui.launch import check_terminal, run_app

    _require_readable(args.file)  # a wrong path is the likelier mistake: say that first
    check_terminal()  # before reading a big file for nothing
    _, profile = profile_from_settings(getattr(args, "profile", None))
    source = FileSource(args.file, profile)
    progress = _ReadLine() if sys.stderr.isatty() else None
    try:
        source.read(progress)
        time_range = source.span()
    finally:
        if progress:
            progress.done()
    if source.malformed:
        print(f"auditui: warning: {source.malformed:,} bad lines or items skipped", file=sys.stderr)
    return run_app(source, time_range)
