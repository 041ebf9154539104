"""What a login leaves behind: one key per profile (the last login wins), the keyring
checked before a key is asked for, the wording of a refused key, and the profile written
into a hand-made `config.toml` without disturbing it.

Keyring tests use the real Secret Service (`secret_service`); "no keyring" is keyring's
real `fail` backend, which the autouse fixture selects.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import keyring
import pytest

from auditui.config.credentials import (
    Credential,
    describe_credential,
    keyring_problem,
    refused_entered_key,
    resolve_credential,
    store_key,
)
from auditui.config.profile_edit import ProfileEdit, apply, login_profile, plan_host
from auditui.config.settings import DEFAULT_HOST, load_settings
from auditui.errors import AuthError, ConfigError, UsageError
from auditui.paths import config_file, credentials_file
from tests.helpers.keyring_service import SecretServiceHandle

KEY = "dfk_live_0123456789abcdefSECRET"
NEWER = "dfk_live_newer_fedcba9876SECRET"
KEYRING_DEFAULT = "OS keyring (Secret Service, service 'auditui', profile 'default')"
FILE_DEFAULT = "file ~/config/auditui/credentials/default (0600)"

HAND_WRITTEN = """\
# my auditui settings -- keep these comments
theme = "gruvbox"   # dark

[defaults]
range = "7d"

[profiles.default]   # production
host = "https://app.datafold.com"  # the US region
window = "1d"

