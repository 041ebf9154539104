"""`auditui fetch --follow`: print new events as they arrive, oldest first, each once.

It polls the API every `--interval` seconds (the profile's `follow_interval`, 15 s) from
`--since`/`--from` (default: now) through `auditui.follow` and writes each answered
window's new events in a streaming format (NDJSON, CSV, OCSF, ECS), flushed after each
poll. `--state FILE` makes it resumable: how far it got is saved after the events are
written, and a restart goes on from there (exactly once into a regular file, at least once
into a pipe: `follow.state`). `--output FILE` is appended to, never replaced, and reopened
when rotated.

SIGINT, SIGTERM and SIGHUP stop it after the current poll's output (exit 0); a second
signal stops it at once (the state is still consistent: it is written after the events).
A reader that goes away (`| head`) ends it quietly. Errors a poll meets (5xx, 429, garbage,
the network) are one line on stderr each and the next poll waits longer (never sooner than
the interval); a refused key ends it with one line (the state is kept). On a terminal,
stderr shows a status line: `following · polled 4 s ago · +12 · 1 late`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from auditui.cli.common import StatusLine, say
from auditui.errors import UsageError
from auditui.units import quantity

if TYPE_CHECKING:
    from auditui.follow import FollowOutput, FollowSink, Poll, Poller
    from auditui.query import Matcher
    from auditui.sources.connection import Connection

SKEW_WARNING = timedelta(minutes=1)
EXIT_STOPPED_AT_ONCE = 130
_STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def check_follow_options(args: argparse.Namespace) -> None:
    """Options that make no sense with (or without) `--follow`: `UsageError`, one line."""
    follow = getattr(args, "follow", False)
    if not follow:
        for flag, name in (("--interval", "interval"), ("--state", "state")):
            if getattr(args, name, None) is not None:
                raise UsageError(f"{flag} works with --follow only.")
        return
    from auditui.follow import NOT_STREAMED

    if getattr(args, "end", None):
        raise UsageError("--to cannot be used with --follow: following goes on from now.")
    if args.format in NOT_STREAMED:
        raise UsageError(
            f"--format {args.format} does not stream; with --follow use ndjson, csv, ocsf or ecs."
        )
    if getattr(args, "archive_only", False):
        raise UsageError("--archive-only cannot be used with --follow: new events come "
                         "from the API.")  # fmt: skip
    interval = getattr(args, "interval", None)
    if interval is not None and not 1 <= interval <= 3600:
        raise UsageError("--interval must be from 1 to 3600 seconds.")


def follow(args: argparse.Namespace) -> int:
    from auditui.cli.loading import compiled, fetch_query, reading_connection, with_marks
    from auditui.follow import FollowOutput

    check_follow_options(args)
    query = fetch_query(args)
    matcher = compiled(query)
    connection = reading_connection(args)
    connection.require_credential()
    matcher = with_marks(matcher, query, connection, lambda text: say(f"auditui: warning: {text}"))
    shared = getattr(args, "shared_output", False) or connection.profile.export_mode == "umask"
    from auditui.export import file_mode

    output = FollowOutput(args.output, mode=file_mode("umask" if shared else "private"))
    state_path = Path(args.state) if getattr(args, "state", None) else None
    with contextlib.ExitStack() as held:
        if state_path is not None:
            from auditui.follow import state_lock
            from auditui.timespec import utcnow

            held.enter_context(state_lock(state_path, utcnow()))
        sink = _sink(args, connection, output, state_path, query, matcher)
        return _follow(args, connection, sink)


def _follow(args: argparse.Namespace, connection: Connection, sink: FollowSink) -> int:
    output = sink.output
    output.open()
    try:
        resumed = sink.resume()
        if resumed.warning:
            say(f"auditui: warning: {resumed.warning}")
        interval = args.interval or connection.profile.follow_interval
        try:
            return asyncio.run(_Follow(connection, sink, interval).run())
        except asyncio.CancelledError:  # a second signal: at once (the state is consistent)
            say("auditui: stopped at once (a second signal)")
            return EXIT_STOPPED_AT_ONCE
    finally:
        output.close()


def _sink(
    args: argparse.Namespace,
    connection: Connection,
    output: FollowOutput,
    state_path: Path | None,
    query: str,
    matcher: Matcher | None,
) -> FollowSink:
    from auditui.follow import FollowSink, describe, load_state, new_state

    state = load_state(state_path) if state_path is not None else None
    if state is not None and state_path is not None:
        FollowSink.check(state, host=connection.host, fmt=args.format, path=state_path,
                         query=query, target=output.target)  # fmt: skip
        given = getattr(args, "since", None) or getattr(args, "start", None)
        note = " (--since is ignored: the state file says where to go on)" if given else ""
        _tell(f"auditui: resuming from {state_path}: {describe(state)}{note}")
    else:
        state = new_state(host=connection.host, profile=connection.profile.name,
                          fmt=args.format, query=query, origin=_origin(args),
                          target=output.target)  # fmt: skip
    return FollowSink(output, args.format, state, state_path, matcher=matcher)


def _tell(text: str) -> None:
    """What is going on, for someone watching a terminal (logs get warnings, errors and
    the summary at the stop, so an error stays one line)."""
    if sys.stderr.isatty():
        say(text)


def _origin(args: argparse.Namespace) -> datetime:
    """Where a new follow starts: `--since`/`--from`, else now."""
    from auditui.timespec import resolve_range, utcnow

    if getattr(args, "since", None) or getattr(args, "start", None):
        return resolve_range(since=getattr(args, "since", None),
                             start=getattr(args, "start", None), end=None,
                             default_since="0s").start  # fmt: skip
    return utcnow()


class _Follow:
    """One headless follow: the loop, the sink, the signals and what stderr says."""

    def __init__(self, connection: Connection, sink: FollowSink, interval: float) -> None:
        from auditui.follow import Backoff

        self.connection = connection
        self.sink = sink
        self.backoff = Backoff(interval)
        self.status = StatusLine() if sys.stderr.isatty() else None
        self.polled_at: float | None = None
        self.new = 0
        self.late = 0
        self.skew_told = False
        self.note = ""
        self.failures = 0  # polls failed in a row
        self.poller: Poller = sink.poller()

    async def run(self) -> int:
        from auditui.follow import Failed, Poll, poll_forever

        stop = asyncio.Event()
        restore = _on_stop_signals(stop)
        poller = self.poller
        _tell(f"auditui: following {self.connection.host} from {_shown(poller.covered)}"
              f" every {self.backoff.interval:g} s")  # fmt: skip
        ticker = asyncio.create_task(self._tick(stop)) if self.status else None
        try:
            client = self.connection.client(retries=False)
            async with client:
                window = self.connection.profile.window
                polls = poll_forever(client, poller, self.backoff, max_span=window, stop=stop)
                async with contextlib.aclosing(polls):
                    async for item in polls:
                        if isinstance(item, Poll):
                            self._took(item, poller.skew)
                        elif isinstance(item, Failed):
                            self.failures += 1
                            self._say(f"auditui: poll failed: {_why(item.error)}; next poll "
                                      f"in {item.delay.seconds:.0f} s")  # fmt: skip
                            self.note = item.delay.reason
                        else:
                            self._recovered()
                            self.note = ""
                        self._show()
        finally:
            restore()
            if ticker is not None:
                ticker.cancel()
            if self.status is not None:
                self.status.done()
        from auditui.follow import describe

        say(f"auditui: stopped; {describe(self.sink.state)}")
        return 0

    def _took(self, poll: Poll, skew: timedelta) -> None:
        if self.status is not None and poll.new:
            self.status.done()  # events on the same terminal go above the status line
        written = self.sink.take(poll, self.poller)
        self.polled_at = time.monotonic()
        self.new += written.events
        self.late += written.late
        if written.late:
            oldest = min(event.timestamp for event in poll.late)
            self._say(f"auditui: warning: {written.late:,} late events (older than the "
                      f"overlap when they arrived, the oldest from {_shown(oldest)}): "
                      "written now, out of time order")  # fmt: skip
        if poll.malformed:
            self._say(f"auditui: warning: {poll.malformed:,} malformed events skipped")
        if abs(skew) >= SKEW_WARNING and not self.skew_told:
            self.skew_told = True
            ahead = "behind" if skew > timedelta(0) else "ahead of"
            self._say(
                f"auditui: warning: this machine's clock is {_span(abs(skew))} {ahead} the "
                "server's (its Date header); polls follow the server's clock"
            )

    def _recovered(self) -> None:
        """A poll answered after failed ones: the log says polling is back."""
        if self.failures:
            failed = quantity(self.failures, "failed poll")
            self._say(f"auditui: polling again after {failed}")
            self.failures = 0

    def _say(self, text: str) -> None:
        if self.status is not None:
            self.status.done()
        say(text)
        self._show()

    def _show(self) -> None:
        if self.status is None:
            return
        ago = ""
        if self.polled_at is not None:
            ago = f" · polled {time.monotonic() - self.polled_at:.0f} s ago"
        late = f" · {self.late:,} late" if self.late else ""
        note = f" · {self.note}" if self.note else ""
        self.status.show(f"following{ago} · +{self.new:,}{late}{note}")

    async def _tick(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(1)
            self._show()


def _on_stop_signals(stop: asyncio.Event) -> Callable[[], None]:
    """SIGINT/SIGTERM/SIGHUP set `stop` (the current poll's output is written first); a
    second one ends at once. Returns what puts the previous handlers back."""
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    installed = []

    def first(number: int) -> None:
        if stop.is_set() and main is not None:
            main.cancel()
        stop.set()

    for name in _STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is None:
            continue
        with contextlib.suppress(ValueError, OSError, RuntimeError, NotImplementedError):
            loop.add_signal_handler(number, first, number)
            installed.append(number)

    def restore() -> None:
        for number in installed:
            loop.remove_signal_handler(number)

    return restore


def _why(error: BaseException) -> str:
    """Why a poll failed, without the advice meant for a one-off fetch (retries, ranges,
    `concurrency`): the server's status, or what the error says of the cause."""
    from auditui.errors import RateLimitError, ServerError, one_line

    if isinstance(error, RateLimitError):
        return "rate limited by the server (HTTP 429)"
    if isinstance(error, ServerError):
        return f"the server answered HTTP {error.status}"
    return one_line(str(error)).rstrip(".")


def _shown(moment: datetime) -> str:
    from auditui.timespec import format_utc

    return format_utc(moment.replace(microsecond=0))


def _span(delta: timedelta) -> str:
    """`about 10 min` (a `Date` header has whole seconds: no finer figure is true)."""
    seconds = delta.total_seconds()
    return f"about {round(seconds / 60)} min" if seconds >= 90 else f"about {round(seconds)} s"
