"""Time zones: resolving names, the `u` cycle, labels (with DST), `ago` texts, WHEN read in
a zone, the `timezone` config key and the `ago` column."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from auditui.config.settings import load_settings
from auditui.errors import ConfigError, UsageError
from auditui.events import KNOWN_COLUMNS, default_descending, time_title
from auditui.timespec import parse_when
from auditui.timezones import (
    ago_text,
    next_choice,
    offers_configured,
    offset_text,
    resolve_zone,
    zone_for,
    zone_label,
    zone_name,
)
from tests.helpers.events import decode, raw

BERLIN = ZoneInfo("Europe/Berlin")
WINTER = datetime(2026, 1, 15, 12, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, tzinfo=UTC)


@pytest.fixture
def kolkata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is Asia/Kolkata (UTC+05:30) for one test, then as before."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# -- resolving ---------------------------------------------------------------------------


def test_iana_names_resolve_to_their_zone() -> None:
    assert resolve_zone("Europe/Berlin") == BERLIN
    assert zone_name(resolve_zone(" America/New_York ")) == "America/New_York"


@pytest.mark.parametrize("name", ["UTC", "utc", "Etc/UTC", "Z", "GMT"])
def test_utc_spellings_are_utc_itself(name: str) -> None:
    assert resolve_zone(name) is UTC


@pytest.mark.parametrize(
    "name",
    ["Nowhere/Bad", "", "   ", "Europe/Berlinn", "../../etc/passwd", "/etc/localtime", "x" * 200],
)
def test_an_unknown_zone_is_one_clear_line(name: str) -> None:
    with pytest.raises(UsageError) as caught:
        resolve_zone(name)
    message = str(caught.value)
    assert "Unknown time zone" in message and "Europe/Berlin" in message
    assert "\n" not in message
    assert caught.value.exit_code == 2


# -- the cycle -----------------------------------------------------------------------------


def test_u_cycles_utc_local_configured(kolkata: None) -> None:
    assert next_choice("utc", BERLIN, WINTER) == "local"
    assert next_choice("local", BERLIN, WINTER) == "configured"
    assert next_choice("configured", BERLIN, WINTER) == "utc"


def test_without_a_configured_zone_u_toggles_utc_and_local(kolkata: None) -> None:
    assert next_choice("utc", None, WINTER) == "local"
    assert next_choice("local", None, WINTER) == "utc"
    assert next_choice("configured", None, WINTER) == "utc"  # a zone that went away


def test_a_configured_zone_equal_to_utc_or_local_is_skipped(kolkata: None) -> None:
    assert not offers_configured(UTC, WINTER)
    assert not offers_configured(ZoneInfo("Asia/Kolkata"), WINTER)  # the local zone
    assert next_choice("local", ZoneInfo("Asia/Calcutta"), WINTER) == "utc"
    assert offers_configured(BERLIN, WINTER)


def test_a_zone_that_matches_utc_only_in_winter_is_still_offered(kolkata: None) -> None:
    """London reads UTC in January, not in July: it is a clock of its own."""
    assert offers_configured(ZoneInfo("Europe/London"), WINTER)
    assert next_choice("local", ZoneInfo("Europe/London"), WINTER) == "configured"


def test_zone_for_each_choice() -> None:
    assert zone_for("utc", BERLIN) is UTC
    assert zone_for("local", BERLIN) is None
    assert zone_for("configured", BERLIN) is BERLIN
    assert zone_for("configured", None) is None


# -- labels --------------------------------------------------------------------------------


def test_labels_name_the_zone_and_its_offset_in_winter_and_summer() -> None:
    assert zone_label(BERLIN, WINTER) == "Europe/Berlin (UTC+01:00)"
    assert zone_label(BERLIN, SUMMER) == "Europe/Berlin (UTC+02:00)"
    assert zone_label(ZoneInfo("America/New_York"), WINTER) == "America/New_York (UTC-05:00)"
    assert zone_label(UTC, SUMMER) == "UTC"


def test_local_label_has_the_local_offset(kolkata: None) -> None:
    assert zone_label(None, WINTER) == "local time (UTC+05:30)"


def test_offset_text() -> None:
    assert offset_text(None) == "UTC"
    assert offset_text(timedelta(0)) == "UTC"
    assert offset_text(timedelta(hours=-3, minutes=-30)) == "UTC-03:30"
    assert offset_text(timedelta(hours=5, minutes=45)) == "UTC+05:45"


# -- relative time ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "text"),
    [
        (timedelta(seconds=3), "just now"),
        (timedelta(seconds=42), "42 s ago"),
        (timedelta(minutes=3, seconds=59), "3 min ago"),
        (timedelta(hours=2, minutes=59), "2 h ago"),
        (timedelta(days=5, hours=23), "5 d ago"),
        (timedelta(days=800), "2 y ago"),
        (timedelta(minutes=-4), "in 4 min"),
        (timedelta(seconds=-30), "in 30 s"),
    ],
)
def test_ago_text(before: timedelta, text: str) -> None:
    assert ago_text(SUMMER - before, SUMMER) == text


# -- WHEN read in a zone ---------------------------------------------------------------------


def test_naive_times_and_dates_are_read_in_the_zone_given() -> None:
    assert parse_when("2026-01-15T13:00", zone=BERLIN) == datetime(2026, 1, 15, 12, tzinfo=UTC)
    assert parse_when("2026-07-15T13:00", zone=BERLIN) == datetime(2026, 7, 15, 11, tzinfo=UTC)
    assert parse_when("2026-01-15", zone=BERLIN) == datetime(2026, 1, 14, 23, tzinfo=UTC)
    end = parse_when("2026-01-15", role="end", zone=BERLIN)
    assert end == datetime(2026, 1, 15, 23, tzinfo=UTC)
    # an explicit offset wins; no zone given: UTC as before
    assert parse_when("2026-01-15T13:00Z", zone=BERLIN) == datetime(2026, 1, 15, 13, tzinfo=UTC)
    assert parse_when("2026-01-15T13:00") == datetime(2026, 1, 15, 13, tzinfo=UTC)


def test_today_is_the_zone_s_day(kolkata: None) -> None:
    late = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)  # already the 16th in Berlin and India
    assert parse_when("today", now=late, zone=BERLIN) == datetime(2026, 1, 15, 23, tzinfo=UTC)
    assert parse_when("today", now=late) == datetime(2026, 1, 15, tzinfo=UTC)
    local = parse_when("today", now=late, zone=None)
    assert local == datetime(2026, 1, 15, 18, 30, tzinfo=UTC)


# -- config ----------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_timezone_top_level_and_per_profile(tmp_path: Path) -> None:
    config = write(
        tmp_path / "config.toml",
        'timezone = "Europe/Berlin"\n[profiles.ny]\ntimezone = "America/New_York"\n'
        "[profiles.plain]\nrange = '1h'\n",
    )
    settings = load_settings(config, env={})
    assert settings.profile("default", env={}).timezone == "Europe/Berlin"
    assert settings.profile("plain", env={}).timezone == "Europe/Berlin"
    assert settings.profile("ny", env={}).timezone == "America/New_York"


def test_no_timezone_by_default(tmp_path: Path) -> None:
    config = write(tmp_path / "config.toml", "[profiles.eu]\nrange = '1h'\n")
    assert load_settings(config, env={}).profile("eu", env={}).timezone is None


@pytest.mark.parametrize(
    "text",
    ['timezone = "Nowhere/Bad"', "timezone = 3", '[defaults]\ntimezone = "Mars/Olympus"'],
)
def test_a_bad_timezone_in_config_is_one_config_error_line(tmp_path: Path, text: str) -> None:
    config = write(tmp_path / "config.toml", text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    message = str(caught.value)
    assert "timezone" in message and "IANA" in message and "\n" not in message


# -- the `ago` column ------------------------------------------------------------------------


def test_ago_column_reads_the_clock() -> None:
    (event,) = decode(raw(0, timestamp="2026-11-26T11:57:00Z"))
    column = KNOWN_COLUMNS["ago"]
    with time_machine.travel(datetime(2026, 11, 26, 12, 0, tzinfo=UTC), tick=False):
        assert column.text(event) == "3 min ago"
    with time_machine.travel(datetime(2026, 11, 26, 14, 30, tzinfo=UTC), tick=False):
        assert column.text(event) == "2 h ago"
    assert column.copy_text(event, UTC) == "2026-11-26T11:57:00Z"  # copies unambiguously
    assert default_descending("ago")  # newest first, as the time column


def test_time_title_names_a_configured_zone() -> None:
    assert time_title(True) == "Time (UTC)"
    assert time_title(False) == "Time (local)"
    assert time_title(False, BERLIN) == "Time (Berlin)"
