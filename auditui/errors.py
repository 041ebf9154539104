"""Typed errors of auditui's core, each carrying one line for people.

Every error a user can cause or meet derives from `AudituiError`; its `str()` is a single
line saying what went wrong and what to do. The CLI prints that line (exit 1, or 2 for
usage errors) and the TUI shows it in a notification. None of them ever holds an API key.

Messages often quote what a server sent (a 422's details, a redirect's target), so the line
is made inert as it is built: whitespace collapses to single spaces and every other control,
bidi or invisible character becomes a visible escape (`textsafe.visible`), so printing an
error can never move the cursor, set the terminal's title or write to its clipboard.
"""

from __future__ import annotations

import errno
from collections.abc import Sequence

from auditui.textsafe import visible

KEYS_HELP = "API keys are created in the Datafold app under Settings > Account > Create API Key"


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) so a message is exactly one line, inert.

    Control, bidi and invisible characters that are not whitespace are shown as escapes.
    """
    return visible(" ".join(text.split()))


class AudituiError(Exception):
    """Base class: a problem with a one-line message for people."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))

    @property
    def message(self) -> str:
        return str(self)


class UsageError(AudituiError):
    """The command line, a WHEN value or another user input is wrong (exit code 2)."""

    exit_code = 2


class ConfigError(AudituiError):
    """config.toml is unreadable or holds a bad value (names the file and key)."""

    exit_code = 2


class CredentialError(AudituiError):
    """No API key could be found, stored or read."""


class ApiError(AudituiError):
    """Base class for everything that can go wrong talking to the audit-log API."""


class AuthError(ApiError):
    """401/403: the key was refused. Says where keys come from and which source was used."""

    def __init__(self, status: int, credential_source: str | None = None) -> None:
        self.status = status
        self.credential_source = credential_source
        source = f" (key from {credential_source})" if credential_source else ""
        if status == 403:
            text = (
                f"Access denied (HTTP 403){source}: the key is valid but may not read audit "
                f"logs; ask an admin for access or use another key. {KEYS_HELP}."
            )
        else:
            text = (
                f"Authentication failed (HTTP {status}){source}: the API key was refused. "
                f"{KEYS_HELP}; store a new one with `auditui login`."
            )
        super().__init__(text)


class ValidationError(ApiError):
    """422: the server rejected the request; each detail rendered as `loc: msg`."""

    def __init__(self, details: Sequence[str]) -> None:
        self.details = list(details)
        joined = "; ".join(self.details) if self.details else "no details given"
        super().__init__(f"The server rejected the request (HTTP 422): {joined}")


class RateLimitError(ApiError):
    """429 after every retry: too many requests."""

    def __init__(self, retry_after: float | None) -> None:
        self.retry_after = retry_after
        wait = f"; the server asked to wait {retry_after:g} s" if retry_after else ""
        super().__init__(
            f"Rate limited by the server (HTTP 429) after several retries{wait}. "
            "Try again later, or lower `concurrency` in config.toml."
        )


class ServerError(ApiError):
    """A 5xx (or other unexpected status) that retries did not cure."""

    def __init__(self, status: int, host: str, retry_after: float | None = None) -> None:
        self.status = status
        self.retry_after = retry_after  # seconds the server asked to wait (Retry-After)
        super().__init__(
            f"The server at {host} answered HTTP {status}. Try again later; if it persists, "
            "try a shorter range or smaller windows."
        )


class NetworkError(ApiError):
    """DNS, connect, TLS or read problems, naming the host."""

    def __init__(self, host: str, reason: str) -> None:
        self.host = host
        super().__init__(f"Could not reach {host}: {reason}")


class ResponseError(ApiError):
    """The response was not what the spec promises (not JSON, no `logs`, wrong types)."""


class InsecureHostError(ApiError):
    """An http:// host that is not loopback: the key would travel in clear."""

    exit_code = 2


def brief_reason(error: BaseException) -> str:
    """A few words naming why something failed, for a list of failures: "HTTP 500",
    "HTTP 429", "network error", "bad response" (the full line is `str(error)`); an error
    class may name its own (`brief`, e.g. "not archived")."""
    brief = getattr(error, "brief", None)
    if isinstance(brief, str):
        return brief
    status = getattr(error, "status", None)
    if isinstance(status, int):
        return f"HTTP {status}"
    if isinstance(error, RateLimitError):
        return "HTTP 429"
    if isinstance(error, NetworkError):
        return "network error"
    if isinstance(error, ResponseError):
        return "bad response"
    return "error"


class StorageError(AudituiError):
    """A file auditui reads or writes failed (disk full, read-only, permissions, not a file)."""


_OS_REASONS = {
    errno.ENOSPC: ("no space left on the device", "free some space or write elsewhere"),
    errno.EDQUOT: ("the disk quota is exceeded", "free some space or write elsewhere"),
    errno.EROFS: ("the file system is read-only", "write elsewhere"),
    errno.EACCES: ("permission denied", "check the permissions or write elsewhere"),
    errno.EPERM: ("operation not permitted", "check the permissions or write elsewhere"),
    errno.EFBIG: ("the file is too large for this file system", "write elsewhere"),
    errno.EIO: ("an input/output error from the device", "check the disk"),
    errno.EISDIR: ("a folder is in the way", "check the path"),
    errno.ENOTDIR: ("a part of the path is not a folder", "check the path"),
}


def storage_error(
    action: str, where: str, exc: OSError, *, advice: str | None = None
) -> StorageError:
    """The one line for an OSError while `action`ing `where` ("write", "/tmp/out.csv").

    Says what failed, why in words, and what to do (`advice`, else a default for the
    errno, which is kept for searching: `Errno 28`); never the traceback.
    """
    reason, default = _OS_REASONS.get(exc.errno or 0, ("", "check the path"))
    reason = reason or (exc.strerror or type(exc).__name__).lower()
    code = f" (Errno {exc.errno})" if exc.errno else ""
    return StorageError(f"Cannot {action} {where}: {reason}{code}; {advice or default}.")
