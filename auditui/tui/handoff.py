"""Handing an event to the outside: the clipboard (OSC 52), `$PAGER` and `$EDITOR`.

Text handed out is the event's JSON made byte-safe (`textsafe.json_text_safe`): the same
JSON value, but no control or bidi character a terminal or pager could act on. Programs
get a private temporary file (0600) that is removed when they exit.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

from auditui.errors import AudituiError, UsageError

DEFAULT_PAGER = "less"
DEFAULT_EDITOR = "vi"


def pager_command(env: Mapping[str, str] = os.environ) -> list[str]:
    return _command(env.get("PAGER") or DEFAULT_PAGER, "PAGER")


def editor_command(env: Mapping[str, str] = os.environ) -> list[str]:
    return _command(env.get("VISUAL") or env.get("EDITOR") or DEFAULT_EDITOR, "EDITOR")


def _command(value: str, variable: str) -> list[str]:
    try:
        parts = shlex.split(value)
    except ValueError as exc:
        raise UsageError(f"${variable} cannot be parsed ({exc}): {value!r}.") from exc
    if not parts:
        raise UsageError(f"${variable} is empty; set it to a program such as less or vi.")
    return parts


def run_on_temp_file(command: list[str], text: str, *, suffix: str = ".json") -> int:
    """Write `text` to a private temporary file, run `command file`, remove the file."""
    fd, name = tempfile.mkstemp(prefix="auditui-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            return subprocess.run([*command, str(path)], check=False).returncode
        except FileNotFoundError as exc:
            raise AudituiError(
                f"Cannot run {command[0]!r}: not found. Set $PAGER or $EDITOR to a program "
                "that exists."
            ) from exc
        except PermissionError as exc:
            raise AudituiError(f"Cannot run {command[0]!r}: permission denied.") from exc
    finally:
        path.unlink(missing_ok=True)
