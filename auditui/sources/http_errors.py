"""What a failed request means: HTTP failures read into one-line reasons.

The API client (`sources.api`) raises `auditui.errors` types; this module reads what they
say from the failure: a 422 body's details, `Retry-After`, a redirect's target (the key is
never sent there), and an httpx transport error's cause (timeout, refused, unresolved,
TLS, reset) with whether waiting could heal it. httpx is imported only to read a failure
that already happened.
"""

from __future__ import annotations

import errno
import json
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from auditui.sources.body import RawResponse, read_some
from auditui.timespec import utcnow

if TYPE_CHECKING:
    import httpx

__all__ = [
    "read_error_body",
    "redirect_message",
    "retry_after_seconds",
    "transport_reason",
    "validation_details",
]

ERROR_BODY_LIMIT = 64 * 1024
DETAIL_LIMIT = 10
DETAIL_CHARS = 200


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse `Retry-After` (delta-seconds or an HTTP-date) into seconds; None if unusable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - (now or utcnow())).total_seconds()
    if seconds != seconds or seconds == float("inf"):  # NaN or infinite
        return None
    return max(0.0, seconds)


def validation_details(body: bytes) -> list[str]:
    """Render a 422 body's `detail` as `loc: msg` lines, whatever shape it has."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        text = " ".join(body[:DETAIL_CHARS].decode("utf-8", "replace").split())
        return [text] if text else []
    detail = data.get("detail") if isinstance(data, dict) else data
    items = detail if isinstance(detail, list) else [] if detail is None else [detail]
    lines: list[str] = []
    for item in items[:DETAIL_LIMIT]:
        if isinstance(item, dict):
            loc, msg = item.get("loc"), item.get("msg")
            if isinstance(loc, list | tuple):
                where = ".".join(map(str, loc))
            else:
                where = "" if loc is None else str(loc)
            what = str(msg) if msg is not None else json.dumps(item, default=str)
            line = f"{where}: {what}" if where else what
        else:
            line = str(item)
        lines.append(" ".join(line.split())[:DETAIL_CHARS])
    if len(items) > DETAIL_LIMIT:
        lines.append(f"… and {len(items) - DETAIL_LIMIT} more")
    return lines


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, its causes/contexts and the members of any exception group among them."""
    stack, seen = [exc], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(reversed(current.exceptions))
        linked = current.__cause__ or current.__context__
        if linked is not None:
            stack.append(linked)


def transport_reason(
    exc: httpx.HTTPError, connect_timeout: float, read_timeout: float
) -> tuple[str, bool]:
    import httpx

    if isinstance(exc, httpx.ConnectTimeout):
        return f"timed out after {connect_timeout:g} s while connecting", True
    if isinstance(exc, httpx.ReadTimeout):
        return (
            f"timed out after {read_timeout:g} s waiting for data; "
            "try a shorter range or smaller windows"
        ), False
    if isinstance(exc, httpx.WriteTimeout):
        return "timed out while sending the request", False
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a free connection", False
    if isinstance(exc, httpx.ConnectError):
        return _connect_reason(exc)
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was closed before the response was complete", False
    if isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        if any(isinstance(c, ConnectionResetError) for c in _causes(exc)):
            return "the connection was reset by the server or a proxy", False
        return "the connection failed before the response was complete", False
    return f"the request failed ({type(exc).__name__})", False


def _connect_reason(exc: httpx.ConnectError) -> tuple[str, bool]:
    causes = list(_causes(exc))
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or cause.reason or "untrusted certificate"
            return (
                f"TLS certificate verification failed: {detail} "
                "(set SSL_CERT_FILE to trust a private CA)"
            ), False
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            return f"the TLS handshake failed: {cause.reason or 'protocol error'}", False
        if isinstance(cause, socket.gaierror):
            # EAI_AGAIN is a temporary resolver failure; anything else will not heal by waiting.
            return "name not resolved", cause.errno == socket.EAI_AGAIN
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused", True
    for cause in causes:
        if isinstance(cause, OSError) and cause.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "network unreachable", True
    return "could not connect", True


async def read_error_body(response: RawResponse) -> bytes:
    """Up to 64 KiB of an error body (enough for a 422's details), decompressed in steps."""
    encoding = response.headers.get("Content-Encoding") or ""
    return await read_some(response.aiter_raw(), encoding, ERROR_BODY_LIMIT)


def redirect_message(status: int, location: str | None) -> str:
    target = urlsplit(location or "")
    if target.hostname:
        where = f"to {target.scheme + '://' if target.scheme else ''}{target.hostname}"
    else:
        where = "to another path on the same server" if location else "without a Location"
    return (
        f"The server redirected the request {where} (HTTP {status}); the key was not sent "
        "there. Fix the configured host to the API's real address."
    )
