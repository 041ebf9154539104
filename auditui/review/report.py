"""The support-access review as a document: Markdown for people, CSV and JSON for tools
(core, no Textual).

`render_report(report, fmt)` gives the bytes of one format. Every report names what
produced it (range, host, profile, when it was generated: injected, never read from the
clock here), the query (`support:true`) and the grouping rule, and the counts.

Event fields are untrusted. Markdown: control, bidi and invisible characters become
visible escapes (`textsafe.visible`, so a newline cannot end a table row) and Markdown's
punctuation is backslash-escaped (`|` cannot split a cell, a backtick cannot open code, `<`
cannot open HTML); code spans are fenced by more backticks than they hold. CSV: the same
escapes plus the formula rule (`neutralize_cell`), one row per session. JSON: control and
invisible characters as `\\uXXXX` (`json_text_safe`): the same values, inert in a terminal.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec

from auditui.review.sessions import (
    SUPPORT_QUERY,
    SupportSession,
    format_gap,
    grouping_rule,
    session_query,
)
from auditui.textsafe import json_text_safe, neutralize_cell, visible
from auditui.timespec import TimeRange, format_utc

__all__ = ["REPORT_FORMATS", "ReportFormat", "ReviewReport", "render_report"]

ReportFormat = Literal["md", "csv", "json"]
REPORT_FORMATS: tuple[ReportFormat, ...] = ("md", "csv", "json")

CSV_COLUMNS = (
    "actor", "start", "end", "duration_seconds", "events", "actions", "objects", "ips",
    "failures", "failed_actions", "query",
)  # fmt: skip


class ReviewReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a report says: the sessions and where they came from."""

    sessions: list[SupportSession]
    time_range: TimeRange | None  # None: the events at hand (a file, the loaded events)
    generated_at: datetime
    gap: timedelta
    events: int  # events looked at
    host: str = ""
    profile: str = ""
    notes: tuple[str, ...] = ()  # what the load left out (malformed events, ...)

    @property
    def support_events(self) -> int:
        return sum(session.events for session in self.sessions)

    @property
    def actors(self) -> int:
        return len({session.actor for session in self.sessions})

    @property
    def failures(self) -> int:
        return sum(session.failures for session in self.sessions)


def render_report(report: ReviewReport, fmt: ReportFormat) -> bytes:
    """The report in one of `REPORT_FORMATS`, as UTF-8 bytes."""
    if fmt == "md":
        return markdown(report).encode()
    if fmt == "csv":
        return csv_text(report).encode()
    if fmt == "json":
        return json_bytes(report)
    raise ValueError(f"unknown report format: {fmt!r}")


