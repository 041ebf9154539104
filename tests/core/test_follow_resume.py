"""A headless follow's output and state file (`auditui.follow` sink, output, state): each
event exactly once into a file across a kill at any byte of a batch, at least once into a
pipe, damaged/newer/foreign state files refused in one line, rotation followed."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from auditui.events import AuditEvent
from auditui.follow import (
    Answer,
    FollowOutput,
    FollowSink,
    StateError,
    encode_batch,
    load_state,
    new_state,
    save_state,
)
from auditui.follow.poller import micros
from auditui.follow.state import Pending, PendingEvent
from auditui.timespec import TimeRange

T0 = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
HOST = "https://app.datafold.com"


def event(uuid: str, seconds: int, text: str = "x") -> AuditEvent:
    return AuditEvent(timestamp=T0 + timedelta(seconds=seconds), event_uuid=uuid,
                      client_ip="10.0.0.1", url="/x", log_entry=text,
                      payload=msgspec.Raw(b'{"a": [1, 2]}'))  # fmt: skip


def sink_for(out: Path, state_path: Path | None, fmt: str = "ndjson") -> FollowSink:
    state = load_state(state_path) if state_path else None
    if state is None:
        state = new_state(host=HOST, profile="default", fmt=fmt, query="", origin=T0)
    output = FollowOutput(str(out))
    output.open()
    return FollowSink(output, fmt, state, state_path)  # type: ignore[arg-type]


def feed(sink: FollowSink, batches: list[list[AuditEvent]]) -> None:
    poller = sink.poller()
    for number, batch in enumerate(batches):
        window = TimeRange(T0 + timedelta(minutes=number), T0 + timedelta(minutes=number + 1))
        inside = [e for e in batch if window.start <= e.timestamp < window.end]
        sink.take(poller.accept(window, Answer(inside), received=window.end), poller)


def lines_uuids(out: Path) -> list[str]:
    return [msgspec.json.decode(line)["event_uuid"] for line in out.read_bytes().splitlines()]


BATCHES = [
    [event("a", 10), event("b", 20, "two\nlines"), event("c", 30)],
    [event("d", 70), event("e", 80)],
]


def test_a_follow_writes_each_event_once_and_a_restart_goes_on(tmp_path: Path) -> None:
    out, state = tmp_path / "out.ndjson", tmp_path / "state.json"
    sink = sink_for(out, state)
    feed(sink, BATCHES[:1])
    sink.output.close()
    again = sink_for(out, state)
    assert again.resume().recovered == 0
    feed(again, BATCHES)  # the overlap re-reads the first batch: nothing twice
    assert lines_uuids(out) == ["a", "b", "c", "d", "e"]
    saved = load_state(state)
    assert saved is not None and saved.written == 5 and saved.pending is None
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


@pytest.mark.parametrize("fmt", ["ndjson", "csv"])
def test_a_kill_at_any_byte_of_a_batch_loses_nothing_and_repeats_nothing(
    tmp_path: Path, fmt: str
) -> None:
    """What a kill -9 leaves, at any byte of the second batch: the state recorded it as
    pending and the file holds a prefix of it. The restart keeps the whole lines, cuts a half
    line, and writes the rest once."""
    reference = tmp_path / "reference"
    feed(sink_for(reference, None, fmt), BATCHES)
    expected = reference.read_bytes()
    head, _ = encode_batch(BATCHES[0], fmt, header=True)  # type: ignore[arg-type]
    batch, ends = encode_batch(BATCHES[1], fmt, header=False)  # type: ignore[arg-type]
    assert expected == head + batch
    edges = {edge + step for edge in (0, *ends) for step in (-1, 0, 1)}
    cuts = sorted(cut for cut in edges | set(range(0, len(batch), 23)) if 0 <= cut <= len(batch))
    for cut in cuts:  # both sides of every line's end, and bytes in between
        out, state_path = tmp_path / f"out{cut}", tmp_path / f"state{cut}.json"
        sink = sink_for(out, state_path, fmt)
        feed(sink, BATCHES[:1])
        sink.output.close()
        state = load_state(state_path)
        assert state is not None
        info = os.stat(out)
        pending = [PendingEvent(e.event_uuid, micros(e.timestamp), end)
                   for e, end in zip(BATCHES[1], ends, strict=True)]  # fmt: skip
        state.pending = Pending(info.st_size, pending)
        save_state(state_path, state)
        with open(out, "ab") as file:
            file.write(batch[:cut])
        again = sink_for(out, state_path, fmt)
        resumed = again.resume()
        assert resumed.recovered == sum(end <= cut for end in ends)
        feed(again, BATCHES)
        assert out.read_bytes() == expected, f"killed after {cut} bytes"


def test_into_a_pipe_an_unfinished_batch_is_written_again_with_a_warning(tmp_path: Path) -> None:
    out, state_path = tmp_path / "out", tmp_path / "state.json"
    feed(sink_for(out, state_path), BATCHES[:1])
    state = load_state(state_path)
    assert state is not None
    state.pending = Pending(0, [PendingEvent("d", 0, 10)])
    state.output = None  # the batch went to a pipe
    save_state(state_path, state)
    resumed = sink_for(tmp_path / "other", state_path).resume()
    assert resumed.warning is not None and "at least once" in resumed.warning


def test_a_rotated_output_is_reopened(tmp_path: Path) -> None:
    out = tmp_path / "out.ndjson"
    sink = sink_for(out, None)
    feed(sink, BATCHES[:1])
    out.rename(tmp_path / "out.ndjson.1")  # logrotate's default: rename, then create
    feed(sink, BATCHES)  # the next batch goes to a new out.ndjson
    assert lines_uuids(tmp_path / "out.ndjson.1") == ["a", "b", "c"]
    assert lines_uuids(out) == ["d", "e"]


def test_a_csv_follow_writes_its_header_once(tmp_path: Path) -> None:
    out, state = tmp_path / "out.csv", tmp_path / "state.json"
    feed(sink_for(out, state, "csv"), BATCHES[:1])
    again = sink_for(out, state, "csv")
    again.resume()
    feed(again, BATCHES)
    text = out.read_text()
    assert text.count("timestamp,event_uuid") == 1
    assert text.count("\n") == 7  # the header, five events, one event's line break quoted


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "damaged"),
        (b'{"version": 99}', "newer auditui"),
        (b'{"version": 1, "host": 3}', "damaged"),
    ],
)
def test_a_bad_state_file_is_refused_in_one_line(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with pytest.raises(StateError) as caught:
        load_state(path)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert path.read_bytes() == content  # never overwritten


def test_a_state_file_of_another_host_or_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = new_state(host=HOST, profile="default", fmt="ndjson", query="", origin=T0)
    with pytest.raises(StateError, match=r"follows https://app\.datafold\.com"):
        FollowSink.check(state, host="https://eu.datafold.com", fmt="ndjson", path=path)
    with pytest.raises(StateError, match="--format ndjson"):
        FollowSink.check(state, host=HOST, fmt="csv", path=path)
    with pytest.raises(StateError, match="follows no query"):
        FollowSink.check(state, host=HOST, fmt="ndjson", path=path, query="source:ci")
    with pytest.raises(StateError, match="follows into standard output"):
        FollowSink.check(state, host=HOST, fmt="ndjson", path=path, target="/var/log/a")
    FollowSink.check(state, host=HOST, fmt="ndjson", path=path)  # the same: fine


def test_an_empty_state_file_starts_a_new_follow(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b"")  # made beforehand (touch, chmod 600)
    assert load_state(path) is None


def test_late_events_are_written_and_the_state_notes_them(tmp_path: Path) -> None:
    out, state_path = tmp_path / "out.ndjson", tmp_path / "state.json"
    sink = sink_for(out, state_path)
    poller = sink.poller()
    poller.covered = T0 + timedelta(hours=1)  # an hour of polls went by
    (window,) = poller.plan(T0 + timedelta(hours=1, minutes=6), timedelta(days=1))
    late = event("late", 600)  # ten minutes after T0: fifty minutes before `covered`
    poll = poller.accept(window, Answer([late]), received=window.end)
    assert [e.event_uuid for e in poll.late] == ["late"]
    written = sink.take(poll, poller)
    assert (written.events, written.late) == (1, 1)
    assert lines_uuids(out) == ["late"]
    saved = load_state(state_path)
    assert saved is not None and saved.late == 1 and saved.late_uuids == ["late"]


def test_the_query_keeps_only_matching_events_but_remembers_every_uuid(tmp_path: Path) -> None:
    from auditui.query import compile_query

    out = tmp_path / "out.ndjson"
    state = new_state(host=HOST, profile="default", fmt="ndjson", query="entry:keep", origin=T0)
    output = FollowOutput(str(out))
    output.open()
    sink = FollowSink(output, "ndjson", state, None, matcher=compile_query("entry:keep"))
    poller = sink.poller()
    window = TimeRange(T0, T0 + timedelta(minutes=1))
    poll = poller.accept(window, Answer([event("a", 1, "keep"), event("b", 2, "drop")]),
                         received=window.end)  # fmt: skip
    written = sink.take(poll, poller)
    assert (written.events, written.left_out) == (1, 1)
    assert lines_uuids(out) == ["a"]
    assert set(state.recent) == {"a", "b"}
