"""The audit-log API client: one window per request, retries, and typed errors.

`AuditClient` owns everything about talking HTTP to Datafold: the host check (the key only
travels over https, or plain http to loopback), TLS trust (`SSL_CERT_FILE`/`SSL_CERT_DIR`),
timeouts, retries with full-jitter backoff (connect errors, 429, 502/503/504), redirects
refused (the key never follows one), a bounded streamed body, and the mapping of every
failure to an `auditui.errors` type with a one-line message. The key is never shown.

Bounds on one response, whatever the server sends:
- size: the body is decompressed as it arrives (`sources.body`) and refused past
  `max_body_bytes` decompressed (256 MiB) or when it inflates more than 200 times its
  compressed size (a compression bomb); neither is retried (the same request gets the
  same body), the window fails with one line.
- time: `read_timeout` bounds each wait for data, and the whole response (status line to
  last byte) must arrive within `DEADLINE_FACTOR` × `read_timeout` (10 minutes for the
  default 120 s), so a body that trickles a byte at a time cannot hang a load. Like a read
  timeout it is not retried automatically (a server that slow would make every retry wait
  as long again): the window fails with one line, and the TUI's `r` retries it.

httpx is imported only where a request is made (the first `_attempt`, not `async with`): a
browser whose first window was prefetched (`sources.prefetch`) imports it at its first live
request, after its first rows; a client told to `use_plain_http` (the prefetch's) sends its
requests over asyncio's own streams (`plain_http`) while that goes plainly, and never
imports httpx unless it falls back to it. A request's body is decoded apart from its transport
(`fetch_raw`, then `decode_logs`), so a prefetched answer is decoded like a live one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import random
import ssl
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, NamedTuple, Self
from urllib.parse import urlsplit

import msgspec

from auditui import __version__
from auditui.errors import (
    ApiError,
    AuthError,
    CredentialError,
    InsecureHostError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ServerError,
    UsageError,
    ValidationError,
)
from auditui.events.model import AuditEvent, SkippedEvent, decode_logs
from auditui.sources.body import ACCEPT_ENCODING, BodyTooLarge, RawResponse, read_capped
from auditui.sources.http_errors import (
    read_error_body,
    redirect_message,
    retry_after_seconds,
    transport_reason,
    validation_details,
)
from auditui.timespec import format_utc, utcnow

if TYPE_CHECKING:  # httpx is imported where a request is made (module docstring)
    import httpx

    from auditui.sources.plain_http import PlainTransport
    from auditui.sources.prefetch import Prefetch

API_PATH = "/api/v1/audit_logs"
DEFAULT_USER_AGENT = f"auditui/{__version__}"
DEFAULT_MAX_BODY_BYTES = 256 * 1024**2  # decompressed; two copies at most while joining
DEADLINE_FACTOR = 5  # a whole response must arrive within this many read timeouts
THREAD_DECODE_BYTES = 1024 * 1024  # bodies above this are decoded off the event loop
RETRY_STATUSES = frozenset({429, 502, 503, 504})
JSON = "application/json"

Sleep = Callable[[float], Awaitable[None]]


def check_host(host: str) -> str:
    """Normalise a host URL (`https://app.datafold.com`) and refuse unsafe or broken ones.

    Raises `UsageError` for a value that is not an http(s) URL with a host name, and
    `InsecureHostError` for plain http to anything but a loopback address.
    """
    shown = host.strip()
    text = shown.rstrip("/")
    hint = "give a full URL such as https://app.datafold.com"
    if not text or any(ch.isspace() for ch in text):
        raise UsageError(f"{shown or host!r} is not a valid host; {hint}.")
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
        parts.port  # noqa: B018 - validates the port
    except ValueError:
        raise UsageError(f"{shown!r} is not a valid host URL; {hint}.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not hostname:
        raise UsageError(f"{shown!r} is not a valid host; {hint}.")
    if parts.username is not None or parts.password is not None:
        raise UsageError("The host URL must not contain a user name or password; " + hint + ".")
    if parts.query or parts.fragment:
        raise UsageError(f"The host URL {shown!r} must not contain '?' or '#'; {hint}.")
    normalised = f"{scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"
    if scheme == "http" and not is_loopback(hostname):
        raise InsecureHostError(
            f"Refusing to send the API key in clear text to {normalised}: use https:// "
            "(plain http is allowed only for loopback addresses)"
        )
    return normalised


def is_loopback(hostname: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1 (also as an IPv4-mapped IPv6 address)."""
    name = hostname.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def build_ssl_context(env: Mapping[str, str] = os.environ) -> ssl.SSLContext:
    """A verifying TLS context: `SSL_CERT_FILE`/`SSL_CERT_DIR` when set, else certifi's CAs."""
    cafile = env.get("SSL_CERT_FILE") or None
    capath = env.get("SSL_CERT_DIR") or None
    if cafile is None and capath is None:
        import certifi

        cafile = certifi.where()
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as exc:
        where = f"SSL_CERT_FILE={cafile}" if cafile else f"SSL_CERT_DIR={capath}"
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageError(f"Cannot load the CA certificates from {where}: {reason}") from exc


