"""A child process on a pseudo-terminal, for tests of what a real terminal is left with.

`Terminal(args, env, size)` starts `args` with stdin, stdout and stderr on the slave side
of a fresh pty of `size` (columns, rows), in its own session; `pump`/`wait_output` collect
what it writes, `send` types, `mode()` reads echo and canonical mode back, `wait_exit`
returns the exit code. Standard library only (`pty`, `termios`): Linux and macOS.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from collections.abc import Callable


class Terminal:
    """A child process on a pseudo-terminal of `size` (columns, rows)."""

    def __init__(self, args: list[str], env: dict[str, str], size: tuple[int, int]) -> None:
        self.master, self.slave = pty.openpty()
        columns, rows = size
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.cooked = termios.tcgetattr(self.slave)
        self.output = b""
        self.proc = subprocess.Popen(
            args,
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env=env,
            start_new_session=True,
        )

    def pump(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.output += os.read(self.master, 1 << 16)
                except OSError:
                    return

    def wait_for(self, what: Callable[[], bool], timeout: float = 20.0) -> None:
        end = time.monotonic() + timeout
        while not what():
            if time.monotonic() > end or self.proc.poll() is not None:
                tail = self.output[-2000:]
                raise AssertionError(f"gave up waiting (exit {self.proc.poll()}): {tail!r}")
            self.pump(0.1)

    def wait_output(self, marker: bytes, after: int = 0, timeout: float = 20.0) -> None:
        self.wait_for(lambda: marker in self.output[after:], timeout)

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait_exit(self, timeout: float = 20.0) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            self.pump(0.1)
        self.pump(0.3)
        code = self.proc.poll()
        assert code is not None, f"still running: {self.output[-2000:]!r}"
        return code

    def mode(self) -> tuple[bool, bool]:
        """(echo, canonical) of the terminal now."""
        lflag = termios.tcgetattr(self.slave)[3]
        return bool(lflag & termios.ECHO), bool(lflag & termios.ICANON)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        os.close(self.master)
        os.close(self.slave)
