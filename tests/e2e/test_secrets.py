"""The API key never leaks (issue 6, section 4).

Every command and the App's flows run with one known key; then stdout, stderr, the
terminal's output, every file under the isolated HOME (config, cache, state, logs; all but
the opted-in 0600 key file), the snapshot and screenshot SVGs, the clipboard and the
command lines of all running processes (`/proc/*/cmdline`, read while they run) are
searched for it. The key travels only on stdin, in the environment or in the
`Authorization` header to the configured host.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault
from tests.helpers.app import (
    demo_server,
    make_app,
    messages,
    screen_text,
    served,
    settle,
    wait_loaded,
)
from tests.helpers.keyring_service import SecretServiceHandle
from tests.helpers.terminal import Terminal

KEY = "dfk_known_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[DemoServer]:
    yield from served(key=KEY)


def run(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full = dict(env)
    full.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "auditui", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=full,
        timeout=60,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def files_holding(root: Path, secret: str, *, exclude: tuple[Path, ...] = ()) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        usable = path.is_file() and not path.is_symlink() and path not in exclude
        if usable and secret.encode() in path.read_bytes():
            found.append(path)
    return found


def cmdlines_holding(secret: str) -> list[str]:
    found = []
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = path.read_bytes()
        except OSError:
            continue  # the process ended meanwhile
        if secret.encode() in line:
            found.append(line.replace(b"\0", b" ").decode(errors="replace"))
    return found


def outputs(*results: subprocess.CompletedProcess[str]) -> str:
    return "".join(result.stdout + result.stderr for result in results)


def test_every_command_with_the_keyring_keeps_the_key_to_itself(
    server: DemoServer, secret_service: SecretServiceHandle, isolated_environment: Path
) -> None:
    env = {**secret_service.env, "DATAFOLD_HOST": server.url}
    env.pop("DATAFOLD_API_KEY", None)
    login = run("login", "--stdin", env=env, stdin=KEY + "\n")
    assert login.returncode == 0, login.stderr
    assert secret_service.secret("default") == KEY
    export = isolated_environment / "export.csv"
    results = [
        login,
        run("status", env=env),
        run("fetch", "--since", "2d", env=env),
        run("fetch", "--since", "2d", "--format", "csv", "--output", str(export), env=env),
        run("fetch", "--debug", "--since", "1h", env={**env, "DATAFOLD_API_KEY": KEY + "x"}),
    ]
    server.faults.push(Fault("status", status=500, repeat=9))
    results.append(run("--no-cache", "fetch", "--debug", "--since", "1h", env=env))
    assert "Traceback" in results[-1].stderr  # --debug shows it, without the key
    server.faults.clear()
    # while a slow fetch runs: no command line anywhere holds the key
    server.faults.push(Fault("delay", seconds=2.0))
    slow = subprocess.Popen(
        [sys.executable, "-m", "auditui", "--no-cache", "fetch", "--since", "1h"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while len(server.requests) < 8 and slow.poll() is None:
            assert cmdlines_holding(KEY) == []
        assert cmdlines_holding(KEY) == []
    finally:
        out, err = slow.communicate(timeout=30)
    assert slow.returncode == 0, err
    logout = run("logout", env=env)
    assert logout.returncode == 0 and secret_service.secret("default") is None
    results.append(logout)
    after = run("status", env=env)
    assert "no key" in after.stdout.lower() or "not" in after.stdout.lower()
    assert KEY not in outputs(*results, after) + out + err
    assert export.is_file() and files_holding(isolated_environment, KEY) == []
    assert all(r.headers["authorization"] in (f"Key {KEY}", f"Key {KEY}x") for r in server.requests)


def test_the_insecure_file_is_private_and_refused_when_others_can_read_it(
    server: DemoServer, isolated_environment: Path
) -> None:
    env = {**os.environ, "DATAFOLD_HOST": server.url}
    login = run("login", "--stdin", "--insecure-storage", env=env, stdin=KEY + "\n")
    assert login.returncode == 0, login.stderr
    [stored] = files_holding(isolated_environment, KEY)
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.parent.stat().st_mode & 0o777 == 0o700
    fetched = run("fetch", "--since", "1d", env=env)
    assert fetched.returncode == 0, fetched.stderr
    for mode in (0o640, 0o604, 0o660, 0o644):
        stored.chmod(mode)
        refused = run("fetch", "--since", "1d", env=env)
        assert refused.returncode == 1 and "chmod 600" in refused.stderr, oct(mode)
        assert KEY not in refused.stderr
    stored.chmod(0o600)
    logout = run("logout", env=env)
    assert logout.returncode == 0 and not stored.exists()
    assert KEY not in outputs(login, fetched, logout)
    assert files_holding(isolated_environment, KEY) == []


def test_demo_server_and_the_demo_never_touch_a_real_key(isolated_environment: Path) -> None:
    env = {**os.environ, "DATAFOLD_API_KEY": KEY, "TERM": "xterm-256color"}
    term = Terminal([sys.executable, "-m", "auditui", "--demo"], env, (100, 30))
    try:
        term.wait_output(b"events")
        assert cmdlines_holding(KEY) == []
        term.send(b"q")
        assert term.wait_exit() == 0
    finally:
        term.close()
    assert KEY.encode() not in term.output
    demo = subprocess.Popen(
        [sys.executable, "-m", "auditui", "demo-server", "--port", "0", "--days", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        first = demo.stdout.readline()
        assert "http://127.0.0.1:" in first and cmdlines_holding(KEY) == []
    finally:
        demo.terminate()
        out, err = demo.communicate(timeout=20)
    assert KEY not in first + out + err
    assert files_holding(isolated_environment, KEY) == []


async def test_app_flows_never_show_or_store_the_key(
    server: DemoServer, isolated_environment: Path
) -> None:
    app = make_app(server, key=KEY)
    async with app.run_test(size=(200, 50), notifications=True) as pilot:
        await wait_loaded(pilot)
        seen: list[str] = [screen_text(app)]
        for keys in (("c",), ("y",), ("question_mark",), ("escape",), ("t",), ("escape",)):
            await pilot.press(*keys)
            await settle(pilot)
            seen += [screen_text(app), app.clipboard, *messages(app)]
        server.faults.push(Fault("status", status=500, repeat=9))
        await pilot.press("r")
        await wait_loaded(pilot)
        seen += [screen_text(app), *messages(app), repr(app.connection)]
        assert any("HTTP 500" in text for text in seen)
    assert all(KEY not in text and KEY[:16] not in text for text in seen)
    assert files_holding(isolated_environment, KEY) == []


def test_snapshots_and_screenshots_hold_no_key() -> None:
    svgs = [
        *(REPO / "tests" / "tui" / "__snapshots__").rglob("*.svg"),
        *(REPO / "screenshots").glob("*.svg"),
    ]
    assert svgs
    for path in svgs:
        text = path.read_text()
        assert KEY not in text and DEMO_KEY not in text, path


async def test_a_redirect_to_another_port_never_gets_the_key(server: DemoServer) -> None:
    from datetime import timedelta

    from auditui.errors import ResponseError
    from auditui.sources.api import AuditClient
    from tests.helpers.app import END

    other = demo_server(key=KEY)
    try:
        location = f"{other.url}/api/v1/audit_logs"
        for status in (301, 302, 307, 308):
            server.faults.push(Fault("status", status=status, headers={"Location": location}))
            async with AuditClient(server.url, KEY, max_attempts=1) as client:
                with pytest.raises(ResponseError, match="the key was not sent"):
                    await client.fetch_window(END - timedelta(hours=1), END)
        assert other.requests == []
    finally:
        other.stop()
