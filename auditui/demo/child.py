"""The demo server in a child process: `auditui --demo` generates and answers on another core.

In the browser's own process the demo server's generation (90 days, in a thread) and its
answers would share one interpreter lock with Textual's start and the load; forked off
first thing, before Textual is imported or any thread runs, they use the machine's second
core, and the demo's modules are imported there, not here. This process binds the
listening socket before it forks, so it knows the URL at once and its first request waits
in the socket's backlog until the child serves (nothing here waits for the child). The
child lives exactly as long as its parent: it waits on a pipe whose write end only the
parent holds, so the parent's exit (clean, a signal, `kill -9`) ends it, and on Linux the
kernel ends it with the parent too (`children.die_with_parent`: the prefetch's child,
forked later, holds a copy of that write end). It ignores SIGINT and SIGTSTP (the browser
handles those for the terminal) and reads nothing from the terminal, and runs at a lower
priority (`NICENESS`): where the cores are few, the browser gets them first. Where `fork`
is missing, the server runs in this process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, NoReturn

from auditui.children import die_with_parent
from auditui.demo.address import DEMO_KEY, listening_socket, server_url

# The child's lower scheduling priority: on a small machine (2 cores) the browser's start,
# the prefetch's child and this server's start compete for the cores; the browser, which
# draws the screen, gets them first (measured: rows on screen ~40 ms sooner on 2 cores).
NICENESS = 10


class DemoAddress(NamedTuple):
    """Where the demo server answers, and the key it accepts."""

    url: str
    key: str


@contextlib.contextmanager
def live_demo(**options: Any) -> Iterator[DemoAddress]:
    """A live demo server (`DemoServer.live_demo(**options)`) that runs while the context is
    open: in a forked child when this platform forks, else in this process."""
    if not hasattr(os, "fork"):
        from auditui.demo.server import DemoServer

        with DemoServer.live_demo(**options) as server:
            yield DemoAddress(server.url, server.key)
        return
    host, port = options.pop("host", "127.0.0.1"), options.pop("port", 0)
    listening = listening_socket(host, port)  # a host that is not loopback: ValueError
    try:
        bound_host, bound_port = listening.getsockname()[:2]
        address = DemoAddress(server_url(bound_host, bound_port), options.get("key", DEMO_KEY))
        stop = _fork_server(options, listening)
    finally:
        listening.close()  # the child's copy serves; none is left here once it has gone
    try:
        yield address
    finally:
        stop()


def _fork_server(options: dict[str, Any], listening: socket.socket) -> Callable[[], None]:
    """Fork the child that serves on `listening`; a function that ends it and waits."""
    alive_read, alive_write = os.pipe()  # the child's lifeline: EOF = the parent is gone
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        die_with_parent(parent)  # also when a sibling still holds the lifeline's write end
        os.close(alive_write)
        _serve_until_orphaned(options, listening, alive_read)
    os.close(alive_read)

    def stop() -> None:
        os.close(alive_write)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    return stop


def _serve_until_orphaned(options: dict[str, Any], listening: socket.socket, alive: int
                          ) -> NoReturn:  # fmt: skip
    """The child's life: serve, wait for the parent to go, exit (never return)."""
    code = 1
    with contextlib.suppress(BaseException):  # then its socket closes: requests are refused
        gc.enable()  # a server runs for long: whatever pause the parent's start-up was in
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTSTP, signal.SIG_IGN)
        with contextlib.suppress(OSError):
            os.nice(NICENESS)  # the browser first (a real server is not on its machine)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)  # never reads the terminal the browser owns
        from auditui.demo.server import DemoServer

        DemoServer.live_demo(listening=listening, **options).start()
        while os.read(alive, 1):  # nothing is ever written: b"" once the parent has exited
            pass
        code = 0
    os._exit(code)  # no atexit handlers, no flushing the parent's buffers a second time
