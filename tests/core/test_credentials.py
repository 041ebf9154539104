"""API-key resolution, storage and removal against a real Secret Service (gnome-keyring).

Tests that need "no keyring at all" rely on the autouse fixture's keyring `fail` backend
(real keyring code that raises NoKeyringError on every call), or on the real SecretService
backend pointed at a D-Bus address where nothing listens.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import keyring
import pytest

from auditui.config import credentials
from auditui.config.credentials import (
    Credential,
    NoKeyringAvailable,
    delete_credential,
    describe_credential,
    require_credential,
    resolve_credential,
    store_credential,
)
from auditui.errors import CredentialError
from auditui.paths import credentials_dir, credentials_file
from tests.helpers.keyring_service import SecretServiceHandle

KEY = "dfk_live_0123456789abcdefSECRET"
OTHER = "dfk_eu_fedcba9876543210SECRET"
KEYRING_DEFAULT = "OS keyring (Secret Service, service 'auditui', profile 'default')"
FILE_DEFAULT = "file ~/config/auditui/credentials/default (0600)"


def write_key_file(profile: str, key: str, mode: int = 0o600) -> Path:
    path = credentials_file(profile)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(key)
    path.chmod(mode)
    return path


def test_store_resolve_delete_round_trip(secret_service: SecretServiceHandle) -> None:
    where = store_credential("default", f"  {KEY}\n")
    assert where == KEYRING_DEFAULT
    # Read back independently of keyring: secretstorage, by service/username attributes.
    assert secret_service.items() == {"default": KEY}
    found = resolve_credential("default", env={})
    assert found == Credential(KEY, KEYRING_DEFAULT)
    assert delete_credential("default") == [KEYRING_DEFAULT]
    assert secret_service.items() == {}
    assert resolve_credential("default", env={}) is None
    assert delete_credential("default") == []


def test_storing_again_replaces_the_key(secret_service: SecretServiceHandle) -> None:
    store_credential("default", KEY)
    store_credential("default", OTHER)
    assert secret_service.items() == {"default": OTHER}


def test_profiles_are_separate(secret_service: SecretServiceHandle) -> None:
    store_credential("default", KEY)
    assert store_credential("eu", OTHER).endswith("profile 'eu')")
    assert secret_service.items() == {"default": KEY, "eu": OTHER}
    eu = resolve_credential("eu", env={})
    assert eu is not None and eu.key == OTHER
    assert delete_credential("eu") == [
        "OS keyring (Secret Service, service 'auditui', profile 'eu')"
    ]
    assert secret_service.items() == {"default": KEY}
    assert resolve_credential("eu", env={}) is None


def test_precedence_env_then_obsolete_env_then_keyring_then_file(
    secret_service: SecretServiceHandle,
) -> None:
    store_credential("default", "from-keyring")
    write_key_file("default", "from-file")
    both = {"DATAFOLD_API_KEY": "from-env", "DATAFOLD_APIKEY": "from-old-env"}

    found = resolve_credential("default", env=both)
    assert found == Credential("from-env", "environment variable DATAFOLD_API_KEY")
    found = resolve_credential("default", env={"DATAFOLD_APIKEY": " from-old-env "})
    assert found == Credential(
        "from-old-env", "environment variable DATAFOLD_APIKEY (obsolete spelling)"
    )
    found = resolve_credential("default", env={"DATAFOLD_API_KEY": "  ", "DATAFOLD_APIKEY": ""})
    assert found == Credential("from-keyring", KEYRING_DEFAULT)
    keyring.delete_password("auditui", "default")
    assert resolve_credential("default", env={}) == Credential("from-file", FILE_DEFAULT)


def test_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAFOLD_API_KEY", KEY)
    found = resolve_credential("default")
    assert found is not None and found.key == KEY


def test_subprocess_sees_the_same_keyring(secret_service: SecretServiceHandle) -> None:
    store_credential("default", KEY)
    code = "import keyring; print(keyring.get_password('auditui', 'default'))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=secret_service.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == KEY


def test_no_keyring_explains_the_three_choices() -> None:
    """The autouse fixture selects keyring's real `fail` backend: NoKeyringError everywhere."""
    with pytest.raises(NoKeyringAvailable) as caught:
        store_credential("default", KEY)
    message = str(caught.value)
    assert isinstance(caught.value, CredentialError)
    assert "No OS keyring is available" in message
    assert "1. Set DATAFOLD_API_KEY" in message
    assert "2. Run a Secret Service, e.g. gnome-keyring-daemon" in message
    assert "keyrings.alt is not recommended" in message
    assert "3. Run `auditui login --insecure-storage`" in message
    assert "0600 file under ~/config/auditui/credentials/" in message
    assert len(message.splitlines()) == 4
    assert KEY not in message
    assert not credentials_dir().exists()  # nothing written as a fallback


