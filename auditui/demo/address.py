"""Where a demo server listens and the key it accepts: what the browser's process needs of
the demo without importing its generator and server (`demo.child`)."""

from __future__ import annotations

import socket

DEMO_KEY = "demo-3f9c2a7e-not-a-secret"
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def check_loopback(host: str) -> str:
    """`host` if the demo may listen there (loopback only), else ValueError; the address to
    bind ("localhost" → 127.0.0.1)."""
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"the demo server only listens on loopback, not {host!r}")
    return "127.0.0.1" if host == "localhost" else host


def server_url(host: str, port: int) -> str:
    """The base URL of a server listening on `host`:`port`."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to loopback `host`:`port` (0: any free port) and listening."""
    address = check_loopback(host)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    return socket.create_server((address, port), family=family, backlog=64)
