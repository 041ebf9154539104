"""What changed: before/after found in audit payloads and compared by path (core, no Textual).

- `shapes`: where a payload keeps its before and after (`find_pairs`), paths (`join_path`);
- `compare`: the structural diff (`diff_pairs` → `Diff` of `Change`s: changed, added,
  removed, with JSON paths), bounded in depth and in changes (`MAX_DEPTH`, `MAX_CHANGES`);
- `lines`: long strings compared by line (`line_diff`);
- `payloads`: an event's own before/after (`diff_payload`) and two events' payloads
  (`compare_payloads`), which say what they could not compare instead of failing.
Callers outside import from here; names are re-exported lazily (PEP 562), so a caller
loads only the modules it names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.changes.compare import (
        MAX_CHANGES,
        MAX_DEPTH,
        Change,
        Diff,
        Kind,
        diff_pairs,
        value_text,
    )
    from auditui.changes.lines import LONG_STRING, DiffLine, is_long, line_diff
    from auditui.changes.payloads import (
        MAX_BYTES,
        compare_payloads,
        compare_values,
        diff_payload,
        diff_value,
    )
    from auditui.changes.shapes import Pair, Shape, find_pairs, join_path, key_path

_WHERE = {
    "MAX_CHANGES": "compare",
    "MAX_DEPTH": "compare",
    "Change": "compare",
    "Diff": "compare",
    "Kind": "compare",
    "diff_pairs": "compare",
    "value_text": "compare",
    "LONG_STRING": "lines",
    "DiffLine": "lines",
    "is_long": "lines",
    "line_diff": "lines",
    "MAX_BYTES": "payloads",
    "compare_payloads": "payloads",
    "compare_values": "payloads",
    "diff_payload": "payloads",
    "diff_value": "payloads",
    "Pair": "shapes",
    "Shape": "shapes",
    "find_pairs": "shapes",
    "join_path": "shapes",
    "key_path": "shapes",
}

__all__ = [
    "LONG_STRING",
    "MAX_BYTES",
    "MAX_CHANGES",
    "MAX_DEPTH",
    "Change",
    "Diff",
    "DiffLine",
    "Kind",
    "Pair",
    "Shape",
    "compare_payloads",
    "compare_values",
    "diff_pairs",
    "diff_payload",
    "diff_value",
    "find_pairs",
    "is_long",
    "join_path",
    "key_path",
    "line_diff",
    "value_text",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
