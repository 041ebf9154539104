"""The text of the event fields that are made from more than one value, written once.

The event table's cells (`auditui.events.columns`), the query language's search text
(`auditui.query.fields`) and the facets (`auditui.stats.facets`) all read a user, an
object or the support flag through these functions, so a cell, a query term and a facet
value always spell a field the same way. Missing values give "" (the table shows its own
placeholder for a missing user).
"""

from __future__ import annotations

__all__ = ["object_text", "support_label", "support_text", "user_text"]


def user_text(email: str | None, user_id: int | None) -> str:
    """Who acted: the e-mail, else `user:<id>`, else ""."""
    if email:
        return email
    return "" if user_id is None else f"user:{user_id}"


def object_text(kind: str | None, object_id: int | None) -> str:
    """What was acted on: `monitor #193`, `#193` (no type) or `monitor` (no id), else ""."""
    if object_id is None:
        return kind or ""
    return f"{kind} #{object_id}" if kind else f"#{object_id}"


def support_text(is_support_user: bool | None) -> str:
    """The support flag as the query language reads it: `true`, else `false`."""
    return "true" if is_support_user else "false"


def support_label(is_support_user: bool | None) -> str:
    """The support flag as the table shows it: `yes`, else nothing."""
    return "yes" if is_support_user else ""
