"""config.toml parsing and validation, profile resolution, paths, and the UI state file."""

from __future__ import annotations

import json
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from auditui import paths
from auditui.config.settings import (
    DEFAULT_COLUMNS,
    DEFAULT_HOST,
    KNOWN_COLUMNS,
    Profile,
    default_profile_name,
    load_settings,
)
from auditui.config.state import load_ui_state, save_ui_state
from auditui.errors import ConfigError

FULL_EXAMPLE = """\
theme = "textual-dark"

[defaults]
range = "7d"
read_timeout = 30

[profiles.default]
host = "https://app.datafold.com/"
window = "6h"
concurrency = 8
read_timeout = 120
columns = ["time", "user", "action", "object", "status", "source", "ip"]

[profiles.eu]
host = "https://eu.datafold.com"
theme = "nord"
cache = false
columns = ["time", "uuid", "support"]
keymap = { sort_next = "F7" }

[keymap]
sort_next = "s,f6"
quit = "q"

[queries]
failures = "status:failed"
"""


def write_config(home: Path, text: str) -> Path:
    path = home / "config" / "auditui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def test_paths_follow_platformdirs_and_create_nothing(isolated_environment: Path) -> None:
    home = isolated_environment
    before = all_files(home)
    assert paths.config_dir() == home / "config" / "auditui"
    assert paths.config_file() == home / "config" / "auditui" / "config.toml"
    assert paths.cache_dir() == home / "cache" / "auditui"
    assert paths.state_dir() == home / "state" / "auditui"
    assert paths.credentials_dir() == home / "config" / "auditui" / "credentials"
    assert paths.credentials_file("eu") == paths.credentials_dir() / "eu"
    assert paths.display_path(paths.config_file()) == "~/config/auditui/config.toml"
    assert all_files(home) == before


@pytest.mark.parametrize("name", ["../evil", "a/b", "", ".hidden", "x" * 65])
def test_unsafe_profile_names_cannot_become_paths(name: str) -> None:
    from auditui.errors import UsageError

    with pytest.raises(UsageError, match="Invalid profile name"):
        paths.credentials_file(name)


def test_defaults_without_a_file_create_nothing(isolated_environment: Path) -> None:
    before = all_files(isolated_environment)
    settings = load_settings()
    profile = settings.profile("default", env={})
    assert profile == Profile(name="default")
    assert profile.host == DEFAULT_HOST == "https://app.datafold.com"
    assert profile.default_range == "24h"
    assert profile.window == timedelta(days=1)
    assert (profile.concurrency, profile.read_timeout, profile.cache) == (4, 120.0, True)
    assert profile.columns == DEFAULT_COLUMNS
    assert set(DEFAULT_COLUMNS) <= set(KNOWN_COLUMNS)
    assert profile.theme is None and profile.keymap == {}
    assert settings.profile_names() == ["default"]
    assert settings.exists is False
    assert settings.saved_queries == {} and settings.theme is None
    assert all_files(isolated_environment) == before


def test_full_example_is_parsed(isolated_environment: Path) -> None:
    path = write_config(isolated_environment, FULL_EXAMPLE)
    settings = load_settings()
    assert settings.path == path and settings.exists
    assert settings.theme == "textual-dark"
    assert settings.keymap == {"sort_next": "s,f6", "quit": "q"}
    assert settings.saved_queries == {"failures": "status:failed"}
    assert settings.profile_names() == ["default", "eu"]

    default = settings.profile("default", env={})
    assert default.host == "https://app.datafold.com"  # trailing slash stripped
    assert default.window == timedelta(hours=6)
    assert default.concurrency == 8
    assert default.read_timeout == 120.0  # the profile beats [defaults]
    assert default.default_range == "7d"  # from [defaults]
    assert default.theme == "textual-dark"  # top-level theme
    assert default.cache is True

    eu = settings.profile("eu", env={})
    assert eu.host == "https://eu.datafold.com"
    assert eu.read_timeout == 30.0  # from [defaults]
    assert eu.window == timedelta(days=1)  # built-in default
    assert eu.concurrency == 4
    assert eu.theme == "nord"
    assert eu.cache is False
    assert eu.columns == ("time", "uuid", "support")
    assert eu.keymap == {"sort_next": "F7", "quit": "q"}  # merged over [keymap]


