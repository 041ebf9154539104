"""`auditui login`, `auditui logout` and `auditui status`: a profile's API key.

Login checks first what can fail without the key (the config edit, a keyring to keep it,
unless `--insecure-storage`), then reads the key from a hidden prompt or one stdin line,
checks it against the host (unless `--no-verify`), and stores it in the OS keyring or,
when asked, a 0600 file, removing the profile's key from the other store (the last login
wins). A profile that config.toml lacks, or a new `--host`, is then written there
(`config.profile_edit`). `status` exits 1 when no key can be used. Nothing here prints or
logs the key.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from auditui import stopping
from auditui.cli.common import say
from auditui.errors import CredentialError, UsageError


def _read_key(args: argparse.Namespace, host: str) -> str:
    if args.stdin:
        key = sys.stdin.readline().strip()
    else:
        if not sys.stdin.isatty():
            raise UsageError("No terminal to prompt for the key: pipe it in with --stdin.")
        key = getpass.getpass(f"API key for {host} (input hidden): ").strip()
    if not key:
        raise UsageError("No API key was entered; nothing was stored.")
    return key


def _env_key_set() -> bool:
    return bool(os.environ.get("DATAFOLD_API_KEY") or os.environ.get("DATAFOLD_APIKEY"))


def login(args: argparse.Namespace) -> int:
    from auditui.config.credentials import (
        NoKeyringAvailable,
        keyring_problem,
        refused_entered_key,
        store_key,
    )
    from auditui.config.profile_edit import apply, login_profile, plan_host
    from auditui.config.settings import default_profile_name, load_settings
    from auditui.errors import AuthError
    from auditui.sources.api import check_host
    from auditui.sources.connection import Connection

    settings = load_settings()
    profile, _ = login_profile(settings, args.profile or default_profile_name())
    host = check_host(args.host or profile.host)
    # Everything that can fail without the key fails before it is asked for.
    edit = plan_host(settings, profile.name, host, asked=bool(args.host))
    if not args.insecure_storage:
        problem = keyring_problem(profile.name)
        if problem:
            raise NoKeyringAvailable(problem)
    key = _read_key(args, host)
    if not args.no_verify:
        connection = Connection(profile, host)

        async def verify() -> None:
            async with connection.client(api_key=key) as client:
                await client.verify()

        try:
            stopping.run(verify())
        except AuthError as exc:
            raise refused_entered_key(exc, host) from None
        say(f"The key works against {host}.")
    stored = store_key(profile.name, key, insecure_file=args.insecure_storage)
    print(f"Stored the API key for profile '{profile.name}' in {stored.where}.")
    for note in stored.notes():
        print(note)
    if edit is not None:
        print(edit.describe(created=apply(edit)))
    env_host = os.environ.get("DATAFOLD_HOST", "").strip()
    if env_host and env_host.rstrip("/") != host:
        print(f"Note: DATAFOLD_HOST is set to {env_host} in this environment and takes precedence.")
    if _env_key_set():
        print("Note: DATAFOLD_API_KEY is set in this environment and takes precedence.")
    return 0


def logout(args: argparse.Namespace) -> int:
    from auditui.config.credentials import delete_credential
    from auditui.config.settings import profile_from_settings

    _, profile = profile_from_settings(args.profile)
    removed = delete_credential(profile.name)
    if not removed:
        raise CredentialError(f"No stored API key for profile '{profile.name}'; nothing removed.")
    for where in removed:
        print(f"Removed the API key of profile '{profile.name}' from {where}.")
    if _env_key_set():
        print("Note: DATAFOLD_API_KEY is still set in this environment.")
    return 0


def status(args: argparse.Namespace) -> int:
    """Where the key comes from; exit 1 (one line on stderr) when there is none to use."""
    from auditui.config.credentials import describe_credential, resolve_credential
    from auditui.config.settings import profile_from_settings

    settings, profile = profile_from_settings(args.profile)
    host_note = " (from DATAFOLD_HOST)" if os.environ.get("DATAFOLD_HOST") else ""
    config_note = "" if settings.path.exists() else " (not created; defaults in use)"
    print(f"profile: {profile.name}")
    print(f"host:    {profile.host}{host_note}")
    print(f"config:  {settings.path}{config_note}")
    print(f"key:     {describe_credential(profile.name, none_text='none')}", flush=True)
    if resolve_credential(profile.name) is None:  # an unreadable key file raises its own line
        flag = "" if profile.name == "default" else f" --profile {profile.name}"
        raise CredentialError(
            f"No API key for profile '{profile.name}': log in with `auditui login{flag}` "
            "(or set DATAFOLD_API_KEY)."
        )
    return 0
