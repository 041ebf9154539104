"""The first windows asked for before the browser starts: their answers ready at the first paint.

The browser's first load always fetches the range's newest window live (the cache gate), and
with it, up to the profile's concurrency, the next windows no cache holds; so the CLI asks
for those as soon as it knows the range, while Textual is imported and the screen is built:
a server's latency then overlaps the start instead of following it. Each window's answer (or
error, raised exactly where the load would have raised it: a 401 still asks for a key) is
handed over once, to the first `AuditClient.fetch_window` for the same window with the same
key; any other request goes to the server as before, and so does a second one for that
window (a retry). An answer nobody takes is dropped with the process.

Where the platform forks and this process runs no other thread yet (the CLI, before the
browser), the requests run in a forked child (`_child`): its HTTP stack (httpx, anyio,
httpcore) is imported and run on another core, not here, where it would compete with
Textual's import for the interpreter lock, and the browser imports none of it before its
first live request. The child sends back over a pipe, one by one as they arrive, each answer
as it came (`api.RawAnswer`: the decompressed body and its `Date`) or its error; this process
decodes it as it decodes any answer (`AuditClient.fetch_window`). A daemon thread here waits
on that pipe (`os.read` holds no lock), fills the answers and reaps the child. An error that
does not cross the pipe whole (not an `AudituiError`, or not picklable) and a child that dies
without answering leave no answer: the load then asks the server itself. The child ignores
SIGINT and SIGTSTP (the browser's), never touches the terminal (0, 1 and 2 are /dev/null),
exits with `os._exit`, and dies at once when this process does (it watches a lifeline pipe
whose write end only this process holds, as `demo.child` does); `close` ends it early.
Elsewhere (no `fork`, or threads already running) the requests run in a daemon thread here.

Only a load of a `Connection` with a key is prefetched (not a file, not the archive-only
path, not a follow), with the profile's usual client: the same retries, timeouts and body
limits. The key stays in the client's memory (the child's copy of it); nothing is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from auditui.errors import AudituiError

if TYPE_CHECKING:
    from auditui.sources.api import AuditClient, RawAnswer
    from auditui.timespec import TimeRange

_READ_SIZE = 1024 * 1024
_HEADER = struct.Struct(">I")  # each frame on the pipe: its length, then `pack`'s bytes

# What one window's request came to: ("answer", RawAnswer), ("error", exception) or
# ("none", None): nothing usable, the load asks the server itself.
Deliver = Callable[[int, str, Any], None]


class Prefetch:
    """The first windows' requests in a forked child (or a daemon thread), each answer
    handed over once (`take`)."""

    def __init__(self, windows: Sequence[TimeRange], client: AuditClient) -> None:
        """`client` (not yet entered) asks for `windows` (the newest first) once `start` is
        called."""
        self.windows = list(windows)
        self._client = client
        # None: no answer came back whole (the load asks the server itself).
        self._answers: list[Future[RawAnswer | None]] = [Future() for _ in self.windows]
        self._taken: set[int] = set()
        self._lock = threading.Lock()
        self._lifeline: int | None = None  # the write end the child watches
        self.forked = False  # whether the requests run in a child process

    @property
    def window(self) -> TimeRange:
        """The newest window (always prefetched)."""
        return self.windows[0]

    def start(self) -> Prefetch:
        """Ask in a forked child where that is safe, else in a daemon thread; returns self."""
        for answer in self._answers:
            answer.set_running_or_notify_cancel()
        if hasattr(os, "fork") and threading.active_count() == 1 and not _in_event_loop():
            with contextlib.suppress(OSError):  # no pipe or no fork: the thread does it
                self._fork()
                return self
        threading.Thread(target=self._run, name="auditui-prefetch", daemon=True).start()
        return self

    def _run(self) -> None:
        """The thread's life: every request, each answer (or error) into its future."""
        with contextlib.suppress(BaseException):  # a bug: the load meets it again
            asyncio.run(self._fetch(self._settle))
        self._settle_rest()

    def _settle(self, index: int, kind: str, value: Any) -> None:
        answer = self._answers[index]
        if answer.done():
            return
        if kind == "error" and isinstance(value, BaseException):
            answer.set_exception(value)
        else:
            answer.set_result(value if kind == "answer" else None)

    def _settle_rest(self) -> None:
        """No answer for what has none yet (the load asks the server itself)."""
        for index in range(len(self._answers)):
            self._settle(index, "none", None)

    async def _fetch(self, deliver: Deliver) -> None:
        """Every window at once, each outcome delivered as it comes."""

        async def one(index: int, window: TimeRange) -> None:
            try:
                answer = await client.fetch_raw(window.start, window.end)
            except Exception as exc:  # noqa: BLE001 - handed to whoever takes the answer
                deliver(index, "error", exc)
            else:
                deliver(index, "answer", answer)

        async with self._client as client:
            await asyncio.gather(*(one(index, window) for index, window in
                                   enumerate(self.windows)))  # fmt: skip

    def _fork(self) -> None:
        answer_read, answer_write = os.pipe()
        try:
            alive_read, alive_write = os.pipe()
        except OSError:
            os.close(answer_read)
            os.close(answer_write)
            raise
        try:
            pid = os.fork()
        except OSError:
            for fd in (answer_read, answer_write, alive_read, alive_write):
                os.close(fd)
            raise
        if pid == 0:  # the child: never returns into the caller's code
            os.close(answer_read)
            os.close(alive_write)
            self._child(answer_write, alive_read)
        os.close(answer_write)
        os.close(alive_read)
        self._lifeline = alive_write
        self.forked = True
        threading.Thread(target=self._receive, args=(pid, answer_read),
                         name="auditui-prefetch", daemon=True).start()  # fmt: skip

    def _child(self, out: int, alive: int) -> NoReturn:
        """The child's life: ask, send each answer back as it comes, exit (never return)."""
        code = 1
        with contextlib.suppress(BaseException):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTSTP, signal.SIG_IGN)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # never the terminal the browser owns
                os.dup2(devnull, fd)

            def send(index: int, kind: str, value: Any) -> None:
                if kind == "error" and not isinstance(value, AudituiError):
                    kind, value = "none", None  # the load meets it again, if it is real
                data = pack((index, kind, value)) or pack((index, "none", None))
                _write_all(out, _HEADER.pack(len(data)) + data)

            asyncio.run(self._fetch_watched(send, alive))
            code = 0
        os._exit(code)  # no atexit handlers, no flushing the parent's buffers a second time

    async def _fetch_watched(self, deliver: Deliver, alive: int) -> None:
        """`_fetch`, ended at once (with the child) if the parent exits meanwhile."""
        asyncio.get_running_loop().add_reader(alive, os._exit, 0)  # EOF: the parent is gone
        await self._fetch(deliver)

    def _receive(self, pid: int, fd: int) -> None:
        """The parent's reader thread: each answer into its future as it arrives, then no
        answer for the rest, the child reaped."""
        try:
            while (header := _read_exactly(fd, _HEADER.size)) is not None:
                frame = _read_exactly(fd, _HEADER.unpack(header)[0])
                if frame is None:
                    break
                self._deliver_frame(frame)
        except OSError:
            pass
        finally:
            os.close(fd)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            self.close()
            self._settle_rest()

    def _deliver_frame(self, frame: bytes) -> None:
        outcome = unpack(frame)
        if outcome is None:
            return  # unreadable: that window gets no answer (`_settle_rest`)
        index, kind, value = outcome
        if 0 <= index < len(self._answers):
            if kind == "error" and not isinstance(value, AudituiError):
                kind, value = "none", None
            self._settle(index, kind, value)

    def close(self) -> None:
        """End the child if it still runs (the browser has closed); its answers are dropped."""
        with self._lock:
            lifeline, self._lifeline = self._lifeline, None
        if lifeline is not None:
            with contextlib.suppress(OSError):
                os.close(lifeline)

    def take(
        self, start: datetime, end: datetime, client: AuditClient
    ) -> Future[RawAnswer | None] | None:
        """The answer for [start, end) to `client` if it sends the key this was asked with,
        the first time only; else None (the client asks the server itself). The future's
        result may be None, too: nothing came back whole."""
        with self._lock:
            if not client.same_key(self._client):
                return None
            for index, window in enumerate(self.windows):
                if (start, end) == (window.start, window.end) and index not in self._taken:
                    self._taken.add(index)
                    return self._answers[index]
            return None

    @property
    def taken(self) -> bool:
        """Whether a load has taken an answer (for tests and benchmarks)."""
        return bool(self._taken)

    @property
    def answered(self) -> bool:
        """Whether every window's outcome is here (for tests and benchmarks)."""
        return all(answer.done() for answer in self._answers)


def _in_event_loop() -> bool:
    """Whether an event loop runs in this thread (a forked child would inherit it as running)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes from the pipe; None at its end (the child exited) before them."""
    chunks: list[bytes] = []
    left = size
    while left:
        chunk = os.read(fd, min(left, _READ_SIZE))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
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


def unpack(data: bytes) -> tuple[int, str, Any] | None:
    """What `pack` made; None when it cannot be read (no answer: the load asks itself)."""
    try:
        index, kind, value = pickle.loads(data)  # from our own child, over our own pipe
    except Exception:  # noqa: BLE001 - no answer: the load asks the server itself
        return None
    if not isinstance(index, int) or kind not in ("answer", "error", "none"):
        return None
    return index, kind, value
