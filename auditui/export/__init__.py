"""Writing events out: the formats and the export job (no Textual).

The package owns:

- `formats`: NDJSON, a JSON array and formula-safe CSV writers that stream and never emit a
  byte a terminal could act on, and `atomic_output` (an export appears whole or not at all);
  the CSV formula rule itself (`neutralize_cell`/`restore_cell`) lives in `auditui.textsafe`,
  where `auditui open` finds it too;
- `ocsf` and `ecs`: an event as an OCSF API Activity object (`ocsf_record`) or an Elastic
  Common Schema document (`ecs_record`), with `security` holding the activity and outcome
  rules both read; `formats` writes them one per line (`--format ocsf|ecs`);
- `job`: `export_events`, the shown events written to a file from a worker thread, with
  progress and cancellation.

Names are re-exported lazily (PEP 562): `auditui fetch` loads the writers, not the job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.export.formats import (
        EXPORT_MODES,
        FORMATS,
        ExportFormat,
        ExportMode,
        atomic_output,
        describe_mode,
        file_mode,
        format_for_path,
        write_events,
    )
    from auditui.export.job import ExportCancelled, ExportResult, export_events, snapshot

_WHERE = {
    "EXPORT_MODES": "formats",
    "FORMATS": "formats",
    "ExportFormat": "formats",
    "ExportMode": "formats",
    "atomic_output": "formats",
    "describe_mode": "formats",
    "file_mode": "formats",
    "format_for_path": "formats",
    "write_events": "formats",
    "ExportCancelled": "job",
    "ExportResult": "job",
    "export_events": "job",
    "snapshot": "job",
}

__all__ = [
    "EXPORT_MODES",
    "FORMATS",
    "ExportCancelled",
    "ExportFormat",
    "ExportMode",
    "ExportResult",
    "atomic_output",
    "describe_mode",
    "export_events",
    "file_mode",
    "format_for_path",
    "snapshot",
    "write_events",
]


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
