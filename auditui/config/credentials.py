"""The Datafold API key: where it comes from, where it is stored, and how it is removed.

Resolution order for a profile: `DATAFOLD_API_KEY` → `DATAFOLD_APIKEY` (obsolete spelling)
→ the OS keyring (service `auditui`, user name = profile) → the opted-in 0600 file
`<config dir>/credentials/<profile>`. The key itself never appears in an exception, a repr,
a log line or a file other than the keyring or that 0600 file.

A profile has one stored key: the last login wins. Storing a key in one place removes the
profile's key from the other (`store_key` says what it removed, or why it could not), so
the keyring never shadows a newer key in the file. `keyring_problem` tells, before anyone
types a key, whether the keyring can keep one at all.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

import msgspec

from auditui.errors import KEYS_HELP, AuthError, CredentialError, one_line
from auditui.paths import credentials_dir, credentials_file, display_path, write_atomic

SERVICE = "auditui"
ENV_KEY = "DATAFOLD_API_KEY"
ENV_KEY_OBSOLETE = "DATAFOLD_APIKEY"
MAX_KEY_LENGTH = 4095
NO_KEY_HELP = "no API key found: run `auditui login` or set DATAFOLD_API_KEY"


def _keyring() -> ModuleType:
    """The keyring package, imported on first use: it takes ~60 ms, and the browser's start
    with a key from the environment (or the demo) never needs it."""
    import keyring
    import keyring.backends.fail
    import keyring.errors

    return keyring


def _keyring_failures() -> tuple[type[BaseException], ...]:
    """What a keyring call may raise when the keyring cannot be used: keyring's own errors,
    and what a backend's set-up raises before keyring can wrap it (e.g. a D-Bus socket that
    is gone gives FileNotFoundError, a missing Secret Service daemon RuntimeError)."""
    return (_keyring().errors.KeyringError, OSError, RuntimeError)


def _keyring_unavailable() -> tuple[type[BaseException], ...]:
    errors = _keyring().errors
    return (errors.NoKeyringError, errors.InitError, errors.KeyringLocked, OSError, RuntimeError)


# keyring backend module → the name people know it by.
_BACKEND_NAMES = {
    "SecretService": "Secret Service",
    "libsecret": "Secret Service via libsecret",
    "kwallet": "KWallet",
    "macOS": "macOS Keychain",
    "Windows": "Windows Credential Locker",
}


class Credential(msgspec.Struct, frozen=True):
    """An API key and a human description of where it came from (the key never shown)."""

    key: str
    source: str

    def __repr__(self) -> str:
        return f"Credential(source={self.source!r})"

    def __str__(self) -> str:
        return f"API key from {self.source}"


class NoKeyringAvailable(CredentialError):
    """No usable OS keyring: the message explains, in a few lines, the three ways out."""

    def __init__(self, reason: str) -> None:
        where = display_path(credentials_dir())
        text = (
            f"No OS keyring is available to store the API key ({reason}). Choose one:\n"
            f"  1. Set {ENV_KEY} in the environment (e.g. from a secrets manager); "
            "auditui reads it first.\n"
            "  2. Run a Secret Service, e.g. gnome-keyring-daemon in a D-Bus session "
            "(keyrings.alt is not recommended: it keeps keys in plain or weakly "
            "encrypted files).\n"
            "  3. Run `auditui login --insecure-storage` to keep the key in a 0600 file "
            f"under {where}/."
        )
        Exception.__init__(self, text)  # several lines on purpose, unlike other errors


class StoredKey(msgspec.Struct, frozen=True):
    """Where `store_key` put a key, and what became of the profile's key in the other store.

    `removed` names the store whose (older) key was deleted; `left` is set when the other
    store still holds a key that could not be removed (a one-line reason and what to do).
    """

    where: str
    removed: str | None = None
    left: str | None = None

    def notes(self) -> list[str]:
        """Lines for people: what happened to the other store's key (maybe none)."""
        lines: list[str] = []
        if self.removed:
            lines.append(f"Removed the previous key from {self.removed}: the last login wins.")
        if self.left:
            lines.append(self.left)
        return lines


