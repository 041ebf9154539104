"""Reading a response body within bounds: streamed decompression, a size cap, a ratio limit.

The API client reads the raw (still compressed) bytes and inflates them here, at most
`INFLATE_STEP` bytes at a time, so memory follows what is kept, never what a body could
inflate to: the size cap counts decompressed bytes as they come out, and a body that
inflates more than `MAX_INFLATE_RATIO` times its compressed size (past `RATIO_FLOOR`, so
small, very regular bodies pass) is refused as a compression bomb. A 3 MB gzip stream of
3 GB of spaces stops after about `RATIO_FLOOR` bytes, whatever the cap.

Only `gzip` and `deflate` are asked for (`ACCEPT_ENCODING`) and decoded; gzip bodies of
several members are joined. Any other or stacked `Content-Encoding` is refused with one line.
Nothing here imports httpx: it works on any async iterator of bytes.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import aclosing
from typing import Protocol

from auditui.errors import ResponseError
from auditui.units import human_bytes

ACCEPT_ENCODING = "gzip, deflate"
INFLATE_STEP = 1024 * 1024  # the most one decompression call may return
MAX_INFLATE_RATIO = 200  # JSON audit logs compress about 5-20 times
RATIO_FLOOR = 16 * 1024 * 1024  # below this many inflated bytes any ratio is allowed


class _HeaderLookup(Protocol):
    def get(self, name: str, default: str | None = None, /) -> str | None: ...


class RawResponse(Protocol):
    """An answer whose body is read raw (still compressed): httpx's `Response`, or
    `plain_http.PlainResponse`."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> _HeaderLookup: ...

    def aiter_raw(self) -> AsyncIterator[bytes]: ...


class BodyTooLarge(ResponseError):
    """More than the cap: `size` bytes so far (decompressed)."""

    def __init__(self, cap: int, size: int) -> None:
        self.cap = cap
        self.size = size
        super().__init__(
            f"The response is larger than {human_bytes(cap)} ({human_bytes(size)} so far); "
            "try a shorter range or smaller windows."
        )


class _Inflater:
    """zlib in steps of at most `INFLATE_STEP` output bytes, for gzip or deflate."""

    def __init__(self, encoding: str) -> None:
        self.gzip = encoding in ("gzip", "x-gzip")
        self._wbits = 16 + zlib.MAX_WBITS if self.gzip else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(self._wbits)
        self._head = b""  # deflate: the bytes before the zlib header was checked (<= 2)
        self._started = self.gzip  # deflate: whether the zlib wrapper was seen

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The inflated bytes of `data`, in pieces of at most `INFLATE_STEP`."""
        while True:
            if self._zlib.eof:
                if not data:
                    return
                if not self.gzip:
                    raise ResponseError("The compressed response has data after its end.")
                self._zlib = zlib.decompressobj(self._wbits)  # the next gzip member
            before = self._head  # what was fed before `data` while the header is unchecked
            if not self._started:
                self._head += data[: 2 - len(before)]
            try:
                piece = self._zlib.decompress(data, INFLATE_STEP)
            except zlib.error:
                if self._started:
                    raise ResponseError("The response body could not be decompressed.") from None
                # `deflate` as some servers send it: raw, without the zlib wrapper
                self._wbits = -zlib.MAX_WBITS
                self._zlib = zlib.decompressobj(self._wbits)
                piece = self._decompress_raw(before + data)
                self._started = True
            self._started = self._started or len(self._head) >= 2  # the header was checked
            if piece:
                yield piece
            data = self._zlib.unused_data if self._zlib.eof else self._zlib.unconsumed_tail
            if not data and len(piece) < INFLATE_STEP and not self._zlib.eof:
                return  # everything given is inflated; more input is needed

    def _decompress_raw(self, data: bytes) -> bytes:
        try:
            return self._zlib.decompress(data, INFLATE_STEP)
        except zlib.error:
            raise ResponseError("The response body could not be decompressed.") from None

    def finish(self) -> None:
        """Check that the compressed stream ended where the body did."""
        if not self._zlib.eof:
            raise ResponseError(
                "The response body could not be decompressed: it ends before its end marker."
            )


def _bomb(inflated: int, wire: int) -> ResponseError:
    return ResponseError(
        f"The response inflates to more than {MAX_INFLATE_RATIO} times its compressed size "
        f"({human_bytes(inflated)} from {human_bytes(wire)} so far), like a compression "
        "bomb; it was refused. Check that the configured host is the Datafold API."
    )


async def inflated(raw: AsyncIterator[bytes], content_encoding: str) -> AsyncGenerator[bytes, None]:
    """The body's bytes, decompressed as they arrive (see the module docstring).

    Raises `ResponseError` for an encoding other than gzip/deflate/identity, a stream that
    does not decompress, or one that inflates beyond the ratio limit.
    """
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        async for chunk in raw:
            yield chunk
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise ResponseError(
            f"The response is compressed as {encoding!r}, which auditui does not decode "
            f"(it asks for {ACCEPT_ENCODING}); check that the host is the Datafold API."
        )
    inflater = _Inflater(encoding)
    wire = out = 0
    async for chunk in raw:
        wire += len(chunk)
        for piece in inflater.feed(chunk):
            out += len(piece)
            if out > RATIO_FLOOR and out > MAX_INFLATE_RATIO * wire:
                raise _bomb(out, wire)
            yield piece
    inflater.finish()


async def read_capped(raw: AsyncIterator[bytes], content_encoding: str, cap: int) -> bytes:
    """The whole decompressed body; `BodyTooLarge` as soon as it passes `cap` bytes."""
    chunks: list[bytes] = []
    total = 0
    async for piece in inflated(raw, content_encoding):
        total += len(piece)
        if total > cap:
            raise BodyTooLarge(cap, total)
        chunks.append(piece)
    return b"".join(chunks)


async def read_some(raw: AsyncIterator[bytes], content_encoding: str, limit: int) -> bytes:
    """At most `limit` decompressed bytes of the body (for error bodies); stops there."""
    chunks: list[bytes] = []
    total = 0
    async with aclosing(inflated(raw, content_encoding)) as pieces:
        async for piece in pieces:
            chunks.append(piece)
            total += len(piece)
            if total >= limit:
                break
    return b"".join(chunks)[:limit]
