"""The follow's poll windows, de-duplication, late events, the server's clock, and the
backoff between polls (`auditui.follow.poller`, `auditui.follow.schedule`), without I/O."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from auditui.errors import NetworkError, RateLimitError, ResponseError, ServerError
from auditui.events import AuditEvent
from auditui.follow import LATE_WINDOW, OVERLAP, Answer, Backoff, Poller
from auditui.follow.poller import micros
from auditui.timespec import TimeRange

T0 = datetime(2026, 11, 30, 23, 50, tzinfo=UTC)  # ten minutes before a month's last midnight


def event(uuid: str, at: datetime) -> AuditEvent:
    return AuditEvent(timestamp=at, event_uuid=uuid, client_ip="10.0.0.1", url="/x",
                      payload=msgspec.Raw(b"{}"))  # fmt: skip


def test_the_first_poll_reads_from_the_origin_and_later_ones_re_read_the_overlap() -> None:
    origin = T0 - timedelta(minutes=20)
    poller = Poller(origin)
    assert poller.plan(T0, timedelta(days=1)) == [TimeRange(origin, T0)]
    poller.accept(TimeRange(origin, T0), Answer([]), received=T0)
    assert poller.covered == T0
    (window,) = poller.plan(T0 + timedelta(seconds=15), timedelta(days=1))
    assert window.start == T0 - OVERLAP
    assert window.end == T0 + timedelta(seconds=15)


def test_nothing_before_the_origin_is_ever_asked() -> None:
    poller = Poller(T0)
    poller.accept(TimeRange(T0, T0 + timedelta(seconds=15)), Answer([]), received=T0)
    (window,) = poller.plan(T0 + timedelta(seconds=30), timedelta(days=1))
    assert window.start == T0  # the overlap would reach before --since


def test_a_long_gap_is_asked_in_windows_oldest_first() -> None:
    poller = Poller(T0 - timedelta(days=2, hours=12))
    windows = poller.plan(T0, timedelta(days=1))
    assert [w.end - w.start for w in windows] == [
        timedelta(days=1), timedelta(days=1), timedelta(hours=12)
    ]  # fmt: skip
    assert windows[0].start == T0 - timedelta(days=2, hours=12)
    assert windows[-1].end == T0
    assert all(a.end == b.start for a, b in itertools.pairwise(windows))


def test_events_seen_before_are_dropped_and_new_ones_come_oldest_first() -> None:
    poller = Poller(T0)
    first = TimeRange(T0, T0 + timedelta(minutes=1))
    poll = poller.accept(first, Answer([event("b", T0 + timedelta(seconds=20)),
                                        event("a", T0 + timedelta(seconds=10))]),
                         received=T0)  # fmt: skip
    assert [e.event_uuid for e in poll.new] == ["a", "b"]
    second = TimeRange(T0, T0 + timedelta(minutes=2))  # the overlap re-reads a and b
    poll = poller.accept(second, Answer([event("c", T0 + timedelta(seconds=70)),
                                         event("b", T0 + timedelta(seconds=20)),
                                         event("a", T0 + timedelta(seconds=10))]),
                         received=T0)  # fmt: skip
    assert [e.event_uuid for e in poll.new] == ["c"]
    assert poll.late == []
    assert poller.covered == second.end


def test_events_outside_the_window_asked_are_not_taken() -> None:
    """A proxy that ignores the range sends everything: only the asked window counts."""
    poller = Poller(T0)
    window = TimeRange(T0, T0 + timedelta(minutes=1))
    poll = poller.accept(window, Answer([event("old", T0 - timedelta(days=3)),
                                         event("in", T0 + timedelta(seconds=5))]),
                         received=T0)  # fmt: skip
    assert [e.event_uuid for e in poll.new] == ["in"]
    assert "old" not in poller.recent


def test_a_deep_poll_finds_an_event_later_than_the_overlap_and_calls_it_late() -> None:
    poller = Poller(T0 - timedelta(hours=2), covered=T0)
    now = T0
    found_late = []
    for step in range(40):  # ten minutes of 15 s polls
        now = T0 + timedelta(seconds=15 * (step + 1))
        (window,) = poller.plan(now, timedelta(days=1))
        stored = [event("late", T0 - timedelta(minutes=20))] if step >= 3 else []
        answer = [e for e in stored if window.start <= e.timestamp < window.end]
        poll = poller.accept(window, Answer(answer), received=now)
        found_late += [e.event_uuid for e in poll.late]
        if window.start <= T0 - LATE_WINDOW + timedelta(minutes=5):
            deep = window
    assert found_late == ["late"]  # found once, by a deep poll, and late
    assert deep.start == deep.end - timedelta(seconds=15) - LATE_WINDOW


def test_an_event_within_the_overlap_is_not_late() -> None:
    poller = Poller(T0 - timedelta(hours=1), covered=T0)
    (window,) = poller.plan(T0 + timedelta(seconds=15), timedelta(days=1))
    poll = poller.accept(window, Answer([event("x", T0 - timedelta(minutes=3))]), received=T0)
    assert [e.event_uuid for e in poll.new] == ["x"]
    assert poll.late == []


def test_uuids_no_later_poll_can_return_are_forgotten() -> None:
    poller = Poller(T0 - timedelta(hours=3), covered=T0 - timedelta(hours=3))
    old = T0 - timedelta(hours=2, minutes=30)
    window = TimeRange(T0 - timedelta(hours=3), T0)
    poller.accept(window, Answer([event("old", old), event("new", T0 - timedelta(minutes=1))]),
                  received=T0)  # fmt: skip
    assert set(poller.recent) == {"new"}
    assert poller.recent["new"] == micros(T0 - timedelta(minutes=1))


@pytest.mark.parametrize("skew", [timedelta(minutes=10), -timedelta(minutes=10)])
def test_windows_follow_the_server_clock_from_its_date_header(skew: timedelta) -> None:
    poller = Poller(T0 - timedelta(hours=1))
    received = T0 - timedelta(minutes=30)
    (window,) = poller.plan(received, timedelta(days=1))
    poller.accept(window, Answer([], server_date=received + skew), received=received)
    assert poller.skew == skew
    (window,) = poller.plan(T0, timedelta(days=1))
    assert window.end == T0 + skew


def test_a_second_of_date_header_rounding_is_no_skew() -> None:
    poller = Poller(T0)
    (window,) = poller.plan(T0, timedelta(days=1))
    poller.accept(window, Answer([], server_date=T0 - timedelta(seconds=1)), received=T0)
    assert poller.skew == timedelta(0)


def test_backoff_is_the_interval_after_success_and_never_shorter() -> None:
    backoff = Backoff(15)
    assert backoff.succeeded().seconds == 15
    delays = [backoff.failed(ServerError(503, "h")).seconds for _ in range(12)]
    assert delays[:4] == [15, 30, 60, 120]
    assert max(delays) == 300
    assert min(delays) >= 15
    assert backoff.succeeded().seconds == 15
    assert backoff.failed(NetworkError("h", "refused")).seconds == 15


def test_backoff_waits_at_least_what_retry_after_asks() -> None:
    backoff = Backoff(15)
    delay = backoff.failed(RateLimitError(90))
    assert delay.seconds == 90
    assert "429" in delay.reason and "90 s" in delay.reason
    assert Backoff(15).failed(RateLimitError(2)).seconds == 15  # never sooner than the interval
    assert Backoff(15).failed(ServerError(503, "h", retry_after=40)).seconds == 40


def test_backoff_reason_names_the_error() -> None:
    assert Backoff(10).failed(ResponseError("garbage")).reason.startswith("bad response")
    assert Backoff(10).failed(ServerError(502, "h")).reason.startswith("HTTP 502")
    assert Backoff(0.1).interval == 1.0  # the floor


def test_a_deep_read_that_failed_is_asked_again_at_the_next_poll() -> None:
    poller = Poller(T0 - timedelta(hours=2), covered=T0)
    poller.accept(TimeRange(T0 - timedelta(minutes=5), T0), Answer([]), received=T0)
    poller.covered = T0 + timedelta(minutes=6)  # polls went on: a deep read is due
    (deep,) = poller.plan(T0 + timedelta(minutes=6), timedelta(days=1))
    assert deep.start == poller.covered - LATE_WINDOW
    # that poll failed (nothing accepted): the next one reads as far back again
    (again,) = poller.plan(T0 + timedelta(minutes=6, seconds=30), timedelta(days=1))
    assert again.start == poller.covered - LATE_WINDOW
    poller.accept(again, Answer([]), received=again.end)
    (after,) = poller.plan(T0 + timedelta(minutes=7), timedelta(days=1))
    assert after.start == poller.covered - OVERLAP
