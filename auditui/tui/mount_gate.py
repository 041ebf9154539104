"""`MountGate`: calls that touch the screen, held until the App has mounted it.

A load may begin before the screen exists (`AuditApp.on_load`, when the first windows were
prefetched): its events are installed in the session meanwhile, and what it reports to the
widgets (installed, progress, counts, errors) waits here, in order, until `open()` (the end
of the App's mount), which makes those calls at once; after that, calls pass straight
through. The first frame then shows the rows instead of an empty table.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import ParamSpec

P = ParamSpec("P")


class MountGate:
    """Holds calls until `open()`, then makes them in the order they came."""

    def __init__(self) -> None:
        self._held: list[Callable[[], object]] | None = []  # None once open

    @property
    def is_open(self) -> bool:
        return self._held is None

    def wrap(self, function: Callable[P, None]) -> Callable[P, None]:
        """`function`, called now when the gate is open, else once it opens."""

        @wraps(function)
        def gated(*args: P.args, **kwargs: P.kwargs) -> None:
            if self._held is None:
                function(*args, **kwargs)
            else:
                self._held.append(partial(function, *args, **kwargs))

        return gated

    def open(self) -> bool:
        """Make the held calls (a call made meanwhile runs after them), then let every
        call through; whether any was held."""
        made = bool(self._held)
        while self._held:
            held, self._held = self._held, []
            for call in held:
                call()
        self._held = None
        return made
