"""Bounds on one response (issue 16, items 2 and 3): gzip bombs and bodies that trickle.

Against the real demo server on loopback: a gzip bomb is refused while it inflates, with
memory bounded by the cap (or the ratio limit) rather than by what the body inflates to,
measured with tracemalloc; a body sent a few bytes at a time, with a Content-Length or
chunked, fails the window after `DEADLINE_FACTOR` × `read_timeout` with one line, without
an automatic retry. The `asyncio.wait_for` around each fetch only keeps a broken client from
hanging the suite; no test asserts on how long anything took.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from auditui.demo import DemoServer, Fault
from auditui.demo.encoding import gzip_bomb
from auditui.errors import NetworkError, ResponseError
from auditui.sources.api import DEADLINE_FACTOR, AuditClient, WindowResult
from auditui.sources.body import MAX_INFLATE_RATIO, RATIO_FLOOR, read_capped
from tests.helpers.demo import client_for

MiB = 1024**2
GUARD = 20.0  # seconds before a hanging fetch fails the test instead of the suite


async def fetch(server: DemoServer, *faults: Fault, **options: Any) -> WindowResult:
    server.faults.push(*faults)
    end = datetime.now(UTC)
    options.setdefault("max_attempts", 3)
    async with client_for(server, **options) as client:
        return await asyncio.wait_for(client.fetch_window(end - timedelta(hours=6), end), GUARD)


async def peak_while(work: Any) -> tuple[BaseException | None, int]:
    """Run `work` under tracemalloc: (what it raised, the peak of traced memory)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        try:
            await work
        except Exception as exc:  # noqa: BLE001 - returned to the test
            return exc, tracemalloc.get_traced_memory()[1]
        return None, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def logs_body(count: int = 50) -> bytes:
    events = [
        {"timestamp": f"2026-11-02T10:00:{n % 60:02d}Z", "event_uuid": f"u{n}",
         "client_ip": "10.0.0.1", "url": "/api/v1/things", "action": "thing.read"}
        for n in range(count)
    ]  # fmt: skip
    return json.dumps({"logs": events}).encode()


# -- gzip bombs ---------------------------------------------------------------------------------


async def test_a_gzip_bomb_stops_at_the_cap_before_it_is_inflated(
    demo_server: DemoServer,
) -> None:
    """64 MiB of spaces in ~64 KiB of gzip against a 2 MiB cap: refused with the one line,
    and memory never held more than a few MiB (httpx inflated whole chunks: 64 MiB)."""
    gzip_bomb(64 * MiB)  # built (and cached) before measuring
    error, peak = await peak_while(
        fetch(demo_server, Fault("gzip_bomb", size=64 * MiB), max_body_bytes=2 * MiB)
    )
    assert isinstance(error, ResponseError), error
    message = str(error)
    assert message.startswith("The response is larger than 2.0 MiB (")
    assert "try a shorter range or smaller windows" in message and "\n" not in message
    assert peak < 12 * MiB, f"peak {peak / MiB:.1f} MiB"
    assert len(demo_server.requests) == 1  # the same request would get the same bomb


