"""`auditui cache info` and `auditui cache clear`: the local cache of past windows.

The cache is kept per profile, host and API key; `info` tells keys apart by a short tag of
their keyed hash (`key #1a2b3c4d`: never the key, and useless without this install's secret).

Each takes the parsed arguments and returns the exit code; errors are `AudituiError`s that
the CLI prints as one line. Sizes are shown with `units.human_bytes`.
"""

from __future__ import annotations

import argparse

from auditui.errors import storage_error
from auditui.paths import display_path
from auditui.sources.cache import (
    DEFAULT_MAX_BYTES,
    LIMIT_ENV,
    cache_limit,
    clear_cache,
    default_root,
)
from auditui.sources.cache import cache_info as _cache_info
from auditui.units import human_bytes


def cache_info(args: argparse.Namespace) -> int:
    """Print where the cache is, its size against the cap, and per profile and key its ranges."""
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
        tag = scope.identity[:8] or "none"
        print(
            f"{scope.profile} · {scope.host} · {scope.windows:,} windows · "
            f"{scope.events:,} events · {human_bytes(scope.size)} · key #{tag}"
        )
        for piece in scope.ranges:
            print(f"  {piece.label()}")
    return 0


def cache_clear(args: argparse.Namespace) -> int:
    """Delete the cached windows of `--profile` (every host), or of every profile."""
    profile = getattr(args, "profile", None) or None
    try:
        files, size = clear_cache(profile)
    except OSError as exc:
        where = display_path(default_root())
        advice = "make it writable, or delete the folder by hand"
        raise storage_error("clear the cache in", where, exc, advice=advice) from None
    whose = f" of profile '{profile}'" if profile else ""
    print(f"Removed {files:,} cached windows{whose} ({human_bytes(size)}).")
    return 0
