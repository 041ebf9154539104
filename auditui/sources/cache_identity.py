"""Whose cache this is: the identity (a keyed hash of host + API key) that scopes the cache.

Cached windows belong to the key that fetched them: another key (a revoked one, or another
organisation's on the same host) must never read them. `key_identity` names a key without
keeping it: BLAKE2b in keyed mode (a MAC) over the host and the key, keyed with a random
32-byte secret made once per install and kept apart from the cache, in the state folder
(`paths.state_dir()/cache-secret`, 0600, folder 0700).

Why a per-install secret rather than a plain hash or a slow KDF with a fixed salt: a plain
hash of the key lets anyone holding a copy of the cache test guessed keys offline, as fast
as they can hash; a slow KDF (scrypt, PBKDF2) with a salt every install shares costs every
start up to a second and still lets a stolen cache be attacked with one precomputation for
all users. A MAC keyed with a secret that is not in the cache folder costs microseconds and
makes a copied cache folder useless for testing keys: without the secret, its folder names
say nothing. Losing the secret (a new state folder) only makes the old windows unreachable:
they are fetched again and the old ones age out of the cache by LRU.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from auditui.paths import state_dir, temp_name

SECRET_NAME = "cache-secret"
SECRET_SIZE = 32
IDENTITY_CHARS = 32  # hex digits of the identity (128 bits)


def secret_file() -> Path:
    """Where the per-install secret lives (never inside the cache folder)."""
    return state_dir() / SECRET_NAME


def _read_secret(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return data if len(data) == SECRET_SIZE else None


def install_secret(path: Path | None = None) -> bytes:
    """The per-install secret, made (0600, in one link) the first time it is needed.

    Two processes starting together agree on one secret: each writes its own temp file and
    links it into place, which fails for the second; that one reads the first's. A damaged
    secret (wrong length) is replaced. Raises `OSError` if the state folder is unwritable.
    """
    path = path if path is not None else secret_file()
    found = _read_secret(path)
    if found is not None:
        return found
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    import secrets  # here: not needed by a start that finds the secret, or without cache

    secret = secrets.token_bytes(SECRET_SIZE)
    temp = path.with_name(temp_name(path.name))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(secret)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            found = _read_secret(path)
            if found is not None:
                return found  # another process was first
            os.replace(temp, path)  # a damaged secret: ours replaces it
        return secret
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def key_identity(host: str, api_key: str, secret: bytes | None = None) -> str:
    """The cache identity of `api_key` on `host`: hex, never the key, useless without the
    per-install secret. Raises `OSError` when the secret cannot be read or made."""
    mac = hashlib.blake2b(
        key=secret if secret is not None else install_secret(),
        digest_size=IDENTITY_CHARS // 2,
        person=b"auditui-cache",
    )
    mac.update(host.encode())
    mac.update(b"\0")
    mac.update(api_key.encode())
    return mac.hexdigest()