def format_duration(duration: timedelta) -> str:
    """`1h 05m 03s`, `12m 00s`, `45s` (whole seconds)."""
    seconds = int(duration.total_seconds())
    hours, rest = divmod(seconds, 3_600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def counted(items: Iterable[tuple[str, int]], limit: int | None = None) -> str:
    """`a ×3, b ×1` (raw text: escape it for where it goes); `limit`: the first ones and
    `… +N more`."""
    pairs = list(items)
    shown = pairs if limit is None else pairs[:limit]
    text = ", ".join(f"{name or '(none)'} ×{count}" for name, count in shown)
    if len(shown) < len(pairs):
        text += f", … +{len(pairs) - len(shown)} more"
    return text


# ---- Markdown

_MD_PUNCT = re.compile(r"([\\`*_\[\]{}<>|~#&!])")


def md_text(text: str) -> str:
    """Untrusted text as inert Markdown (inline, one line, fit for a table cell)."""
    return _MD_PUNCT.sub(r"\\\1", visible(text))


def md_code(text: str) -> str:
    """Untrusted text as an inline code span (controls made visible; `|` escaped so the
    span can sit in a table)."""
    shown = visible(text)
    longest = max((len(run) for run in re.findall(r"`+", shown)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") or not shown.strip() else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _range_text(report: ReviewReport) -> str:
    if report.time_range is None:
        return "the events at hand"
    return f"{format_utc(report.time_range.start)} → {format_utc(report.time_range.end)}"


def _actor(session: SupportSession) -> str:
    return md_text(session.actor) if session.actor else "(no user)"


def markdown(report: ReviewReport) -> str:
    """The report as a Markdown document."""
    lines = [
        "# Support-access review",
        "",
        "| | |",
        "|---|---|",
        f"| Range (UTC) | {md_text(_range_text(report))} |",
        f"| Host | {md_text(report.host) if report.host else '—'} |",
        f"| Profile | {md_text(report.profile) if report.profile else '—'} |",
        f"| Generated at | {format_utc(report.generated_at)} |",
        f"| Query | {md_code(SUPPORT_QUERY)} |",
        f"| Grouping | {md_text(grouping_rule(report.gap))} |",
        f"| Events in range | {report.events:,} |",
        f"| Support events | {report.support_events:,} |",
        f"| Sessions | {len(report.sessions):,} |",
        f"| Support actors | {report.actors:,} |",
        f"| Failed or denied events | {report.failures:,} |",
        "",
    ]
    if report.notes:
        lines += ["Notes:", "", *(f"- {md_text(note)}" for note in report.notes), ""]
    lines += ["## Sessions", ""]
    if not report.sessions:
        lines += ["No support-user events in this range.", ""]
        return "\n".join(lines)
    lines += [
        "| # | Actor | Start (UTC) | End (UTC) | Duration | Events | Actions | Objects "
        "| Failures |",
        "|---:|---|---|---|---:|---:|---|---|---:|",
    ]
    for number, session in enumerate(report.sessions, 1):
        lines.append(
            f"| {number} | {_actor(session)} | {format_utc(session.start)} | "
            f"{format_utc(session.end)} | {format_duration(session.duration)} | "
            f"{session.events:,} | {md_text(counted(session.actions, 5))} | "
            f"{md_text(counted(session.objects, 5))} | {session.failures:,} |"
        )
    lines += ["", "## Session details", ""]
    for number, session in enumerate(report.sessions, 1):
        lines += [
            f"### {number}. {_actor(session)}, {format_utc(session.start)}",
            "",
            f"- Span: {format_utc(session.start)} → {format_utc(session.end)} "
            f"({format_duration(session.duration)}), {session.events:,} "
            + ("event" if session.events == 1 else "events"),
            f"- Query: {md_code(session_query(session))}",
            f"- Client IPs: {md_text(', '.join(session.ips)) if session.ips else '—'}",
            f"- Actions: {md_text(counted(session.actions))}",
            f"- Objects: {md_text(counted(session.objects)) if session.objects else '—'}",
            f"- Failed or denied: {session.failures:,}"
            + (f" ({md_text(counted(session.failed_actions))})" if session.failures else ""),
            "",
        ]
    return "\n".join(lines)


# ---- CSV


def _cell(text: str) -> str:
    return neutralize_cell(visible(text))


def _pairs(items: Iterable[tuple[str, int]]) -> str:
    return "; ".join(f"{name}={count}" for name, count in items)


def csv_text(report: ReviewReport) -> str:
    """One header row, then one row per session (untrusted text made inert)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for session in report.sessions:
        writer.writerow(
            [
                _cell(session.actor),
                format_utc(session.start),
                format_utc(session.end),
                int(session.duration.total_seconds()),
                session.events,
                _cell(_pairs(session.actions)),
                _cell(_pairs(session.objects)),
                _cell(" ".join(session.ips)),
                session.failures,
                _cell(_pairs(session.failed_actions)),
                _cell(session_query(session)),
            ]
        )
    return buffer.getvalue()


# ---- JSON


def session_dict(session: SupportSession) -> dict[str, Any]:
    """One session as plain JSON values."""
    return {
        "actor": session.actor,
        "start": format_utc(session.start),
        "end": format_utc(session.end),
        "duration_seconds": session.duration.total_seconds(),
        "events": session.events,
        "actions": dict(session.actions),
        "objects": dict(session.objects),
        "ips": list(session.ips),
        "failures": session.failures,
        "failed_actions": dict(session.failed_actions),
        "query": session_query(session),
    }


def json_bytes(report: ReviewReport) -> bytes:
    """`{"range": ..., "query": ..., "sessions": [...]}` (indented, inert in a terminal)."""
    time_range = report.time_range
    document = {
        "title": "Support-access review",
        "range": None
        if time_range is None
        else {"from": format_utc(time_range.start), "to": format_utc(time_range.end)},
        "host": report.host,
        "profile": report.profile,
        "generated_at": format_utc(report.generated_at),
        "query": SUPPORT_QUERY,
        "grouping": {
            "by": "actor",
            "gap": format_gap(report.gap),
            "gap_seconds": report.gap.total_seconds(),
            "rule": grouping_rule(report.gap),
        },
        "counts": {
            "events": report.events,
            "support_events": report.support_events,
            "sessions": len(report.sessions),
            "actors": report.actors,
            "failures": report.failures,
        },
        "notes": list(report.notes),
        "sessions": [session_dict(session) for session in report.sessions],
    }
    text = msgspec.json.format(msgspec.json.encode(document), indent=2).decode()
    return (json_text_safe(text) + "\n").encode()
