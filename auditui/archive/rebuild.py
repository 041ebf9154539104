"""Rebuilding a damaged manifest from the day files present.

Each `date=` folder's Parquet files are read with DuckDB for what the manifest would have
said: the host they were fetched from, when (`fetched_at`) and how many rows. A day keeps
its newest readable file (sync writes one file per day, and a merge's file holds the
older one's events): the others become extra files that repair then removes. A day whose
files cannot be read is returned to be refetched. The digest chain is computed afresh.
"""

from __future__ import annotations

from datetime import UTC, datetime

from auditui.archive.engine import connect
from auditui.archive.files import sha256_file
from auditui.archive.layout import DAY_PREFIX, ArchivePaths, parse_day
from auditui.archive.manifest import ArchiveError, DayEntry, FileEntry, Manifest, chained
from auditui.archive.sweep import scan_folders
from auditui.archive.sync import is_closed
from auditui.paths import display_path


def rebuild_manifest(
    paths: ArchivePaths, profile: str, host: str, now: datetime
) -> tuple[Manifest, list[str]]:
    """A manifest for the files present, and the days whose files could not be read.

    `host` (the profile's) is used only when no file says one; files of several hosts are
    an `ArchiveError` (an archive never mixes hosts)."""
    import duckdb

    found: dict[str, tuple[datetime, FileEntry]] = {}
    unreadable: set[str] = set()
    hosts: set[str] = set()
    con = connect()
    try:
        for name in scan_folders(paths).parts:
            day = parse_day(name.split("/", 1)[0].removeprefix(DAY_PREFIX))
            if day is None:
                continue
            key = day.isoformat()
            path = paths.file(name)
            try:
                row = con.execute(
                    "SELECT any_value(host), max(fetched_at), count(*) FROM read_parquet(?)",
                    [str(path)],
                ).fetchone()
                digest, size = sha256_file(path), path.stat().st_size
            except (duckdb.Error, OSError):
                unreadable.add(key)
                continue
            if row is None or not row[2]:
                continue
            file_host, fetched_at, rows = str(row[0]), row[1], int(row[2])
            hosts.add(file_host.rstrip("/"))
            fetched_at = fetched_at.astimezone(UTC) if isinstance(fetched_at, datetime) else now
            entry = FileEntry(name, digest, size, rows)
            if key not in found or fetched_at > found[key][0]:
                found[key] = (fetched_at, entry)
    finally:
        con.close()
    if len(hosts) > 1:
        raise ArchiveError(
            f"The archive {display_path(paths.root)} holds files of several hosts "
            f"({', '.join(sorted(hosts))}): move the folder aside and sync again."
        )
    days = {
        key: DayEntry(
            (entry,), entry.events, is_closed(parse_day(key) or now.date(), fetched), fetched, ""
        )
        for key, (fetched, entry) in found.items()
    }
    times = [fetched for fetched, _ in found.values()]
    manifest = Manifest(
        host=hosts.pop() if hosts else host,
        profile=profile,
        created_at=min(times, default=now),
        last_sync=max(times, default=None),
        days=chained(days),
    )
    return manifest, sorted(unreadable - set(found))
