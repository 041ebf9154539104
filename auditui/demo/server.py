"""The demo API server: a real HTTP server on loopback serving `GET /api/v1/audit_logs`.

It follows the spec (JSON range body on a GET, `Authorization: Key <key>`, 401/404/405,
FastAPI-shaped 422s) over encoded events (its own are generated in the background, newest
first, and served as soon as a range is covered), records what arrives (and how many
requests it handled at once), and misbehaves on demand through its `FaultQueue`. It has its
own clock (`clock`, `clock_offset`: the `Date` header follows it); live, it shows events as
time passes, some late (`auditui.demo.live`), and `add_events` makes more arrive. It never
logs requests, so the key is never printed.
"""

from __future__ import annotations

import contextlib
import email.utils
import hmac
import json
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast
from urllib.parse import urlsplit

from auditui.demo.address import DEMO_KEY, check_loopback, server_url
from auditui.demo.data import default_end, iter_events
from auditui.demo.encoding import (
    EncodedEvents,
    GrowingEvents,
    IncompleteEvents,
    encode_events,
    gzip_bomb,
    huge_body,
)
from auditui.demo.faults import Fault, FaultQueue
from auditui.demo.live import DEMO_LATE, LateRule, LiveEvents
from auditui.demo.request_body import parse_range
from auditui.timespec import utcnow