def test_datafold_host_overrides_the_file(isolated_environment: Path) -> None:
    write_config(isolated_environment, FULL_EXAMPLE)
    settings = load_settings()
    env = {"DATAFOLD_HOST": "https://acme.dedicated.datafold.com/"}
    assert settings.profile("eu", env=env).host == "https://acme.dedicated.datafold.com"
    assert settings.profile("eu", env=env).host_source == "environment variable DATAFOLD_HOST"
    assert settings.profile("eu", env={}).host == "https://eu.datafold.com"


def test_datafold_host_from_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAFOLD_HOST", "https://us.datafold.com")
    assert load_settings().profile("default").host == "https://us.datafold.com"


def test_bad_datafold_host_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="DATAFOLD_HOST: expected a URL with scheme"):
        load_settings().profile("default", env={"DATAFOLD_HOST": "app.datafold.com"})


def test_unknown_profile_lists_the_known_ones(isolated_environment: Path) -> None:
    write_config(isolated_environment, FULL_EXAMPLE)
    with pytest.raises(ConfigError) as caught:
        load_settings().profile("us", env={})
    message = str(caught.value)
    assert "'us'" in message and "default, eu" in message and "\n" not in message


def test_default_profile_always_exists(isolated_environment: Path) -> None:
    write_config(isolated_environment, '[profiles.eu]\nhost = "https://eu.datafold.com"\n')
    settings = load_settings()
    assert settings.profile("default", env={}).host == DEFAULT_HOST
    assert settings.profile_names() == ["default", "eu"]


def test_default_profile_name_from_env() -> None:
    assert default_profile_name({}) == "default"
    assert default_profile_name({"AUDITUI_PROFILE": " eu "}) == "eu"
    assert default_profile_name({"AUDITUI_PROFILE": ""}) == "default"


def test_auditui_config_points_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text("[profiles.x]\nconcurrency = 2\n", encoding="utf-8")
    monkeypatch.setenv("AUDITUI_CONFIG", str(other))
    assert paths.config_file() == other
    settings = load_settings()
    assert settings.path == other
    assert settings.profile("x", env={}).concurrency == 2


def test_explicit_missing_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(missing)
    monkeypatch.setenv("AUDITUI_CONFIG", str(missing))
    with pytest.raises(ConfigError, match=r"nope\.toml does not exist"):
        load_settings()


def test_bad_toml_names_file_and_line(isolated_environment: Path) -> None:
    write_config(isolated_environment, 'theme = "x"\n\n[profiles.eu\nhost = 1\n')
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "~/config/auditui/config.toml" in message
    assert "not valid TOML" in message and "line 3" in message


