"""`auditui --view NAME` (open the browser with a saved view) and `auditui views` (list them).

The view is looked up in the profile's `ViewBook` (saved with `ctrl+s`, or `[views.NAME]`
in config.toml) before anything else runs: an unknown name is one line listing the known
ones (exit 2). Its range becomes the range to load unless `--since` or `--from`/`--to` is
given on the command line (those win); the rest (query, columns, sort) is applied by the
browser when it starts (`tui.flows.views`).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from auditui.cli.common import say

if TYPE_CHECKING:
    from auditui.config.views import SavedView, ViewBook


def _book(profile: str) -> ViewBook:
    from auditui.config.settings import load_settings

    book = load_settings().view_book(profile)
    if book.notice:
        say(f"auditui: warning: {book.notice}")
    return book


def chosen_view(args: argparse.Namespace, profile: str) -> SavedView | None:
    """The view `--view NAME` names (None without `--view`); `ViewError` (exit 2) for an
    unknown one, listing the known names."""
    name = getattr(args, "view", None)
    if name is None:
        return None
    return _book(profile).get(name)


def with_view_range(args: argparse.Namespace, view: SavedView | None) -> argparse.Namespace:
    """`args` with the view's range as `--since` or `--from`/`--to`, unless the command line
    gives a range itself (or the view has none)."""
    if view is None or any(getattr(args, key, None) for key in ("since", "start", "end")):
        return args
    values = vars(args).copy()
    if view.since:
        values["since"] = view.since
    elif view.start and view.end:
        values["start"], values["end"] = view.start, view.end
    return argparse.Namespace(**values)


def list_views(args: argparse.Namespace) -> int:
    """`auditui views`: one line per view: name, where it comes from, what it shows."""
    from auditui.config.settings import default_profile_name
    from auditui.textsafe import visible

    profile = getattr(args, "profile", None) or default_profile_name()
    book = _book(profile)
    names = book.names()
    if not names:
        print(f"No saved views for the profile {profile!r}: save one with ctrl+s in the browser.")
        return 0
    width = max(len(name) for name in names)
    for view in book.views():
        origin = "config" if book.read_only(view.name) else "saved"
        print(f"{view.name:<{width}}  {origin:<6}  {visible(view.describe())}")
    for name in book.hidden():
        print(
            f"{name:<{width}}  saved   hidden by config.toml's [views.{name}]: rename or "
            "delete it from the command palette"
        )
    return 0
