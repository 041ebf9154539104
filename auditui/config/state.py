"""The TUI's remembered UI state: a tiny JSON object of choices such as the theme.

Kept in `paths.ui_state_file()` (the user state dir), written atomically with mode 0600
(`paths.write_atomic`). A damaged file is an error when read (`ConfigError`) and is
replaced by the next save: it holds only UI preferences.

Per profile (under `"profiles"`), a `PaneLayout`: the table's columns as chosen with `C`
and the detail pane's open state and size. Values read back are checked for their type
and range (a bad one falls back to its default); whether a column id exists is the
TUI's to check (config sits below the events package).
"""

from __future__ import annotations

import json
from typing import TypeAlias

import msgspec
from msgspec.structs import replace

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


DETAIL_SIZES = range(15, 86)  # the detail pane's share of the body, in percent


class PaneLayout(msgspec.Struct, frozen=True):
    """How one profile's main screen is laid out, as the user left it.

    `columns`: the table's column ids in order (None: the profile's configured columns);
    `detail_open`: the detail pane shown; `detail_width`: its share of the width in
    percent beside the table (wide terminals); `detail_height`: its share of the height
    below the table (narrow terminals, where it should leave the table most lines).
    """

    columns: tuple[str, ...] | None = None
    detail_open: bool = True
    detail_width: int = 40
    detail_height: int = 33

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "columns": None if self.columns is None else list(self.columns),
            "detail_open": self.detail_open,
            "detail_width": self.detail_width,
            "detail_height": self.detail_height,
        }

    @classmethod
    def from_json(cls, value: object) -> PaneLayout:
        """The layout a state file holds; anything missing or malformed is the default."""
        layout = cls()
        if not isinstance(value, dict):
            return layout
        columns = value.get("columns")
        if isinstance(columns, list) and columns and all(isinstance(c, str) for c in columns):
            layout = replace(layout, columns=tuple(columns))
        if isinstance(value.get("detail_open"), bool):
            layout = replace(layout, detail_open=value["detail_open"])
        width, height = _size(value.get("detail_width")), _size(value.get("detail_height"))
        if width is not None:
            layout = replace(layout, detail_width=width)
        if height is not None:
            layout = replace(layout, detail_height=height)
        return layout


def _size(value: object) -> int | None:
    """A detail pane size read back, if it is one (a bool is not an int here)."""
    if isinstance(value, int) and not isinstance(value, bool) and value in DETAIL_SIZES:
        return value
    return None


def load_pane_layout(profile: str) -> PaneLayout:
    """The layout remembered for `profile` (the defaults when none, or the file is damaged:
    the next save replaces it)."""
    try:
        profiles = load_ui_state().get("profiles")
    except ConfigError:
        return PaneLayout()
    return PaneLayout.from_json(profiles.get(profile) if isinstance(profiles, dict) else None)


def save_pane_layout(profile: str, layout: PaneLayout) -> None:
    """Remember `profile`'s layout (the other profiles' are kept)."""
    try:
        profiles = load_ui_state().get("profiles")
    except ConfigError:
        profiles = None
    kept = dict(profiles) if isinstance(profiles, dict) else {}
    kept[profile] = layout.to_json()
    save_ui_state("profiles", kept)
