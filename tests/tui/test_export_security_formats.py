"""The export dialog offers OCSF and ECS: chosen from the radio, kept while the name ends in
their extension (never guessed), and the dialog still fits an 80×24 terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, RadioButton

from auditui.export.formats import FORMATS
from auditui.tui.dialogs.export import LABELS, ExportDialog, ExportRequest, with_extension
from tests.helpers.hosts import DialogHost
from tests.helpers.pilot import screen_text


def path_input(app: DialogHost[ExportDialog]) -> Input:
    return app.dialog.query_one("#export-path", Input)


@pytest.mark.parametrize(("fmt", "suffix"), [("ocsf", ".ocsf.ndjson"), ("ecs", ".ecs.ndjson")])
async def test_a_security_format_is_chosen_and_kept(tmp_path: Path, fmt: str, suffix: str) -> None:
    app = DialogHost(ExportDialog(5, None, cwd=tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.click(f"#export-{fmt}")
        await pilot.pause()
        assert path_input(app).value == f"./auditui-events{suffix}"
        assert app.dialog.format == fmt  # the name ends in `.ndjson`: still not guessed NDJSON
        path_input(app).value = f"siem{suffix}"
        await pilot.pause()
        assert app.dialog.query_one(f"#export-{fmt}", RadioButton).value
        await pilot.click("#export-csv")
        await pilot.pause()
        assert path_input(app).value == "siem.csv"
        await pilot.click(f"#export-{fmt}")
        await pilot.pause()
        app.dialog.query_one("#export-apply", Button).press()
        await pilot.pause()
        assert app.result == ExportRequest(tmp_path / f"siem{suffix}", fmt, False)


def test_the_extension_swaps_from_a_security_format() -> None:
    assert with_extension("x.ocsf.ndjson", "csv") == "x.csv"
    assert with_extension("x.ecs.ndjson", "ocsf") == "x.ocsf.ndjson"
    assert with_extension("x.ndjson", "ecs") == "x.ecs.ndjson"


async def test_the_dialog_with_five_formats_fits_80_by_24(tmp_path: Path) -> None:
    dialog = ExportDialog(5, None, cwd=tmp_path)
    app = DialogHost(dialog)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen.region
        text = screen_text(app)
        for fmt in FORMATS:
            region = dialog.query_one(f"#export-{fmt}", RadioButton).region
            assert region.height == 1 and screen.contains_region(region), fmt
            assert f"( ) {LABELS[fmt]}" in text or f"(•) {LABELS[fmt]}" in text  # not cut
        for button in ("#export-apply", "#export-cancel"):
            region = dialog.query_one(button, Button).region
            assert region.height > 0 and screen.contains_region(region), button