def test_non_utf8_file(isolated_environment: Path) -> None:
    path = write_config(isolated_environment, "")
    path.write_bytes(b'theme = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings()


BAD_VALUES = [
    (
        "[profiles.eu]\nconcurrency = 'many'",
        "profiles.eu.concurrency",
        "expected an integer from 1 to 32, got 'many'",
    ),
    ("[profiles.eu]\nconcurrency = 33", "profiles.eu.concurrency", "got 33"),
    ("[profiles.eu]\nconcurrency = 0", "profiles.eu.concurrency", "from 1 to 32"),
    ("[profiles.eu]\nconcurrency = true", "profiles.eu.concurrency", "got True"),
    ("[defaults]\nread_timeout = 0", "defaults.read_timeout", "greater than 0"),
    ("[defaults]\nread_timeout = '2m'", "defaults.read_timeout", "number of seconds"),
    ("[defaults]\nread_timeout = nan", "defaults.read_timeout", "number of seconds"),
    ("[profiles.default]\nwindow = '1 day'", "profiles.default.window", "a duration"),
    ("[profiles.default]\nwindow = '0h'", "profiles.default.window", "a duration"),
    ("[profiles.default]\nwindow = 3600", "profiles.default.window", "got 3600"),
    ("[profiles.default]\nrange = 'last week'", "profiles.default.range", "a WHEN"),
    ("[profiles.default]\nhost = 'app.datafold.com'", "profiles.default.host", "a URL with scheme"),
    ("[profiles.default]\nhost = 'ftp://x.example'", "profiles.default.host", "URL"),
    ("[profiles.a]\ncolumns = []", "profiles.a.columns", "non-empty list"),
    (
        "[profiles.a]\ncolumns = ['time', 'usr']",
        "profiles.a.columns[1]",
        "a column name from: time, user",
    ),
    ("[profiles.a]\ncolumns = ['time', 'time']", "profiles.a.columns", "each once"),
    ("[profiles.a]\ncolumns = 'time'", "profiles.a.columns", "list"),
    ("[profiles.a]\ncache = 'yes'", "profiles.a.cache", "true or false"),
    ("[profiles.a]\ntheme = ''", "profiles.a.theme", "non-empty string"),
    ("theme = 3", "theme", "non-empty string"),
    ("[keymap]\nquit = 1", "keymap.quit", "got 1"),
    ("keymap = 'q'", "keymap", "a table"),
    ("[queries]\nx = ''", "queries.x", "non-empty string"),
    ("profiles = 1", "profiles", "a table"),
    ("[profiles]\neu = 1", "profiles.eu", "a table"),
]


@pytest.mark.parametrize(("text", "key", "expectation"), BAD_VALUES)
def test_bad_value_names_file_key_and_expectation(
    isolated_environment: Path, text: str, key: str, expectation: str
) -> None:
    write_config(isolated_environment, text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("In ~/config/auditui/config.toml, ")
    assert f", {key}: expected" in message
    assert expectation in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ("them = 'x'", "'them'", "theme, keymap, defaults, profiles, queries"),
        ("[profiles.eu]\nconcurency = 2", "profiles.eu.'concurency'", "concurrency"),
        ("[defaults]\nhosts = 'https://x'", "defaults.'hosts'", "host, range, window"),
    ],
)
def test_unknown_keys_are_errors(
    isolated_environment: Path, text: str, key: str, allowed: str
) -> None:
    write_config(isolated_environment, text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "config.toml" in message
    assert f"unknown key {key}" in message
    assert allowed in message


def test_bad_profile_name(isolated_environment: Path) -> None:
    write_config(isolated_environment, '[profiles."../x"]\nconcurrency = 2\n')
    with pytest.raises(ConfigError, match="a profile name uses letters"):
        load_settings()


def test_unreadable_config_is_a_config_error(isolated_environment: Path) -> None:
    path = write_config(isolated_environment, "")
    path.unlink()
    path.mkdir()
    with pytest.raises(ConfigError, match="Cannot read the config file"):
        load_settings()


def test_ui_state_round_trip(isolated_environment: Path) -> None:
    state_file = paths.ui_state_file()
    assert load_ui_state() == {}
    assert not state_file.exists()  # reading creates nothing
    save_ui_state("theme", "nord")
    save_ui_state("columns", ["time", "user"])
    assert load_ui_state() == {"theme": "nord", "columns": ["time", "user"]}
    assert json.loads(state_file.read_text()) == {"theme": "nord", "columns": ["time", "user"]}
    assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
    assert [p.name for p in state_file.parent.iterdir()] == ["ui-state.json"]  # no temp left


def test_damaged_ui_state(isolated_environment: Path) -> None:
    state_file = paths.ui_state_file()
    state_file.parent.mkdir(parents=True)
    state_file.write_text("[1, 2")
    with pytest.raises(ConfigError, match=r"ui-state\.json is not a JSON object; delete it"):
        load_ui_state()
    save_ui_state("theme", "nord")  # a damaged file is replaced
    assert load_ui_state() == {"theme": "nord"}


def test_write_atomic_replaces_with_exact_mode(tmp_path: Path) -> None:
    folder = tmp_path / "atomic"
    folder.mkdir()
    target = folder / "file"
    target.write_text("old")
    os.chmod(target, 0o644)
    old_umask = os.umask(0o077)
    try:
        paths.write_atomic(target, b"new", mode=0o640)
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in folder.iterdir()) == ["file"]
