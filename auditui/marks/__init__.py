"""Marks and notes on events, kept per profile and host (core, no Textual).

`Marks` is one instance's marks (event uuid → `Mark(marked_at, note)`) with a journal of
what this instance changed since it last read the file; `MarkFile` is where they live
(`paths.state_dir()/marks/<profile>-<host digest>.json`): `load` keeps a corrupt or newer
file aside (renamed, one line saying so), `save` locks, re-reads, merges this instance's
changes over what another instance wrote, and writes atomically (0600).
"""

from auditui.marks.file import DEMO_HOST, MARKS_VERSION, MarkFile, marks_path
from auditui.marks.store import MAX_NOTE_CHARS, Mark, Marks

__all__ = [
    "DEMO_HOST",
    "MARKS_VERSION",
    "MAX_NOTE_CHARS",
    "Mark",
    "MarkFile",
    "Marks",
    "marks_path",
]