def test_null_backend_is_not_a_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    """keyring's real `null` backend accepts keys and keeps none: storing must not succeed."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    keyring.core._keyring_backend = None
    with pytest.raises(NoKeyringAvailable, match="did not keep the key"):
        store_credential("default", KEY)


def test_unreachable_secret_service(
    secret_service: SecretServiceHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The real SecretService backend with no D-Bus daemon behind the address.

    keyring's set-up of the backend then raises FileNotFoundError (not a KeyringError).
    """
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    keyring.core._keyring_backend = None
    assert resolve_credential("default", env={}) is None
    write_key_file("default", KEY)
    assert resolve_credential("default", env={}) == Credential(KEY, FILE_DEFAULT)
    status = describe_credential("default", env={})
    assert status == (
        f"API key from {FILE_DEFAULT}; OS keyring not readable: "
        "FileNotFoundError: [Errno 2] No such file or directory"
    )
    with pytest.raises(NoKeyringAvailable, match="FileNotFoundError") as caught:
        store_credential("default", OTHER)
    assert OTHER not in str(caught.value)
    with pytest.raises(CredentialError) as refused:
        delete_credential("default")  # cannot know whether the keyring still holds one
    assert str(refused.value) == (
        "Could not remove the key from the OS keyring (FileNotFoundError: [Errno 2] No such "
        f"file or directory); removed from {FILE_DEFAULT}."
    )
    assert not credentials_file("default").exists()


def test_fail_backend_falls_through_to_the_file() -> None:
    """Reading with keyring's `fail` backend (NoKeyringError) must not stop resolution."""
    assert resolve_credential("default", env={}) is None
    with pytest.raises(CredentialError) as caught:
        require_credential("default", env={})
    assert str(caught.value) == (
        "For profile 'default', no API key found: run `auditui login` or set "
        "DATAFOLD_API_KEY (OS keyring not readable: no OS keyring backend is available)."
    )
    write_key_file("default", f"\n {KEY} \n")
    assert require_credential("default", env={}) == Credential(KEY, FILE_DEFAULT)


def test_insecure_file_is_0600_in_a_0700_dir(secret_service: SecretServiceHandle) -> None:
    old_umask = os.umask(0)  # even a permissive umask must not widen the modes
    try:
        where = store_credential("default", KEY, insecure_file=True)
    finally:
        os.umask(old_umask)
    path = credentials_file("default")
    assert where == FILE_DEFAULT
    assert path.read_text().strip() == KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["default"]  # no temp file left
    assert secret_service.items() == {}  # the keyring was not touched
    assert resolve_credential("default", env={}) == Credential(KEY, FILE_DEFAULT)


