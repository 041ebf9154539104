"""The browser reading the local archive: archived days load with no request and no key,
the header says how many events came from the archive, `--archive-only` never logs in.

The demo server records every request; the archive is written with the archive core
(`tests/helpers/archive.py`) from the very events the server serves. The data ends at the
fixed `END`; which archived days are closed is set by `now`, never the wall clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from auditui.archive import ArchivedConnection, open_archive
from auditui.config.credentials import Credential
from auditui.config.settings import load_settings
from auditui.demo import DEMO_KEY, DemoServer, generate_events
from auditui.tui.app import AuditApp
from auditui.tui.dialogs.login import LoginDialog
from tests.helpers.app import (
    DAYS,
    END,
    EVENTS_PER_DAY,
    RANGE,
    WIDE,
    header,
    served,
    wait_for,
    wait_loaded,
)
from tests.helpers.archive import make_archive

pytestmark = pytest.mark.asyncio

LATER = END + timedelta(days=2)  # "now" for the archive: every served day had ended


@pytest.fixture(scope="module")
def served_events() -> list[dict[str, Any]]:
    return generate_events(seed=7, events_per_day=EVENTS_PER_DAY, days=DAYS, end=END)


@pytest.fixture
def recording(served_events: list[dict[str, Any]]) -> Iterator[DemoServer]:
    yield from served(events=served_events)


def in_range(events: list[dict[str, Any]]) -> int:
    stamps = (e["timestamp"].replace("Z", "+00:00") for e in events)
    return sum(1 for s in stamps if RANGE.start <= datetime.fromisoformat(s) < RANGE.end)


def archived_app(
    server: DemoServer,
    root: Path,
    events: list[dict[str, Any]],
    *,
    key: str | None = None,
    archive_only: bool = False,
) -> AuditApp:
    make_archive(root, events, host=server.url, now=LATER)
    profile = load_settings().profile("default", env={})
    connection = ArchivedConnection(
        profile=profile,
        host=server.url,
        credential=None if key is None else Credential(key, "test"),
        demo=True,
        archive=open_archive(profile, server.url, str(root)),
        archive_only=archive_only,
    )
    return AuditApp(connection, RANGE)


async def test_an_archived_range_loads_without_a_request_or_a_key(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    app = archived_app(recording, tmp_path / "archive", served_events)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        assert not isinstance(app.screen, LoginDialog)
        expected = in_range(served_events)
        assert expected > 0 and len(app.store) == expected
        assert f"{expected:,} events · {expected:,} from the archive" in header(app)
        assert "incomplete" not in header(app)
    assert recording.requests == []


async def test_a_range_past_the_archive_fetches_the_rest_and_counts_the_archived_part(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    # the archive holds the range's first UTC day (closed); the second is fetched
    first_day = RANGE.start.date().isoformat()
    older = [e for e in served_events if e["timestamp"][:10] <= first_day]
    app = archived_app(recording, tmp_path / "archive", older, key=DEMO_KEY)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        archived = sum(1 for e in older if e["timestamp"] >= RANGE.start.isoformat()[:19])
        assert len(app.store) == in_range(served_events)
        assert f"· {archived:,} from the archive" in header(app)
    assert len(recording.requests) == 1


async def test_archive_only_never_logs_in_and_says_the_rest_is_not_archived(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    first_day = RANGE.start.date().isoformat()
    older = [e for e in served_events if e["timestamp"][:10] <= first_day]
    app = archived_app(recording, tmp_path / "archive", older, archive_only=True)
    async with app.run_test(size=WIDE) as pilot:
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: "incomplete" in header(app), "the incomplete note")
        assert not isinstance(app.screen, LoginDialog)
        assert "incomplete: 1 of 2 windows failed (not archived)" in header(app)
        assert len(app.store) > 0
    assert recording.requests == []


async def test_without_a_key_a_range_the_archive_does_not_hold_asks_for_one(
    recording: DemoServer, served_events: list[dict[str, Any]], tmp_path: Path
) -> None:
    first_day = RANGE.start.date().isoformat()
    older = [e for e in served_events if e["timestamp"][:10] <= first_day]
    app = archived_app(recording, tmp_path / "archive", older)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LoginDialog), "the login dialog")
    assert recording.requests == []
