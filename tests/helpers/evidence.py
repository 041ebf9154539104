"""Evidence bundles for tests: a pinned range and time, events, and small file helpers.

`make_events(n)` gives n decoded events newest first (as a load returns them); `info()`
the `BundleInfo` every test writes with (`generated_at` pinned, never the clock);
`texts(report)` the report's lines; `sha`, `file_mode` and `flip_a_byte` act on files;
`reseal(folder)` recomputes the manifest and SHA256SUMS after an edit (a cover-up).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from auditui.events import AuditEvent
from auditui.evidence import BundleInfo, VerifyReport
from auditui.timespec import TimeRange
from tests.helpers.events import decode, raw

GENERATED_AT = datetime(2026, 11, 27, 12, 30, tzinfo=UTC)
RANGE = TimeRange(datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))
FILES = ("events.ndjson", "events.csv", "events.sha256", "README.txt", "manifest.json")
ALL_FILES = (*FILES, "SHA256SUMS")


def make_events(count: int = 8) -> list[AuditEvent]:
    """`count` events newest first (as a load returns them), payloads and text varied."""
    items = [
        raw(n, payload={"n": n, "note": f"=cmd|{n}"}, user_email=f"u{n}@acme.com")
        for n in range(1, count + 1)
    ]
    return decode(*items)  # raw(n) steps an hour back per n: newest first


def info(query: str = "status:failure") -> BundleInfo:
    return BundleInfo(
        time_range=RANGE,
        query=query,
        host="https://app.datafold.com",
        profile="default",
        version="9.9.9",
        generated_at=GENERATED_AT,
    )


def texts(report: VerifyReport) -> list[str]:
    return report.lines()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def flip_a_byte(path: Path, at: int = 10) -> None:
    """Change the byte at `at` (to `b`, or `c` if it was `b`)."""
    data = bytearray(path.read_bytes())
    data[at] = ord("b") if data[at] != ord("b") else ord("c")
    path.write_bytes(bytes(data))


def reseal(folder: Path) -> None:
    """Rewrite a bundle folder's manifest (sizes, digests, `self_sha256`) and SHA256SUMS to
    match its files as they are now: what someone who edited a file and covered it up does."""
    manifest_path = folder / "manifest.json"
    document = json.loads(manifest_path.read_text())
    for entry in document["files"]:
        data = (folder / entry["name"]).read_bytes()
        entry["bytes"], entry["sha256"] = len(data), sha(data)
    document["self_sha256"] = "0" * 64
    draft = json.dumps(document, indent=2, ensure_ascii=True) + "\n"
    manifest = draft.replace("0" * 64, sha(draft.encode()), 1).encode()
    manifest_path.write_bytes(manifest)
    names = [entry["name"] for entry in document["files"]] + ["manifest.json"]
    sums = "".join(f"{sha((folder / name).read_bytes())}  {name}\n" for name in names)
    (folder / "SHA256SUMS").write_text(sums)
