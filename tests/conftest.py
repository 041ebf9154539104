"""Fixtures every test shares: isolated user dirs and env, the demo server, the keyring.

The autouse `isolated_environment` fixture points platformdirs (XDG_*) and HOME at a
temporary folder, removes DATAFOLD_* variables and selects keyring's `fail` backend, so no
test reads or writes the developer's real config, cache, state or keyring; local time is
UTC (TZ, applied with `time.tzset()`), whatever test ran before in the same process. Tests
that need a real keyring ask for `secret_service` (gnome-keyring in a private D-Bus
session). Everything here is per test or per process, so the suite runs under
pytest-xdist (each worker has its own demo data and its own keyring daemons). Hypothesis
runs without its per-example deadline (no timed assertions).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["tests.helpers.demo", "tests.helpers.keyring_service"]

# No time limit per Hypothesis example: a deadline is a timed assertion, and the machines
# the suite runs on are shared and noisy (the examples themselves stay small).
settings.register_profile("auditui", deadline=None)
settings.load_profile("auditui")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject's addopts): two workers per core. Most tests wait on a Pilot
    pause, loopback HTTP or a subprocess rather than compute, so a core serves two."""
    return 2 * (os.cpu_count() or 1)


_ISOLATED_VARS = (
    "DATAFOLD_API_KEY",
    "DATAFOLD_APIKEY",
    "DATAFOLD_HOST",
    "AUDITUI_PROFILE",
    "AUDITUI_CONFIG",
    "AUDITUI_DEMO_FAULTS",
    "PAGER",
    "EDITOR",
    "VISUAL",
    "NO_COLOR",
)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Give each test its own HOME and XDG dirs and a keyring that refuses everything."""
    home = tmp_path / "home"
    for sub in ("config", "cache", "state", "data"):
        (home / sub).mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()  # local time is UTC whatever ran before in this worker, and on any machine
    for name in _ISOLATED_VARS:
        monkeypatch.delenv(name, raising=False)
    import keyring.core

    keyring.core._keyring_backend = None  # re-read PYTHON_KEYRING_BACKEND
    yield home
    keyring.core._keyring_backend = None