async def test_a_gzip_bomb_under_a_large_cap_is_stopped_by_the_ratio(
    demo_server: DemoServer,
) -> None:
    """The cap alone would let 64 MiB in (a 3 GB bomb against the default cap: gigabytes);
    the ratio limit stops it once `RATIO_FLOOR` bytes came out of a thousandth as much."""
    gzip_bomb(64 * MiB)
    error, peak = await peak_while(
        fetch(demo_server, Fault("gzip_bomb", size=64 * MiB), max_body_bytes=1024 * MiB)
    )
    assert isinstance(error, ResponseError), error
    message = str(error)
    assert f"inflates to more than {MAX_INFLATE_RATIO} times its compressed size" in message
    assert "compression bomb" in message and "\n" not in message
    assert peak < RATIO_FLOOR + 16 * MiB, f"peak {peak / MiB:.1f} MiB"
    assert len(demo_server.requests) == 1


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("gzip", lambda data: gzip.compress(data[:100]) + gzip.compress(data[100:])),  # 2 members
        ("deflate", zlib.compress),  # zlib-wrapped, as the RFC says
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw, as some servers send it
    ],
    ids=["gzip", "gzip-members", "deflate", "raw-deflate"],
)
async def test_compressed_bodies_within_bounds_load(
    demo_server: DemoServer, encoding: str, compress: Any
) -> None:
    body = compress(logs_body())
    fault = Fault("raw", status=200, body=body, headers={"Content-Encoding": encoding})
    result = await fetch(demo_server, fault)
    assert [event.event_uuid for event in result.events] == [f"u{n}" for n in range(50)]
    assert result.bytes == len(logs_body())  # counted decompressed
    assert demo_server.requests[-1].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    ("encoding", "body", "says"),
    [
        ("br", b"\x0b\x02\x80{}\x03", "compressed as 'br', which auditui does not decode"),
        ("gzip, gzip", gzip.compress(gzip.compress(b"{}")), "compressed as 'gzip, gzip'"),
        ("gzip", gzip.compress(logs_body())[:-20], "ends before its end marker"),
        ("gzip", b"not gzip at all", "could not be decompressed"),
    ],
    ids=["brotli", "stacked", "cut-short", "not-gzip"],
)
async def test_bad_compressed_bodies_are_one_line(
    demo_server: DemoServer, encoding: str, body: bytes, says: str
) -> None:
    fault = Fault("raw", status=200, body=body, headers={"Content-Encoding": encoding})
    with pytest.raises(ResponseError) as caught:
        await fetch(demo_server, fault)
    assert says in str(caught.value) and "\n" not in str(caught.value)


async def test_a_gzip_bombed_error_body_is_read_only_in_part(demo_server: DemoServer) -> None:
    """A 422 whose body is a bomb: its details are read from the first 64 KiB, no more."""
    bomb = gzip_bomb(64 * MiB)
    fault = Fault("raw", status=422, body=bomb, headers={"Content-Encoding": "gzip"})
    error, peak = await peak_while(fetch(demo_server, fault))
    assert error is not None and "HTTP 422" in str(error)
    assert peak < 12 * MiB, f"peak {peak / MiB:.1f} MiB"


# -- bodies that trickle ------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_trickling_body_fails_at_the_deadline_without_retry(
    demo_server: DemoServer, chunked: bool
) -> None:
    """A few bytes every 50 ms keep each read under the 0.2 s read timeout; the body would
    take a minute. The window fails at 5 × 0.2 s with one line, and is not retried."""
    trickle = Fault("trickle", seconds=60.0, chunks=1200, chunked=chunked)
    with pytest.raises(NetworkError) as caught:
        await fetch(demo_server, trickle, read_timeout=0.2)
    message = str(caught.value)
    assert message == (
        f"Could not reach {demo_server.url}: the response did not arrive in full within 1 s "
        f"({DEADLINE_FACTOR} × read_timeout); try a shorter range or smaller windows"
    )
    assert len(demo_server.requests) == 1
    demo_server.faults.clear()


async def test_a_slow_body_within_the_deadline_loads(demo_server: DemoServer) -> None:
    """Slower than one read timeout in all, faster than the deadline: it loads."""
    slow = await fetch(demo_server, Fault("trickle", seconds=0.6, chunks=6), read_timeout=0.5)
    assert slow.events and slow.malformed == 0
    assert len(demo_server.requests) == 1


def test_the_deadline_follows_the_read_timeout() -> None:
    client = AuditClient("https://app.datafold.com", "k", read_timeout=120)
    assert client.deadline == 600.0 == DEADLINE_FACTOR * 120


@pytest.mark.parametrize("size", [1, 2, 3, 4096])
async def test_bodies_arriving_in_tiny_pieces_inflate_whole(size: int) -> None:
    """However the network cuts the compressed bytes (one byte at a time included), the
    body comes out whole: gzip of two members, zlib-wrapped and raw deflate."""
    data = logs_body(400)

    async def pieces(blob: bytes) -> AsyncIterator[bytes]:
        for at in range(0, len(blob), size):
            yield blob[at : at + size]

    bodies = {
        "gzip": gzip.compress(data[:100], mtime=0) + gzip.compress(data[100:], mtime=0),
        "deflate": zlib.compress(data),
        "x-gzip": gzip.compress(data, mtime=0),
    }
    for encoding, blob in bodies.items():
        assert await read_capped(pieces(blob), encoding, 10 * MiB) == data
    assert await read_capped(pieces(zlib.compress(data)[2:-4]), "deflate", 10 * MiB) == data
