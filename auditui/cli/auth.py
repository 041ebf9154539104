"""`auditui login`, `auditui logout` and `auditui status`: a profile's API key.

The key is read from a hidden prompt or one stdin line, checked against the host (unless
`--no-verify`), and stored in the OS keyring or, when asked, a 0600 file. Nothing here
prints or logs it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

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
    from auditui.config.credentials import store_credential
    from auditui.config.settings import profile_from_settings
    from auditui.sources.api import check_host
    from auditui.sources.connection import Connection

    settings, profile = profile_from_settings(args.profile)
    host = check_host(args.host or profile.host)
    key = _read_key(args, host)
    if not args.no_verify:
        connection = Connection(profile, host)

        async def verify() -> None:
            async with connection.client(api_key=key) as client:
                await client.verify()

        asyncio.run(verify())
        say(f"The key works against {host}.")
    where = store_credential(profile.name, key, insecure_file=args.insecure_storage)
    print(f"Stored the API key for profile '{profile.name}' in {where}.")
    if args.host and check_host(profile.host) != host:
        print(
            f"Note: profile '{profile.name}' uses {profile.host}; to use {host}, set "
            f'host = "{host}" under [profiles.{profile.name}] in {settings.path} '
            "or export DATAFOLD_HOST."
        )
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
    from auditui.config.credentials import describe_credential
    from auditui.config.settings import profile_from_settings

    settings, profile = profile_from_settings(args.profile)
    host_note = " (from DATAFOLD_HOST)" if os.environ.get("DATAFOLD_HOST") else ""
    config_note = "" if settings.path.exists() else " (not created; defaults in use)"
    print(f"profile: {profile.name}")
    print(f"host:    {profile.host}{host_note}")
    print(f"config:  {settings.path}{config_note}")
    print(f"key:     {describe_credential(profile.name)}")
    return 0
