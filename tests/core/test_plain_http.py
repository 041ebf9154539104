"""The prefetch's plain HTTP/1.1 requests (`sources.plain_http`) and their fallback to httpx.

Against real servers on loopback: the demo server, and a scripted one (`asyncio` streams)
that answers each request with the bytes a test gives it, to shape what a server may send
(chunked, sized or unsized bodies, a connection kept or closed, a malformed answer).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import re
import ssl
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auditui.demo import DemoServer, Fault
from auditui.errors import AuthError, NetworkError
from auditui.sources.api import AuditClient
from auditui.sources.plain_http import usable
from auditui.timespec import TimeRange
from tests.helpers.tls import write_tls_files

KEY = "dfk_plain_http_test_key"
LOGS = b'{"logs": []}'
HANG = b"(no answer)"  # a scripted reply: the server keeps the request and says nothing


class Scripted:
    """A loopback HTTP server answering each request with the next scripted reply: the
    reply's bytes, and whether the connection closes after it."""

    def __init__(self) -> None:
        self.replies: list[tuple[bytes, bool]] = []
        self.requests: list[bytes] = []  # each request's head
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.handlers: list[asyncio.Task[None]] = []

    async def close(self) -> None:
        """Stop listening, and end the connections still open (a `HANG` among them)."""
        if self.server is not None:
            self.server.close()
        for handler in self.handlers:
            handler.cancel()
        await asyncio.gather(*self.handlers, return_exceptions=True)

    def reply(self, data: bytes, *, close: bool = False) -> None:
        self.replies.append((data, close))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        task = asyncio.current_task()
        if task is not None:
            self.handlers.append(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except asyncio.IncompleteReadError:
                    return
                length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                self.requests.append(head)
                data, close = self.replies.pop(0) if self.replies else (ok(LOGS), True)
                if data == HANG:
                    await asyncio.sleep(30)  # no answer: the client's read timeout ends it
                    return
                writer.write(data)
                await writer.drain()
                if close:
                    return
        finally:
            writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def scripted() -> AsyncIterator[Scripted]:
    script = Scripted()
    script.server = await asyncio.start_server(script._serve, "127.0.0.1", 0)
    try:
        yield script
    finally:
        await script.close()


def ok(body: bytes, *headers: str) -> bytes:
    extra = "".join(f"{header}\r\n" for header in headers)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra.encode(), body)


def chunked(*pieces: bytes) -> bytes:
    chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    return (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n" + chunks + b"0\r\nX-T: 1\r\n\r\n"
    )


async def no_sleep(seconds: float) -> None:
    return None


def plain_client(url: str, key: str = KEY) -> AuditClient:
    client = AuditClient(url, key, sleep=no_sleep, max_attempts=3)
    client.use_plain_http(env={})
    return client


START = datetime(2026, 11, 25, tzinfo=UTC)
END = START + timedelta(days=1)


async def bodies(client: AuditClient, count: int = 1, *, plainly: bool | None = None
                 ) -> list[bytes]:  # fmt: skip
    """`count` answers; with `plainly`, whether the client still goes plainly after them."""
    async with client:
        got = [(await client.fetch_raw(START, END)).body for _ in range(count)]
        if plainly is not None:
            assert (client._plain is not None) == plainly
        return got


async def test_the_request_is_the_one_httpx_sends(scripted: Scripted) -> None:
    assert await bodies(plain_client(scripted.url), plainly=True) == [LOGS]
    [head] = scripted.requests
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == "GET /api/v1/audit_logs HTTP/1.1"
    headers = dict(line.split(": ", 1) for line in lines[1:] if line)
    assert headers["Host"] == scripted.url.removeprefix("http://")
    assert headers["Authorization"] == f"Key {KEY}"
    assert headers["Content-Type"] == "application/json"
    assert headers["Accept-Encoding"] == "gzip, deflate"
    assert headers["User-Agent"].startswith("auditui/")


async def test_sized_chunked_and_unsized_bodies_are_read_whole(scripted: Scripted) -> None:
    scripted.reply(ok(b'{"logs": [1]}'))
    scripted.reply(chunked(b'{"logs"', b": [2]}"))
    scripted.reply(b'HTTP/1.0 200 OK\r\n\r\n{"logs": [3]}', close=True)
    got = await bodies(plain_client(scripted.url), 3, plainly=True)
    assert got == [b'{"logs": [1]}', b'{"logs": [2]}', b'{"logs": [3]}']
    assert scripted.connections == 1  # the first two on one kept connection, then closed


async def test_a_compressed_body_is_inflated(scripted: Scripted) -> None:
    scripted.reply(ok(gzip.compress(LOGS), "Content-Encoding: gzip"))
    assert await bodies(plain_client(scripted.url)) == [LOGS]


async def test_a_kept_connection_the_server_dropped_is_replaced(scripted: Scripted) -> None:
    scripted.reply(ok(LOGS), close=True)  # kept by the client: the server closes it anyway
    scripted.reply(ok(b'{"logs": [2]}'))
    got = await bodies(plain_client(scripted.url), 2, plainly=True)
    assert got == [LOGS, b'{"logs": [2]}']
    assert scripted.connections == 2 and len(scripted.requests) == 2  # no request lost


