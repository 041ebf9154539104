"""Writing a follow's polls out, each event exactly once, and keeping the state file.

For each answered window (`Poll`): the new events that match the query are encoded
(`output.encode_batch`); into a regular file the state first records them as `pending`;
then they are written, flushed and fsynced; then the state is saved with `covered`, the
recent uuids and the counts (atomically). A restart (`FollowSink.resume`) settles a
`pending` batch against the file (`FollowOutput.recover`) and hands the `Poller` back how
far the follow got. Late events are written like the others (in the order they were found)
and counted in the state (`late`, `late_uuids`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from auditui.export import ExportFormat
from auditui.follow.output import FollowOutput, encode_batch
from auditui.follow.poller import Poll, Poller, micros
from auditui.follow.state import FollowState, Pending, PendingEvent, StateError, save_state
from auditui.timespec import format_utc, utcnow
from auditui.units import quantity

if TYPE_CHECKING:
    from auditui.query import Matcher


@dataclass(frozen=True, slots=True)
class Resumed:
    """What a restart found: how many events of an unfinished batch were written, and a
    warning when it cannot know (the output is a pipe)."""

    recovered: int = 0
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class Written:
    """What one poll's window wrote."""

    events: int
    late: int
    left_out: int  # new events the query did not match


class FollowSink:
    """The output and the state of one headless follow (see the module docstring)."""

    def __init__(
        self,
        output: FollowOutput,
        fmt: ExportFormat,
        state: FollowState,
        state_path: Path | None,
        *,
        matcher: Matcher | None = None,
    ) -> None:
        self.output = output
        self.format = fmt
        self.state = state
        self.state_path = state_path
        self.matcher = matcher

    @classmethod
    def check(
        cls,
        state: FollowState,
        *,
        host: str,
        fmt: str,
        path: Path,
        query: str = "",
        target: str = "-",
    ) -> None:
        """`StateError` when the state belongs to another host, format, query or output:
        going on would leave a gap in one output, or mix two selections in it."""
        if state.host != host:
            raise StateError(
                f"The state file {path} follows {state.host}, not {host}: use another "
                "--state file for this host."
            )
        if state.format != fmt:
            raise StateError(
                f"The state file {path} was written with --format {state.format}: use it "
                "again, or another --state file for this format."
            )
        if state.query != query:
            was = f"the query {state.query!r}" if state.query else "no query"
            raise StateError(
                f"The state file {path} follows {was}: use the same --query/--actor/--ip/"
                "--object, or another --state file for this selection."
            )
        if state.target != target:
            where = "standard output" if state.target == "-" else state.target
            raise StateError(
                f"The state file {path} follows into {where}: write there again, or use "
                "another --state file for this output."
            )

    def resume(self) -> Resumed:
        """Settle a batch a killed run left unfinished (see `FollowOutput.recover`)."""
        pending = self.state.pending
        if pending is None:
            return Resumed()
        uuids = self.output.recover(pending, self.state.output)
        self.state.pending = None
        if uuids is None:
            return Resumed(
                warning=f"the last run stopped while writing {len(pending.events):,} events "
                f"to a pipe or another file: they are written again (at least once)"
            )
        stamps = {event.uuid: event.micros for event in pending.events}
        for uuid in uuids:
            self.state.recent[uuid] = stamps[uuid]
        self.state.written += len(uuids)
        self.state.output = self.output.mark()
        self._save()
        return Resumed(len(uuids))

    def poller(self) -> Poller:
        """A `Poller` that continues from the state."""
        skew = timedelta(seconds=self.state.skew_seconds)
        return Poller(self.state.origin, covered=self.state.covered, recent=self.state.recent,
                      skew=skew)  # fmt: skip

    def take(self, poll: Poll, poller: Poller) -> Written:
        """Write one answered window's new events and record how far the follow got."""
        self.output.reopen_if_moved()  # rotated (renamed away) since the last batch
        events = poll.new
        if self.matcher is not None and events:
            events = self.matcher.filter_events(events)
        left_out = len(poll.new) - len(events)
        late_uuids = {event.event_uuid for event in poll.late}
        if events:
            data, ends = encode_batch(events, self.format, header=self.output.at_start)
            mark = self.output.mark()
            if mark is not None and self.state_path is not None:
                pending = [PendingEvent(event.event_uuid, micros(event.timestamp), end)
                           for event, end in zip(events, ends, strict=True)]  # fmt: skip
                self.state.pending = Pending(mark.size, pending)
                self.state.output = mark
                self._save()
            self.output.write(data)
        self.state.pending = None
        self.state.covered = poller.covered
        self.state.recent = poller.recent
        self.state.skew_seconds = poller.skew.total_seconds()
        self.state.written += len(events)
        written_late = [event.event_uuid for event in events if event.event_uuid in late_uuids]
        self.state.note_late(written_late)
        self.state.output = self.output.mark()
        self._save()
        return Written(len(events), len(written_late), left_out)

    def _save(self, now: datetime | None = None) -> None:
        if self.state_path is None:
            return
        self.state.updated_at = now or utcnow()
        save_state(self.state_path, self.state)


def new_state(
    *, host: str, profile: str, fmt: str, query: str, origin: datetime, target: str = "-"
) -> FollowState:
    """The state of a follow that starts at `origin`."""
    return FollowState(host=host, profile=profile, format=fmt, query=query, target=target,
                       origin=origin, covered=origin)  # fmt: skip


def describe(state: FollowState) -> str:
    """`read up to 2026-12-06T10:00:00Z, 1,204 events written (3 late)`."""
    late = f" ({state.late:,} late)" if state.late else ""
    covered = format_utc(state.covered.replace(microsecond=0))
    return f"read up to {covered}, {quantity(state.written, 'event')} written{late}"
