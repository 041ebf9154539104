"""Scripted faults for the demo server: what goes wrong with the next responses.

Tests push `Fault`s onto a server's `FaultQueue`; each request takes the next one (a fault
with `repeat=n` serves n requests), and requests find the queue empty behave normally.
`parse_fault_spec` reads the compact text form used by the `AUDITUI_DEMO_FAULTS` variable,
e.g. `"status:503*2,delay:1.5,status:429:2,reset"`.

`delay` is the slow first byte (nothing at all, not even the status line, for `seconds`);
`trickle` the slow body (with a Content-Length, or `chunked` without one). `gzip_bomb`
and `huge` are the two ways a body outgrows memory: a small gzip stream that inflates to
`size` bytes, and a plain body of `size` bytes sent without a Content-Length, so only
counting while reading can stop it.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from auditui.errors import UsageError

FAULTS_ENV = "AUDITUI_DEMO_FAULTS"

FaultKind = Literal[
    "status",  # answer `status` with `headers` and `body` (default: a JSON detail)
    "delay",  # wait `seconds`, then answer normally
    "trickle",  # answer normally, but send the body in `chunks` pieces over `seconds`
    # (as HTTP chunks, without a Content-Length, when `chunked`)
    "reset",  # send headers and `fraction` of the body, then reset the connection (RST)
    "truncated",  # Content-Length of the whole body, send `fraction` of it, close (FIN)
    "html",  # `status` (default 200) with a text/html error page
    "content_type",  # the normal answer, but with Content-Type `content_type` (text/plain)
    "ignore_range",  # every event, whatever range the body asks for (a proxy ate the body)
    "raw",  # exactly `status`, `body` and `content_type`
    "gzip_bomb",  # 200, Content-Encoding: gzip, ~1/1000 of `size`: inflates to `size` bytes
    "huge",  # 200, a valid-looking body of `size` bytes, streamed without Content-Length
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)

_DEFAULT_STATUS = {"html": 200, "raw": 200, "gzip_bomb": 200, "huge": 200}
DEFAULT_BIG_SIZE = 3 * 1024**3
"""What `gzip_bomb` inflates to and how much `huge` sends, unless `size` says otherwise."""


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour; `repeat` is how many requests it serves."""

    kind: FaultKind
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    seconds: float = 0.0
    chunks: int = 8
    fraction: float = 0.5
    size: int = DEFAULT_BIG_SIZE
    repeat: int = 1
    chunked: bool = False  # trickle: Transfer-Encoding: chunked instead of a Content-Length

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(FAULT_KINDS)}")
        if self.repeat < 1 or self.chunks < 1:
            raise ValueError("repeat and chunks must be at least 1")
        if not 0.0 <= self.fraction <= 1.0 or self.seconds < 0:
            raise ValueError("fraction must be within [0, 1] and seconds not negative")
        if self.size < 1:
            raise ValueError("size must be at least 1 byte")

    @property
    def status_code(self) -> int:
        """The status this fault answers with (for the kinds that set one)."""
        if self.status is not None:
            return self.status
        return _DEFAULT_STATUS.get(self.kind, 503)


@dataclass
class _Pending:
    fault: Fault
    left: int


class FaultQueue:
    """A thread-safe queue of faults; each request pops the next one, if any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: deque[_Pending] = deque()

    def push(self, *faults: Fault) -> None:
        """Append faults; they apply to the next requests, in order."""
        with self._lock:
            self._items.extend(_Pending(fault, fault.repeat) for fault in faults)

    def clear(self) -> None:
        """Forget every pending fault."""
        with self._lock:
            self._items.clear()

    def pop(self) -> Fault | None:
        """The fault for the request now arriving, or None to behave normally."""
        with self._lock:
            if not self._items:
                return None
            head = self._items[0]
            head.left -= 1
            if head.left <= 0:
                self._items.popleft()
            return head.fault

    def pending(self) -> list[Fault]:
        """The faults still waiting (a repeated one listed once per remaining request)."""
        with self._lock:
            return [item.fault for item in self._items for _ in range(item.left)]

    def __len__(self) -> int:
        with self._lock:
            return sum(item.left for item in self._items)


def _number(text: str, item: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"Bad fault {item!r} in {FAULTS_ENV}: {text!r} is not a number") from None


def _parse_one(item: str) -> Fault:
    spec, star, times = item.partition("*")
    repeat = int(_number(times, item)) if star else 1
    kind, _, rest = spec.strip().partition(":")
    args = rest.split(":", 1) if rest else []
    if kind not in FAULT_KINDS:
        raise UsageError(
            f"Bad fault {item!r} in {FAULTS_ENV}: unknown kind {kind!r} "
            f"(known: {', '.join(FAULT_KINDS)})"
        )
    fault_kind: FaultKind = kind  # type: ignore[assignment]
    first = args[0] if args else None
    second = args[1] if len(args) > 1 else None
    try:
        if kind == "status":
            if first is None:
                raise UsageError(f"Bad fault {item!r} in {FAULTS_ENV}: use status:CODE[:RETRY]")
            headers = {"Retry-After": second} if second else {}
            return Fault(fault_kind, status=int(_number(first, item)), headers=headers,
                         repeat=repeat)  # fmt: skip
        if kind in ("delay", "trickle"):
            seconds = _number(first, item) if first else 1.0
            if second not in (None, "chunked") or (second and kind == "delay"):
                raise UsageError(f"Bad fault {item!r} in {FAULTS_ENV}: use {kind}:SECONDS"
                                 + (":chunked" if kind == "trickle" else ""))  # fmt: skip
            return Fault(fault_kind, seconds=seconds, repeat=repeat, chunked=bool(second))
        if kind in ("reset", "truncated"):
            fraction = _number(first, item) if first else 0.5
            return Fault(fault_kind, fraction=fraction, repeat=repeat)
        if kind == "html":
            status = int(_number(first, item)) if first else None
            return Fault(fault_kind, status=status, repeat=repeat)
        if kind == "content_type":
            return Fault(fault_kind, content_type=rest or "text/plain", repeat=repeat)
        if kind == "raw":
            status = int(_number(first, item)) if first else None
            body = (second or "").encode()
            return Fault(fault_kind, status=status, body=body, repeat=repeat)
        if kind in ("gzip_bomb", "huge"):
            size = int(_number(first, item) * 1024**2) if first else DEFAULT_BIG_SIZE
            return Fault(fault_kind, size=size, repeat=repeat)
        return Fault(fault_kind, repeat=repeat)
    except ValueError as exc:
        raise UsageError(f"Bad fault {item!r} in {FAULTS_ENV}: {exc}") from None


def parse_fault_spec(text: str) -> list[Fault]:
    """Parse `kind[:arg[:arg]][*repeat]` items separated by commas.

    status:CODE[:RETRY_AFTER]  delay:SECONDS  trickle:SECONDS[:chunked]  reset[:FRACTION]
    truncated[:FRACTION]  html[:STATUS]  content_type[:TYPE]  ignore_range  raw:STATUS[:BODY]
    gzip_bomb[:MIB]  huge[:MIB]  (sizes in MiB, default 3 GiB)
    """
    return [_parse_one(item) for item in text.split(",") if item.strip()]


def faults_from_env(env: Mapping[str, str] | None = None) -> list[Fault]:
    """The faults `AUDITUI_DEMO_FAULTS` asks for (none when unset or empty)."""
    environ = os.environ if env is None else env
    return parse_fault_spec(environ.get(FAULTS_ENV, ""))