async def test_a_kept_connection_that_times_out_is_not_asked_again_plainly(
    scripted: Scripted,
) -> None:
    scripted.reply(ok(LOGS))
    scripted.reply(HANG)  # on the kept connection: the server has the request, no answer
    client = AuditClient(scripted.url, KEY, sleep=no_sleep, read_timeout=0.3)
    client.use_plain_http(env={})
    got = await bodies(client, 2, plainly=False)  # the second through httpx, not plainly
    assert got == [LOGS, LOGS]
    assert len(scripted.requests) == 3 and scripted.connections == 2


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{short",  # the body ends early
        b"HTTP/1.1 100 Continue\r\n\r\n",  # an interim answer
        b"ICY 200 OK\r\n\r\n",  # not HTTP/1.x
        b"HTTP/1.1 200 OK\r\nBroken header line\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
async def test_what_is_not_plain_is_asked_again_through_httpx(scripted: Scripted,
                                                              reply: bytes) -> None:  # fmt: skip
    scripted.reply(reply, close=True)
    client = plain_client(scripted.url)
    assert await bodies(client, 2, plainly=False) == [LOGS, LOGS]  # both through httpx
    assert len(scripted.requests) == 3  # the plain one, then both through httpx


async def test_statuses_are_judged_as_for_httpx_without_asking_again(scripted: Scripted) -> None:
    scripted.reply(b"HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n")
    scripted.reply(ok(LOGS))
    assert await bodies(plain_client(scripted.url), plainly=True) == [LOGS]  # retried
    scripted.reply(b"HTTP/1.1 401 No\r\nContent-Length: 2\r\n\r\nno")
    with pytest.raises(AuthError):
        await bodies(plain_client(scripted.url))
    assert len(scripted.requests) == 3  # the 401 once: not retried, not asked through httpx


@pytest.mark.parametrize("fault", [None, Fault("trickle", chunks=4, chunked=True)])
async def test_the_demo_server_gives_the_same_answer_as_through_httpx(
    demo_server: DemoServer, recent: TimeRange, fault: Fault | None
) -> None:
    if fault is not None:  # the body in HTTP chunks, without a Content-Length
        demo_server.faults.push(fault)
    async with plain_client(demo_server.url, demo_server.key) as client:
        plain = await client.fetch_raw(recent.start, recent.end)
        assert client._plain is not None  # it went plainly
    async with AuditClient(demo_server.url, demo_server.key) as client:
        through_httpx = await client.fetch_raw(recent.start, recent.end)
    assert plain.body == through_httpx.body and json.loads(plain.body)["logs"]
    assert plain.server_date is not None
    assert demo_server.request_count == 2


async def test_https_verifies_with_the_clients_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, cert, key = write_tls_files(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    script = Scripted()
    script.server = await asyncio.start_server(script._serve, "127.0.0.1", 0, ssl=context)
    host = script.url.replace("http://", "https://")
    try:
        client = AuditClient(host, KEY, sleep=no_sleep)
        client.use_plain_http(env={"SSL_CERT_FILE": str(ca)})
        assert await bodies(client, plainly=True) == [LOGS]
        assert len(script.requests) == script.connections == 1  # plainly (verified)
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # httpx's context too: certifi's
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        untrusted = AuditClient(host, KEY, sleep=no_sleep, max_attempts=1)
        untrusted.use_plain_http(env={})  # certifi's CAs: this CA is unknown
        with pytest.raises(NetworkError, match="TLS certificate verification failed"):
            await bodies(untrusted)  # refused plainly, then by httpx with its message
    finally:
        await script.close()


def test_https_through_a_proxy_is_left_to_httpx() -> None:
    https = "https://app.datafold.com/api/v1/audit_logs"
    assert usable(https, {}) and usable(https, {"NO_PROXY": "x"})
    assert not usable(https, {"HTTPS_PROXY": "http://proxy:3128"})
    assert not usable(https, {"all_proxy": "socks5://proxy"})
    assert usable(https, {"HTTPS_PROXY": ""})
    assert usable("http://127.0.0.1:9/api/v1/audit_logs", {"HTTP_PROXY": "http://p:1"})
    for platform in ("darwin", "win32"):  # proxies in the system's settings too (httpx reads them)
        assert not usable(https, {}, platform)
        assert usable("http://127.0.0.1:9/api/v1/audit_logs", {}, platform)
    assert usable(https, {}, "linux")


def test_a_client_that_goes_plainly_never_imports_httpx(demo_server: DemoServer,
                                                        recent: TimeRange) -> None:  # fmt: skip
    code = (
        "import asyncio, sys\n"
        "from datetime import datetime\n"
        "from auditui.sources.api import AuditClient\n"
        "async def main():\n"
        f"    client = AuditClient({demo_server.url!r}, {demo_server.key!r})\n"
        "    client.use_plain_http()\n"
        "    async with client:\n"
        f"        start = datetime.fromisoformat({recent.start.isoformat()!r})\n"
        f"        end = datetime.fromisoformat({recent.end.isoformat()!r})\n"
        "        answer = await client.fetch_raw(start, end)\n"
        "    print(b'event_uuid' in answer.body, 'httpx' in sys.modules)\n"
        "asyncio.run(main())\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, timeout=60).stdout  # fmt: skip
    assert out.split() == ["True", "False"]
