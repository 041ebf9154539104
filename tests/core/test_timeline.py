"""The timeline: bucketing, bucket lookup and ranges, resampling, sparkline, time terms."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from auditui.query import compile_query
from auditui.stats import BARS, Histogram, histogram, sparkline, time_terms
from auditui.stats.timeline import counted_onto
from auditui.timespec import TimeRange

START = datetime(2026, 11, 1, tzinfo=UTC)
DAY = TimeRange(START, START + timedelta(days=1))


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def test_counts_per_bucket_and_outside() -> None:
    stamps = [at(0), at(0.5), at(1), at(23.99), at(24), at(-1), at(12)]
    hist = histogram(stamps, None, DAY, 24)
    assert len(hist) == 24
    assert hist.counts[0] == 2
    assert hist.counts[1] == 1
    assert hist.counts[12] == 1
    assert hist.counts[23] == 1
    assert hist.total == 5
    assert hist.outside == 2  # the range end is exclusive; before the start is outside
    assert hist.peak == 2


def test_only_the_given_indices_in_any_order() -> None:
    stamps = [at(h) for h in range(24)]
    hist = histogram(stamps, [5, 3, 3, 20], DAY, 4)
    assert hist.counts == (3, 0, 0, 1)


def test_bucket_of_and_bucket_range_agree() -> None:
    hist = histogram([], None, DAY, 7)  # 24h / 7: uneven, the last bucket takes the rest
    assert hist.bounds[0] == DAY.start and hist.bounds[-1] == DAY.end
    for bucket in range(len(hist)):
        span = hist.bucket_range(bucket)
        assert hist.bucket_of(span.start) == bucket
        assert hist.bucket_of(span.end - timedelta(microseconds=1)) == bucket
    assert hist.bucket_of(DAY.end) is None
    assert hist.bucket_of(DAY.start - timedelta(microseconds=1)) is None
    with pytest.raises(IndexError):
        hist.bucket_range(7)


def test_counts_match_bucket_of_for_random_stamps() -> None:
    rng = random.Random(3)
    stamps = [DAY.start + timedelta(microseconds=rng.randrange(-10**9, 87_000 * 10**6))
              for _ in range(2000)]  # fmt: skip
    hist = histogram(stamps, None, DAY, 97)
    expected = [0] * 97
    outside = 0
    for stamp in stamps:
        bucket = hist.bucket_of(stamp)
        if bucket is None:
            outside += 1
        else:
            expected[bucket] += 1
    assert list(hist.counts) == expected
    assert hist.outside == outside


def test_counting_more_stamps_onto_a_histogram_is_one_histogram_of_all() -> None:
    rng = random.Random(5)
    stamps = [DAY.start + timedelta(microseconds=rng.randrange(-10**9, 87_000 * 10**6))
              for _ in range(3000)]  # fmt: skip
    hist = histogram(stamps[:1000], None, DAY, 97)
    hist = counted_onto(counted_onto(hist, stamps[1000:2500]), stamps[2500:])
    assert hist == histogram(stamps, None, DAY, 97)
    assert counted_onto(hist, []) == hist


def test_short_range_makes_fewer_buckets() -> None:
    tiny = TimeRange(START, START + timedelta(microseconds=5))
    hist = histogram([START], None, tiny, 100)
    assert len(hist) == 5
    assert hist.counts[0] == 1


def test_resample_keeps_counts_and_exact_bounds() -> None:
    stamps = [at(h + 0.5) for h in range(24)]
    fine = histogram(stamps, None, DAY, 24)
    coarse = fine.resample(5)
    assert len(coarse) == 5
    assert coarse.total == 24
    assert set(coarse.bounds) <= set(fine.bounds)
    assert coarse.bounds[0] == DAY.start and coarse.bounds[-1] == DAY.end
    for bucket in range(5):
        span = coarse.bucket_range(bucket)
        inside = sum(1 for s in stamps if span.contains(s))
        assert inside == coarse.counts[bucket]
    assert fine.resample(100) is fine
    assert len(fine.resample(0)) == 1


def test_sparkline() -> None:
    assert sparkline([0, 1, 4, 8]) == " ▁▄█"
    assert sparkline([0, 0]) == "  "
    assert sparkline([]) == ""
    assert sparkline([1, 1000]) == "▁█"  # a single event still shows
    assert set(sparkline(list(range(100)))) <= set(BARS) | {" "}
    hist = Histogram((START, at(1), at(2)), (0, 3))
    assert hist.sparkline() == " █"


def test_histogram_needs_buckets() -> None:
    with pytest.raises(ValueError):
        histogram([], None, DAY, 0)
    with pytest.raises(ValueError):
        Histogram((START,), ())


def test_time_terms_select_exactly_the_bucket() -> None:
    import msgspec

    from auditui.events import decode_logs

    stamps = [
        at(1) - timedelta(microseconds=1),
        at(1),
        at(1.5),
        at(2),
        at(2) + timedelta(seconds=1),
    ]
    logs = [
        {"timestamp": s.isoformat().replace("+00:00", "Z"), "event_uuid": f"u{i}",
         "client_ip": "10.0.0.1", "url": "https://x/"}
        for i, s in enumerate(stamps)
    ]  # fmt: skip
    events = decode_logs(msgspec.json.encode({"logs": logs})).events
    hist = histogram([e.timestamp for e in events], None, DAY, 24)
    span = hist.bucket_range(1)
    terms = time_terms(span)
    assert terms == "after:2026-11-01T01:00:00Z before:2026-11-01T02:00:00Z"
    matched = compile_query(terms).filter_events(events)
    assert [e.event_uuid for e in matched] == ["u1", "u2"]
    assert len(matched) == hist.counts[1]
