"""The shape of the code, checked: import-linter's contracts, no private names taken across
modules, no import cycles between modules, and tests that share helpers only through
`tests/helpers/`.

The contracts themselves (layers, Textual-free core, acyclic packages) live in
pyproject.toml under `[tool.importlinter]`; this runs them so that `pytest` alone catches a
broken one. Imports under `if TYPE_CHECKING:` are annotations and do not count.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_module(path: Path, node: ast.ImportFrom, root: Path = ROOT) -> str:
    """The absolute module an `ImportFrom` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _private_imports(root: Path) -> list[str]:
    """`from auditui.x import _name` anywhere under `root` (a module's own names excepted)."""
    found = []
    for path in sorted((root / "auditui").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            module = _imported_module(path, node, root)
            if module.split(".")[0] != "auditui" or module == _module_name(path, root):
                continue
            for alias in node.names:
                name = alias.name
                if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
                    where = path.relative_to(root).as_posix()
                    found.append(f"{where}:{node.lineno} takes {module}.{name}")
    return found


def test_import_linter_contracts_are_kept() -> None:
    command = shutil.which("lint-imports")
    if command is None:
        pytest.fail("lint-imports is missing: pip install -e '.[test]'")
    done = subprocess.run(
        [command, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_no_module_imports_a_private_name_of_another() -> None:
    assert _private_imports(ROOT) == []


def test_no_import_cycles_between_modules() -> None:
    graph = grimp.build_graph("auditui", exclude_type_checking_imports=True, cache_dir=None)
    cycles = sorted(
        f"{importer} -> {imported} -> … -> {importer}"
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.startswith("auditui")
        and not importer.startswith(imported + ".")  # a package's own __init__ re-exports
        and graph.chain_exists(importer=imported, imported=importer)
    )
    assert cycles == []


def test_tests_share_code_only_through_helpers() -> None:
    """A test module never imports another test module (shared code is in tests/helpers)."""
    found = []
    for path in (ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                names = [_imported_module(path, node)]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                for name in names
                if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")
            ]
    assert found == []


def test_the_private_name_check_finds_one(tmp_path: Path) -> None:
    """Not vacuous: a planted `from … import _name` (relative or absolute) is reported."""
    events = tmp_path / "auditui" / "events"
    events.mkdir(parents=True)
    (events / "model.py").write_text("_private = 1\npublic = 2\n")
    (events / "columns.py").write_text(
        "from auditui.events.model import _private, public\nfrom .model import _private as p\n"
    )
    (events / "store.py").write_text("from .model import public\n")
    assert _private_imports(tmp_path) == [
        "auditui/events/columns.py:1 takes auditui.events.model._private",
        "auditui/events/columns.py:2 takes auditui.events.model._private",
    ]
