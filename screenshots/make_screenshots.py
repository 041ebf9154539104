"""Make the README's screenshots from demo data: `python screenshots/make_screenshots.py`.

Reproducible: the demo server's data ends at a fixed moment, the range is fixed, times
are shown in UTC, and the header names the built-in demo server rather than its port.
Each screenshot is an SVG written next to this script by `App.save_screenshot`.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
END = datetime(2026, 11, 26, 12, tzinfo=UTC)
SIZE = (160, 48)


def _isolate() -> None:
    """Use a throwaway config/state dir and UTC, so nothing personal leaks into a picture."""
    home = Path(tempfile.mkdtemp(prefix="auditui-shots-"))
    for name in ("CONFIG", "STATE", "CACHE", "DATA"):
        os.environ[f"XDG_{name}_HOME"] = str(home / name.lower())
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    os.environ["TZ"] = "UTC"
    time.tzset()


async def _shoot(
    name: str, prepare: Callable[[object, object], Awaitable[None]] | None = None
) -> Path:
    from auditui.config.credentials import Credential
    from auditui.config.settings import load_settings
    from auditui.demo import DEMO_KEY, DemoServer
    from auditui.sources.connection import Connection
    from auditui.timespec import TimeRange
    from auditui.tui.app import AuditApp

    with DemoServer(end=END, events_per_day=2000, days=3) as server:
        connection = Connection(
            profile=load_settings().profile("default", env={}),
            host=server.url,
            credential=Credential(DEMO_KEY, "the built-in demo server"),
            demo=True,
        )
        app = AuditApp(connection, TimeRange(END - timedelta(days=1), END))
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            while app.loading:
                await pilot.pause(0.05)
            for _ in range(2):  # the timeline's worker starts once the loaded screen is drawn
                await pilot.pause()
                await app.workers.wait_for_complete()
            app.clear_notifications()
            if prepare is not None:
                await prepare(app, pilot)
            await pilot.pause()
            path = HERE / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(HERE))
    return path


async def _detail(app: object, pilot: object) -> None:
    await pilot.press("j", "j", "j", "z")  # type: ignore[attr-defined]


async def _range(app: object, pilot: object) -> None:
    await pilot.press("t")  # type: ignore[attr-defined]


async def _help(app: object, pilot: object) -> None:
    await pilot.press("question_mark")  # type: ignore[attr-defined]


async def _actor(app: object, pilot: object) -> None:
    await pilot.press("j", "j", "a")  # type: ignore[attr-defined]
    for _ in range(3):  # the view computes its rows in a worker
        await pilot.pause(0.1)  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()  # type: ignore[attr-defined]


async def _diff(app: object, pilot: object) -> None:
    await pilot.press("slash", *"action:monitor.update", "enter", "D")  # type: ignore[attr-defined]
    for _ in range(3):  # the diff is computed in a worker
        await pilot.pause(0.1)  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()  # type: ignore[attr-defined]


async def _review(app: object, pilot: object) -> None:
    await pilot.press("j", "m", "j", "j", "m", "R")  # type: ignore[attr-defined]
    for _ in range(3):  # the sessions are computed in a worker
        await pilot.pause(0.1)  # type: ignore[attr-defined]
        await app.workers.wait_for_complete()  # type: ignore[attr-defined]


async def main() -> int:
    _isolate()
    sys.path.insert(0, str(HERE.parent))
    shots = [
        await _shoot("main"),
        await _shoot("detail", _detail),
        await _shoot("range", _range),
        await _shoot("help", _help),
        await _shoot("actor", _actor),
        await _shoot("diff", _diff),
        await _shoot("review", _review),
    ]
    for shot in shots:
        print(f"wrote {shot.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
