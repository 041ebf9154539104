"""Byte sizes and counts for people: the one formatter every message, toast and pane uses
(`human_bytes`), and a count with its noun (`quantity`: `1 day`, `2 days`).

IEC units: sizes are divided by 1024 and labelled to match (`KiB`, `MiB`, `GiB`), so the
limits auditui sets in powers of two (the 1 GiB cache, 64 KiB trees, 2 GiB bodies) read as
round numbers, and a figure never changes between the CLI, a toast and the detail pane.
"""

from __future__ import annotations

_UNITS = ("KiB", "MiB", "GiB")


def human_bytes(count: int) -> str:
    """`12 B`, `300.0 KiB`, `1.4 MiB`, `1,536.0 GiB` (one decimal, IEC units)."""
    if count < 1024:
        return f"{count} B"
    value = count / 1024
    for unit in _UNITS[:-1]:
        if value < 1024:
            return f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} {_UNITS[-1]}"


def quantity(count: int, noun: str, plural: str | None = None) -> str:
    """`1 day`, `1,204 days` (`plural` when adding an s is wrong: `1 entry`, `2 entries`)."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