class WindowResult(msgspec.Struct, frozen=True):
    """What one request returned: its window, the events, skipped malformed ones, body size."""

    start: datetime
    end: datetime
    events: list[AuditEvent]
    malformed: int
    bytes: int
    # some malformed events, kept to show
    skipped: list[SkippedEvent] = msgspec.field(default_factory=list)
    server_date: datetime | None = None  # the response's `Date` header (the server's clock)


class RawAnswer(NamedTuple):
    """One response as it arrived, before decoding: the decompressed body and its `Date`."""

    body: bytes
    server_date: datetime | None  # the response's `Date` header (the server's clock)


class _Retry(Exception):
    """Internal: an attempt failed in a way worth retrying; `error` is raised if none remain."""

    def __init__(self, error: ApiError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


class AuditClient:
    """Async client for `GET /api/v1/audit_logs`; use as `async with AuditClient(...) as c`."""

    def __init__(
        self,
        host: str,
        api_key: str,
        *,
        credential_source: str | None = None,
        read_timeout: float = 120.0,
        connect_timeout: float = 10.0,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        user_agent: str = DEFAULT_USER_AGENT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        sleep: Sleep | None = None,
        rng: random.Random | None = None,
        prefetched: Prefetch | None = None,
    ) -> None:
        self.host = check_host(host)
        key = api_key.strip()
        if not key:
            raise CredentialError("The API key is empty; store one with `auditui login`.")
        if not key.isascii() or not key.isprintable() or any(c.isspace() for c in key):
            raise CredentialError(
                "The API key contains spaces, control or non-ASCII characters and cannot be "
                "sent; check that it was pasted whole, then store it with `auditui login`."
            )
        self._key = key
        self.credential_source = credential_source
        self.read_timeout = read_timeout
        self.connect_timeout = connect_timeout
        self.max_attempts = max(1, max_attempts)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.user_agent = user_agent
        self.max_body_bytes = max_body_bytes
        self._sleep: Sleep = sleep or asyncio.sleep
        self._rng = rng or random.Random()
        self._client: httpx.AsyncClient | None = None  # made at the first request
        self._plain: PlainTransport | None = None  # `use_plain_http`, until it fails once
        self._open = False  # inside `async with`
        self._prefetched = prefetched  # the first windows, asked before the browser started

    def __repr__(self) -> str:
        source = f", credential_source={self.credential_source!r}"
        return f"AuditClient(host={self.host!r}{source})"

    @property
    def url(self) -> str:
        return self.host + API_PATH

    async def __aenter__(self) -> Self:
        # The HTTP client (and httpx) only when a request is really made: a load whose
        # newest window was prefetched may show its first rows before that.
        self._open = True
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._open = False
        client, self._client = self._client, None
        plain, self._plain = self._plain, None
        if plain is not None:
            await plain.aclose()
        if client is not None:
            await client.aclose()

    def use_plain_http(self, env: Mapping[str, str] = os.environ) -> None:
        """Send the requests over asyncio's streams, not httpx, while that goes plainly
        and where httpx would add nothing (`plain_http`: the prefetch child, which then
        never imports httpx)."""
        from auditui.sources.plain_http import PlainTransport, usable

        if usable(self.url, env):
            secure = self.host.startswith("https://")
            self._plain = PlainTransport(
                self.url,
                self._headers(),
                ssl_context=build_ssl_context(env) if secure else None,
                connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout,
            )

    def _headers(self) -> dict[str, str]:
        """The headers of every request (the key's included)."""
        return {
            "Authorization": f"Key {self._key}",
            "User-Agent": self.user_agent,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,  # decoded in `sources.body`, in steps
        }

    def _make_client(self) -> httpx.AsyncClient:
        import httpx

        secure = self.host.startswith("https://")
        return httpx.AsyncClient(
            # Plain http is allowed only to loopback (check_host) and never negotiates TLS, so
            # it skips building a verifying context (loading CA files is slow at start).
            verify=build_ssl_context() if secure else False,
            # Environment proxies only for https (tunnelled); plain http to loopback must
            # never be sent, key and all, to an HTTP_PROXY.
            trust_env=secure,
            follow_redirects=False,
            # The pool waits without limit: the loader already bounds concurrency.
            timeout=httpx.Timeout(
                connect=self.connect_timeout, read=self.read_timeout, write=30.0, pool=None
            ),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=8),
            headers=self._headers(),
        )

    async def verify(self) -> None:
        """Make a small request (the last minute) so a bad host or key fails now, typed."""
        end = utcnow()
        await self.fetch_window(end - timedelta(minutes=1), end)

    def same_key(self, other: AuditClient) -> bool:
        """Whether `other` sends the same key (compared here: the key never leaves)."""
        return other._key == self._key

    async def fetch_window(self, start: datetime, end: datetime) -> WindowResult:
        """Fetch the events of [start, end) in one request, retrying what is transient
        (or take the answer prefetched for that window: `sources.prefetch`), and decode them."""
        raw = None
        if self._prefetched is not None:
            answer = self._prefetched.take(start, end, self)
            if answer is not None:
                raw = await self._prefetched.wait(answer)  # None: ask the server after all
        if raw is None:
            raw = await self.fetch_raw(start, end)
        if len(raw.body) > THREAD_DECODE_BYTES:
            decoded = await asyncio.to_thread(decode_logs, raw.body)
        else:
            decoded = decode_logs(raw.body)
        return WindowResult(start, end, decoded.events, decoded.malformed, len(raw.body),
                            decoded.skipped, raw.server_date)  # fmt: skip

    async def fetch_raw(self, start: datetime, end: datetime) -> RawAnswer:
        """The body of [start, end) as it arrived (decompressed, not decoded), in one request,
        retrying what is transient; `fetch_window` decodes it (a prefetch sends it here)."""
        body = json.dumps({"start_date": format_utc(start), "end_date": format_utc(end)})
        attempt = 1
        while True:
            try:
                return await self._attempt(body.encode())
            except _Retry as retry:
                if attempt >= self.max_attempts:
                    raise retry.error from retry.__cause__
                await self._sleep(self._delay(attempt, retry.retry_after))
                attempt += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.backoff_max)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0.0, ceiling)

    @property
    def deadline(self) -> float:
        """Seconds for a whole response, first byte to last (`DEADLINE_FACTOR` × read)."""
        return DEADLINE_FACTOR * self.read_timeout

    async def _attempt(self, body: bytes) -> RawAnswer:
        if not self._open:
            raise RuntimeError("AuditClient is used outside `async with`")
        if self._plain is not None:
            from auditui.sources.plain_http import PlainUnusable

            try:
                return await self._answer(self._plain.request(body, JSON))
            except PlainUnusable:  # this request and the later ones through httpx
                plain, self._plain = self._plain, None
                await plain.aclose()
        if self._client is None:
            self._client = self._make_client()
        import httpx

        try:
            exchange = self._client.stream(
                "GET", self.url, content=body, headers={"Content-Type": JSON}
            )
            return await self._answer(exchange)
        except httpx.HTTPError as exc:
            error, retryable = self._transport_error(exc)
            if retryable:
                raise _Retry(error) from exc
            raise error from exc

    async def _answer(self, exchange: AbstractAsyncContextManager[RawResponse]) -> RawAnswer:
        """The answer of one exchange (either transport), judged and read whole within
        the deadline."""
        try:
            async with asyncio.timeout(self.deadline) as deadline:
                async with exchange as response:
                    if response.status_code != 200:
                        await self._raise_for_status(response)
                    data = await self._read_body(response)
                    server_date = _http_date(response.headers.get("Date"))
        except TimeoutError as exc:
            if not deadline.expired():
                raise
            raise NetworkError(
                self.host,
                f"the response did not arrive in full within {self.deadline:g} s "
                f"({DEADLINE_FACTOR} × read_timeout); try a shorter range or smaller windows",
            ) from exc
        return RawAnswer(data, server_date)

    async def _read_body(self, response: RawResponse) -> bytes:
        """The decompressed body, within `max_body_bytes` and the ratio limit (`body`)."""
        declared = response.headers.get("Content-Length") or ""
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise BodyTooLarge(self.max_body_bytes, int(declared))
        encoding = response.headers.get("Content-Encoding") or ""
        return await read_capped(response.aiter_raw(), encoding, self.max_body_bytes)

    async def _raise_for_status(self, response: RawResponse) -> None:
        status = response.status_code
        if status in (401, 403):
            raise AuthError(status, self.credential_source)
        if status == 422:
            raise ValidationError(validation_details(await read_error_body(response)))
        if 300 <= status < 400:
            raise ResponseError(redirect_message(status, response.headers.get("Location")))
        if status == 404:
            raise ResponseError(
                f"The server at {self.host} has no audit-log API (HTTP 404 for {API_PATH}); "
                "check the configured host."
            )
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        if status == 429:
            raise _Retry(RateLimitError(retry_after), retry_after)
        error = ServerError(status, self.host, retry_after)
        if status in RETRY_STATUSES:
            raise _Retry(error, retry_after)
        raise error

    def _transport_error(self, exc: httpx.HTTPError) -> tuple[ApiError, bool]:
        """Map an httpx failure to (typed error, worth retrying)."""
        import httpx

        if isinstance(exc, httpx.DecodingError):
            return ResponseError("The response body could not be decompressed."), False
        reason, retryable = transport_reason(exc, self.connect_timeout, self.read_timeout)
        return NetworkError(self.host, reason), retryable


def _http_date(value: str | None) -> datetime | None:
    """A `Date` header as an aware UTC datetime; None when absent or unreadable."""
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
