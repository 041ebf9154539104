"""What the header says about a load's windows (no Textual): `LoadCounts` (loaded, cached,
archived, failed and why, skipped events) and `incomplete_note`, the header's and
counter's "incomplete: 1 of 3 windows failed (HTTP 500) · r retries", and the load's toast
about the events it left out (`SUMMARY_TITLE`, `skipped_summary`; `!` shows them in
`dialogs/skipped.py`). The session owns one per load (`Session.counts`).
"""

from __future__ import annotations

import msgspec

from auditui.events import SkippedEvent
from auditui.timespec import TimeRange


class LoadCounts(msgspec.Struct):
    """What the header says about the loaded windows."""

    windows: int = 0  # windows of the range (loaded or failed)
    cached: int = 0  # of those, read from the cache
    archived: int = 0  # of those, read from the local archive
    archived_events: int = 0  # the events those held (the header's "… from the archive")
    skipped: int = 0  # malformed events
    dropped: int = 0  # events outside their window
    conflicts: int = 0  # events left out: their uuid was a different event's
    skipped_events: list[SkippedEvent] = msgspec.field(default_factory=list)  # to show (bounded)
    failed: list[TimeRange] = msgspec.field(default_factory=list)
    reasons: list[str] = msgspec.field(default_factory=list)  # why each of `failed` failed, briefly
    expected: int = 0  # windows the load was to read (0 until known)
    cancelled: bool = False  # cancelled after its first windows were shown

    error: str = ""  # the first failure's whole line (shown where the rows would be)

    def fail(self, window: TimeRange, reason: str, error: str = "") -> None:
        """`window` failed for `reason` ("HTTP 500"; `error`: the whole line)."""
        self.failed.append(window)
        self.reasons.append(reason)
        self.error = self.error or error


def incomplete_note(
    counts: LoadCounts, *, loaded: bool = True, loading: bool = False, short: bool = False
) -> str:
    """What the header and counter say of events that are not their whole range
    ("incomplete: 1 of 3 windows failed (HTTP 500) · r retries"), or "" when they are;
    `short`: the form for a narrow header ("incomplete: 1/3 failed (HTTP 500)").

    `loaded` False: no load has shown events yet (cancelled, or waiting for a key), which
    is "not loaded", not an empty range; `loading`: one is running (it may still come).
    """
    if not loaded and not counts.failed:
        return "" if loading else ("not loaded" if short else "not loaded · r loads")
    parts: list[str] = []
    if counts.failed:
        reasons = list(dict.fromkeys(counts.reasons))
        why = ", ".join(reasons[:2]) + (", …" if len(reasons) > 2 else "")
        total = max(counts.windows, counts.expected, len(counts.failed))
        noun = "window" if total == 1 else "windows"
        if short:
            parts.append(f"{len(counts.failed):,}/{total:,} failed ({reasons[0]})")
        else:
            parts.append(f"{len(counts.failed):,} of {total:,} {noun} failed ({why}) · r retries")
    if counts.cancelled:
        missing = max(counts.expected - counts.windows, 0)
        if short:
            parts.append(f"cancelled, {missing:,}/{counts.expected:,} not loaded")
        else:
            expected = f"{missing:,} of {counts.expected:,} windows"
            parts.append(f"cancelled, {expected} not loaded · r reloads")
    return "incomplete: " + " · ".join(parts) if parts else ""


SUMMARY_TITLE = "Events left out · ! shows them"
"""The title of the load's toast about skipped events (`skipped_summary` is its text)."""


def skipped_summary(malformed: int, conflicts: int) -> str:
    """One line for a toast: what a load left out."""
    parts = []
    if malformed:
        parts.append(f"{malformed:,} malformed events skipped")
    if conflicts:
        one = conflicts == 1
        parts.append(
            f"{conflicts:,} {'event' if one else 'events'} shared an event_uuid with a"
            f" different event and {'was' if one else 'were'} left out (the first of each"
            " uuid was kept)"
        )
    return "; ".join(parts)
