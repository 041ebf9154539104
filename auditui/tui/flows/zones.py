"""ZoneFlow: the clock the browser shows times in, and the refresh of the `ago` column.

The table owns the choice (`EventTable.zone_choice`; `u` cycles UTC → local → configured).
This flow sets it up from the profile (`timezone` in config.toml, or `--tz`, which the CLI
puts in the profile): times open in that zone, and `u` offers it besides UTC and local. When
the clock changes, the detail pane, the timeline and the header follow, and a toast names
the clock with its offset (`Times in Europe/Berlin (UTC+01:00)`). While the `ago` column
shows, the table redraws every `AGO_REFRESH` seconds (its cells only: nothing is measured
or sorted again).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any

from auditui.errors import UsageError
from auditui.timespec import utcnow
from auditui.timezones import offers_configured, resolve_zone, same_clock, zone_label
from auditui.tui.widgets.detail import DetailPane
from auditui.tui.widgets.table.event_table import EventTable
from auditui.tui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from textual.app import App

AGO_REFRESH = 30.0  # seconds between redraws of the `ago` column while it shows


class ZoneFlow:
    """Starts the table in the configured zone and makes the other widgets follow `u`."""

    def __init__(self, app: App[Any], *, header: Callable[[], None]) -> None:
        self.app = app
        self._header = header  # redraws the header line (the range in the table's clock)
        self._quiet = False  # the zone chosen at start: no toast for it

    @property
    def table(self) -> EventTable:
        return self.app.query_one(EventTable)

    def mount(self, timezone: str | None) -> None:
        """Take the profile's zone (checked already; a bad one warns and is left out) and
        start the `ago` refresh."""
        table, now = self.table, utcnow()
        zone = None
        if timezone:
            try:
                zone = resolve_zone(timezone)
            except UsageError as error:
                self.app.notify(f"{error} Showing UTC and local time.", severity="warning")
        table.configured_zone = zone
        if zone is not None and same_clock(zone, UTC, now):
            table.zone_choice = "utc"
        elif zone is not None and offers_configured(zone, now):
            table.zone_choice = "configured"
        self._quiet = table.zone_choice != "local"  # the message for it is still to come
        self.app.query_one(Timeline).utc = table.utc
        self.app.set_interval(AGO_REFRESH, self.tick)

    def tick(self) -> None:
        """Redraw the `ago` cells, when the column shows."""
        table = self.table
        if "ago" in table.columns:
            table.redraw()

    def changed(self, message: EventTable.TimeZoneChanged) -> None:
        """The table's clock changed: the detail pane, timeline and header follow."""
        table = self.table
        self.app.query_one(DetailPane).show_event(
            table.cursor_event, utc=message.utc, zone=message.zone
        )
        timeline = self.app.query_one(Timeline)
        timeline.utc, timeline.zone = message.utc, message.zone
        if self._quiet:
            self._quiet = False
        else:
            self.app.notify(f"Times in {zone_label(table.tz, utcnow())}", timeout=2)
        self._header()
