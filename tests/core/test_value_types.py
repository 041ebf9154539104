"""The value types that were dataclasses (issue 17: msgspec Structs, made in C at import)
keep the equality, hashing and repr they had: fields left out stay out, `!=` is the
opposite of `==`, and no key is ever shown."""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from auditui.config.credentials import Credential
from auditui.config.settings import Profile, Settings
from auditui.sources.connection import Connection
from auditui.sources.merge import LoadResult

KEY = "dfk-value-types-secret"


def compared(a: object, b: object) -> tuple[bool, bool]:
    """(a == b, a != b): both operators, each asked."""
    return a == b, a != b


def test_a_connection_is_equal_whatever_its_prefetch_and_never_shows_its_key() -> None:
    first = Connection(Profile("default"), "https://h", Credential(KEY, "a test"))
    same = replace(first, prefetch=object())
    other = replace(first, host="https://other")
    assert compared(first, same) == (True, False) and hash(first) == hash(same)
    assert compared(first, other) == (False, True)
    assert KEY not in repr(first) and KEY not in str(first.credential)
    assert KEY not in repr(first.credential)


def test_a_profile_is_hashed_without_its_keymap_and_compared_with_it() -> None:
    plain, mapped = Profile("default"), Profile("default", keymap={"app.quit": "x"})
    assert hash(plain) == hash(mapped)
    assert compared(plain, mapped) == (False, True)
    assert compared(plain, Profile("default")) == (True, False)


def test_settings_and_load_results_repr_leave_out_their_bulk() -> None:
    settings = Settings(Path("config.toml"), profiles={"eu": {"host": "https://eu"}})
    assert "profiles" not in repr(settings) and "config.toml" in repr(settings)
    assert hash(settings) == hash(Settings(Path("config.toml")))
    result = LoadResult(events=[], windows=3)
    assert repr(result).startswith("LoadResult(malformed=0") and "events=[" not in repr(result)
