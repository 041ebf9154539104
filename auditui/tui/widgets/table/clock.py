"""`TableClock`: the zone the event table draws its times in (a mixin of `EventTable`).

UTC, local time, or the zone configured (`timezone` in config, `--tz`): `u` cycles them
(`auditui.timezones.next_choice`). A change lays the table out again (the time column's
title names the zone) and tells the App (`_zone_changed`: `EventTable.TimeZoneChanged`).
"""

from __future__ import annotations

from datetime import tzinfo

from auditui.timespec import utcnow
from auditui.timezones import ZoneChoice, next_choice, zone_for

__all__ = ["TableClock"]


class TableClock:
    """The table's clock: `utc`, `zone_choice`, `configured_zone`, `zone`, `tz`."""

    _choice: ZoneChoice = "local"
    _configured: tzinfo | None = None

    def _relayout(self) -> None:
        raise NotImplementedError

    def _zone_changed(self) -> None:
        raise NotImplementedError

    @property
    def utc(self) -> bool:
        """Times in UTC (True, cells end in `Z`) or in another zone (False: `zone_choice`)."""
        return self._choice == "utc"

    @utc.setter
    def utc(self, value: bool) -> None:
        self.zone_choice = "utc" if value else "local"

    @property
    def zone_choice(self) -> ZoneChoice:
        """The clock of the times shown: "utc", "local" or "configured" (`u` cycles)."""
        return self._choice

    @zone_choice.setter
    def zone_choice(self, choice: ZoneChoice) -> None:
        if choice != self._choice:
            self._choice = choice
            self._relayout()
            self._zone_changed()

    @property
    def configured_zone(self) -> tzinfo | None:
        """The zone `u` offers besides UTC and local (`timezone` in config, `--tz`)."""
        return self._configured

    @configured_zone.setter
    def configured_zone(self, zone: tzinfo | None) -> None:
        self._configured = zone
        if self._choice == "configured":
            self._relayout()

    @property
    def zone(self) -> tzinfo | None:
        """The configured zone while times are shown in it, else None (UTC or local)."""
        return self._configured if self._choice == "configured" else None

    @property
    def tz(self) -> tzinfo | None:
        """The zone cells are drawn in: UTC, the configured zone, or None (local)."""
        return zone_for(self._choice, self._configured)

    def action_toggle_utc(self) -> None:
        self.zone_choice = next_choice(self._choice, self._configured, utcnow())