def test_insecure_file_tightens_an_existing_loose_dir() -> None:
    credentials_dir().mkdir(parents=True, mode=0o755)
    credentials_dir().chmod(0o755)
    store_credential("eu", KEY, insecure_file=True)
    assert stat.S_IMODE(credentials_dir().stat().st_mode) == 0o700
    assert stat.S_IMODE(credentials_file("eu").stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_readable_key_file_is_refused(mode: int) -> None:
    path = write_key_file("default", KEY, mode)
    with pytest.raises(CredentialError) as caught:
        resolve_credential("default", env={})
    message = str(caught.value)
    assert f"run `chmod 600 {path}`" in message
    assert f"mode {mode:04o}" in message
    assert "\n" not in message and KEY not in message
    path.chmod(0o600)
    assert resolve_credential("default", env={}) == Credential(KEY, FILE_DEFAULT)


def test_env_wins_before_an_insecure_file_is_even_read() -> None:
    write_key_file("default", KEY, 0o644)
    found = resolve_credential("default", env={"DATAFOLD_API_KEY": OTHER})
    assert found is not None and found.key == OTHER
    assert "chmod 600" in describe_credential("default", env={"DATAFOLD_API_KEY": OTHER})


def test_empty_key_file_counts_as_none() -> None:
    write_key_file("default", " \n")
    assert resolve_credential("default", env={}) is None


@pytest.mark.parametrize(("content", "problem"), [("api key", "spaces"), ("k" * 5000, "long")])
def test_garbage_key_file_is_refused(content: str, problem: str) -> None:
    write_key_file("default", content)
    with pytest.raises(CredentialError, match=f"does not hold a valid API key: .*{problem}"):
        resolve_credential("default", env={})


def test_delete_removes_keyring_and_file(secret_service: SecretServiceHandle) -> None:
    store_credential("default", KEY)
    write_key_file("default", OTHER)  # (a login would have removed the keyring's key)
    assert delete_credential("default") == [KEYRING_DEFAULT, FILE_DEFAULT]
    assert secret_service.items() == {}
    assert not credentials_file("default").exists()
    assert resolve_credential("default", env={}) is None


def test_delete_without_keyring_still_removes_the_file() -> None:
    """With the `fail` backend there is nothing to remove from a keyring: not an error."""
    store_credential("default", KEY, insecure_file=True)
    assert delete_credential("default") == [FILE_DEFAULT]
    assert delete_credential("default") == []


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("abc def", "spaces or control characters"),
        ("abc\x00def", "spaces or control characters"),
        ("abc\x1bdef", "spaces or control characters"),
        ("k" * 4096, "too long"),
    ],
)
def test_bad_keys_are_refused(key: str, problem: str) -> None:
    for insecure in (False, True):
        with pytest.raises(CredentialError, match=problem) as caught:
            store_credential("default", key, insecure_file=insecure)
        assert key.strip() == "" or key not in str(caught.value)
    assert not credentials_dir().exists()


def test_credential_never_shows_the_key() -> None:
    credential = Credential(KEY, "environment variable DATAFOLD_API_KEY")
    for text in (repr(credential), str(credential), f"{credential}", f"{credential!r}"):
        assert KEY not in text
        assert "DATAFOLD_API_KEY" in text
    assert repr(credential) == "Credential(source='environment variable DATAFOLD_API_KEY')"
    assert KEY not in repr([credential]) and KEY not in repr({"c": credential})


def test_describe_credential(secret_service: SecretServiceHandle) -> None:
    assert describe_credential("default", env={}) == (
        "For profile 'default', no API key found: run `auditui login` or set DATAFOLD_API_KEY"
    )
    store_credential("default", KEY)
    assert describe_credential("default", env={}) == f"API key from {KEYRING_DEFAULT}"
    env = {"DATAFOLD_API_KEY": OTHER, "DATAFOLD_APIKEY": "old"}
    assert describe_credential("default", env=env) == (
        "API key from environment variable DATAFOLD_API_KEY; DATAFOLD_APIKEY is also set "
        f"and ignored; it overrides the key stored in {KEYRING_DEFAULT}"
    )
    write_key_file("default", "stale")
    assert describe_credential("default", env={}) == (
        f"API key from {KEYRING_DEFAULT}; another key in {FILE_DEFAULT} is not used "
        "(the OS keyring is read first; `auditui logout` removes both)"
    )
    for environment in ({}, env):
        text = describe_credential("default", env=environment)
        assert KEY not in text and OTHER not in text and "stale" not in text
        assert "\n" not in text


def test_describe_without_keyring_says_why() -> None:
    assert describe_credential("eu", env={}) == (
        "For profile 'eu', no API key found: run `auditui login` or set DATAFOLD_API_KEY; "
        "OS keyring not readable: no OS keyring backend is available"
    )


def test_backend_name_comes_from_keyring(secret_service: SecretServiceHandle) -> None:
    assert credentials.backend_name() == "Secret Service"


def test_unsafe_profile_name_is_refused() -> None:
    from auditui.errors import UsageError

    with pytest.raises(UsageError):
        store_credential("../../etc/x", KEY, insecure_file=True)
    with pytest.raises(UsageError):
        delete_credential("a/b")
