"""Where a bundle's events came from, and what the export checks before it reads them.

- `BundleSource`: the host, how many windows and events came from the local archive and
  how many from the API (its cache included), and, when the archive was read, its folder
  and the head of its digest chain (`Manifest.head`), for `manifest.json` and `README.txt`;
- `empty_days(range, events)`: the range's UTC days that hold none of the loaded events
  (the API may have dropped them: its window is limited), and `empty_days_text`, a short
  rendering of them (`2026-07-25 … 2026-08-07`);
- `TamperedArchive`: archive files (`archive.mismatched_files`: missing, or whose SHA-256
  no longer matches the archive's manifest) an export refuses to put into a bundle.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING, Any

from auditui.errors import AudituiError
from auditui.textsafe import visible

if TYPE_CHECKING:
    from auditui.events import AuditEvent
    from auditui.timespec import TimeRange

_NAMED = 3  # files (or runs of days) named in one line before "and N more"


@dataclass(frozen=True)
class BundleSource:
    """Where the loaded events came from (counts before `--query`)."""

    host: str
    archive_windows: int = 0
    archive_events: int = 0
    api_windows: int = 0
    api_events: int = 0
    archive_path: str | None = None  # set when the archive was read
    archive_head: str | None = None  # the archive manifest's head digest, then

    def document(self) -> dict[str, Any]:
        """The manifest's `source` object."""
        archive = None
        if self.archive_path is not None:
            archive = {"path": self.archive_path, "head": self.archive_head}
        return {
            "host": self.host,
            "archive_windows": self.archive_windows,
            "archive_events": self.archive_events,
            "api_windows": self.api_windows,
            "api_events": self.api_events,
            "archive": archive,
        }

    def text(self) -> str:
        """One sentence for README.txt."""
        api = (
            f"{self.api_events:,} events in {self.api_windows:,} windows from the API of "
            f"{visible(self.host)}"
        )
        if self.archive_path is None:
            return f"{api}; none from a local archive."
        return (
            f"{self.archive_events:,} events in {self.archive_windows:,} windows from the "
            f"local archive in {visible(self.archive_path)} (head digest "
            f"{self.archive_head}), {api}."
        )


def days_of_range(time_range: TimeRange) -> list[date]:
    """The UTC days the range touches, oldest first (its end excluded)."""
    first = time_range.start.astimezone(UTC).date()
    last = (time_range.end.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def empty_days(time_range: TimeRange, events: Iterable[AuditEvent]) -> list[date]:
    """The range's UTC days that hold none of `events`, oldest first."""
    held = {event.timestamp.astimezone(UTC).date() for event in events}
    return [day for day in days_of_range(time_range) if day not in held]


def empty_days_text(days: Sequence[date]) -> str:
    """`days` as runs of consecutive days (`a … b`), the first few, comma-separated."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    shown = [a.isoformat() if a == b else f"{a.isoformat()} … {b.isoformat()}"
             for a, b in runs[:_NAMED]]  # fmt: skip
    more = f", and {len(runs) - _NAMED} more" if len(runs) > _NAMED else ""
    return ", ".join(shown) + more


class TamperedArchive(AudituiError):
    """Archive files the export would read that no longer match the archive's manifest."""

    brief = "archive damaged"

    def __init__(self, names: Sequence[str]) -> None:
        listed = ", ".join(visible(name) for name in names[:_NAMED])
        more = f" and {len(names) - _NAMED} more" if len(names) > _NAMED else ""
        said = (
            "file {} is missing or no longer matches"
            if len(names) == 1
            else "files {} are missing or no longer match"
        )
        super().__init__(
            f"Cannot export: archive {said.format(listed + more)} the archive's manifest; "
            "run `auditui archive verify --repair`, then export again."
        )
