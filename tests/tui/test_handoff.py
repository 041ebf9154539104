"""`o`/`O` and crashes under Pilot: toasts instead of crashes, no secrets handed on
(issue 15 item 3, issue 16 items 4 and 8). The real terminal cases (a missing pager,
Ctrl+C in the pager, `PAGER=cat`) are in tests/e2e/test_handoff_tmux.py.

The App talks HTTP to the demo server (`server` fixture). A full `$TMPDIR` is made real
by pointing the temporary folder at one that does not exist (the suite runs as root, so
permissions stop nothing): `tempfile` remembers its folder, so the test sets it there.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

from auditui.demo import DEMO_KEY, DemoServer
from auditui.tui.handoff import (
    child_env,
    run_on_temp_file,
    wants_prompt,
    write_temp_file,
)
from tests.helpers.app import NARROW, loaded_app, messages, settle, toast_texts


@pytest.mark.parametrize("key", ["o", "O"])
async def test_o_with_an_unwritable_tmpdir_is_a_toast_and_the_app_stays(
    server: DemoServer, key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-folder"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))
    monkeypatch.setenv("TMPDIR", str(missing))
    monkeypatch.setenv("PAGER", "cat")
    monkeypatch.setenv("EDITOR", "cat")
    async with loaded_app(server, size=NARROW, notifications=True) as (app, pilot):
        await pilot.press(key)
        await settle(pilot)
        assert app.is_running and app.return_code is None
        [error] = [str(n.message) for n in app._notifications if n.severity == "error"]
        assert error.startswith("Cannot write the temporary file in ")
        assert "(Errno 2)" in error and "$TMPDIR" in error and "\n" not in error
        assert error in toast_texts(app)
        await pilot.press("j")  # still answering keys
        await settle(pilot)
        assert app.is_running


async def test_a_missing_pager_is_a_toast_before_the_terminal_is_handed_over(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAGER", "nosuchpager --flag")
    async with loaded_app(server, size=NARROW, notifications=True) as (app, pilot):
        await pilot.press("o")
        await settle(pilot)
        assert app.is_running
        assert messages(app) == [
            "Cannot run $PAGER ('nosuchpager'): no such program; set $PAGER to one that "
            "exists, such as less."
        ]


async def test_a_crash_report_never_shows_local_variables(
    server: DemoServer, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = "".join(reversed("EULAV-LACOL-TERCES"))  # never a literal in the source

    def crash() -> None:
        payload_of_an_event = {"user_email": secret, "key": DEMO_KEY}
        raise RuntimeError(f"crashed with {len(payload_of_an_event)} fields")

    with pytest.raises(RuntimeError, match="crashed with 2 fields"):
        async with loaded_app(server, size=NARROW) as (app, pilot):
            app.call_later(crash)
            await settle(pilot, 5)
    printed = capfd.readouterr()
    report = printed.out + printed.err
    assert "Traceback" in report and "crashed with 2 fields" in report
    assert secret not in report and DEMO_KEY not in report


# -- the child's environment -------------------------------------------------------------------


def test_child_env_drops_every_auditui_secret() -> None:
    env = {
        "DATAFOLD_API_KEY": "k1",
        "DATAFOLD_APIKEY": "k2",
        "datafold_api_key": "k3",
        "AUDITUI_TOKEN": "t",
        "AUDITUI_CLIENT_SECRET": "s",
        "AUDITUI_PASSWORD": "p",
        "AUDITUI_PROFILE": "prod",
        "DATAFOLD_HOST": "https://app.datafold.com",
        "COPY_OF_THE_KEY": "Bearer the-live-key",
        "PATH": "/usr/bin",
    }
    kept = child_env(env, secrets=("the-live-key", None, ""))
    assert kept == {
        "AUDITUI_PROFILE": "prod",
        "DATAFOLD_HOST": "https://app.datafold.com",
        "PATH": "/usr/bin",
    }


def test_run_on_temp_file_hands_no_secret_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAFOLD_API_KEY", "live-key-123")
    monkeypatch.setenv("DATAFOLD_APIKEY", "old-key-456")
    out = tmp_path / "env.txt"
    script = f"import os; open({str(out)!r}, 'w').write(repr(sorted(os.environ.items())))"
    assert run_on_temp_file([sys.executable, "-c", script], "{}") == 0
    seen = out.read_text()
    assert "live-key-123" not in seen and "old-key-456" not in seen and "PATH" in seen


def test_write_temp_file_failure_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from auditui.errors import AudituiError

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "gone"))
    with pytest.raises(AudituiError, match="Cannot write the temporary file") as raised:
        write_temp_file("{}")
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize(
    ("command", "seconds", "code", "asked"),
    [
        (["cat"], 5.0, 0, True),  # prints and returns: the text would vanish
        (["/usr/bin/less", "-R"], 5.0, 0, False),  # full-screen, ran a while
        (["less", "-F"], 0.1, 0, True),  # returned at once (short event, -F)
        (["vim"], 9.0, 1, True),  # failed: its message stays readable
        (["sh", "-c", "sleep 30"], 2.0, -2, True),  # Ctrl+C killed it
    ],
)
def test_when_the_enter_prompt_is_asked(
    command: list[str], seconds: float, code: int, asked: bool
) -> None:
    assert wants_prompt(command, seconds, code) is asked
