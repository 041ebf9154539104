"""Tiny host apps for testing one widget or one dialog outside the auditui App.

`DetailApp` mounts a `DetailPane`, `TreeApp` a `JsonTree` of a value; `DialogHost` pushes
one modal dialog on mount and keeps what it was dismissed with in `result` (`NOT_YET`
until then).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from textual.app import App, ComposeResult
from textual.screen import ModalScreen

from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.json_tree import JsonTree

NOT_YET = object()
"""`DialogHost.result` while the dialog is still open."""

DialogT = TypeVar("DialogT", bound=ModalScreen[Any])


class DetailApp(App[None]):
    """A `DetailPane` on its own."""

    def compose(self) -> ComposeResult:
        yield DetailPane()

    @property
    def pane(self) -> DetailPane:
        return self.query_one(DetailPane)


class TreeApp(App[None]):
    """A `JsonTree` of `value` on its own."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value

    def compose(self) -> ComposeResult:
        yield JsonTree(self.value)

    @property
    def json(self) -> JsonTree:
        return self.query_one(JsonTree)


class DialogHost(App[None], Generic[DialogT]):
    """Pushes one dialog on mount and records what it dismissed with."""

    def __init__(self, dialog: DialogT) -> None:
        super().__init__()
        self.dialog = dialog
        self.result: Any = NOT_YET

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, result: Any) -> None:
        self.result = result
