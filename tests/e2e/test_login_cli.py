"""`auditui login` and `auditui status` as a user runs them: subprocesses against the demo
server on loopback, with the real Secret Service (or keyring's `fail` backend, which the
autouse fixture selects, for a host without a keyring). Also runs the README's keyring
recipe (`with_keyring`) exactly as written, in its own `dbus-run-session`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from auditui.demo import DEMO_KEY, DemoServer
from auditui.paths import config_file, credentials_file
from tests.helpers.cli import run
from tests.helpers.keyring_service import SecretServiceHandle

README = Path(__file__).resolve().parents[2] / "README.md"
OTHER_KEY = "dfk_other_0123456789abcdef"


def keyring_env(secret_service: SecretServiceHandle, server: DemoServer) -> dict[str, str]:
    env = {**secret_service.env, "DATAFOLD_HOST": server.url}
    env.pop("DATAFOLD_API_KEY", None)
    return env


def one_error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


# -- the last login wins ---------------------------------------------------------------------


def test_insecure_login_after_a_keyring_login_is_the_key_used(
    demo_server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    env = keyring_env(secret_service, demo_server)
    first = run("login", "--stdin", "--no-verify", env=env, stdin=OTHER_KEY + "\n")
    assert first.returncode == 0, first.stderr
    assert secret_service.secret("default") == OTHER_KEY

    second = run("login", "--stdin", "--insecure-storage", env=env, stdin=DEMO_KEY + "\n")
    assert second.returncode == 0, second.stderr
    assert "Stored the API key for profile 'default' in file" in second.stdout
    assert (
        "Removed the previous key from OS keyring (Secret Service, service 'auditui', "
        "profile 'default'): the last login wins." in second.stdout
    )
    assert secret_service.secret("default") is None
    assert credentials_file("default").read_text().strip() == DEMO_KEY

    status = run("status", env=env)
    assert status.returncode == 0, status.stderr
    assert "key:     API key from file ~/config/auditui/credentials/default (0600)" in (
        status.stdout
    )
    assert "older" not in status.stdout and "not used" not in status.stdout
    fetch = run("fetch", "--since", "1d", env=env)
    assert fetch.returncode == 0, fetch.stderr  # the new key, not the keyring's old one
    outputs = first.stdout + second.stdout + status.stdout + fetch.stderr
    assert DEMO_KEY not in outputs and OTHER_KEY not in outputs


# -- a new profile ---------------------------------------------------------------------------


def test_login_to_a_new_profile_creates_it_with_its_host(
    demo_server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    env = {**secret_service.env}
    for name in ("DATAFOLD_API_KEY", "DATAFOLD_HOST"):
        env.pop(name, None)
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    mine = '# written by hand\n[profiles.default]\nwindow = "1d"  # one day\n'
    path.write_text(mine)
    result = run(
        "login", "--profile", "p2", "--host", demo_server.url, "--stdin",
        env=env, stdin=DEMO_KEY + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Unknown profile" not in result.stderr
    assert f'Added [profiles.p2] with host = "{demo_server.url}" to' in result.stdout
    text = path.read_text()
    assert text.startswith(mine)
    assert tomllib.loads(text)["profiles"]["p2"] == {"host": demo_server.url}
    assert secret_service.items() == {"p2": DEMO_KEY}

    status = run("status", "--profile", "p2", env=env)
    assert status.returncode == 0, status.stderr
    assert f"host:    {demo_server.url}" in status.stdout
    fetch = run("fetch", "--profile", "p2", "--since", "1d", env=env)
    assert fetch.returncode == 0 and fetch.stdout.count("\n") > 10, fetch.stderr


def test_login_with_another_host_saves_it(
    demo_server: DemoServer, secret_service: SecretServiceHandle
) -> None:
    env = {**secret_service.env}
    env.pop("DATAFOLD_HOST", None)
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[profiles.default]\nhost = "https://app.datafold.com"\n')
    result = run("login", "--host", demo_server.url, "--stdin", env=env, stdin=DEMO_KEY + "\n")
    assert result.returncode == 0, result.stderr
    assert f'Saved host = "{demo_server.url}" under [profiles.default]' in result.stdout
    assert path.read_text() == f'[profiles.default]\nhost = "{demo_server.url}"\n'


def test_a_failed_login_writes_no_profile(demo_server: DemoServer) -> None:
    env = {**os.environ}
    result = run(
        "login", "--profile", "p2", "--host", demo_server.url, "--stdin", "--insecure-storage",
        env=env, stdin="wrong-key-0123\n",
    )  # fmt: skip
    line = one_error_line(result, 1)
    assert "refused this key (HTTP 401); nothing was stored" in line
    assert "key from the key" not in line and "auditui login" not in line
    assert not config_file().exists() and not credentials_file("p2").exists()


# -- the keyring is checked before the key is asked for --------------------------------------


def test_without_a_keyring_login_says_so_before_asking_for_the_key(
    demo_server: DemoServer,
) -> None:
    env = {**os.environ, "DATAFOLD_HOST": demo_server.url}
    # No terminal and no --stdin: before, this reached the prompt ("No terminal to prompt
    # for the key"); now the missing keyring is reported first.
    result = run("login", env=env)
    assert result.returncode == 1, result.stderr
    assert "No terminal" not in result.stderr
    assert "No OS keyring is available to store the API key" in result.stderr
    assert "--insecure-storage" in result.stderr and "Secret Service" in result.stderr
    piped = run("login", "--stdin", env=env, stdin=DEMO_KEY + "\n")
    assert piped.returncode == 1
    assert demo_server.requests == []  # the key was not even verified: nothing to keep it


def test_insecure_storage_needs_no_keyring(demo_server: DemoServer) -> None:
    env = {**os.environ, "DATAFOLD_HOST": demo_server.url}
    result = run("login", "--stdin", "--insecure-storage", env=env, stdin=DEMO_KEY + "\n")
    assert result.returncode == 0, result.stderr


# -- status without a key --------------------------------------------------------------------


def test_status_without_a_key_exits_1_with_one_line() -> None:
    result = run("status", env=os.environ)
    line = one_error_line(result, 1)
    assert line == (
        "auditui: error: No API key for profile 'default': log in with `auditui login` "
        "(or set DATAFOLD_API_KEY)."
    )
    assert "profile: default" in result.stdout  # the status itself is still shown
    assert "key:     none" in result.stdout
    assert "auditui login" not in result.stdout  # what to do is said once, on stderr


def test_status_with_a_key_exits_0(demo_server: DemoServer) -> None:
    env = {**os.environ, "DATAFOLD_HOST": demo_server.url, "DATAFOLD_API_KEY": DEMO_KEY}
    assert run("status", env=env).returncode == 0


# -- the README's keyring recipe -------------------------------------------------------------


def readme_with_keyring() -> str:
    """The `with_keyring` shell function exactly as the README gives it."""
    found = re.findall(r"^with_keyring\(\) \{.*\}$", README.read_text(), re.M)
    assert len(found) == 1, "the README's keyring recipe"
    return str(found[0])


def test_the_readme_keyring_recipe_works_unattended(
    demo_server: DemoServer, isolated_environment: Path, tmp_path: Path
) -> None:
    for program in ("dbus-run-session", "gnome-keyring-daemon", "bash"):
        if shutil.which(program) is None:
            if os.environ.get("CI"):
                pytest.fail(f"{program} is needed for the README recipe test")
            pytest.skip(f"{program} is not installed")
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "auditui").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m auditui "$@"\n')
    (shim / "auditui").chmod(0o755)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "LD_PRELOAD", "CI")
        and key not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    env.update(
        PATH=f"{shim}{os.pathsep}{env.get('PATH', '')}",
        XDG_RUNTIME_DIR=str(runtime),
        KEYRING_PASSWORD="correct horse battery staple",
        DATAFOLD_HOST=demo_server.url,
    )
    script = (
        f"{readme_with_keyring()}\n"
        "with_keyring auditui login --stdin || exit 10\n"
        "with_keyring auditui status </dev/null || exit 11\n"
    )
    done = subprocess.run(
        ["bash", "-c", script],
        input=DEMO_KEY + "\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Stored the API key for profile 'default' in OS keyring (Secret Service" in done.stdout
    assert "key:     API key from OS keyring (Secret Service" in done.stdout
    keyrings = isolated_environment / "data" / "keyrings"
    assert any(keyrings.glob("*.keyring"))  # the key lives in the keyring, on disk encrypted
    assert not credentials_file("default").exists()
    assert DEMO_KEY not in done.stdout + done.stderr
