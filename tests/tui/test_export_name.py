"""The export dialog's default file name carries a short form of the query when filtered
(issue 15, "Also expected"): safe characters only, bounded length, none when unfiltered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from auditui.demo import DemoServer
from auditui.tui.dialogs.export import QUERY_SLUG_LENGTH, ExportDialog, default_name, query_slug
from tests.helpers.app import RANGE, idle, loaded_app, submit, wait_for


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("", ""),
        ("status:failure", "status-failure"),
        ("-source:ci status:failure", "not-source-ci-status-failure"),
        ("NOT action:monitor.* OR (support:true)", "not-action-monitor-or-support-true"),
        ("user:*@datafold.com", "user-datafold.com"),
        ('"../../etc/passwd" x/y\\z', "etc-passwd-x-y-z"),
        ("ünïcode 名前 \x1b[31m", "n-code-31m"),
    ],
)
def test_query_slug(query: str, slug: str) -> None:
    assert query_slug(query) == slug


def test_query_slug_is_bounded_and_safe() -> None:
    long = " ".join(f"user:someone{n}@example.com" for n in range(40))
    slug = query_slug(long)
    assert 0 < len(slug) <= QUERY_SLUG_LENGTH
    assert set(slug) <= set("abcdefghijklmnopqrstuvwxyz0123456789._-")
    assert not slug.startswith(("-", ".")) and not slug.endswith(("-", "."))
    assert ".." not in slug


async def test_a_filtered_export_is_named_after_its_query(
    server: DemoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with loaded_app(server) as (app, pilot):
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        plain = app.screen.query_one("#export-path", Input).value
        assert plain == default_name(RANGE, "ndjson")
        await pilot.press("escape")
        await idle(pilot)

        await submit(pilot, "status:failure -source:ci")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        named = app.screen.query_one("#export-path", Input).value
        assert named == plain.removesuffix(".ndjson") + "-status-failure-not-source-ci.ndjson"
