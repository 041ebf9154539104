"""The demo server in a child process: `auditui --demo` generates and answers on another core.

In the browser's own process the demo server's generation (90 days, in a thread) and its
answers would share one interpreter lock with Textual's start and the load; forked off
first thing, before Textual is imported or any thread runs, they use the machine's second
core, and the demo's modules are imported there, not here. The child lives exactly as long
as its parent: it waits on a pipe whose write end only the parent holds, so the parent's
exit (clean, a signal, `kill -9`) ends it. It ignores SIGINT and SIGTSTP (the browser
handles those for the terminal) and reads nothing from the terminal. Where `fork` is
missing, or the child cannot start its server, the server runs in this process as before.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, NoReturn

_MESSAGE_LIMIT = 1024  # bytes: a loopback URL and the demo key are far shorter


class DemoAddress(NamedTuple):
    """Where the demo server answers, and the key it accepts."""

    url: str
    key: str


@contextlib.contextmanager
def live_demo(**options: Any) -> Iterator[DemoAddress]:
    """A live demo server (`DemoServer.live_demo(**options)`) that runs while the context is
    open: in a forked child when this platform forks, else in this process."""
    address, stop = _fork_server(options) if hasattr(os, "fork") else (None, None)
    if address is None or stop is None:
        from auditui.demo.server import DemoServer

        with DemoServer.live_demo(**options) as server:
            yield DemoAddress(server.url, server.key)
        return
    try:
        yield address
    finally:
        stop()


def _fork_server(
    options: dict[str, Any],
) -> tuple[DemoAddress | None, Callable[[], None] | None]:
    """Fork the child; where it answers and a function that ends it, or (None, None)."""
    alive_read, alive_write = os.pipe()  # the child's lifeline: EOF = the parent is gone
    url_read, url_write = os.pipe()  # the child's one message: its URL, or nothing
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        os.close(alive_write)
        os.close(url_read)
        _serve_until_orphaned(options, alive_read, url_write)
    os.close(alive_read)
    os.close(url_write)
    address = _read_address(url_read)

    def stop() -> None:
        os.close(alive_write)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    if address is None:
        stop()
        return None, None
    return address, stop


def _read_address(fd: int) -> DemoAddress | None:
    """The child's one message (`URL KEY`), read to its end: None if it had none."""
    message = b""
    with contextlib.suppress(OSError):
        while (chunk := os.read(fd, _MESSAGE_LIMIT)) and len(message) < _MESSAGE_LIMIT:
            message += chunk
    os.close(fd)
    parts = message.decode("utf-8", "replace").split()
    if len(parts) != 2 or not parts[0].startswith("http://"):
        return None
    return DemoAddress(*parts)


def _serve_until_orphaned(options: dict[str, Any], alive: int, address_out: int) -> NoReturn:
    """The child's life: serve, say where, wait for the parent to go, exit (never return)."""
    code = 1
    with contextlib.suppress(BaseException):  # the parent then gets no address: serves itself
        gc.enable()  # a server runs for long: whatever pause the parent's start-up was in
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTSTP, signal.SIG_IGN)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)  # never reads the terminal the browser owns
        from auditui.demo.server import DemoServer

        server = DemoServer.live_demo(**options)  # listening: connections wait in its backlog
        os.write(address_out, f"{server.url} {server.key}".encode())
        os.close(address_out)
        server.start()
        while os.read(alive, 1):  # nothing is ever written: b"" once the parent has exited
            pass
        code = 0
    os._exit(code)  # no atexit handlers, no flushing the parent's buffers a second time
