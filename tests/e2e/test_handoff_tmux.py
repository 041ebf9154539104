"""`o` / `O` in a real terminal: a missing `$PAGER`/`$EDITOR`, Ctrl+C in the pager, a pager
that returns at once, and the environment the program gets (issue 15 item 3, issue 16
item 4).

`auditui` runs on a pseudo-terminal (`tests/helpers/terminal.py`) that is its controlling
terminal, as in a shell (a small wrapper makes it so: `setsid` + `TIOCSCTTY`), so Ctrl+C
typed there is a real SIGINT to the foreground process group: auditui and its pager. The
data come from a demo server in this process, over loopback HTTP.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditui.demo import DEMO_KEY, DemoServer
from tests.helpers.app import served
from tests.helpers.terminal import Terminal

ALT_SCREEN_OFF = b"\x1b[?1049l"
ALT_SCREEN_ON = b"\x1b[?1049h"
PROMPT = b"Press Enter to return to auditui"

# Make the pty the controlling terminal (the process is a session leader: Terminal starts
# it with start_new_session), then become auditui.
AS_A_SHELL_WOULD = (
    "import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
    "os.execv(sys.executable, [sys.executable, '-m', 'auditui', *sys.argv[1:]])"
)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    yield from served()


def auditui(server: DemoServer, env: dict[str, str]) -> Terminal:
    full = {
        **os.environ,
        "DATAFOLD_HOST": server.url,
        "DATAFOLD_API_KEY": DEMO_KEY,
        "TERM": "xterm-256color",
        **env,
    }
    full.pop("CI", None)
    args = [sys.executable, "-c", AS_A_SHELL_WOULD, "--from", "2026-11-25", "--to", "2026-11-26"]
    term = Terminal(args, full, (120, 30))
    term.wait_output(b"events")  # the header counts the loaded events
    term.pump(0.5)
    return term


def quit_cleanly(term: Terminal) -> None:
    """The App still reads keys: `q` ends it with 0 and the terminal is restored."""
    mark = len(term.output)
    term.send(b"q")
    assert term.wait_exit() == 0, term.output[-2000:]
    assert ALT_SCREEN_OFF in term.output[mark:]
    assert b"Traceback" not in term.output
    assert term.mode() == (True, True)


@pytest.mark.parametrize(
    ("key", "env", "variable"),
    [
        (b"o", {"PAGER": "nosuchpager"}, "$PAGER"),
        (b"O", {"EDITOR": "nosuched --flag", "VISUAL": ""}, "$EDITOR"),
    ],
)
def test_a_missing_pager_or_editor_is_a_toast_and_the_app_stays(
    server: DemoServer, key: bytes, env: dict[str, str], variable: str
) -> None:
    term = auditui(server, env)
    try:
        mark = len(term.output)
        term.send(key)
        term.wait_output(f"Cannot run {variable} ('nosuch".encode(), after=mark)  # the toast
        assert ALT_SCREEN_OFF not in term.output[mark:]  # never left the App's screen
        assert term.mode() == (False, False)  # still the App's raw mode
        quit_cleanly(term)
    finally:
        term.close()


def test_ctrl_c_in_the_pager_does_not_quit_auditui(server: DemoServer, tmp_path: Path) -> None:
    script = "echo PAGER-RUNNING; exec sleep 30"
    term = auditui(server, {"PAGER": f"sh -c '{script}' sh"})
    try:
        mark = len(term.output)
        term.send(b"o")
        term.wait_output(b"PAGER-RUNNING", after=mark)
        term.send(b"\x03")  # Ctrl+C: SIGINT to the pager and to auditui
        term.wait_output(PROMPT, after=mark)  # the pager died; auditui asks for Enter
        assert term.proc.poll() is None
        mark = len(term.output)
        term.send(b"\r")
        term.wait_output(ALT_SCREEN_ON, after=mark)  # back in the App
        term.wait_for(lambda: term.mode() == (False, False))
        term.pump(0.5)
        quit_cleanly(term)
    finally:
        term.close()


def test_a_pager_that_returns_at_once_asks_for_enter(server: DemoServer) -> None:
    term = auditui(server, {"PAGER": "cat"})
    try:
        mark = len(term.output)
        term.send(b"o")
        term.wait_output(PROMPT, after=mark)
        shown = term.output[mark:]
        assert b'"event_uuid"' in shown  # what cat printed stays on screen until Enter
        assert ALT_SCREEN_ON not in shown[shown.index(ALT_SCREEN_OFF) :]
        mark = len(term.output)
        term.send(b"\r")
        term.wait_output(ALT_SCREEN_ON, after=mark)
        term.wait_for(lambda: term.mode() == (False, False))
        term.pump(0.5)
        quit_cleanly(term)
    finally:
        term.close()


DUMP_ENV = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"


def test_the_pager_gets_no_secret_in_its_environment(server: DemoServer, tmp_path: Path) -> None:
    dump = tmp_path / "env.json"
    env = {
        "PAGER": f'{sys.executable} -c "{DUMP_ENV}" {dump}',
        "DATAFOLD_APIKEY": "obsolete-spelling-secret",
        "AUDITUI_TOKEN": "a-token-secret",
        "MY_OWN_COPY": f"Bearer {DEMO_KEY}",
        "HARMLESS": "kept",
    }
    term = auditui(server, env)
    try:
        mark = len(term.output)
        term.send(b"o")
        term.wait_for(lambda: dump.exists() and PROMPT in term.output[mark:])
        term.send(b"\r")
        term.wait_output(ALT_SCREEN_ON, after=mark)
        term.pump(0.5)
    finally:
        term.close()
    seen = json.loads(dump.read_text())
    assert seen["HARMLESS"] == "kept" and "PATH" in seen
    for name in ("DATAFOLD_API_KEY", "DATAFOLD_APIKEY", "AUDITUI_TOKEN", "MY_OWN_COPY"):
        assert name not in seen
    text = json.dumps(seen)
    for secret in (DEMO_KEY, "obsolete-spelling-secret", "a-token-secret"):
        assert secret not in text


# -- tracebacks: never the key, never local variables --------------------------------------------


def test_the_debug_traceback_of_the_cli_shows_no_locals_and_no_key() -> None:
    """`--debug` prints the traceback, as Python does (no local variables, so neither
    the key nor event data); a network failure against a closed port."""
    import subprocess

    key = "".join(reversed("321-yek-terces"))
    env = {**os.environ, "DATAFOLD_HOST": "http://127.0.0.1:9", "DATAFOLD_API_KEY": key}
    env.pop("CI", None)
    result = subprocess.run(
        [sys.executable, "-m", "auditui", "--debug", "--no-cache", "fetch", "--since", "1h"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1 and "Traceback" in result.stderr
    assert key not in result.stderr + result.stdout
    assert "locals" not in result.stderr.lower()
