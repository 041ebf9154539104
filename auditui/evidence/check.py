"""Checking an evidence bundle: `verify(path)` recomputes every digest and names each
changed, missing or added file, and each changed, missing, added or moved event.

Which record is trusted (`layout` says who covers whom): the manifest when its own digest
(`self_sha256`) holds; then `SHA256SUMS` must be exactly the text the manifest implies,
else it is the changed file. A manifest whose own digest fails is the changed file, and the
other files are checked against `SHA256SUMS` instead. So editing any one file is reported
as that file. Events are compared line by line with `events.sha256` (unless that file is
the one that changed and `events.ndjson` still matches): by uuid and line number. When
both event files match their digests, `events.csv` must still show the events of
`events.ndjson`, uuid by uuid (`csv_rows.first_disagreement`): a cover-up that rewrote the
manifest and SHA256SUMS is caught there. The report carries the SHA-256 of SHA256SUMS as
found (`sums_sha256`), the anchor to compare with the hand-over record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import msgspec

from auditui.errors import UsageError
from auditui.evidence.contents import BundleFiles, Unreadable, digest, open_bundle
from auditui.evidence.layout import (
    CSV,
    EVENT_DIGESTS,
    MANIFEST,
    NDJSON,
    SUMS,
    Manifest,
    manifest_self_ok,
    parse_event_digests,
    parse_manifest,
    parse_sums,
    render_sums,
    sha256_hex,
)
from auditui.textsafe import visible

Kind = Literal["changed", "missing", "added", "moved"]


@dataclass(frozen=True)
class Problem:
    """One difference: a file or an event (by uuid; `line` in events.ndjson)."""

    kind: Kind
    what: Literal["file", "event"]
    name: str
    line: int | None = None
    detail: str = ""
    where: str = NDJSON  # the file `line` is in: events.ndjson (a line) or events.csv (a row)

    def text(self) -> str:
        unit = "row" if self.where == CSV else "line"
        where = f" ({unit} {self.line} of {self.where})" if self.line is not None else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind} {self.what} {visible(self.name)}{where}{detail}"


@dataclass
class VerifyReport:
    """What `verify` found: how many files and events it checked, and every problem."""

    path: str
    files: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)
    sums_sha256: str | None = None  # of SHA256SUMS as found: the hand-over record's anchor

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            return [
                f"OK: {self.files} files, {self.events:,} events match the manifest; "
                f"SHA-256 of {SUMS}: {self.sums_sha256}"
            ]
        return [problem.text() for problem in self.problems]


def verify(path: str) -> VerifyReport:
    """Check the bundle at `path` (a folder or a zip). `UsageError` when it is not a bundle."""
    files = open_bundle(path)
    try:
        return _Checker(files).run()
    finally:
        files.close()


class _UuidOnly(msgspec.Struct):
    event_uuid: str


_uuid_decoder = msgspec.json.Decoder(_UuidOnly)


def _line_uuid(line: bytes) -> str | None:
    try:
        return _uuid_decoder.decode(line).event_uuid
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


class _Checker:
    def __init__(self, files: BundleFiles) -> None:
        self.files = files
        self.present = files.names()
        self.report = VerifyReport(files.shown)
        self._digests: dict[str, tuple[int, str] | None] = {}

    def problem(self, kind: Kind, name: str, detail: str = "") -> None:
        self.report.problems.append(Problem(kind, "file", name, None, detail))

    def event(
        self, kind: Kind, uuid: str, line: int | None, detail: str = "", where: str = NDJSON
    ) -> None:
        self.report.problems.append(Problem(kind, "event", uuid, line, detail, where))

    def read(self, name: str) -> bytes | None:
        if name not in self.present:
            return None
        try:
            return self.files.read(name)
        except Unreadable as exc:
            self.problem("changed", name, str(exc))
            self._digests[name] = None
            return None

    def digest(self, name: str) -> tuple[int, str] | None:
        """(size, SHA-256) of a present file; None (reported once) when it cannot be read."""
        if name not in self._digests:
            try:
                self._digests[name] = digest(self.files, name)
            except Unreadable as exc:
                self.problem("changed", name, str(exc))
                self._digests[name] = None
        return self._digests[name]

    def run(self) -> VerifyReport:
        manifest_bytes = self.read(MANIFEST)
        manifest = parse_manifest(manifest_bytes) if manifest_bytes is not None else None
        sums_bytes = self.read(SUMS)
        if sums_bytes is not None:
            self.report.sums_sha256 = sha256_hex(sums_bytes)
        sums, bad_lines = parse_sums(sums_bytes) if sums_bytes is not None else ({}, [])
        if manifest is None and MANIFEST not in sums and not self._said(MANIFEST):
            raise UsageError(
                f"Cannot verify {self.files.shown}: it is not an evidence bundle (no "
                f"{MANIFEST} of auditui's in it); name what `auditui evidence export` wrote."
            )
        trusted = manifest is not None and manifest_self_ok(manifest_bytes or b"")
        if MANIFEST not in self.present:
            self.problem("missing", MANIFEST)
        elif manifest is None and not self._said(MANIFEST):
            self.problem("changed", MANIFEST, "it is no longer a valid manifest")
        elif manifest is not None and not trusted:
            self.problem("changed", MANIFEST, "its digest (self_sha256) no longer matches it")
        listing = self._listing(
            manifest if trusted else None, (sums_bytes, sums, bad_lines), manifest_bytes
        )
        if not trusted and not sums and manifest is not None:
            listing = {name: entry.sha256 for name, entry in manifest.files.items()}
        self._check_files(listing, manifest if trusted else None)
        self._check_events(listing, manifest if trusted else None)
        self._check_csv_rows(listing)
        self._check_csv_events(listing)
        return self.report

    def _said(self, name: str) -> bool:
        return any(p.what == "file" and p.name == name for p in self.report.problems)

    def _listing(
        self,
        manifest: Manifest | None,
        parsed_sums: tuple[bytes | None, dict[str, str], list[int]],
        manifest_bytes: bytes | None,
    ) -> dict[str, str]:
        """name → SHA-256 of the files besides the manifest and SHA256SUMS, from the trusted
        record; reports SHA256SUMS when it disagrees with a trusted manifest."""
        sums_bytes, sums, bad_lines = parsed_sums
        if SUMS not in self.present:
            self.problem("missing", SUMS)
        if manifest is not None and manifest_bytes is not None:
            listing = {name: entry.sha256 for name, entry in manifest.files.items()}
            if sums_bytes is not None:
                expected = render_sums({**listing, MANIFEST: sha256_hex(manifest_bytes)})
                if sums_bytes != expected:
                    self.problem("changed", SUMS, _sums_difference(sums, bad_lines, expected))
            return listing
        if bad_lines and not self._said(SUMS):
            numbers = ", ".join(str(n) for n in bad_lines[:5])
            self.problem("changed", SUMS, f"line {numbers} is not `<sha256>  <file name>`")
        return {name: value for name, value in sums.items() if name != MANIFEST}

    def _check_files(self, listing: dict[str, str], manifest: Manifest | None) -> None:
        for name, expected in listing.items():
            if name not in self.present:
                self.problem("missing", name)
                continue
            found = self.digest(name)
            if found is None:
                continue
            size, actual = found
            if actual != expected:
                said = manifest.files[name].size if manifest is not None else None
                sizes = f"{size:,} bytes, " if said is None else f"{size:,} bytes (was {said:,}), "
                self.problem("changed", name, f"{sizes}SHA-256 {actual[:16]}… ≠ {expected[:16]}…")
        known = set(listing) | {MANIFEST, SUMS}
        for name in sorted(self.present - known):
            self.problem("added", name)
        for extra in self.files.extras():
            self.problem("added", extra)
        self.report.files = len(known & self.present)

    def _matches(self, name: str, listing: dict[str, str]) -> bool:
        found = self.digest(name) if name in self.present else None
        return found is not None and found[1] == listing.get(name)

    def _check_events(self, listing: dict[str, str], manifest: Manifest | None) -> None:
        ndjson_ok = self._matches(NDJSON, listing)
        digests_ok = self._matches(EVENT_DIGESTS, listing)
        if NDJSON not in self.present or (ndjson_ok and not digests_ok):
            return  # the file is reported; the events themselves are as written
        data = self.read(EVENT_DIGESTS) if EVENT_DIGESTS in self.present else None
        if data is None:
            return
        expected, _ = parse_event_digests(data)
        if manifest is not None and digests_ok and manifest.events != len(expected):
            self.problem(
                "changed",
                MANIFEST,
                f"it counts {manifest.events:,} events, {EVENT_DIGESTS} lists {len(expected):,}",
            )
        try:
            self.report.events = self._compare_events(expected)
        except Unreadable:
            return  # reported with the file

    def _check_csv_rows(self, listing: dict[str, str]) -> None:
        """A changed events.csv beside an intact events.ndjson: name the events it changed."""
        if CSV not in self.present or self._matches(CSV, listing):
            return
        if not self._matches(NDJSON, listing) or self.digest(CSV) is None:
            return
        from auditui.evidence.csv_rows import csv_differences, expected_csv

        try:
            expected = expected_csv(self.files.lines(NDJSON))
            actual = self.files.read(CSV)
        except Unreadable:
            return
        for kind, uuid, row in csv_differences(expected, actual):
            if kind == "header":
                self.problem("changed", CSV, "its header row was edited")
            elif kind == "missing":
                self.gone(uuid, row, CSV)
            else:
                self.event(kind, uuid or "?", row, where=CSV)

    def _check_csv_events(self, listing: dict[str, str]) -> None:
        """Both event files intact by their digests: the CSV must still show the NDJSON's
        events, uuid by uuid (the digests may have been recomputed after an edit)."""
        if not (self._matches(NDJSON, listing) and self._matches(CSV, listing)):
            return
        from auditui.evidence.csv_rows import first_disagreement

        try:
            found = first_disagreement(self.files.lines(NDJSON), self.files.lines(CSV))
        except Unreadable:
            return
        if found is not None:
            self.problem("changed", CSV, f"{found} (it no longer shows the same events)")

    def gone(self, uuid: str, was: int, where: str) -> None:
        """An event no longer in `where` (at line or row `was`). An event added at its place
        under another uuid is that event with its uuid edited: one change, not two lines."""
        problems = self.report.problems
        for index, other in enumerate(problems):
            if (other.kind, other.what, other.line, other.where) == ("added", "event", was, where):
                detail = other.detail or f"its event_uuid now reads {visible(other.name)}"
                problems[index] = Problem("changed", "event", uuid, was, detail, where)
                return
        place = f"row {was} of {CSV}" if where == CSV else f"line {was}"
        self.event("missing", uuid, None, f"it was {place}")

    def _ndjson_lines(self) -> Iterator[tuple[int, bytes, str]]:
        for number, line in enumerate(self.files.lines(NDJSON), 1):
            yield number, line, hashlib.sha256(line).hexdigest()

    def _compare_events(self, expected: list[tuple[str, str]]) -> int:
        """Compare events.ndjson with events.sha256; returns the number of lines read."""
        count = 0
        in_step = True
        for number, _, line_digest in self._ndjson_lines():
            count = number
            if number > len(expected) or expected[number - 1][0] != line_digest:
                in_step = False
        if in_step and count == len(expected):
            return count
        by_digest = {d: (line, uuid) for line, (d, uuid) in enumerate(expected, 1)}
        by_uuid = {uuid: line for line, (_, uuid) in enumerate(expected, 1)}
        seen: set[str] = set()
        unparsed: list[tuple[int, int]] = []  # (line, the line it likely was)
        last_line = previous = 0
        for number, line, line_digest in self._ndjson_lines():
            if line_digest in by_digest:
                was, uuid = by_digest[line_digest]
                if uuid in seen:
                    self.event("added", uuid, number, "a second copy")
                    continue
                seen.add(uuid)
                if was < last_line:
                    self.event("moved", uuid, number, f"it was line {was}")
                last_line, previous = max(last_line, was), was
                continue
            found = _line_uuid(line)
            if found is None:
                unparsed.append((number, previous + 1))
            elif found in seen:
                self.event("added", found, number, "a second copy")
            elif found in by_uuid:
                seen.add(found)
                self.event("changed", found, number)
            else:
                seen.add(found)
                self.event("added", found, number)
        for number, likely in unparsed:  # the event after the one before it, else its line
            candidates = [expected[n - 1][1] for n in (likely, number) if 0 < n <= len(expected)]
            there = next((uuid for uuid in candidates if uuid not in seen), None)
            if there is not None:
                seen.add(there)
                self.event("changed", there, number, "no longer a JSON event")
            else:
                self.event("added", "?", number, "not a JSON event")
        for gone, was_line in by_uuid.items():
            if gone not in seen:
                self.gone(gone, was_line, NDJSON)
        return count


def _sums_difference(sums: dict[str, str], bad_lines: list[int], expected: bytes) -> str:
    """Which lines of SHA256SUMS disagree with the manifest, in a few words."""
    wanted, _ = parse_sums(expected)
    differing = [n for n in wanted if sums.get(n) != wanted[n]]
    differing += [n for n in sums if n not in wanted]
    if differing == [MANIFEST]:  # or the manifest was rewritten with a new self_sha256
        return f"its digest of {MANIFEST} no longer matches it (one of the two was edited)"
    if differing:
        return f"its line for {', '.join(differing)} no longer matches {MANIFEST}"
    if bad_lines:
        return f"line {bad_lines[0]} is not `<sha256>  <file name>`"
    return f"it no longer matches {MANIFEST} (its layout was edited)"
