"""Exports from the TUI are private (0600) by default and the dialog says so; the profile's
`export_mode = "umask"` gives the umask's permissions instead (and the dialog says that)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from textual.widgets import Static

from auditui.demo import DemoServer
from auditui.paths import umask
from auditui.tui.dialogs.export import ExportDialog
from tests.helpers.app import loaded_app, messages, settle, wait_for


def summary(dialog: ExportDialog) -> str:
    return str(dialog.query_one("#export-summary", Static).render())


@pytest.mark.parametrize("export_mode", [None, "umask"])
async def test_the_dialog_tells_the_mode_and_the_file_has_it(
    server: DemoServer,
    workdir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    export_mode: str | None,
) -> None:
    if export_mode is not None:
        config = tmp_path / "config.toml"
        config.write_text(f'[defaults]\nexport_mode = "{export_mode}"\n')
        monkeypatch.setenv("AUDITUI_CONFIG", str(config))
    expected = 0o600 if export_mode is None else 0o644 & ~umask()
    async with loaded_app(server) as (app, pilot):
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog), "the dialog")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        private = " (private)" if not expected & 0o077 else ""  # a umask of 077 is private too
        note = f"saved {expected:04o}{private}."
        assert summary(dialog).endswith(note)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(m.startswith("Wrote ") for m in messages(app)), "done")
    (written,) = list(workdir.iterdir())
    assert stat.S_IMODE(written.stat().st_mode) == expected
