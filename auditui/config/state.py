"""The TUI's remembered UI state: a tiny JSON object of choices such as the theme.

Kept in `paths.ui_state_file()` (the user state dir), written atomically with mode 0600
(`paths.write_atomic`). A damaged file is an error when read (`ConfigError`) and is
replaced by the next save: it holds only UI preferences.
"""

from __future__ import annotations

import json
from typing import TypeAlias

from auditui.errors import ConfigError
from auditui.paths import display_path, ui_state_file, write_atomic

JsonValue: TypeAlias = str | int | float | bool | list["JsonValue"] | dict[str, "JsonValue"] | None


def load_ui_state() -> dict[str, JsonValue]:
    """What the TUI remembered (e.g. `{"theme": "nord"}`); empty when nothing was saved.

    Raises `ConfigError` when the file exists but is not a JSON object.
    """
    path = ui_state_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {display_path(path)}: {exc}; delete it.") from None
    try:
        state = json.loads(text)
    except json.JSONDecodeError:
        state = None
    if not isinstance(state, dict):
        raise ConfigError(f"{display_path(path)} is not a JSON object; delete it.")
    return state


def save_ui_state(key: str, value: JsonValue) -> None:
    """Remember one value (atomically rewriting the small state file).

    A damaged state file is replaced rather than kept: it holds only UI preferences.
    """
    try:
        state = load_ui_state()
    except ConfigError:
        state = {}  # deliberately start over: the damaged file is replaced below
    state[key] = value
    path = ui_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(state, indent=2, sort_keys=True).encode("utf-8") + b"\n"
    write_atomic(path, data, mode=0o600)