ENDPOINT = "/api/v1/audit_logs"
MAX_RECORDED = 1000
MAX_BODY = 1 << 20
LIVE_AHEAD = timedelta(hours=12)  # how far a live demo's data runs past its start
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in - Acme Corporate Proxy</title></head>"
    b"<body><h1>Your session has expired</h1><p>Please sign in again.</p></body></html>"
)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as it arrived (header names lowercased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Reply:
    """A response to send: status, body, content type and extra headers."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None,
                 content_type: str = "application/json") -> None:  # fmt: skip
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type


def _json_reply(status: int, value: Any, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(value, separators=(",", ":")).encode(), headers)


def _detail(status: int) -> _Reply:
    return _json_reply(status, {"detail": HTTPStatus(status).phrase})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], demo: DemoServer,
                 listening: socket.socket | None = None) -> None:  # fmt: skip
        self.demo = demo
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler, bind_and_activate=listening is None)
        if listening is not None:  # bound and listening already (`demo.child`)
            self.socket.close()
            self.socket = listening
            self.server_address = listening.getsockname()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the client went away (often on purpose in tests): nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DatafoldDemo/1.0"
    sys_version = ""
    timeout = 60

    @property
    def demo(self) -> DemoServer:
        return cast(_HTTPServer, self.server).demo

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines and headers (with the key) are never printed."""

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The `Date` header: the server's clock (its offset included), not this machine's."""
        if timestamp is not None:
            return super().date_time_string(timestamp)
        return email.utils.format_datetime(self.demo.now().astimezone(UTC), usegmt=True)

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm holds
        # the body until the client's delayed ACK (40 ms per request on loopback).
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.demo._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.demo._track(self.connection, add=False)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.strip().isdigit() or int(length) > MAX_BODY:
            return None
        return self.rfile.read(int(length))

    def _dispatch(self) -> None:
        self._counted = self.demo._enter()
        try:
            self._handle()
        finally:
            self._leave()

    def _leave(self) -> None:
        """This request no longer counts as in flight (once): called just before the last
        bytes of its reply are written, so a client that waits for the reply before its next
        request is never seen overlapping."""
        if self._counted:
            self._counted = False
            self.demo._exit()

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.demo._record(RecordedRequest(self.command, self.path, headers, body or b""))
        if body is None:
            self.close_connection = True
            self._send(_json_reply(400, {"detail": "Bad request body"}), None)
            return
        fault = self.demo.faults.pop()
        if fault is not None and fault.kind in ("status", "html", "raw"):
            self._send(_fault_reply(fault), fault)
            return
        if fault is not None and fault.kind in ("gzip_bomb", "huge"):
            self._send_big(fault)
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        reply = self._answer(body, ignore_range=fault is not None and fault.kind == "ignore_range")
        if fault is not None and fault.kind == "content_type":
            reply.content_type = fault.content_type or "text/plain"
        encoded = self.demo.encoded
        with encoded.priority() if isinstance(encoded, GrowingEvents) else nullcontext():
            self._send(reply, fault)  # while generation (if any) gives way

    def _answer(self, body: bytes, *, ignore_range: bool) -> _Reply:
        if urlsplit(self.path).path != ENDPOINT:
            return _detail(404)
        if self.command != "GET":
            return _json_reply(405, {"detail": "Method Not Allowed"}, {"Allow": "GET"})
        given = self.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Key {self.demo.key}".encode()):
            return _json_reply(401, {"detail": "Authentication failed"})
        bounds = (None, None) if ignore_range else parse_range(body)
        if isinstance(bounds, list):
            return _json_reply(422, {"detail": bounds})
        try:
            return _Reply(200, self.demo.events.body(*bounds))
        except IncompleteEvents as exc:  # stopping, or the generator failed
            return _json_reply(503, {"detail": str(exc)})

    def _send(self, reply: _Reply, fault: Fault | None) -> None:
        kind = fault.kind if fault is not None else None
        chunked = kind == "trickle" and fault is not None and fault.chunked
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.command == "HEAD" or not reply.body or reply.status >= 300:
            self._leave()  # a client may go on once it has an error's status line
        self.end_headers()
        if self.command == "HEAD":
            return
        if kind == "trickle" and fault is not None:
            step = -(-len(reply.body) // fault.chunks) or 1
            for at in range(0, len(reply.body), step):
                time.sleep(fault.seconds / fault.chunks)
                piece = reply.body[at : at + step]
                if at + step >= len(reply.body) and not chunked:
                    self._leave()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                self._leave()
                self.wfile.write(b"0\r\n\r\n")
        elif kind in ("reset", "truncated") and fault is not None:
            self._leave()
            self.wfile.write(reply.body[: int(len(reply.body) * fault.fraction)])
            self.close_connection = True
            if kind == "reset":
                self._reset()
        else:
            self._leave()
            self.wfile.write(reply.body)

    def _send_big(self, fault: Fault) -> None:
        """A body that outgrows memory: a gzip bomb, or a huge body without Content-Length."""
        self.close_connection = True
        self.send_response(fault.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        if fault.kind == "gzip_bomb":
            bomb = gzip_bomb(fault.size)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(bomb)))
            chunks: Iterable[bytes] = (bomb[at : at + 65536] for at in range(0, len(bomb), 65536))
        else:
            chunks = huge_body(fault.size)  # ends with the connection: no Content-Length
        self._leave()  # a body this big is not waited for whole: it no longer counts
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in chunks:  # a client that gives up makes this raise (ignored, see above)
            self.wfile.write(chunk)

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER 0 makes the close send RST instead of FIN."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()  # marks it closed; the fd goes when rfile lets go of it
        self.rfile.close()


def _fault_reply(fault: Fault) -> _Reply:
    status = fault.status_code
    if fault.kind == "html":
        return _Reply(status, fault.body or HTML_PAGE, dict(fault.headers), "text/html")
    if fault.kind == "raw":
        content_type = fault.content_type or "application/json"
        return _Reply(status, fault.body or b"", dict(fault.headers), content_type)
    body = fault.body
    if body is None:
        body = json.dumps({"detail": HTTPStatus(status).phrase}).encode()
    return _Reply(status, body, dict(fault.headers), fault.content_type or "application/json")


class DemoServer:
    """The demo API on loopback; `start()` serves in a daemon thread.

    Given no `events`, it generates its own (seeded) in a background thread, newest first,
    and answers a range as soon as generation has gone past its start: the last day of a
    90-day set is served after about 1/90 of the work. Given events, it encodes them now.

    Its now is `clock()` (default: `timespec.utcnow`) plus `clock_offset` (a server clock
    ahead of this machine's is positive). `live` shows only events stamped at or before its
    now, each of the `late` rules' share some minutes after its time (`live.DEMO_LATE` is the
    demo's); `add_events` inserts more at any time. `request_count` and `max_in_flight` (the
    most requests handled at once) count since start or `reset_counts()`. Given `listening`
    (a loopback socket already bound and listening: `demo.child`), it serves on that one.
    """

    def __init__(self, events: Iterable[dict[str, Any]] | EncodedEvents | None = None, *,
                 key: str = DEMO_KEY, host: str = "127.0.0.1", port: int = 0, seed: int = 7,
                 events_per_day: int = 2000, days: int = 90, end: datetime | None = None,
                 faults: Iterable[Fault] = (), clock: Callable[[], datetime] | None = None,
                 clock_offset: timedelta = timedelta(0), live: bool = False,
                 late: Iterable[LateRule] = (),
                 listening: socket.socket | None = None) -> None:  # fmt: skip
        address = check_loopback(host)
        self.clock = clock
        self.clock_offset = clock_offset
        late = tuple(late)
        encoded: EncodedEvents | GrowingEvents
        top = end if end is not None else default_end()
        if events is None:
            stream = iter_events(seed=seed, events_per_day=events_per_day, days=days, end=top)
            self.total_events = events_per_day * days
        else:
            encoded = events if isinstance(events, EncodedEvents) else encode_events(events)
            self.total_events = len(encoded)
        self.key = key
        self.faults = FaultQueue()
        self.faults.push(*faults)
        self.requests: list[RecordedRequest] = []
        self.request_count = 0
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._httpd = _HTTPServer((address, port), self, listening)
        if events is None:  # only now that the port is ours: nothing to clean up on failure
            encoded = GrowingEvents(stream, top=top)
        self.events = LiveEvents(encoded, now=self.now, live=live, late=late)
        bound_host, bound_port = self._httpd.server_address[:2]
        self.host = bound_host if isinstance(bound_host, str) else bound_host.decode()
        self.port = int(bound_port)
        self.url = server_url(self.host, self.port)

    @property
    def encoded(self) -> EncodedEvents | GrowingEvents:
        """The events served (before live mode and added events are applied)."""
        return self.events.base

    @encoded.setter
    def encoded(self, value: EncodedEvents | GrowingEvents) -> None:
        """Serve other events from now on (a test: the API's answer changed)."""
        self.events.base = value

    @classmethod
    def live_demo(cls, **options: Any) -> DemoServer:
        """The server `auditui --demo` and `auditui demo-server` run: live, with the demo's
        late arrivals, its data running `LIVE_AHEAD` past the next whole hour so that new
        events keep arriving (every minute or so on a working day at 2000 a day)."""
        options.setdefault("live", True)
        options.setdefault("late", DEMO_LATE)
        options.setdefault("end", default_end() + LIVE_AHEAD)
        return cls(**options)

    @property
    def event_count(self) -> int:
        """The events ready to serve (added ones included): all, or so far while generating.

        Live, some of them may not show yet.
        """
        return len(self.events)

    @property
    def live(self) -> bool:
        """Whether only events up to the server's now (and not late) are shown."""
        return self.events.live

    def now(self) -> datetime:
        """The server's clock: `clock()` (or this machine's UTC now) plus `clock_offset`."""
        moment = (self.clock or utcnow)()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment + self.clock_offset

    def add_events(self, events: Iterable[dict[str, Any]], *,
                   visible_at: datetime | None = None) -> int:  # fmt: skip
        """Make `events` arrive now (any timestamps; thread-safe); how many were added.

        With `visible_at` (server clock: compare with `now()`) they show only from then on:
        an event that arrives late, or with an old timestamp, as a test wants it.
        """
        return self.events.add(events, visible_at=visible_at)

    @property
    def in_flight(self) -> int:
        """The requests being handled right now."""
        with self._lock:
            return self._in_flight

    def reset_counts(self) -> None:
        """Start counting afresh: `request_count` 0, `requests` emptied, `max_in_flight` the
        requests being handled now."""
        with self._lock:
            self.request_count = 0
            self.requests.clear()
            self.max_in_flight = self._in_flight

    def _enter(self) -> bool:
        with self._lock:
            self.request_count += 1
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        return True

    def _exit(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def ready(self) -> bool:
        """Whether every event is ready (always, unless still generating)."""
        return not isinstance(self.encoded, GrowingEvents) or self.encoded.ready

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait (at most `timeout` seconds) until every event is ready; whether they are.

        False once `stop()` has interrupted generation.
        """
        if isinstance(self.encoded, GrowingEvents):
            return self.encoded.wait_ready(timeout)
        return True

    def wait(self) -> None:
        """Block until `stop()` is called from another thread; Ctrl+C raises promptly."""
        while not self._stopped.wait(0.5):
            pass  # short waits: the main thread sees KeyboardInterrupt within half a second

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)
            if len(self.requests) > MAX_RECORDED:
                del self.requests[: len(self.requests) - MAX_RECORDED]

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def start(self) -> DemoServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                name="auditui-demo-server", daemon=True,
            )  # fmt: skip
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI's foreground mode)."""
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and generating, drop open connections, release the port (idempotent)."""
        self._stopped.set()
        if isinstance(self.encoded, GrowingEvents):
            self.encoded.close()  # within a batch; requests still waiting for events get 503
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                continue  # already closed by its handler: nothing left to drop
        self._httpd.server_close()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        self.stop()
