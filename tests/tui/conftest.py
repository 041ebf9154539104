"""Fixtures of the TUI tests: the seeded demo server, local time in India (UTC+05:30)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditui.demo import DemoServer
from tests.helpers.app import served


@pytest.fixture
def server() -> Iterator[DemoServer]:
    """The seeded demo server (3 days, 120 events a day, ending at `END`), for one test."""
    yield from served()


@pytest.fixture
def kolkata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Asia/Kolkata (UTC+05:30, no DST) for one test, then UTC again."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory (where the export dialog proposes to write), for one test."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder
