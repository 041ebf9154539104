"""The window cache is bound to the key that filled it (issue 16, item 1).

Against the real demo server on loopback, through `Connection` (what `auditui fetch` and the
TUI both read): windows cached with key A are never read with another key (a miss, fetched
live), every load asks the API for its newest window before any cached window is given
out, and when that request is refused (401) nothing from the cache comes out at all. The
demo server accepts one key, `server.key`: changing it revokes the old one.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace

from auditui.cli.cache import cache_info
from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.errors import AuthError, ServerError
from auditui.events import AuditEvent
from auditui.paths import state_dir
from auditui.sources.cache import default_root, encode_window_file, read_index
from auditui.sources.cache_gate import UnconfirmedCache
from auditui.sources.cache_identity import install_secret, key_identity, secret_file
from auditui.sources.connection import Connection
from auditui.sources.windows import Progress, WindowBatch, split_windows
from auditui.timespec import TimeRange
from tests.helpers.app import END, served

OTHER_KEY = "other-org-5d2e8a1c"
# Fixed dates, not the wall clock's: the seeded demo data ends at `END` (2026-11-26 12:00
# UTC); the range is whole days well before it, long settled (the cache keeps only those).
TODAY = END.replace(hour=0, minute=0, second=0, microsecond=0)
PAST = TimeRange(TODAY - timedelta(days=10), TODAY - timedelta(days=3))  # 7 whole days
WINDOWS = len(split_windows(PAST, timedelta(days=1)))


@pytest.fixture
def demo_server() -> Iterator[DemoServer]:
    """The seeded demo data of the 14 days before `END` (this module's own server)."""
    yield from served(days=14)


def connect(server: DemoServer, key: str = DEMO_KEY) -> Connection:
    profile = replace(load_settings().profile("default", env={}), concurrency=2)
    return Connection(profile, server.url, Credential(key, "test"), use_cache=True)


def asked(server: DemoServer) -> int:
    """How many log requests the server has seen."""
    return sum(1 for request in server.requests if request.body)


async def stream(connection: Connection, progress: list[Progress]) -> list[WindowBatch]:
    return [batch async for batch in connection.stream(PAST, progress.append)]


@pytest.fixture
def filled(demo_server: DemoServer) -> list[str]:
    """The range loaded once with the demo key (every window fetched and cached)."""
    result = asyncio.run(connect(demo_server).load(PAST))
    assert result.windows == WINDOWS and result.cached_windows == 0
    assert asked(demo_server) == WINDOWS
    return [event.event_uuid for event in result.events]


def test_the_identity_is_a_keyed_hash_never_the_key() -> None:
    host = "https://app.datafold.com"
    one = key_identity(host, DEMO_KEY)
    assert one == key_identity(host, DEMO_KEY) and len(one) == 32
    assert one != key_identity(host, OTHER_KEY) != key_identity(host + "x", OTHER_KEY)
    plain = {hashlib.sha256(DEMO_KEY.encode()).hexdigest(), hashlib.blake2b(DEMO_KEY.encode())}
    assert DEMO_KEY not in one and not any(one in str(value) for value in plain)
    secret = secret_file()
    assert secret.parent == state_dir() and default_root() not in secret.parents
    assert secret.stat().st_mode & 0o777 == 0o600 and len(secret.read_bytes()) == 32
    assert install_secret() == secret.read_bytes()  # made once, then read
    assert key_identity(host, DEMO_KEY, secret=bytes(32)) != one  # another install's secret


def test_a_damaged_secret_is_replaced() -> None:
    secret_file().parent.mkdir(parents=True, exist_ok=True)
    secret_file().write_bytes(b"short")
    assert len(install_secret()) == 32 and len(secret_file().read_bytes()) == 32


async def test_a_revoked_key_gets_nothing_from_the_cache(
    demo_server: DemoServer, filled: list[str]
) -> None:
    demo_server.key = OTHER_KEY  # the demo key is revoked
    before = asked(demo_server)
    progress: list[Progress] = []
    with pytest.raises(AuthError, match="HTTP 401"):
        await connect(demo_server).load(PAST, progress.append)
    assert asked(demo_server) == before + 1  # the newest window, live
    assert progress == []  # not even a count of cached events
    batches = await stream(connect(demo_server), progress)
    assert [type(batch.error) for batch in batches] == [AuthError]
    assert batches[0].events == [] and not batches[0].cached and progress == []
    assert asked(demo_server) == before + 2


async def test_another_key_on_the_same_host_misses_and_fetches_live(
    demo_server: DemoServer, filled: list[str]
) -> None:
    demo_server.key = OTHER_KEY  # another organisation's key, valid on this server
    before = asked(demo_server)
    result = await connect(demo_server, OTHER_KEY).load(PAST)
    assert result.cached_windows == 0 and asked(demo_server) == before + WINDOWS
    assert [event.event_uuid for event in result.events] == filled
    assert len({entry.identity for entry in read_index(default_root()).values()}) == 2


async def test_the_same_key_fetches_the_newest_window_live_then_reads_the_cache(
    demo_server: DemoServer, filled: list[str]
) -> None:
    before = asked(demo_server)
    result = await connect(demo_server).load(PAST)
    assert asked(demo_server) == before + 1
    assert result.cached_windows == WINDOWS - 1
    assert [event.event_uuid for event in result.events] == filled
    progress: list[Progress] = []
    batches = await stream(connect(demo_server), progress)
    assert asked(demo_server) == before + 2
    assert [batch.cached for batch in batches] == [False] + [True] * (WINDOWS - 1)
    assert batches[0].window == split_windows(PAST, timedelta(days=1))[0]  # the newest
    assert progress[-1].windows_done == WINDOWS and progress[-1].cached_windows == WINDOWS - 1
    assert all(p.windows_done > p.cached_windows for p in progress)


async def test_cached_windows_stay_hidden_when_no_request_succeeds(
    demo_server: DemoServer, filled: list[str]
) -> None:
    demo_server.faults.push(Fault("status", status=500))  # the live window fails (not retried)
    progress: list[Progress] = []
    batches = await stream(connect(demo_server), progress)
    assert isinstance(batches[0].error, ServerError)
    assert all(isinstance(batch.error, UnconfirmedCache) for batch in batches[1:])
    assert len(batches) == WINDOWS and not any(batch.events for batch in batches)
    assert progress == []
    message = str(batches[1].error)
    assert "not shown" in message and "\n" not in message


def old_layout(server: DemoServer, planted: list[AuditEvent]) -> Path:
    """A cache folder as the previous auditui wrote it: per profile + host, no key."""
    folder = default_root() / f"default-{hashlib.sha256(server.url.encode()).hexdigest()[:16]}"
    folder.mkdir(parents=True)
    (folder / "scope.json").write_text(json.dumps({"profile": "default", "host": server.url}))
    for window in split_windows(PAST, timedelta(days=1)):
        stamp = window.start.strftime("%Y%m%dT%H%M%S.%fZ")
        name = f"{stamp}_{window.end.strftime('%Y%m%dT%H%M%S.%fZ')}.win"
        (folder / name).write_bytes(encode_window_file(window, planted))
    return folder


async def test_windows_of_the_unscoped_layout_are_never_served_and_are_swept(
    demo_server: DemoServer,
) -> None:
    planted = [AuditEvent(timestamp=PAST.start, event_uuid="planted", client_ip="::1", url="/")]
    folder = old_layout(demo_server, planted)
    result = await connect(demo_server).load(PAST)
    assert result.cached_windows == 0 and asked(demo_server) == WINDOWS
    assert "planted" not in {event.event_uuid for event in result.events}
    assert not folder.exists()


def test_cache_info_tells_keys_apart_without_showing_them(
    demo_server: DemoServer, filled: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    demo_server.key = OTHER_KEY
    asyncio.run(connect(demo_server, OTHER_KEY).load(PAST))
    assert cache_info(argparse.Namespace(profile=None)) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("default · ")]
    assert len(lines) == 2 and all(f"{WINDOWS} windows" in line for line in lines)
    tags = {line.rsplit("key #", 1)[1] for line in lines}
    assert len(tags) == 2 and DEMO_KEY not in out and OTHER_KEY not in out