def backend_name() -> str:
    """The active keyring backend as people name it (e.g. `Secret Service`)."""
    backend = _keyring().get_keyring()
    chained = getattr(backend, "backends", None)
    if isinstance(chained, list) and chained:
        backend = chained[0]
    module = type(backend).__module__.rsplit(".", 1)[-1]
    return _BACKEND_NAMES.get(module, str(getattr(backend, "name", type(backend).__name__)))


def keyring_source(profile: str) -> str:
    return f"OS keyring ({backend_name()}, service {SERVICE!r}, profile {profile!r})"


def file_source(path: Path) -> str:
    return f"file {display_path(path)} (0600)"


def _clean(value: str | None) -> str | None:
    """Whitespace stripped; empty counts as none."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def _reason(exc: BaseException, secret: str | None = None) -> str:
    """A one-line reason from a keyring error, with the key scrubbed if it were echoed."""
    if isinstance(exc, _keyring().errors.NoKeyringError):
        return "no OS keyring backend is available"
    text = one_line(str(exc)) or "no details"
    if secret:
        text = text.replace(secret, "***")
    return f"{type(exc).__name__}: {text}"


def _env_credential(env: Mapping[str, str]) -> Credential | None:
    for name, label in (
        (ENV_KEY, f"environment variable {ENV_KEY}"),
        (ENV_KEY_OBSOLETE, f"environment variable {ENV_KEY_OBSOLETE} (obsolete spelling)"),
    ):
        key = _clean(env.get(name))
        if key:
            return Credential(key, label)
    return None


def _keyring_read(profile: str) -> tuple[Credential | None, str | None]:
    """The keyring's key for the profile, or why it could not be read."""
    try:
        key = _clean(_keyring().get_password(SERVICE, profile))
    except _keyring_failures() as exc:
        return None, _reason(exc)
    return (Credential(key, keyring_source(profile)) if key else None), None


