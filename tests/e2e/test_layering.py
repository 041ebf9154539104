"""The core never imports Textual, and `--help`/`--version` stay light."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import auditui

CORE_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(auditui.__path__, prefix="auditui.")
    if not info.name.startswith("auditui.tui")
)


def _modules_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return set(out.split())


def test_core_modules_exist() -> None:
    for name in (
        "auditui.events.model",
        "auditui.sources.api",
        "auditui.cli.main",
        "auditui.demo.server",
    ):
        assert name in CORE_MODULES


def test_core_never_imports_textual() -> None:
    imports = "\n".join(f"import {name}" for name in CORE_MODULES)
    loaded = _modules_after(imports)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}


def test_help_and_version_import_neither_textual_nor_httpx() -> None:
    for flag in ("--help", "--version"):
        code = (
            "from auditui.cli.main import main\n"
            f"try:\n    main([{flag!r}])\nexcept SystemExit:\n    pass"
        )
        loaded = _modules_after(code)
        assert "textual" not in loaded
        assert "httpx" not in loaded
        assert "auditui.cli.main" in loaded


def test_reading_a_file_never_imports_httpx() -> None:
    """`auditui open FILE` and the packages' lazy re-exports leave the HTTP client unloaded."""
    loaded = _modules_after(
        "import auditui.sources, auditui.config, auditui.export\n"
        "from auditui.sources import FileSource, read_events\n"
        "import auditui.cli.browse"
    )
    assert "auditui.sources.files" in loaded
    assert "httpx" not in loaded and "auditui.sources.api" not in loaded


def test_numpy_loads_with_the_first_query_not_at_start_up() -> None:
    """numpy is for whole-store masks: the App must not wait for its import."""
    loaded = _modules_after("import auditui.tui.app\nimport auditui.query\nimport auditui.stats")
    assert "auditui.tui.app" in loaded
    assert "numpy" not in loaded
    after_query = _modules_after(
        "from auditui.query import SearchIndex, compile_query\n"
        "compile_query('admin').filter_indices(SearchIndex())"
    )
    assert "numpy" in after_query


def test_the_browser_loads_no_dialog_until_one_opens() -> None:
    """Issue 17: what only a key runs (dialogs, screens, the export, the diff, following, the
    facets' counting) is imported when first used, not before the first rows."""
    loaded = _modules_after("import auditui.tui.app")
    assert "auditui.tui.app" in loaded
    late = {
        m
        for m in loaded
        if (
            m.startswith(("auditui.tui.dialogs.", "auditui.tui.screens.", "auditui.export."))
            and m != "auditui.tui.screens.main"
        )  # the browser's own screen
        or m.startswith("auditui.follow.")  # the poller: with the first `F`
        or m in ("auditui.tui.flows.review", "auditui.review", "auditui.changes.compare")
        or m in ("auditui.stats.facets", "auditui.sources.files")
        or m in ("textual.widgets._text_area", "textual.widgets._data_table")
    }
    assert not late


def test_the_browser_start_leaves_what_only_some_starts_need_unloaded() -> None:
    """Issue 17: with no config file and no named zone, the CLI's settings and the App
    import neither TOML, zoneinfo, ctypes, shlex nor secrets (~12 ms before the first
    rows); each loads where it is used."""
    code = (
        "import os, tempfile\n"
        "os.environ['XDG_CONFIG_HOME'] = tempfile.mkdtemp()  # no config file there\n"
        "from auditui.config.settings import load_settings\n"
        "load_settings(env={})\n"
        "import auditui.cli.browse, auditui.config.credentials, auditui.tui.app, auditui.paths\n"
    )
    loaded = _modules_after(code)
    assert "auditui.tui.app" in loaded and "auditui.config.settings" in loaded
    assert not loaded & {"tomllib", "zoneinfo", "ctypes", "shlex", "secrets"}
    used = _modules_after(
        "from auditui.timezones import resolve_zone\nresolve_zone('Europe/Berlin')\n"
        "from auditui.paths import temp_name\ntemp_name('x')\n"
        "from auditui import memory\nmemory.trim()"
    )
    assert {"zoneinfo", "secrets", "ctypes"} <= used


def test_the_demo_start_leaves_the_cache_hashes_and_progress_bar_unloaded() -> None:
    """Issue 17: the demo (like `--no-cache`) never reads the window cache, a marks file is
    named (hashed) only when it is read, and the progress line's bar is built with the
    first load that outlasts a frame: none of their modules loads before the first rows."""
    code = (
        "import auditui.cli.browse, auditui.sources.connection, auditui.tui.app\n"
        "from auditui.marks import MarkFile\n"
        "MarkFile('default', 'https://app.datafold.com')\n"
    )
    loaded = _modules_after(code)
    assert "auditui.tui.app" in loaded and "auditui.marks.file" in loaded
    cache = {"auditui.sources.cache", "auditui.sources.cache_gate", "auditui.sources.cache_format"}
    assert not loaded & (cache | {"hashlib", "textual.widgets._progress_bar"})
    used = _modules_after(
        "from auditui.marks import MarkFile\nMarkFile('default', 'h').path\n"
        "from auditui.sources.connection import Connection\n"
        "from auditui.config.settings import Profile\n"
        "from auditui.config.credentials import Credential\n"
        "import os, tempfile\nos.environ['XDG_STATE_HOME'] = tempfile.mkdtemp()\n"
        "os.environ['XDG_CACHE_HOME'] = tempfile.mkdtemp()\n"
        "Connection(Profile('default'), 'https://h', Credential('k', 't')).window_cache()\n"
    )
    assert (cache - {"auditui.sources.cache_gate"}) | {"hashlib"} <= used
