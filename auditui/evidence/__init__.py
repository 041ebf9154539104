"""Evidence an auditor can verify (core, no Textual): a range's events as a bundle.

- `layout`: the bundle's file names, the manifest and the digest lists (who covers whom);
- `bundle`: `write_bundle`, a folder or a `.zip` written whole or not at all, never over an
  existing path (`BundleInfo` says where the events came from; `BundleSummary` what was
  written);
- `contents`: reading a bundle's files from a folder or a zip;
- `check`: `verify`, which recomputes every digest and names each changed, missing or
  added file and event (`VerifyReport`, `Problem`); `csv_rows` names the events whose CSV
  rows changed when `events.csv` alone was edited;
- `readme`: the bundle's `README.txt` (how to check it without auditui);
- `origin`: where the events came from (`BundleSource`), the range's days without events,
  and the check of archive files before an export reads them (`TamperedArchive`).

Names are re-exported lazily (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.evidence.bundle import BundleSummary, write_bundle
    from auditui.evidence.check import Problem, VerifyReport, verify
    from auditui.evidence.layout import BundleInfo
    from auditui.evidence.origin import BundleSource, TamperedArchive

_WHERE = {
    "BundleInfo": "layout",
    "BundleSource": "origin",
    "TamperedArchive": "origin",
    "BundleSummary": "bundle",
    "write_bundle": "bundle",
    "Problem": "check",
    "VerifyReport": "check",
    "verify": "check",
}

__all__ = [
    "BundleInfo",
    "BundleSource",
    "BundleSummary",
    "Problem",
    "TamperedArchive",
    "VerifyReport",
    "verify",
    "write_bundle",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
