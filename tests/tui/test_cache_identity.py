"""The browser never shows cached windows to a key the API refuses (issue 16, item 1).

Two launches against the real demo server, the window cache on: the first fills it with
the demo key; then the server stops accepting that key. The second launch asks the API for
the newest window first, is refused, and asks for a key: no row, no count, no "from cache"
from the first launch's windows. With the key accepted, the second launch shows every
cached window, after one live request.
"""

from __future__ import annotations

from datetime import timedelta

from msgspec.structs import replace

from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer
from auditui.sources.connection import Connection
from auditui.timespec import TimeRange
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.login import LoginDialog
from tests.helpers.app import END, WIDE, at_midday, header, wait_for, wait_loaded

PAST = TimeRange(END - timedelta(days=2, hours=12), END - timedelta(hours=12))  # 2 whole days


def cached_app(server: DemoServer, key: str = DEMO_KEY) -> AuditApp:
    profile = replace(load_settings().profile("default", env={}), concurrency=1)
    connection = Connection(profile, server.url, Credential(key, "test"), use_cache=True)
    return AuditApp(connection, PAST)


def asked(server: DemoServer) -> int:
    return sum(1 for request in server.requests if request.body)


async def fill(server: DemoServer) -> int:
    """Load `PAST` once (both windows fetched and cached); the number of events."""
    first = cached_app(server)
    async with first.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        count = len(first.store)
    assert asked(server) == 2 and count > 0
    return count


async def test_a_refused_key_sees_nothing_from_the_cache(server: DemoServer) -> None:
    with at_midday():
        await fill(server)
        server.key = "another-key-entirely"  # the demo key is revoked
        app = cached_app(server)
        async with app.run_test(size=WIDE) as pilot:
            await wait_for(
                pilot,
                lambda: any(isinstance(s, LoginDialog) for s in app.screen_stack),
                "the login dialog",
            )
            assert not app.loading
            assert len(app.store) == 0 and len(app.view) == 0
            shown = header(app)
            assert "from cache" not in shown and " 0 events" in shown, shown
        assert asked(server) == 3  # the newest window, live: refused


async def test_an_accepted_key_sees_the_cache_after_one_live_request(server: DemoServer) -> None:
    with at_midday():
        count = await fill(server)
        app = cached_app(server)
        async with app.run_test(size=WIDE) as pilot:
            await wait_loaded(pilot)
            assert len(app.store) == count
            assert "1/2 windows from cache" in header(app)
        assert asked(server) == 3
