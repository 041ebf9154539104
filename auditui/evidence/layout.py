"""The bundle's layout, shared by the writer and the checker: file names, the manifest
(its JSON, its self-digest) and the two digest lists (`SHA256SUMS`, `events.sha256`).

Who covers whom (so that editing any one file is caught and named):

- `SHA256SUMS` (the `sha256sum -c` format) lists every other file, `manifest.json` included;
- `manifest.json` lists every file but itself and `SHA256SUMS` (bytes and SHA-256), and
  holds `self_sha256`: the SHA-256 of the manifest's own bytes with that value written as
  64 zeros. An edited manifest fails its own digest; an edited `SHA256SUMS` no longer
  equals the text the manifest implies (`render_sums`);
- `events.sha256` holds one line per event, `<SHA-256 of its line in events.ndjson, line
  feed included>  <event_uuid>`, in the same order, so a changed, missing or added event is
  named by uuid and line number.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from auditui.evidence.origin import BundleSource
from auditui.timespec import TimeRange, format_utc

FORMAT_NAME = "auditui-evidence"
FORMAT_VERSION = 1
NDJSON = "events.ndjson"
CSV = "events.csv"
EVENT_DIGESTS = "events.sha256"
README = "README.txt"
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
# The files the manifest lists, in the order they are written and listed.
LISTED = (NDJSON, CSV, EVENT_DIGESTS, README)
SELF_KEY = "self_sha256"
ZERO_DIGEST = "0" * 64
_SELF_RE = re.compile(rb'"' + SELF_KEY.encode() + rb'": "([0-9a-f]{64})"')
_SUM_LINE = re.compile(r"([0-9a-f]{64})  (\S(?:.*\S)?)")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class BundleInfo:
    """What the manifest says of the events besides the files: where and how they came."""

    time_range: TimeRange
    query: str
    host: str
    profile: str
    version: str  # auditui's
    generated_at: datetime
    source: BundleSource | None = None  # where the loaded events came from
    empty_days: tuple[date, ...] = ()  # the range's UTC days that held no loaded event


@dataclass(frozen=True)
class FileEntry:
    """One file the manifest lists."""

    name: str
    size: int
    sha256: str


def render_manifest(info: BundleInfo, events: int, files: Iterable[FileEntry]) -> bytes:
    """The manifest's bytes, `self_sha256` filled in (see the module's docstring)."""
    document: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "generated_at": format_utc(info.generated_at),
        "auditui_version": info.version,
        "host": info.host,
        "profile": info.profile,
        "range": {
            "start": format_utc(info.time_range.start),
            "end": format_utc(info.time_range.end),
        },
        "query": info.query,
        "counts": {"events": events},
        "empty_days": [day.isoformat() for day in info.empty_days],
        "files": [{"name": f.name, "bytes": f.size, "sha256": f.sha256} for f in files],
        "event_digests": EVENT_DIGESTS,
        **({"source": info.source.document()} if info.source is not None else {}),
        SELF_KEY: ZERO_DIGEST,
    }
    draft = (json.dumps(document, indent=2, ensure_ascii=True) + "\n").encode("ascii")
    own = sha256_hex(draft)
    return _SELF_RE.sub(f'"{SELF_KEY}": "{own}"'.encode(), draft, count=1)


def manifest_self_ok(data: bytes) -> bool:
    """True when the manifest's `self_sha256` is the digest of its bytes (value zeroed)."""
    found = _SELF_RE.findall(data)
    if len(found) != 1:
        return False
    zeroed = _SELF_RE.sub(f'"{SELF_KEY}": "{ZERO_DIGEST}"'.encode(), data, count=1)
    own: bytes = found[0]
    return sha256_hex(zeroed) == own.decode()


@dataclass(frozen=True)
class Manifest:
    """The parts of a manifest the checker uses."""

    events: int
    files: dict[str, FileEntry]
    document: dict[str, Any]


def parse_manifest(data: bytes) -> Manifest | None:
    """The manifest, or None when it is not one of ours (not JSON, wrong shape)."""
    try:
        document = json.loads(data)
        if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
            return None
        events = document["counts"]["events"]
        files: dict[str, FileEntry] = {}
        for item in document["files"]:
            name, size, digest = item["name"], item["bytes"], item["sha256"]
            if not (isinstance(name, str) and isinstance(size, int) and isinstance(digest, str)):
                return None
            files[name] = FileEntry(name, size, digest)
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None
    if not isinstance(events, int):
        return None
    return Manifest(events=events, files=files, document=document)


def render_sums(files: Mapping[str, str]) -> bytes:
    """`SHA256SUMS`: `<digest>  <name>` per file (name → digest, in the given order)."""
    return "".join(f"{digest}  {name}\n" for name, digest in files.items()).encode()


def parse_sums(data: bytes) -> tuple[dict[str, str], list[int]]:
    """(name → digest, the numbers of lines that are not `<sha256>  <name>`)."""
    sums: dict[str, str] = {}
    bad: list[int] = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        match = _SUM_LINE.fullmatch(line)
        if match is None or match.group(2) in sums:
            bad.append(number)
        else:
            sums[match.group(2)] = match.group(1)
    return sums, bad


def parse_event_digests(data: bytes) -> tuple[list[tuple[str, str]], list[int]]:
    """`events.sha256` as (digest, uuid) per line, and the numbers of malformed lines."""
    pairs: list[tuple[str, str]] = []
    bad: list[int] = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        match = _SUM_LINE.fullmatch(line)
        if match is None:
            bad.append(number)
        else:
            pairs.append((match.group(1), match.group(2)))
    return pairs, bad
