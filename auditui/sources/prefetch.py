"""The range's windows asked for before the browser starts: its answers ready as it loads.

The browser's first load fetches the range's newest window live (the cache gate) and every
window no cache holds; so the CLI asks for those as soon as it knows the range, while
Textual is imported and the screen is built: the requests, the server's latency and the
HTTP stack's work overlap the start instead of following it, and the browser's load only
decodes. Each window's answer (or error, raised exactly where the load would have raised it:
a 401 still asks for a key) is handed over once, to the first `AuditClient.fetch_window` for
the same window with the same key; any other request goes to the server as before, and so
does a second one for that window (a retry).

The requests keep to the profile's concurrency, newest window first, and run ahead of the
load only so far: answers sent but not yet taken stay under `AHEAD_BYTES` (a window the load
waits for is always asked for, first). After the first error the prefetch asks nothing more
(the load asks for the rest itself, and meets the error again if it is real). `close` ends
it: the browser's first load over the connection calls it when it ends (finished or
cancelled), and answers not taken by then are dropped. While the browser builds its screen
it `hold`s the answers after the first few (as many as a load asks for at once): decoding
them then would delay the first frame.

Where the platform forks and this process runs no other thread yet (the CLI, before the
browser), the requests run in a forked child (`_child`): its HTTP work runs on another
core, not here, where it would compete with Textual's import and the decoding for the
interpreter lock, and the browser imports no HTTP stack before its first live request. The
requests go over asyncio's own streams (`plain_http`) while that goes plainly, else through
httpx: the first one leaves at once, not after httpx's import (~100 ms there). The child
sends back over a pipe, one by one as they arrive, each answer as it came (`api.RawAnswer`:
the decompressed body and its `Date`) or its error (the framing: `prefetch_pipe`); this
process decodes it as it decodes any answer (`AuditClient.fetch_window`). The event loop of
the load that waits for an answer reads the pipe (`wait`; a thread would wait for the
interpreter lock at every read while the loop decodes), and the child is reaped once the
pipe ends. An error that does not cross the pipe whole (not an `AudituiError`, or not
picklable) and a child that dies without answering leave no answer: the load then asks the
server itself. The child runs below the browser's priority (`CHILD_NICENESS`: where both
want a core, the browser starting and decoding gets it), ignores SIGINT and SIGTSTP (the
browser's), never touches the terminal (0, 1 and 2 are /dev/null), exits with `os._exit`,
and dies at once when this process does: it reads the windows taken (`take`) from a second
pipe whose write end only this process holds, and exits at its end; on Linux the kernel
also ends it with this process (`children.die_with_parent`), which covers a child no longer
reading that pipe (seen: children left running, one busy, after a browser was killed).
Elsewhere (no `fork`, or threads already running) the requests run in a daemon thread here,
told of the windows taken by the same kind of pipe.

Only a load of a `Connection` with a key is prefetched (not a file, not the archive-only
path, not a follow), with the profile's usual client: the same retries, timeouts and body
limits. The key stays in the client's memory (the child's copy of it); nothing is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from auditui.children import die_with_parent
from auditui.errors import AudituiError
from auditui.sources.prefetch_pipe import (
    READ_SIZE,
    TAKEN,
    Frame,
    Outbox,
    reap,
    unpack,
    widen,
    write_all,
)

if TYPE_CHECKING:
    from auditui.sources.api import AuditClient, RawAnswer
    from auditui.timespec import TimeRange

_FRAME_SLACK = 1024 * 1024  # a frame holds a body (at most the client's limit) and this
_DRAIN_BYTES = 8 * READ_SIZE  # read at most this much in one go on the event loop
CHILD_NICENESS = 10  # the child's scheduling priority below the browser's
AHEAD_BYTES = 48 * 1024 * 1024  # answers sent but not yet taken, at most (then it waits)

# What one window's request came to: ("answer", RawAnswer), ("error", exception) or
# ("none", None): nothing usable, the load asks the server itself.
Deliver = Callable[[int, str, Any], None]


class _Schedule:
    """Which window to ask for next: one the load waits for, else the next newest while
    the answers not yet taken stay under the budget; nothing more after an error. Each
    step is O(log n) (a range may have up to `windows.MAX_WINDOWS` windows)."""

    def __init__(self, count: int, budget: int) -> None:
        self.count = count
        self.budget = budget
        self.next_in_order = 0  # the newest window not asked for yet, unless `asked` has it
        self.asked: set[int] = set()  # every window asked for so far
        self.waited: list[int] = []  # a heap: taken by the load (it waits for them)
        self.taken: set[int] = set()
        self.untaken: dict[int, int] = {}  # answered, not taken yet: their sizes
        self.untaken_bytes = 0
        self.changed = asyncio.Event()
        self.stopped = False

    def take(self, index: int) -> None:
        if index in self.taken:
            return
        self.taken.add(index)
        heapq.heappush(self.waited, index)
        self.untaken_bytes -= self.untaken.pop(index, 0)
        self.changed.set()

    def answered(self, index: int, size: int) -> None:
        if index not in self.taken:
            self.untaken[index] = size
            self.untaken_bytes += size

    def stop(self) -> None:
        self.stopped = True
        self.changed.set()

    def _claim(self, index: int) -> int:
        self.asked.add(index)
        return index

    async def next(self) -> int | None:
        """The next window to ask for (waiting for room if needed); None when none is left."""
        while not self.stopped:
            while self.waited:  # what the load waits for, first
                index = heapq.heappop(self.waited)
                if index not in self.asked:
                    return self._claim(index)
            while self.next_in_order in self.asked:
                self.next_in_order += 1
            if self.next_in_order >= self.count:
                return None
            if self.untaken_bytes < self.budget:
                return self._claim(self.next_in_order)
            self.changed.clear()
            await self.changed.wait()
        return None


class Prefetch:
    """The range's windows asked for in a forked child (or a daemon thread), each answer
    handed over once (`take`)."""

    def __init__(self, windows: Sequence[TimeRange], client: AuditClient, *,
                 concurrency: int = 4, ahead_bytes: int = AHEAD_BYTES) -> None:  # fmt: skip
        """`client` (not yet entered) asks for `windows` (the newest first), `concurrency`
        at a time, once `start` is called."""
        self.windows = list(windows)
        self._index = {(window.start, window.end): i for i, window in enumerate(self.windows)}
        self._client = client
        self.concurrency = max(1, concurrency)
        self.ahead_bytes = ahead_bytes
        # None: no answer came back whole (the load asks the server itself). A window's
        # future is dropped (None) once taken and settled (the load holds it), or when the
        # prefetch closes before it was taken.
        self._answers: list[Future[RawAnswer | None] | None] = [Future() for _ in self.windows]
        self._taken: set[int] = set()
        self._lock = threading.Lock()
        self._orders: int | None = None  # the write end of the pipe of windows taken
        # The child's answers: the pipe's read end, the child, what came of a frame so far,
        # and the event loop reading it (`wait`).
        self._answers_fd: int | None = None
        self._pid: int | None = None
        self._frame = Frame(client.max_body_bytes + _FRAME_SLACK)
        self._reader: asyncio.AbstractEventLoop | None = None
        self._read_lock = threading.RLock()
        # `hold`: whether the waits after the first `concurrency` are held, how many were
        # handed over, and the held ones (futures of the event loop that waits).
        self._holding = False
        self._handed = 0
        self._parked: list[asyncio.Future[None]] = []
        self.forked = False  # whether the requests run in a child process

    @property
    def window(self) -> TimeRange:
        """The newest window (always prefetched)."""
        return self.windows[0]

    def start(self) -> Prefetch:
        """Ask in a forked child where that is safe, else in a daemon thread; returns self."""
        for answer in self._answers:
            if answer is not None:
                answer.set_running_or_notify_cancel()
        with contextlib.suppress(OSError):  # no pipe: nothing is asked (the load asks)
            orders_read, self._orders = os.pipe()
            if hasattr(os, "fork") and threading.active_count() == 1 and not _in_event_loop():
                with contextlib.suppress(OSError):  # no pipe or no fork: the thread does it
                    self._fork(orders_read)
                    return self
            threading.Thread(target=self._run, args=(orders_read,), name="auditui-prefetch",
                             daemon=True).start()  # fmt: skip
            return self
        self._settle_rest()
        return self

    def _run(self, orders: int) -> None:
        """The thread's life: every request, each answer (or error) into its future."""
        with contextlib.suppress(BaseException):  # a bug: the load meets it again
            asyncio.run(self._fetch_ordered(self._settle_locked, orders, on_closed=None))
        os.close(orders)
        self._settle_rest()

    def _settle(self, index: int, kind: str, value: Any) -> None:
        """Settle window `index`'s future (the caller holds `_lock`). A taken window's
        future is dropped first: the load that waits for it may run on at once, in another
        thread, and its body must go once it is decoded."""
        answer = self._answers[index]
        if answer is None or answer.done():
            return
        if index in self._taken:  # the load holds the only other reference
            self._answers[index] = None
        if kind == "error" and isinstance(value, BaseException):
            answer.set_exception(value)
        else:
            answer.set_result(value if kind == "answer" else None)

    def _settle_locked(self, index: int, kind: str, value: Any) -> None:
        with self._lock:
            self._settle(index, kind, value)

    def _settle_rest(self) -> None:
        """No answer for what has none yet (the load asks the server itself)."""
        with self._lock:
            for index in range(len(self._answers)):
                self._settle(index, "none", None)

    async def _fetch_ordered(self, deliver: Deliver, orders: int,
                             on_closed: Callable[[], None] | None) -> None:  # fmt: skip
        """`_fetch`, told of the windows taken by the `orders` pipe; at its end (the
        prefetch closed, or this process gone) `on_closed` is called, or the requests are
        cancelled."""
        schedule = _Schedule(len(self.windows), self.ahead_bytes)
        fetching = asyncio.current_task()
        received = bytearray()

        def read_orders() -> None:
            try:
                data = os.read(orders, 4096)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(orders)
                if on_closed is not None:
                    on_closed()
                elif fetching is not None:
                    fetching.cancel()
                return
            received.extend(data)
            whole = len(received) - len(received) % TAKEN.size
            for (index,) in TAKEN.iter_unpack(received[:whole]):
                schedule.take(index)
            del received[:whole]

        loop = asyncio.get_running_loop()
        loop.add_reader(orders, read_orders)
        try:
            await self._fetch(deliver, schedule)
        finally:
            loop.remove_reader(orders)

    async def _fetch(self, deliver: Deliver, schedule: _Schedule) -> None:
        """The windows, `concurrency` at a time in the schedule's order, each outcome
        delivered as it comes."""

        async def ask() -> None:
            while (index := await schedule.next()) is not None:
                window = self.windows[index]
                try:
                    answer = await client.fetch_raw(window.start, window.end)
                except Exception as exc:  # noqa: BLE001 - handed to whoever takes the answer
                    schedule.stop()  # the load asks for the rest itself
                    deliver(index, "error", exc)
                    return
                schedule.answered(index, len(answer.body))
                deliver(index, "answer", answer)

        self._client.use_plain_http()  # not httpx (`plain_http`), while that goes plainly
        async with self._client as client:
            await asyncio.gather(*(ask() for _ in range(self.concurrency)))

    def _fork(self, orders: int) -> None:
        answer_read, answer_write = os.pipe()
        widen(answer_write)
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            os.close(answer_read)
            os.close(answer_write)
            raise
        if pid == 0:  # the child: never returns into the caller's code
            die_with_parent(parent)
            os.close(answer_read)
            assert self._orders is not None
            os.close(self._orders)
            self._child(answer_write, orders)
        os.close(answer_write)
        os.close(orders)
        self.forked = True
        self._read_from(answer_read, pid)

    def _child(self, out: int, orders: int) -> NoReturn:
        """The child's life: ask, send each answer back as it comes, exit (never return)."""
        code = 1
        with contextlib.suppress(BaseException):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTSTP, signal.SIG_IGN)
            with contextlib.suppress(OSError):  # the browser first, where both want a core
                os.nice(CHILD_NICENESS)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # never the terminal the browser owns
                os.dup2(devnull, fd)

            async def run() -> None:
                outbox = Outbox(out)
                # At the pipe's end (closed, or the parent gone): exit at once.
                await self._fetch_ordered(outbox.send, orders, on_closed=lambda: os._exit(0))
                await outbox.drained()

            asyncio.run(run())
            code = 0
        os._exit(code)  # no atexit handlers, no flushing the parent's buffers a second time

    def _read_from(self, fd: int, pid: int | None) -> None:
        """Read the answers from `fd` (the child `pid`'s pipe; None: nobody to reap)."""
        os.set_blocking(fd, False)
        self._answers_fd, self._pid = fd, pid

    async def wait(self, answer: Future[RawAnswer | None]) -> RawAnswer | None:
        """A taken answer, once here (and, while `hold` holds them, once released unless it
        is among the first `concurrency`): the running event loop reads the child's pipe
        meanwhile (a thread reading it would wait for the interpreter lock at every read,
        which this loop holds as it decodes the answers before)."""
        if self._holding and self._handed >= self.concurrency:
            parked = asyncio.get_running_loop().create_future()
            self._parked.append(parked)
            await parked
        self._handed += 1
        if not answer.done():
            self._attach(asyncio.get_running_loop())
        return await asyncio.wrap_future(answer)

    def hold(self) -> Callable[[], None]:
        """Hand over the first `concurrency` answers a load waits for (what a load asks for
        at once), the others only once the returned function is called (in the same event
        loop): the browser holds them while its screen is built, which decoding them would
        delay."""
        self._holding = True
        return self._release

    def _release(self) -> None:
        self._holding = False
        parked, self._parked = self._parked, []
        for waiter in parked:
            if not waiter.done():
                waiter.set_result(None)

    @property
    def held(self) -> int:
        """How many waits `hold` holds now (for tests)."""
        return sum(not waiter.done() for waiter in self._parked)

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._read_lock:
            fd = self._answers_fd
            if fd is None or self._reader is loop:
                return
            loop.add_reader(fd, self._drain)
            self._reader = loop
        self._drain()  # what is there already

    def _drain(self) -> None:
        """Deliver the whole answers the pipe holds, never waiting (at most `_DRAIN_BYTES`
        at a time: the loop calls again); at its end, no answer for the rest. Each frame is
        read straight into the buffer `Frame` keeps."""
        with self._read_lock:
            fd = self._answers_fd
            if fd is None:
                return
            ended = False
            budget = _DRAIN_BYTES
            try:
                while budget > 0:
                    read = self._frame.read(fd)
                    if read == 0:
                        ended = True
                        break
                    budget -= read
                    if (whole := self._frame.take()) is not None:
                        with whole:
                            self._deliver_frame(whole)
            except BlockingIOError:
                pass
            except (OSError, ValueError):  # not our child's frames: no answer from them
                ended = True
        if ended:
            self._stop_reading()

    def _stop_reading(self) -> None:
        """Read no more: the pipe closed, the child reaped, no answer for what has none
        (and the buffer the frames were read into, as large as the largest, freed)."""
        with self._read_lock:
            fd, self._answers_fd = self._answers_fd, None
            loop, self._reader = self._reader, None
            pid, self._pid = self._pid, None
            self._frame = Frame(self._frame.limit)
        if fd is not None:
            if loop is not None and _in_event_loop() and asyncio.get_running_loop() is loop:
                loop.remove_reader(fd)
            os.close(fd)
        if pid is not None:
            reap(pid)
        self._end_orders()
        self._settle_rest()

    @property
    def answered(self) -> bool:
        """Whether every window's outcome is here (for tests and benchmarks; reads what the
        child's pipe holds, never waiting)."""
        self._drain()
        return all(answer is None or answer.done() for answer in self._answers)

    def _deliver_frame(self, frame: bytes | memoryview) -> None:
        outcome = unpack(frame)
        if outcome is None:
            return  # unreadable: that window gets no answer (`_settle_rest`)
        index, kind, value = outcome
        if 0 <= index < len(self._answers):
            if kind == "error" and not isinstance(value, AudituiError):
                kind, value = "none", None
            self._settle_locked(index, kind, value)

    def close(self) -> None:
        """Ask no more (the child ends): answers not taken yet are dropped, and the windows
        taken but not answered get no answer (the load asks the server itself)."""
        with self._lock:
            for index in range(len(self._answers)):
                if index not in self._taken:
                    self._answers[index] = None
        self._stop_reading()  # the pipe of windows taken closed too: the child ends

    def _end_orders(self) -> None:
        """Close the pipe of windows taken: the child (or thread) asks no more."""
        with self._lock:
            orders, self._orders = self._orders, None
        if orders is not None:
            with contextlib.suppress(OSError):
                os.close(orders)

    def take(
        self, start: datetime, end: datetime, client: AuditClient
    ) -> Future[RawAnswer | None] | None:
        """The answer for [start, end) to `client` if it sends the key this was asked with,
        the first time only; else None (the client asks the server itself). The future's
        result may be None, too: nothing came back whole."""
        with self._lock:
            index = self._index.get((start, end))
            if index is None or index in self._taken or not client.same_key(self._client):
                return None
            answer = self._answers[index]
            if answer is None:
                return None
            self._taken.add(index)
            if answer.done():  # here already: the load holds the only reference
                self._answers[index] = None
            orders = self._orders
        if orders is not None:  # asked for next, if not yet; no longer ahead
            with contextlib.suppress(OSError):  # the child has ended: nothing to tell
                write_all(orders, TAKEN.pack(index))
        return answer

    @property
    def taken(self) -> bool:
        """Whether a load has taken an answer (for tests and benchmarks)."""
        return bool(self._taken)


def _in_event_loop() -> bool:
    """Whether an event loop runs in this thread (a forked child would inherit it as running)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
