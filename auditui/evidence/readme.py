"""The bundle's `README.txt`: what the bundle is and how to check it without auditui."""

from __future__ import annotations

import textwrap

from auditui.evidence.layout import (
    CSV,
    EVENT_DIGESTS,
    MANIFEST,
    NDJSON,
    README,
    SUMS,
    BundleInfo,
)
from auditui.evidence.origin import empty_days_text
from auditui.textsafe import visible
from auditui.timespec import format_utc


def render_readme(info: BundleInfo, events: int, *, zip_name: str | None, folder: str) -> bytes:
    """The README's bytes (plain ASCII-safe text; the query and host shown inert)."""
    query = visible(info.query) if info.query else "(none: every event of the range)"
    origin = _origin(info)
    unpack = f"  cd {folder}\n" if zip_name is None else f"  unzip {zip_name}\n  cd {folder}\n"
    text = f"""\
AUDIT-LOG EVIDENCE BUNDLE
=========================

This bundle holds the audit-log events of one time range, exported by auditui
{info.version} from {visible(info.host)} (profile "{visible(info.profile)}"), with the
digests needed to show that none of it was changed after it was made.

  Range (UTC):   {format_utc(info.time_range.start)} up to {format_utc(info.time_range.end)}
                 (the start included, the end excluded)
  Query:         {query}
  Events:        {events:,}
  Generated at:  {format_utc(info.generated_at)}
{origin}
HOW TO CHECK IT (no auditui needed)
-----------------------------------
On Linux (GNU coreutils); on macOS use `shasum -a 256 -c SHA256SUMS` instead:

{unpack}  sha256sum -c SHA256SUMS

Every line must end in "OK". A file that was changed says "FAILED"; a missing one
says "No such file or directory". `sha256sum -c` does not notice an ADDED file:
compare the folder's listing (`ls -A`) with the files named below.

SHA256SUMS covers manifest.json, and manifest.json records the size and SHA-256 of
every other file. To make sure nobody replaced the whole bundle, compare the SHA-256
of SHA256SUMS (`sha256sum SHA256SUMS`) with the one recorded when the bundle was
handed over (auditui prints it when it writes the bundle). Anyone able to
rewrite the whole bundle can recompute every digest in it: only that SHA-256,
recorded elsewhere at hand-over, shows that this is the bundle handed over.

One event at a time: line N of {EVENT_DIGESTS} is the SHA-256 of line N of {NDJSON}
(its line feed included) followed by the event's uuid, so

  sed -n 5p {NDJSON} | sha256sum

must print the digest on line 5 of {EVENT_DIGESTS}.

With auditui, `auditui evidence verify <this folder or the .zip>` does all of the
above and names each changed, missing or added file and event.

THE FILES
---------
{NDJSON}   the events, one JSON object per line, oldest first: every field of
                the API, the payload as JSON.
{CSV}      the same events in the same order as CSV with a header row (for
                spreadsheets). A cell that a spreadsheet could read as a formula
                starts with an added ' ; control characters are shown as escapes.
{EVENT_DIGESTS}   one line per event: the SHA-256 of its line in {NDJSON}, two
                spaces, its event_uuid.
{README}      this text.
{MANIFEST}   the range, query, host, profile, auditui version, time of generation,
                the number of events, and the size and SHA-256 of each file above.
                "{"self_sha256"}" is the SHA-256 of the manifest itself with that
                value written as 64 zeros.
{SUMS}      the SHA-256 of every other file, in the format of `sha256sum -c`.
"""
    return text.encode("utf-8")


def _origin(info: BundleInfo) -> str:
    """Where the events came from, and the days that held none (a paragraph, or "")."""
    said: list[str] = []
    if info.source is not None:
        said.append(
            "Where the events came from (loaded, before the query): "
            + info.source.text()
            + ' The same counts are under "source" in manifest.json.'
        )
    if info.empty_days:
        said.append(
            f"{len(info.empty_days)} of the range's UTC days held no events when it was "
            f"loaded ({empty_days_text(info.empty_days)}): the API may no longer keep them. "
            'They are listed under "empty_days" in manifest.json.'
        )
    if not said:
        return ""
    wrap = textwrap.TextWrapper(78, break_long_words=False, break_on_hyphens=False)
    return "\n" + "\n\n".join(wrap.fill(text) for text in said) + "\n"
