"""`auditui fetch` and the cache bound to the key, as subprocesses (issue 16, item 1).

The cache is filled with the demo key; then the server (the real demo server on loopback)
stops accepting it. The same command must fail with one line and print no event, after
asking the server; another organisation's key on the same host must fetch every window
live; the first key, accepted again, asks for the newest window only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from auditui.demo import DEMO_KEY, DemoServer

OTHER_KEY = "other-org-5d2e8a1c"
TODAY = datetime.now(UTC).date()
SPAN = ("--from", str(TODAY - timedelta(days=10)), "--to", str(TODAY - timedelta(days=3)))


def fetch(server: DemoServer, key: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": key}
    env.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "auditui", "fetch", *SPAN],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def asked(server: DemoServer) -> int:
    return sum(1 for request in server.requests if request.body)


def test_a_cache_filled_with_one_key_is_not_read_with_another(demo_server: DemoServer) -> None:
    first = fetch(demo_server, DEMO_KEY)
    assert first.returncode == 0 and first.stdout and first.stderr == "", first.stderr
    windows = asked(demo_server)  # one request per day
    assert windows >= 7

    demo_server.key = OTHER_KEY  # the demo key is revoked; another organisation's is valid
    refused = fetch(demo_server, DEMO_KEY)
    assert refused.returncode == 1 and refused.stdout == ""
    [line] = refused.stderr.splitlines()
    assert line.startswith("auditui: error: Authentication failed (HTTP 401)"), line
    assert DEMO_KEY not in refused.stderr
    assert asked(demo_server) == windows + 1  # the newest window was asked for, and refused

    other = fetch(demo_server, OTHER_KEY)
    assert other.returncode == 0 and other.stdout == first.stdout, other.stderr
    assert asked(demo_server) == 2 * windows + 1  # nothing came from the first key's cache

    demo_server.key = DEMO_KEY
    again = fetch(demo_server, DEMO_KEY)
    assert again.returncode == 0 and again.stdout == first.stdout, again.stderr
    assert asked(demo_server) == 2 * windows + 2  # the newest window live, the rest cached
