"""Archives for tests, written with the archive core (no API, no sync).

`make_archive(root, events, host=, now=)` groups events (`AuditEvent`s or API dicts) by UTC
day, writes each day's file with `write_day_file`, marks the days that ended at or before
`complete_before` (default: midnight of `now`'s UTC day) complete, and writes the manifest
with the digests `chained()`; it returns that manifest. `archive_config(home, root)` writes
a `config.toml` whose profile keeps its archive in `root` (the conftest's isolated HOME);
`as_events` decodes API dicts; `day_of` is an event's UTC day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import msgspec

from auditui.archive import ArchivePaths, Manifest, connect, write_day_file, write_manifest
from auditui.archive.manifest import DayEntry, chained
from auditui.archive.schema import storable
from auditui.events import AuditEvent, decode_logs


def as_events(events: Sequence[AuditEvent] | Sequence[dict[str, Any]]) -> list[AuditEvent]:
    """`events` as `AuditEvent`s (API dicts decoded as one response; none may be malformed)."""
    if not events or isinstance(events[0], AuditEvent):
        return list(events)  # type: ignore[arg-type]
    decoded = decode_logs(msgspec.json.encode({"logs": list(events)}))
    assert decoded.malformed == 0, decoded.skipped[:3]
    return decoded.events


def day_of(event: AuditEvent) -> date:
    return event.timestamp.astimezone(UTC).date()


def midnight(moment: datetime) -> datetime:
    """The start of `moment`'s UTC day."""
    return datetime.combine(moment.astimezone(UTC).date(), time(), tzinfo=UTC)


def make_archive(
    root: Path,
    events: Sequence[AuditEvent] | Sequence[dict[str, Any]],
    *,
    host: str,
    profile: str = "default",
    now: datetime,
    complete_before: datetime | None = None,
) -> Manifest:
    """Write `events` as an archive in `root` (see the module docstring); its manifest.

    Events whose ids do not fit in int64 are left out and counted (`DayEntry.left_out`), as
    sync does. Each day gets one file, fetched at `now`.
    """
    boundary = midnight(now) if complete_before is None else complete_before
    by_day: dict[date, list[AuditEvent]] = defaultdict(list)
    for event in as_events(events):
        by_day[day_of(event)].append(event)
    paths = ArchivePaths(root)
    connection = connect()
    days: dict[str, DayEntry] = {}
    try:
        for day in sorted(by_day):
            kept, left_out = storable(by_day[day])
            entry = write_day_file(
                paths, day, kept, host=host, fetched_at=now, connection=connection
            )
            end = datetime.combine(day, time(), tzinfo=UTC) + timedelta(days=1)
            days[day.isoformat()] = DayEntry(
                files=(entry,),
                events=len(kept),
                complete=end <= boundary,
                fetched_at=now,
                digest="",
                left_out=left_out,
            )
    finally:
        connection.close()
    manifest = Manifest(
        host=host, profile=profile, created_at=now, last_sync=now, days=chained(days)
    )
    root.mkdir(parents=True, exist_ok=True)
    write_manifest(paths, manifest)
    return manifest


def archive_config(
    home: Path,
    root: Path | None,
    *,
    profile: str = "default",
    host: str | None = None,
    extra: str = "",
) -> Path:
    """Write `<home>/config/auditui/config.toml` with `[profiles.<profile>]` keeping its
    archive in `root` (None: the default folder) and using `host` when given; `extra` is
    appended as is (more TOML). Returns the file's path."""
    lines = [f"[profiles.{profile}]"]
    if host is not None:
        lines.append(f"host = {_toml(host)}")
    if root is not None:
        lines.append(f"archive = {_toml(str(root))}")
    path = home / "config" / "auditui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
