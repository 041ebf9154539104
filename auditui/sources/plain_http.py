"""The prefetch's requests over asyncio's own streams: HTTP/1.1 without importing httpx.

The prefetch (`sources.prefetch`) asks for the range's windows in a child forked while the
browser starts. Through httpx, that child first imported httpx, httpcore, h11 and their
dependencies (the bulk of ~130 ms on the second core of a 2-core VM), so its first
request left long after the fork and the browser's first rows waited for the answer. This
module sends the same request (the same URL, headers, body and TLS context) with what the
process has imported already (asyncio, ssl), and gives the answer's status, headers and
raw body (sized, chunked, or up to the connection's end) to `AuditClient`, which reads and
judges it exactly as it does httpx's: the status errors, decompression and size caps are
the client's own. Idle connections are kept for the next request (keep-alive).

It serves the plain path only. Where httpx would do more (for https: a proxy named by the
environment, or on macOS and Windows by the system's settings: `usable`), the client uses
httpx from the start. Whenever an exchange does not go as plainly (no connection, a
timeout, a reset, a malformed or interim answer, headers over `HEAD_LIMIT`),
`PlainUnusable` is raised and the client sends that request, and every later one, through
httpx, which then owns the retries and every error message (a request may then reach the
server twice: the audit-log request only reads); a kept connection that had ended before
any of the answer came is replaced by another, plainly. The key goes only where httpx would
send it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

HEAD_LIMIT = 64 * 1024  # the status line and headers, at most (then httpx)
READ_SIZE = 256 * 1024  # the most one read of a body asks for
_PROXY_SUFFIX = "_proxy"
# What an exchange that did not go plainly raises (socket and TLS errors, timeouts, what
# does not parse, a connection that ended early, a head over `HEAD_LIMIT`).
_NOT_PLAIN = (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError,
              asyncio.LimitOverrunError)  # fmt: skip


class PlainUnusable(Exception):
    """This exchange did not go plainly: the client asks through httpx (module doc)."""


def usable(url: str, env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether a request to `url` needs nothing httpx adds: plain http (only ever to
    loopback, never through a proxy), or https with no proxy in the environment where that
    is the only place httpx looks for one (macOS and Windows also have system settings)."""
    if url.startswith("http://"):
        return True
    if platform in ("darwin", "win32"):
        return False
    return not any(
        name.lower().endswith(_PROXY_SUFFIX) and name.lower() != "no_proxy" and value
        for name, value in env.items()
    )


class _Stale(PlainUnusable):
    """A kept connection ended before any of the answer came (the server closed it while
    it was idle): the request is sent again on a new one."""


class Headers:
    """A response's headers, looked up whatever their case (repeated ones joined)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values: dict[str, str] = {}
        for name, value in pairs:
            key = name.lower()
            self._values[key] = f"{self._values[key]}, {value}" if key in self._values else value

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._values.get(name.lower(), default)


class PlainResponse:
    """An answer's status and headers, and its raw body to read once (`aiter_raw`)."""

    def __init__(self, status_code: int, headers: Headers, body: AsyncIterator[bytes]) -> None:
        self.status_code = status_code
        self.headers = headers
        self._body = body

    def aiter_raw(self) -> AsyncIterator[bytes]:
        return self._body


_Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class PlainTransport:
    """GET requests with a body to one URL, over kept-alive connections (module doc);
    `ssl_context` is given for an https URL only."""

    def __init__(self, url: str, headers: Mapping[str, str], *,
                 ssl_context: ssl.SSLContext | None, connect_timeout: float,
                 read_timeout: float) -> None:  # fmt: skip
        parts = urlsplit(url)
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._ssl = ssl_context  # https's (None for plain http)
        self._head = "".join(
            f"{name}: {value}\r\n"
            for name, value in {"Host": parts.netloc, **headers, "Connection": "keep-alive"}.items()
        )
        self._target = parts.path or "/"
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._idle: list[_Stream] = []

    @asynccontextmanager
    async def request(self, body: bytes, content_type: str) -> AsyncIterator[PlainResponse]:
        """Send `body`; the answer, its body to read inside the block (the connection is
        kept for the next request once the body was read whole)."""
        head = (
            f"GET {self._target} HTTP/1.1\r\n{self._head}"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        stream, status, headers, keep = await self._send(head + body)
        done = asyncio.Event()
        body_reader = _read_body(stream[0], headers, self.read_timeout, done)
        try:
            yield PlainResponse(status, headers, body_reader)
        finally:
            with contextlib.suppress(Exception):
                await body_reader.aclose()
            if keep and done.is_set():
                self._idle.append(stream)
            else:
                _close(stream)

    async def _send(self, request: bytes) -> tuple[_Stream, int, Headers, bool]:
        """The request sent on a kept connection (or, should that one have gone, a new
        one) and the answer's head read."""
        while self._idle:
            stream = self._idle.pop()
            try:
                return await self._exchange(stream, request)
            except _Stale:
                continue  # a kept connection the server closed meanwhile: a new one
        return await self._exchange(await self._connect(), request)

    async def _connect(self) -> _Stream:
        try:
            async with asyncio.timeout(self.connect_timeout):
                return await asyncio.open_connection(
                    self._host, self._port, ssl=self._ssl, limit=HEAD_LIMIT,
                    server_hostname=self._host if self._ssl is not None else None,
                )  # fmt: skip
        except (OSError, TimeoutError, ValueError) as exc:
            raise PlainUnusable(f"no connection ({type(exc).__name__})") from exc

    async def _exchange(self, stream: _Stream,
                        request: bytes) -> tuple[_Stream, int, Headers, bool]:  # fmt: skip
        reader, writer = stream
        try:
            writer.write(request)
            async with asyncio.timeout(self.read_timeout):
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
            status, headers, keep = _parse_head(head)
        except _NOT_PLAIN as exc:
            _close(stream)
            ended = isinstance(exc, asyncio.IncompleteReadError) and not exc.partial
            if ended or isinstance(exc, ConnectionResetError | BrokenPipeError):
                raise _Stale(f"the connection had ended ({type(exc).__name__})") from exc
            raise PlainUnusable(f"no answer ({type(exc).__name__})") from exc
        return stream, status, headers, keep

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for stream in idle:
            _close(stream)


def _parse_head(head: bytes) -> tuple[int, Headers, bool]:
    """The status, headers and whether the connection may be kept; ValueError for what
    is not a final HTTP/1.x answer's head."""
    status_line, *lines = head[:-4].decode("latin-1").split("\r\n")
    version, code, *_ = [*status_line.split(" ", 2), ""]
    if version not in ("HTTP/1.1", "HTTP/1.0") or not (code.isdigit() and len(code) == 3):
        raise ValueError("not an HTTP/1.x status line")
    status = int(code)
    if status < 200:
        raise ValueError("an interim answer")
    pairs = []
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise ValueError("a malformed header")
        pairs.append((name, value.strip()))
    headers = Headers(pairs)
    connection = (headers.get("Connection") or "").lower()
    keep = version == "HTTP/1.1" and "close" not in connection
    return status, headers, keep


async def _read_body(reader: asyncio.StreamReader, headers: Headers, read_timeout: float,
                     done: asyncio.Event) -> AsyncGenerator[bytes, None]:  # fmt: skip
    """The raw body as it arrives; `done` is set once it was read whole."""
    encoding = (headers.get("Transfer-Encoding") or "").lower()
    length = headers.get("Content-Length")
    try:
        if encoding:
            if encoding != "chunked":
                raise ValueError("a transfer encoding other than chunked")
            async for chunk in _chunks(reader, read_timeout):
                yield chunk
        elif length is not None:
            if not length.isdigit():
                raise ValueError("a malformed Content-Length")
            async for data in _sized(reader, int(length), read_timeout):
                yield data
        else:  # up to the connection's end (never kept)
            while True:
                async with asyncio.timeout(read_timeout):
                    data = await reader.read(READ_SIZE)
                if not data:
                    break
                yield data
    except _NOT_PLAIN as exc:
        raise PlainUnusable(f"the body did not arrive plainly ({type(exc).__name__})") from exc
    done.set()


async def _sized(reader: asyncio.StreamReader, size: int,
                 read_timeout: float) -> AsyncIterator[bytes]:  # fmt: skip
    """Exactly `size` bytes, as they arrive (ValueError if the connection ends first)."""
    while size:
        async with asyncio.timeout(read_timeout):
            data = await reader.read(min(size, READ_SIZE))
        if not data:
            raise ValueError("the body ended early")
        size -= len(data)
        yield data


async def _chunks(reader: asyncio.StreamReader, read_timeout: float) -> AsyncIterator[bytes]:
    while True:
        async with asyncio.timeout(read_timeout):
            size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            break
        async for data in _sized(reader, size, read_timeout):
            yield data
        async with asyncio.timeout(read_timeout):
            if await reader.readexactly(2) != b"\r\n":
                raise ValueError("a malformed chunk")
    while True:  # the trailers, up to the empty line
        async with asyncio.timeout(read_timeout):
            if await reader.readuntil(b"\r\n") == b"\r\n":
                return


def _close(stream: _Stream) -> None:
    with contextlib.suppress(Exception):
        stream[1].close()
