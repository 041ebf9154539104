"""Issue 15 item 8: the columns and the detail pane's state and size, remembered per profile
in the UI-state file (atomic, 0600), read back defensively."""

from __future__ import annotations

import json
from pathlib import Path

from auditui import paths
from auditui.config import PaneLayout, load_pane_layout, load_ui_state, save_pane_layout
from auditui.config.state import save_ui_state


def test_each_profile_keeps_its_own_layout(isolated_environment: Path) -> None:
    assert load_pane_layout("prod") == PaneLayout()  # nothing saved: the defaults
    assert not paths.ui_state_file().exists()
    save_ui_state("theme", "nord")
    prod = PaneLayout(("action", "user"), detail_open=False, detail_width=30, detail_height=25)
    save_pane_layout("prod", prod)
    save_pane_layout("staging", PaneLayout(detail_width=55))
    assert load_pane_layout("prod") == prod
    assert load_pane_layout("staging") == PaneLayout(detail_width=55)
    assert load_ui_state()["theme"] == "nord"  # the other choices are kept
    assert paths.ui_state_file().stat().st_mode & 0o777 == 0o600
    leftovers = [p.name for p in paths.ui_state_file().parent.iterdir()]
    assert leftovers == [paths.ui_state_file().name]  # written atomically: no temp file


def test_malformed_values_fall_back_to_their_defaults(isolated_environment: Path) -> None:
    state = {
        "profiles": {
            "a": {"columns": [], "detail_open": "no", "detail_width": True, "detail_height": 0},
            "b": {"columns": ["time", 3], "detail_width": 99, "detail_height": 40.5},
            "c": {"columns": ["user", "x"], "detail_open": False, "detail_height": 20},
            "d": ["not", "an", "object"],
        }
    }
    path = paths.ui_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state), encoding="utf-8")
    assert load_pane_layout("a") == PaneLayout()
    assert load_pane_layout("b") == PaneLayout()
    # unknown column ids are the TUI's to drop (config sits below the events package)
    assert load_pane_layout("c") == PaneLayout(("user", "x"), False, 40, 20)
    assert load_pane_layout("d") == PaneLayout()


def test_a_damaged_file_gives_the_defaults_and_is_replaced(isolated_environment: Path) -> None:
    path = paths.ui_state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    assert load_pane_layout("prod") == PaneLayout()
    save_pane_layout("prod", PaneLayout(detail_open=False))
    assert load_pane_layout("prod") == PaneLayout(detail_open=False)
    assert json.loads(path.read_text(encoding="utf-8"))["profiles"]["prod"]["detail_open"] is False
