"""The key footer (`widgets/footer.py`): Textual's keys, the first ones composed at once."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets._footer import FooterKey

from auditui.demo import DemoServer
from auditui.tui.widgets.footer import Footer
from tests.helpers.app import loaded_app


async def test_the_first_keys_do_not_wait_for_a_refresh(
    server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # waiting for a refresh left the first frames without a footer (~0.1 s at start)
    waited: list[int] = []  # the footer's keys when it put a recompose after a refresh
    after_refresh = Footer.call_after_refresh

    def recording(self: Footer, callback: Any, *args: Any, **kwargs: Any) -> bool:
        waited.append(len(self.query(FooterKey)))
        return after_refresh(self, callback, *args, **kwargs)

    monkeypatch.setattr(Footer, "call_after_refresh", recording)
    async with loaded_app(server) as (app, _pilot):
        keys = [key.description for key in app.query(FooterKey)]
        assert "Sort" in keys and "Filter" in keys  # the table's keys and the App's
        assert 0 not in waited  # a footer without keys composed them at once
