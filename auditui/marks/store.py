"""`Marks`: one instance's marks and notes in memory, and the journal of its changes.

Keyed by `event_uuid` exactly as the event spells it. A note implies a mark; an empty note
removes the note and keeps the mark. Every change is also written to a journal (uuid → the
new `Mark`, or None for a removal) so that saving can apply just this instance's changes
over what another instance wrote meanwhile (`auditui.marks.file`). `version` counts
changes: a query that read the marks knows when it is stale.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

import msgspec

from auditui.errors import UsageError

__all__ = ["MAX_NOTE_CHARS", "Changes", "Mark", "Marks", "merged"]

MAX_NOTE_CHARS = 1_000_000  # a note is plain text: a megabyte is a document, not a note


class Mark(msgspec.Struct, frozen=True, forbid_unknown_fields=False):
    """One marked event: when it was marked and its note ("" when none)."""

    marked_at: datetime
    note: str = ""


class Marks:
    """uuid → `Mark`, with a journal of the changes since the last `merged`."""

    def __init__(self, marks: Mapping[str, Mark] | None = None) -> None:
        self._marks: dict[str, Mark] = dict(marks or {})
        self._journal: dict[str, Mark | None] = {}
        self._notes: dict[str, str] = {}
        self.version = 0
        self._changed()

    def _changed(self) -> None:
        """A fresh uuid → note snapshot (never mutated after: safe to read in any thread)."""
        self._notes = {uuid: mark.note for uuid, mark in self._marks.items()}

    def notes(self) -> dict[str, str]:
        """uuid → note ("" when none) of every marked event: what `marked:`/`note:` read.
        Do not change it: it is shared until the next change."""
        return self._notes

    def __len__(self) -> int:
        return len(self._marks)

    def __contains__(self, uuid: object) -> bool:
        return uuid in self._marks

    def __iter__(self) -> Iterator[str]:
        return iter(self._marks)

    def get(self, uuid: str) -> Mark | None:
        return self._marks.get(uuid)

    def note(self, uuid: str) -> str:
        """The event's note ("" when it has none or is not marked)."""
        mark = self._marks.get(uuid)
        return "" if mark is None else mark.note

    def items(self) -> list[tuple[str, Mark]]:
        return list(self._marks.items())

    @property
    def dirty(self) -> bool:
        """True when this instance changed something not saved yet."""
        return bool(self._journal)

    def _set(self, uuid: str, mark: Mark | None) -> None:
        if mark is None:
            self._marks.pop(uuid, None)
        else:
            self._marks[uuid] = mark
        self._journal[uuid] = mark
        self.version += 1
        self._changed()

    def toggle(self, uuid: str, now: datetime) -> bool:
        """Mark the event, or unmark it (its note goes too); True when it is now marked."""
        if uuid in self._marks:
            self._set(uuid, None)
            return False
        self._set(uuid, Mark(now))
        return True

    def set_note(self, uuid: str, note: str, now: datetime) -> None:
        """Set the event's note (marking it); an empty note removes the note, keeps the mark.

        Raises `UsageError` for a note over `MAX_NOTE_CHARS` (nothing changes)."""
        if len(note) > MAX_NOTE_CHARS:
            raise UsageError(
                f"The note is too long ({len(note):,} characters; at most {MAX_NOTE_CHARS:,}):"
                " shorten it."
            )
        text = "" if not note.strip() else note
        old = self._marks.get(uuid)
        if old is not None and old.note == text:
            return
        self._set(uuid, Mark(old.marked_at if old else now, text))

    def take_changes(self) -> Changes:
        """This instance's changes not saved yet (the journal starts again): write them
        with `merged`, then call `saved` (or `put_back` when the write failed)."""
        changes, self._journal = self._journal, {}
        return changes

    def put_back(self, changes: Changes) -> None:
        """Changes taken for a save that failed: saved with the next one (later ones win)."""
        self._journal = {**changes, **self._journal}

    def saved(self, disk: Mapping[str, Mark]) -> None:
        """The file holds `disk` (other instances' marks included; after a save, or a read
        in the background): take it, with this instance's changes not saved yet (made since
        the save began, or before the read ended) still applied over it."""
        self._marks = merged(disk, self._journal)
        self.version += 1
        self._changed()


Changes = dict[str, Mark | None]  # uuid → its new mark, or None: unmarked


def merged(disk: Mapping[str, Mark], changes: Mapping[str, Mark | None]) -> dict[str, Mark]:
    """`disk` (what another instance saved last) with `changes` applied over it: the last
    change of each event wins, other events are kept."""
    result = dict(disk)
    for uuid, mark in changes.items():
        if mark is None:
            result.pop(uuid, None)
        else:
            result[uuid] = mark
    return result