[profiles."eu.west"]
window = "12h"
"""


# -- the last login wins ---------------------------------------------------------------------


def test_a_file_login_after_a_keyring_login_removes_the_keyring_key(
    secret_service: SecretServiceHandle,
) -> None:
    assert store_key("default", KEY).where == KEYRING_DEFAULT
    stored = store_key("default", NEWER, insecure_file=True)
    assert stored.where == FILE_DEFAULT
    assert stored.removed == KEYRING_DEFAULT and stored.left is None
    assert stored.notes() == [
        f"Removed the previous key from {KEYRING_DEFAULT}: the last login wins."
    ]
    assert secret_service.items() == {}
    assert resolve_credential("default", env={}) == Credential(NEWER, FILE_DEFAULT)
    assert describe_credential("default", env={}) == f"API key from {FILE_DEFAULT}"


def test_a_keyring_login_after_a_file_login_removes_the_file(
    secret_service: SecretServiceHandle,
) -> None:
    store_key("default", KEY, insecure_file=True)
    stored = store_key("default", NEWER)
    assert stored.where == KEYRING_DEFAULT and stored.removed == FILE_DEFAULT
    assert not credentials_file("default").exists()
    assert secret_service.items() == {"default": NEWER}
    assert describe_credential("default", env={}) == f"API key from {KEYRING_DEFAULT}"


def test_a_first_login_has_nothing_to_say_about_the_other_store(
    secret_service: SecretServiceHandle,
) -> None:
    assert store_key("eu", KEY).notes() == []
    assert store_key("p2", KEY, insecure_file=True).notes() == []
    assert secret_service.items() == {"eu": KEY}  # p2's file login touched no other profile


def test_a_file_login_with_an_unreachable_keyring_says_it_could_not_check(
    secret_service: SecretServiceHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store_key("default", KEY)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    keyring.core._keyring_backend = None
    stored = store_key("default", NEWER, insecure_file=True)
    assert stored.removed is None and stored.left is not None
    assert "Could not check the OS keyring for a previous key" in stored.left
    assert "`auditui logout`" in stored.left
    assert NEWER not in stored.left and "\n" not in stored.left


# -- the keyring checked before the key is asked for -----------------------------------------


def test_keyring_problem_without_a_keyring() -> None:
    assert keyring_problem("default") == "no OS keyring backend is available"
    with pytest.raises(UsageError):
        keyring_problem("../x")


def test_keyring_problem_with_a_working_keyring(secret_service: SecretServiceHandle) -> None:
    assert keyring_problem("default") is None
    assert secret_service.items() == {}  # the check writes nothing


def test_keyring_problem_with_the_null_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    keyring.core._keyring_backend = None
    assert keyring_problem("default") == "the null backend does not keep keys"


def test_keyring_problem_with_no_bus(
    secret_service: SecretServiceHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    keyring.core._keyring_backend = None
    problem = keyring_problem("default")
    assert problem is not None and problem.startswith("FileNotFoundError")


# -- a refused key, in words -----------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_entered_key_reads_plainly(status: int) -> None:
    error = refused_entered_key(AuthError(status, "the key just entered"), "https://h.example")
    text = str(error)
    assert "key from the key" not in text and "auditui login" not in text
    assert "https://h.example" in text and "nothing was stored" in text
    assert f"HTTP {status}" in text and "\n" not in text


# -- the profile written into config.toml ----------------------------------------------------


def write_config(text: str) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_profile_gets_defaults_until_login_adds_it() -> None:
    write_config(HAND_WRITTEN)
    settings = load_settings()
    with pytest.raises(ConfigError, match="Unknown profile 'p2'"):
        settings.profile("p2")
    profile, new = login_profile(settings, "p2", env={})
    assert new and profile.name == "p2"
    assert profile.host == DEFAULT_HOST and profile.default_range == "7d"  # [defaults]
    assert login_profile(settings, "default", env={})[1] is False
    with pytest.raises(UsageError, match="Invalid profile name"):
        login_profile(settings, "a/b", env={})


def test_a_new_profile_is_appended_and_every_comment_kept() -> None:
    path = write_config(HAND_WRITTEN)
    path.chmod(0o640)
    edit = plan_host(load_settings(), "p2", "https://eu.datafold.com", asked=True)
    assert edit == ProfileEdit(path, "p2", "https://eu.datafold.com")
    assert path.read_text() == HAND_WRITTEN  # planning writes nothing
    assert apply(edit) is True
    assert path.read_text() == HAND_WRITTEN + (
        '\n[profiles.p2]\nhost = "https://eu.datafold.com"\n'
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the file's mode is kept
    assert load_settings().profile("p2", env={}).host == "https://eu.datafold.com"
    assert edit.describe(created=True) == (
        'Added [profiles.p2] with host = "https://eu.datafold.com" to ~/config/auditui/config.toml.'
    )
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp file left


def test_a_new_profile_without_a_host_option_records_the_host_in_use() -> None:
    write_config(HAND_WRITTEN)
    edit = plan_host(load_settings(), "p2", DEFAULT_HOST, asked=False)
    assert edit is not None
    apply(edit)
    assert tomllib.loads(config_file().read_text())["profiles"]["p2"] == {"host": DEFAULT_HOST}


def test_without_a_config_file_one_is_created_0600() -> None:
    path = config_file()
    assert not path.exists()
    edit = plan_host(load_settings(), "p2", "https://eu.datafold.com", asked=False)
    assert edit is not None and apply(edit) is True
    assert path.read_text() == '[profiles.p2]\nhost = "https://eu.datafold.com"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_host_of_an_existing_profile_is_replaced_in_place() -> None:
    path = write_config(HAND_WRITTEN)
    edit = plan_host(load_settings(), "default", "https://us2.datafold.com", asked=True)
    assert edit is not None and apply(edit) is False
    assert path.read_text() == HAND_WRITTEN.replace(
        'host = "https://app.datafold.com"  # the US region', 'host = "https://us2.datafold.com"'
    )
    assert edit.describe(created=False) == (
        'Saved host = "https://us2.datafold.com" under [profiles.default] in '
        "~/config/auditui/config.toml."
    )


def test_host_is_added_to_a_profile_table_without_one() -> None:
    path = write_config(HAND_WRITTEN)
    edit = plan_host(load_settings(), "eu.west", "https://eu.datafold.com", asked=True)
    assert edit is not None and apply(edit) is False
    assert path.read_text() == HAND_WRITTEN.replace(
        '[profiles."eu.west"]\n', '[profiles."eu.west"]\nhost = "https://eu.datafold.com"\n'
    )


def test_nothing_to_write_when_the_profile_already_says_so() -> None:
    write_config(HAND_WRITTEN)
    settings = load_settings()
    assert plan_host(settings, "default", "https://app.datafold.com", asked=True) is None
    assert plan_host(settings, "eu.west", "https://x.example", asked=False) is None
    assert plan_host(load_settings(config_file()), "default", DEFAULT_HOST, asked=False) is None


def test_an_inline_profiles_table_is_not_rewritten() -> None:
    text = 'profiles = { default = { window = "1d" } }  # compact\n'
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        plan_host(load_settings(), "p2", "https://eu.datafold.com", asked=True)
    message = str(caught.value)
    assert 'add [profiles.p2] with host = "https://eu.datafold.com"' in message
    assert "by hand" in message
    assert path.read_text() == text


def test_a_symlinked_config_is_edited_where_it_lives(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "auditui.toml"
    real.parent.mkdir()
    real.write_text(HAND_WRITTEN, encoding="utf-8")
    link = config_file()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(real)
    edit = plan_host(load_settings(), "p2", "https://eu.datafold.com", asked=True)
    assert edit is not None
    apply(edit)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "[profiles.p2]" in real.read_text()
    assert real.read_text().startswith(HAND_WRITTEN)


def test_an_edit_made_meanwhile_is_kept() -> None:
    """`apply` re-reads the file under its lock: a change since the plan is not lost."""
    path = write_config(HAND_WRITTEN)
    edit = plan_host(load_settings(), "p2", "https://eu.datafold.com", asked=True)
    assert edit is not None
    path.write_text(HAND_WRITTEN + '\n[queries]\nfailures = "status:failure"\n')
    apply(edit)
    doc = tomllib.loads(path.read_text())
    assert doc["queries"] == {"failures": "status:failure"}
    assert doc["profiles"]["p2"] == {"host": "https://eu.datafold.com"}
