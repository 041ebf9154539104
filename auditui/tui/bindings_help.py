"""Every binding of the App and its panes: the help screen's rows and the palette's entries.

The App names its panes in order (`Panes`: group and node); bindings show with the keys
the config's `[keymap]` gives them. A palette entry runs its binding's action on the node
that binds it; App actions take their longer help text from `actions.APP_ACTIONS`. A pane
not mounted yet (`auditui.tui.on_demand`) is named by its class: its entries mount it
first (`resolve`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode

from auditui.tui.actions import APP_ACTIONS

if TYPE_CHECKING:
    from auditui.tui.dialogs.help import HelpRow

Pane = DOMNode | type[DOMNode]
Panes = Sequence[tuple[str, Pane]]
"""(group shown in the help, node (or its class, not mounted yet) whose `BINDINGS` it
lists), in display order."""
Resolve = Callable[[type[DOMNode]], Awaitable[DOMNode]]
"""Mounts the pane of a class and gives the node a palette entry runs its action on."""


def all_bindings(panes: Panes) -> Iterator[tuple[str, Pane, Binding]]:
    """Every binding of the panes, with its group and owner."""
    for group, node in panes:
        for binding in node.BINDINGS:
            if isinstance(binding, Binding):
                yield group, node, binding


def keys_of(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The keys of `binding`, as remapped by `keymap` (binding id → keys)."""
    return keymap.get(binding.id or "", binding.key)


def help_rows(panes: Panes, keymap: Mapping[str, str]) -> list[HelpRow]:
    return [
        (group, keys_of(binding, keymap), binding.description, binding.id or "")
        for group, _, binding in all_bindings(panes)
    ]


def palette_commands(
    app: App[Any], panes: Panes, keymap: Mapping[str, str], resolve: Resolve | None = None
) -> Iterator[SystemCommand]:
    """A command-palette entry "<group>: <description>" for each binding, its keys shown as
    the help screen shows them (`/`, `?`, `^p`)."""
    from auditui.tui.dialogs.help import display_keys  # lazy: dialogs load when opened

    helps = {item.id: item.help for item in APP_ACTIONS}
    for group, node, binding in all_bindings(panes):
        text = helps.get(binding.id or "", binding.description)
        yield SystemCommand(
            f"{group}: {binding.description}",
            f"{text} ({display_keys(keys_of(binding, keymap))})",
            partial(_run, app, binding.action, node, resolve),
        )


async def _run(app: App[Any], action: str, pane: Pane, resolve: Resolve | None) -> None:
    if isinstance(pane, type):
        if resolve is None:
            return
        pane = await resolve(pane)
    await app.run_action(action, pane)
