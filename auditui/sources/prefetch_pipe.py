"""The pipes between the browser and its prefetch child (`sources.prefetch`).

Each window's outcome crosses as a frame: its length (`HEADER`), then `pack`'s bytes (the
index, the kind, and the `api.RawAnswer` or the error, pickled; an exception by its type,
args and attributes). The child queues its frames in an `Outbox` that writes them as the
pipe takes them, so a browser reading slowly never blocks the child's requests; the browser
reads each frame into one buffer kept from frame to frame (`Frame`). The windows taken cross
the other way, one `TAKEN` index each. Pipes are widened where the platform allows
(`widen`), and the child's exit is collected without waiting (`reap`).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import io
import os
import pickle
import struct
import threading
from typing import Any

from auditui.errors import AudituiError

READ_SIZE = 1024 * 1024  # a pipe holds this at most (Linux's `pipe-max-size`)
HEADER = struct.Struct(">I")  # each frame on the pipe: its length, then `pack`'s bytes
TAKEN = struct.Struct(">I")  # each window taken, on the other pipe: its index


class Outbox:
    """The child's side of the answers' pipe: each outcome framed and queued, written as
    the pipe takes it (never blocking the requests while this process reads slowly)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        self.queue: collections.deque[memoryview] = collections.deque()
        self.loop = asyncio.get_running_loop()
        self.empty = asyncio.Event()
        self.empty.set()

    def send(self, index: int, kind: str, value: Any) -> None:
        if kind == "error" and not isinstance(value, AudituiError):
            kind, value = "none", None  # the load meets it again, if it is real
        data = pack((index, kind, value)) or pack((index, "none", None))
        if self.empty.is_set():
            self.empty.clear()
            self.loop.add_writer(self.fd, self._write)
        self.queue.append(memoryview(HEADER.pack(len(data))))
        self.queue.append(memoryview(data))

    def _write(self) -> None:
        """What the pipe takes now (the loop calls it while it has room)."""
        while self.queue:
            try:
                written = os.write(self.fd, self.queue[0])
            except BlockingIOError:
                return
            except OSError:  # the parent is gone: nobody reads any more
                self.queue.clear()
                break
            if written < len(self.queue[0]):
                self.queue[0] = self.queue[0][written:]
                return
            self.queue.popleft()
        self.loop.remove_writer(self.fd)
        self.empty.set()

    async def drained(self) -> None:
        await self.empty.wait()


def widen(fd: int) -> None:
    """A pipe that holds a whole answer or more (Linux: up to `pipe-max-size`, 1 MiB by
    default; 64 KiB otherwise): fewer reads and writes for each answer."""
    for size in (READ_SIZE, 256 * 1024):
        with contextlib.suppress(OSError, AttributeError):
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size)
            return


def reap(pid: int) -> None:
    """Collect the child's exit status: now if it has exited, else in a daemon thread."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG) == (0, 0):
            threading.Thread(target=_wait_for, args=(pid,), name="auditui-prefetch-reap",
                             daemon=True).start()  # fmt: skip


def _wait_for(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


class Frame:
    """One frame of the answers' pipe as it is read: its length, then its bytes, read into
    one buffer kept from frame to frame (a new one each time would be fresh memory, paged
    in by the kernel a page at a time). A length above `limit` is no frame of ours: the
    pipe is read no more (`ValueError`)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.header = bytearray()
        self.buffer = bytearray()
        self.length: int | None = None  # once the header is read
        self.filled = 0

    def read(self, fd: int) -> int:
        """Read what is missing of it (at most); 0 at the pipe's end."""
        if self.length is None:
            chunk = os.read(fd, HEADER.size - len(self.header))
            self.header += chunk
            if len(self.header) == HEADER.size:
                (length,) = HEADER.unpack(self.header)
                if length > self.limit:
                    raise ValueError(f"a frame of {length} bytes")
                if length > len(self.buffer):
                    self.buffer = bytearray(length)
                self.length = length
            return len(chunk)
        if self.filled == self.length:
            return 1  # an empty frame: whole already
        read = os.readv(fd, [memoryview(self.buffer)[self.filled : self.length]])
        self.filled += read
        return read

    def take(self) -> memoryview | None:
        """The frame's bytes once whole, valid until the next `read` (a new frame begins),
        else None."""
        if self.length is None or self.filled < self.length:
            return None
        whole = memoryview(self.buffer)[: self.length]
        self.header, self.length, self.filled = bytearray(), None, 0
        return whole


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _rebuild(kind: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]
             ) -> BaseException:  # fmt: skip
    """An exception as it was (type, args, attributes) without calling its `__init__`."""
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


class _Pickler(pickle.Pickler):
    """Pickles an exception by its type, args and attributes (its `__init__` may take
    other arguments than its args: `AuthError(status, source)` has its message as args)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, BaseException):
            return _rebuild, (type(obj), obj.args, dict(obj.__dict__))
        return NotImplemented


def pack(outcome: tuple[int, str, Any]) -> bytes:
    """A window's outcome (index, kind, value: `Deliver`'s) for the pipe; b"" if it cannot
    be pickled."""
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(outcome)
    except Exception:  # noqa: BLE001 - an error that cannot cross: the load asks again
        return b""
    return buffer.getvalue()


def unpack(data: bytes | memoryview) -> tuple[int, str, Any] | None:
    """What `pack` made; None when it cannot be read (no answer: the load asks itself)."""
    try:
        index, kind, value = pickle.loads(data)  # from our own child, over our own pipe
    except Exception:  # noqa: BLE001 - no answer: the load asks the server itself
        return None
    if not isinstance(index, int) or kind not in ("answer", "error", "none"):
        return None
    return index, kind, value
