"""The support-access review flow: open the review view over the loaded events and, on
Enter, narrow the table to the chosen session's events.

The narrowing is a query (`review.session_query`: the actor's exact `user:=` term,
`support:true` and `after:`/`before:` bounds of the session) put in the filter bar through
the filter flow's `set_query`, so it is a history step (Backspace goes back) and the
session's events are exactly what the table shows. The gap is the profile's `review_gap`.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from auditui.events import EventStore
from auditui.review import SupportSession, session_query
from auditui.tui.screens.review import ReviewScreen

if TYPE_CHECKING:
    from auditui.tui.app import AuditApp

__all__ = ["open_support_review"]


def open_support_review(app: AuditApp) -> None:
    """Push the review view over the loaded store (a toast while nothing is loaded)."""
    store = app.store
    if not len(store):
        app.notify("No events loaded to review.", severity="warning", timeout=3)
        return
    screen = ReviewScreen(store, app.connection.profile.review_gap, app.table.tz)
    app.push_screen(screen, partial(_narrow, app, store))


def _narrow(app: AuditApp, store: EventStore, session: SupportSession | None) -> None:
    """Show exactly the session's events in the table (a history step)."""
    if session is None:
        return
    if app.store is not store:
        app.notify("The events were reloaded meanwhile.", severity="warning", timeout=4)
        return
    app.filter_flow.set_query(session_query(session))
    app.table.focus()
