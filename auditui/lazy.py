"""Lazy re-exports for a package's `__init__` (PEP 562), written once.

A package lists where each public name lives; the module holding it is imported on first
access, so importing the package (or one of its modules) pulls in nothing heavy.

    __getattr__, __dir__ = lazy_exports(__name__, {"Connection": "connection", ...})
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, where: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A module `__getattr__` that imports `package.<where[name]>` on demand, and `__dir__`."""

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__
