"""The support-access review (core, no Textual): support users' events grouped into sessions
and the reports a reviewer attaches as evidence.

- `sessions`: `support_sessions(events or store, gap)` — events with `is_support_user`
  true, grouped per actor into sessions (a new one after a gap of `gap` or more), each with
  its span, counts, actions, objects, IPs and failures; `session_query` (the query that
  selects one session's events); `parse_gap` (`30m`, `2h`, ...).
- `report`: the Markdown, CSV and JSON reports (`render_report`, `REPORT_FORMATS`), and
  the short texts the TUI shares with them (`counted`, `format_duration`).
"""

from __future__ import annotations

from auditui.review.report import (
    REPORT_FORMATS,
    ReviewReport,
    counted,
    format_duration,
    render_report,
)
from auditui.review.sessions import (
    DEFAULT_GAP,
    FAILED_STATUSES,
    SUPPORT_QUERY,
    SupportSession,
    format_gap,
    grouping_rule,
    parse_gap,
    session_query,
    support_sessions,
)

__all__ = [
    "DEFAULT_GAP",
    "FAILED_STATUSES",
    "REPORT_FORMATS",
    "SUPPORT_QUERY",
    "ReviewReport",
    "SupportSession",
    "counted",
    "format_duration",
    "format_gap",
    "grouping_rule",
    "parse_gap",
    "render_report",
    "session_query",
    "support_sessions",
]
