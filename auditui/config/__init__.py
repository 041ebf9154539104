"""The user's configuration and what auditui remembers for them (no Textual, no HTTP).

The package owns:

- `settings`: `config.toml` (profiles, defaults, keymap, saved queries), read and validated
  into `Settings` and `Profile`; `profile_from_settings` picks the profile in force;
- `credentials`: the API key per profile (environment, OS keyring or an opted-in 0600
  file): resolve, store, delete, describe;
- `profile_edit`: the one place that writes `config.toml`: a profile (and its host) added
  by `auditui login`, as a minimal edit of the user's text;
- `history`: the filter queries a user ran, per profile;
- `state`: the TUI's remembered UI state (the theme; per profile, columns and panes);
- `views`: saved views (query, columns, sort, range) per profile, and `[views]` read-only.

Every file is written with `paths.write_atomic` (0600). Names are re-exported lazily
(PEP 562): importing one module does not load the others (the keyring, the query syntax).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.config.credentials import (
        Credential,
        delete_credential,
        describe_credential,
        resolve_credential,
        store_credential,
    )
    from auditui.config.history import HistoryCursor, QueryHistory
    from auditui.config.settings import (
        Profile,
        Settings,
        default_profile_name,
        load_settings,
        profile_from_settings,
    )
    from auditui.config.state import (
        PaneLayout,
        load_pane_layout,
        load_ui_state,
        save_pane_layout,
        save_ui_state,
    )
    from auditui.config.views import SavedView, ViewBook, ViewError

_WHERE = {
    "Credential": "credentials",
    "delete_credential": "credentials",
    "describe_credential": "credentials",
    "resolve_credential": "credentials",
    "store_credential": "credentials",
    "HistoryCursor": "history",
    "QueryHistory": "history",
    "Profile": "settings",
    "Settings": "settings",
    "default_profile_name": "settings",
    "load_settings": "settings",
    "profile_from_settings": "settings",
    "load_ui_state": "state",
    "save_ui_state": "state",
    "PaneLayout": "state",
    "load_pane_layout": "state",
    "save_pane_layout": "state",
    "SavedView": "views",
    "ViewBook": "views",
    "ViewError": "views",
}

__all__ = [
    "Credential",
    "HistoryCursor",
    "PaneLayout",
    "Profile",
    "QueryHistory",
    "SavedView",
    "Settings",
    "ViewBook",
    "ViewError",
    "default_profile_name",
    "delete_credential",
    "describe_credential",
    "load_pane_layout",
    "load_settings",
    "load_ui_state",
    "profile_from_settings",
    "resolve_credential",
    "save_pane_layout",
    "save_ui_state",
    "store_credential",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