def _file_read(profile: str) -> Credential | None:
    """The 0600 file's key; `CredentialError` if others may read it."""
    path = credentials_file(profile)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CredentialError(
            f"Cannot read the key file {display_path(path)}: {exc.strerror}."
        ) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise CredentialError(f"The key file {display_path(path)} is not a regular file.")
        if info.st_mode & 0o077:
            import shlex

            quoted = shlex.quote(str(path))
            raise CredentialError(
                f"The key file {display_path(path)} is accessible to other users "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); run `chmod 600 {quoted}` "
                "and consider replacing the key."
            )
        data = handle.read(MAX_KEY_LENGTH + 64)
    try:
        key = _clean(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise CredentialError(f"The key file {display_path(path)} is not UTF-8 text.") from None
    if key is None:
        return None
    try:
        key = validate_key(key)
    except CredentialError as exc:
        raise CredentialError(
            f"The key file {display_path(path)} does not hold a valid API key: {exc}"
        ) from None
    return Credential(key, file_source(path))


def _resolve(profile: str, env: Mapping[str, str]) -> tuple[Credential | None, str | None]:
    """The first key found, and why the keyring could not be read (if it was tried)."""
    found = _env_credential(env)
    if found is not None:
        return found, None
    found, problem = _keyring_read(profile)
    if found is None:
        found = _file_read(profile)
    return found, problem


def resolve_credential(profile: str, env: Mapping[str, str] = os.environ) -> Credential | None:
    """The API key for a profile from the first source that has one, or None.

    A keyring that cannot be read (none installed, locked, D-Bus down) is skipped; the
    reason shows in `describe_credential`. An insecure key file raises `CredentialError`.
    """
    return _resolve(profile, env)[0]


def require_credential(profile: str, env: Mapping[str, str] = os.environ) -> Credential:
    """Like `resolve_credential`, but raises `CredentialError` (one line) when there is none."""
    found, problem = _resolve(profile, env)
    if found is None:
        keyring_note = f" (OS keyring not readable: {problem})" if problem else ""
        raise CredentialError(f"For profile {profile!r}, {NO_KEY_HELP}{keyring_note}.")
    return found


def validate_key(key: str) -> str:
    """The key with surrounding whitespace removed; `CredentialError` if it cannot be a key."""
    key = key.strip()
    if not key:
        raise CredentialError("The API key is empty.")
    if len(key) > MAX_KEY_LENGTH:
        raise CredentialError(f"The API key is too long ({len(key)} characters).")
    if any(char.isspace() or not char.isprintable() for char in key):
        raise CredentialError("The API key contains spaces or control characters.")
    return key


def _write_key_file(profile: str, key: str) -> Path:
    path = credentials_file(profile)
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(folder.stat().st_mode) & 0o077:
        folder.chmod(0o700)
    write_atomic(path, key.encode("utf-8") + b"\n", mode=0o600)
    return path


def _is_fail_backend() -> bool:
    return isinstance(_keyring().get_keyring(), _keyring().backends.fail.Keyring)


def keyring_problem(profile: str) -> str | None:
    """Why the OS keyring cannot store this profile's key, or None when it looks usable.

    Asked before prompting for a key: selects the backend and reads the profile's entry
    (which needs the D-Bus session and an unlocked keyring), without writing anything.
    """
    credentials_file(profile)  # validates the profile name
    try:
        if _is_fail_backend():
            return "no OS keyring backend is available"
        if type(_keyring().get_keyring()).__module__.endswith(".null"):
            return "the null backend does not keep keys"
        _keyring().get_password(SERVICE, profile)
    except _keyring_failures() as exc:
        return _reason(exc)
    return None


def _keyring_store(profile: str, key: str) -> str:
    try:
        if _is_fail_backend():
            raise _keyring().errors.NoKeyringError("the fail backend is selected")
        _keyring().set_password(SERVICE, profile, key)
        stored = _keyring().get_password(SERVICE, profile)
    except _keyring_unavailable() as exc:
        raise NoKeyringAvailable(_reason(exc, key)) from None
    except _keyring().errors.KeyringError as exc:
        raise CredentialError(
            f"Could not store the API key in the OS keyring ({_reason(exc, key)}); "
            f"set {ENV_KEY} or use `auditui login --insecure-storage`."
        ) from None
    if stored != key:  # e.g. the `null` backend accepts keys and keeps nothing
        raise NoKeyringAvailable(f"the {backend_name()} backend did not keep the key")
    return keyring_source(profile)


def _remove_from_keyring(profile: str) -> tuple[bool, str | None]:
    """Delete the profile's keyring entries: (whether one was removed, why it failed)."""
    removed = False
    for _ in range(16):  # a keyring may hold duplicates; each call removes one
        try:
            _keyring().delete_password(SERVICE, profile)
        except (_keyring().errors.PasswordDeleteError, _keyring().errors.NoKeyringError):
            break  # nothing (more) there, or no keyring to hold anything
        except _keyring_failures() as exc:
            return removed, _reason(exc)
        removed = True
    return removed, None


def store_key(profile: str, key: str, *, insecure_file: bool = False) -> StoredKey:
    """Store the key for a profile and remove the profile's key from the other store.

    By default in the OS keyring (`NoKeyringAvailable` when there is none) and the 0600
    file is deleted; with `insecure_file=True` in the 0600 file, and the keyring's entry is
    deleted so that it cannot shadow the new key. Returns where the key went and what
    became of the other one.
    """
    key = validate_key(key)
    profile_file = credentials_file(profile)  # validates the profile name
    if not insecure_file:
        where = _keyring_store(profile, key)
        try:
            profile_file.unlink()
        except FileNotFoundError:
            return StoredKey(where)
        except OSError as exc:
            return StoredKey(
                where,
                left=f"Could not remove the previous key file {display_path(profile_file)} "
                f"({exc.strerror}); the OS keyring is read first, so the new key is used.",
            )
        return StoredKey(where, removed=file_source(profile_file))
    where = file_source(_write_key_file(profile, key))
    try:
        no_keyring = _is_fail_backend()  # no keyring at all: nothing there to shadow the file
    except _keyring_failures():
        no_keyring = False  # one that cannot be reached now: say so below
    if no_keyring:
        return StoredKey(where)
    removed, problem = _remove_from_keyring(profile)
    if problem:
        return StoredKey(
            where,
            left=f"Could not check the OS keyring for a previous key ({problem}); if it "
            "holds one, it is read before the file: remove it with `auditui logout` "
            "and log in again.",
        )
    return StoredKey(where, removed=keyring_source(profile) if removed else None)


def store_credential(profile: str, key: str, *, insecure_file: bool = False) -> str:
    """Store the key for a profile (see `store_key`); returns a description of where."""
    return store_key(profile, key, insecure_file=insecure_file).where


def refused_entered_key(error: AuthError, host: str) -> CredentialError:
    """The one line for a key just typed (at `auditui login` or in the TUI) that the host
    refused: says so in plain words, and that nothing was stored."""
    if error.status == 403:
        return CredentialError(
            f"{host} accepted this key but it may not read audit logs (HTTP 403); nothing "
            "was stored. Ask an admin for access or use another key."
        )
    return CredentialError(
        f"{host} refused this key (HTTP {error.status}); nothing was stored. Check that it "
        f"was copied whole and has not been revoked. {KEYS_HELP}."
    )


def delete_credential(profile: str) -> list[str]:
    """Remove the profile's key from the keyring and the key file; returns where from."""
    path = credentials_file(profile)
    removed: list[str] = []
    from_keyring, keyring_problem_text = _remove_from_keyring(profile)
    if from_keyring:
        removed.append(keyring_source(profile))
    try:
        path.unlink()
    except FileNotFoundError:
        pass  # nothing stored in a file: not an error
    else:
        removed.append(file_source(path))
    if keyring_problem_text:
        also = f"; removed from {removed[0]}" if removed else ""
        raise CredentialError(
            f"Could not remove the key from the OS keyring ({keyring_problem_text}){also}."
        )
    return removed


def describe_credential(
    profile: str, env: Mapping[str, str] = os.environ, *, none_text: str | None = None
) -> str:
    """One line for `auditui status`: where the key comes from (never the key).

    `none_text` replaces what to do when there is no key (`auditui status` says it once, on
    stderr, rather than on this line too)."""
    from_env = _env_credential(env)
    from_keyring, problem = _keyring_read(profile)
    try:
        from_file = _file_read(profile)
        file_problem = None
    except CredentialError as exc:
        from_file, file_problem = None, str(exc).rstrip(".")
    stored = from_keyring or from_file
    notes: list[str] = []
    if from_env is not None:
        text = f"API key from {from_env.source}"
        if from_env.source.endswith(ENV_KEY) and _clean(env.get(ENV_KEY_OBSOLETE)):
            notes.append(f"{ENV_KEY_OBSOLETE} is also set and ignored")
        if stored is not None:
            notes.append(f"it overrides the key stored in {stored.source}")
    elif stored is not None:
        text = f"API key from {stored.source}"
        if from_keyring is not None and from_file is not None:
            notes.append(
                f"another key in {from_file.source} is not used (the OS keyring is read "
                "first; `auditui logout` removes both)"
            )
    else:
        text = none_text or f"For profile {profile!r}, {NO_KEY_HELP}"
    if problem and from_env is None:
        notes.append(f"OS keyring not readable: {problem}")
    if file_problem:
        notes.append(file_problem)
    return "; ".join([text, *notes])
