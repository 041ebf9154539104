"""`KeyOrder`: keys that arrive in one burst are handled one after another, in order.

Over SSH (or a paste into the terminal) several keys reach the App at once. Textual hands
each key to the widget focused when the App reads it from its queue, but a key's effects
land later: `/` focuses the filter bar's input through the App's queue, `t` pushes a dialog
that mounts and focuses its input in its own task, Tab moves the focus from the screen's
queue, Enter in the bar posts messages that close it. The keys read meanwhile went to the
old focus (`s` re-sorted the table instead of reaching the bar).

The App passes every fresh key and paste to `KeyOrder.take`: while a key is in flight the
next ones wait here; a key is done once callbacks posted after it have travelled a few
times from the widget that got it up to the App (each queue on the way has handled what the
key started: the bindings, the messages they post, a focus change), and, when the key
changed the screen, once through the new screen's queue (its mount and initial focus).
Then the next key goes to whatever has the focus now. If a key is not done after
`HOLD_LIMIT` seconds (a blocked queue), the held keys go on as Textual would send them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen
from textual.timer import Timer

ROUNDS = 3
"""How many times a key's "done" callbacks travel from its widget to the App: each round
covers one more level of messages the key set off (Enter → Input.Submitted →
FilterBar.Submitted → the App closes the bar and focuses the table)."""

HOLD_LIMIT = 2.0
"""Seconds a held key waits for the key before it, at most: a safety net for a queue that
never answers (a slow key, a long sort, only delays the next ones: they keep their order)."""

SCREEN_HOPS = 3
"""How many screen changes in a row one key may make before its followers go on."""

Dispatch = Callable[[events.Event], Awaitable[None]]


class KeyOrder:
    """Holds keys (and pastes) while the key before them is still being handled."""

    def __init__(self, app: App[Any], dispatch: Dispatch) -> None:
        self._app = app
        self._dispatch = dispatch
        self._held: deque[events.Event] = deque()
        self._serial = 0
        self._busy = 0  # the serial of the key in flight; 0: none
        self._timer: Timer | None = None

    @property
    def waiting(self) -> int:
        """How many keys are held."""
        return len(self._held)

    async def take(self, event: events.Event) -> bool:
        """Dispatch a fresh key or paste in turn; False (not taken) for any other event."""
        if not isinstance(event, events.Key | events.Paste) or event.is_forwarded:
            return False
        if self._busy:
            self._held.append(event)
            self._arm()
            return True
        await self._run(event)
        return True

    async def _run(self, event: events.Event) -> None:
        app = self._app
        self._serial += 1
        serial = self._busy = self._serial
        target: DOMNode = app.focused or app.screen
        screen = app.screen
        await self._dispatch(event)
        if self._held:
            self._arm()
        self._start_round(serial, target, screen, ROUNDS)

    # -- following a key up to the App ---------------------------------------------------

    def _start_round(self, serial: int, target: DOMNode, screen: Screen[Any], rounds: int) -> None:
        start = target if target.is_attached else (self._app.focused or self._app.screen)
        if not start.call_later(self._hop, start, serial, target, screen, rounds):
            self._app.call_later(self._settled, serial, screen, SCREEN_HOPS)

    def _hop(
        self, node: DOMNode, serial: int, target: DOMNode, screen: Screen[Any], rounds: int
    ) -> None:
        """Runs in `node`'s queue once it has handled what came before: on to its parent."""
        if serial != self._busy:
            return
        app = self._app
        if node is app:
            if rounds > 1:
                self._start_round(serial, target, screen, rounds - 1)
            else:  # after anything the last round's handlers queued on the App (focus)
                app.call_later(self._settled, serial, screen, SCREEN_HOPS)
            return
        parent = node.parent if node.parent is not None else app
        if not parent.call_later(self._hop, parent, serial, target, screen, rounds):
            app.call_later(self._settled, serial, screen, SCREEN_HOPS)

    def _settled(self, serial: int, screen: Screen[Any], hops: int) -> None:
        """The key's messages are handled; a new screen must mount and focus first."""
        if serial != self._busy:
            return
        app = self._app
        current = app.screen
        if current is screen or hops <= 0:
            app.call_later(self._release, serial)
            return

        def through_app() -> None:
            app.call_later(self._settled, serial, current, hops - 1)

        if not current.call_later(through_app):
            app.call_later(self._release, serial)

    async def _release(self, serial: int) -> None:
        if serial != self._busy:
            return
        self._busy = 0
        await self._next()

    async def _next(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._held:
            await self._run(self._held.popleft())

    # -- the limit -----------------------------------------------------------------------

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self._app.set_timer(HOLD_LIMIT, self._expired, name="key-order-limit")

    async def _expired(self) -> None:
        self._timer = None
        if self._busy:
            self._busy = 0
            await self._next()
