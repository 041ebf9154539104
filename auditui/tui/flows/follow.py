"""Following in the browser (`F`): new events join the screen as the API reports them.

`FollowFlow.toggle` starts and stops following. While on, an async worker (exclusive group
"follow") runs `auditui.follow.poll_forever` over a client that makes one attempt per
request (the loop schedules retries: every `follow_interval` seconds of the profile,
longer after 429/5xx, never sooner). The `Poller` starts at the end of the range shown,
knowing the uuids of the loaded events recent enough to be read again by the overlap, so
nothing shows twice; an event whose uuid the store already holds is skipped too.

Each answered window joins the session (`Session.follow`: the events as with a load's
`extend`, and the range's end moved to the poll's end) and is reported through
`FollowHooks.merged`, which the App connects to the same path as a load's streamed
windows (the filter flow's `extended`: the view, filter, counter, facets and timeline; a
cursor on the first row goes to the new first row, any other keeps its event). New rows
are drawn highlighted for `FRESH_FOR` seconds (`EventTable.fresh`). Late events (older
than the overlap when they arrived) are shown like the others, counted in the header and
announced in a toast.

Never two requests at once for the profile: no poll starts while a load runs (the poll
waits for it to end). When a load replaced the events (`r`, a new range), following goes
on from the new range's end if it ends about now, else it stops, saying so. A refused key
(401/403) pauses following and opens the login dialog (`auth_refused`); after a login it
resumes with the same `Poller` (nothing lost, nothing twice); `F` while paused retries.

The header's note (`header_note`): `following · polled 4 s ago · +12 · 2 late`,
`following · HTTP 503 · next poll in 60 s` while backing off, `follow paused: key refused`;
it is redrawn every `TICK` seconds. `clock` and `wait` may be replaced (tests drive time).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import msgspec
from textual.css.query import NoMatches

from auditui.errors import AuthError, CredentialError
from auditui.events import EventStore
from auditui.query import ASYNC_INDEX_FROM, warm_index
from auditui.sources.protocol import api_connection
from auditui.timespec import utcnow
from auditui.tui.session import Session
from auditui.tui.widgets.table.event_table import EventTable

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer
    from textual.worker import Worker

    from auditui.follow import Backoff, Failed, Poll, Poller
    from auditui.follow.loop import Clock, Wait, Waiting
    from auditui.sources.api import AuditClient, WindowResult

FRESH_FOR = 3.0  # seconds new rows stay highlighted
TICK = 1.0  # seconds between redraws of the header's "polled 4 s ago"
NOW_SLACK = timedelta(minutes=2)  # a range ending this close to now "ends now" (follow on)
LOAD_CHECK = 0.1  # seconds between looks at whether a load still runs (a poll waits)


class FollowHooks(msgspec.Struct, frozen=True):
    """What following reports; the App connects each to the flow that answers it."""

    merged: Callable[[bool], None]  # events joined the session (the filter's result current?)
    changed: Callable[[], None]  # the header's note changed
    auth_refused: Callable[[str, Callable[[], None]], None]  # (why, resume after a login)


class _WhenIdle:
    """The client, each request waiting until no load runs (one request at a time)."""

    def __init__(self, client: AuditClient, session: Session) -> None:
        self._client = client
        self._session = session

    async def fetch_window(self, start: datetime, end: datetime) -> WindowResult:
        while self._session.loading:
            await asyncio.sleep(LOAD_CHECK)
        return await self._client.fetch_window(start, end)


def recent_uuids(store: EventStore, since: datetime) -> dict[str, int]:
    """The uuids (and µs timestamps) of the stored events at or after `since`, which the
    first polls may read again."""
    from auditui.follow.poller import micros  # lazy: the poller loads with the first `F`

    stamps, events = store.timestamps(), store.events
    floor = micros(since)
    recent: dict[str, int] = {}
    for index in store.time_order():  # newest first: stop at the first older one
        stamp = micros(stamps[index])
        if stamp < floor:
            break
        recent[events[index].event_uuid] = stamp
    return recent


def _span(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


class FollowFlow:
    """`F`: polls the API while on; see the module doc."""

    def __init__(
        self,
        app: App[Any],
        session: Session,
        hooks: FollowHooks,
        *,
        clock: Clock = utcnow,
        wait: Wait | None = None,
    ) -> None:
        self.app = app
        self.session = session
        self.hooks = hooks
        self.clock = clock
        self.wait = wait  # None: the loop's own (real time, ended early by a stop)
        self.following = False
        self.paused: str | None = None  # why following waits for the user ("key refused")
        self.added = 0  # new events since `F`
        self.late = 0  # ... of which late
        self.polls = 0  # answered windows since `F`
        self._poller: Poller | None = None
        self._backoff: Backoff | None = None
        self._store: EventStore | None = None  # the store the poller's events join
        self._stop: asyncio.Event | None = None  # the running worker's (None: none runs)
        self._worker: Worker[None] | None = None
        self._polled_at: datetime | None = None
        self._failed: tuple[Failed, datetime] | None = None
        self._pending: list[Poll] = []  # answered while a load ran: joined once it ends
        self._ticker: Timer | None = None

    @property
    def table(self) -> EventTable:
        return self.app.query_one(EventTable)

    @property
    def poller(self) -> Poller | None:
        """The poller following goes on with (how far it got, the uuids it saw)."""
        return self._poller

    # -- on and off ------------------------------------------------------------------------

    def toggle(self) -> None:
        """`F`: start following, stop it, or (paused after a refused key) try again."""
        if self.following and self.paused is not None:
            self._start_worker()  # the same poller: nothing lost, nothing twice
        elif self.following:
            self.stop()
            self.app.notify("Following stopped.", timeout=3)
        elif self.session.offline:
            self.app.notify(
                "Following needs the API: these events come from a file, which gets no new ones.",
                severity="warning",
                timeout=6,
            )
        else:
            self.following = True
            self.added = self.late = self.polls = 0
            self._polled_at = self._failed = None
            self._ticker = self.app.set_interval(TICK, self._tick)
            if not self.session.loading:
                self._begin()  # else `load_ended` begins from what the load shows
        self.hooks.changed()

    def stop(self) -> None:
        """Stop following (`F`, a range that does not end now); the range keeps its end."""
        self.following = False
        self.paused = None
        self._halt()
        self._poller = self._backoff = self._store = None
        self._pending = []
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.hooks.changed()

    def _halt(self) -> None:
        if self._stop is not None:
            self._stop.set()
            self._stop = None
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def _begin(self) -> None:
        """A poller from the end of the range shown, then the worker."""
        from auditui.follow import LATE_WINDOW, OVERLAP, Backoff, Poller  # lazy: on `F` only

        session = self.session
        end = session.time_range.end
        store = session.store
        skew = self._poller.skew if self._poller is not None else timedelta(0)
        self._poller = Poller(
            session.time_range.start,
            covered=end,
            recent=recent_uuids(store, end - LATE_WINDOW - OVERLAP),
            skew=skew,  # the server's clock, as the last poller measured it
        )
        self._backoff = Backoff(session.source.profile.follow_interval)
        self._store = store
        self._pending = []
        self._start_worker()

    def _start_worker(self) -> None:
        self._halt()
        self.paused = None
        self._failed = None
        stop = self._stop = asyncio.Event()
        self._worker = self.app.run_worker(
            self._run(stop), group="follow", exclusive=True, exit_on_error=False
        )

    async def _run(self, stop: asyncio.Event) -> None:
        from auditui.follow import poll_forever

        poller, backoff = self._poller, self._backoff
        assert poller is not None and backoff is not None
        try:
            connection = api_connection(self.session.source)
            async with connection.client(retries=False) as client:
                polls = poll_forever(
                    _WhenIdle(client, self.session),
                    poller,
                    backoff,
                    max_span=connection.profile.window,
                    stop=stop,
                    clock=self.clock,
                    wait=self.wait,
                )
                async for item in polls:
                    if stop is not self._stop:
                        return
                    self._take(item)
        except (AuthError, CredentialError) as exc:
            if stop is self._stop:
                self._refused(str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001  # a bug: say so, never poll on blindly
            if stop is self._stop:
                self.stop()
                self.app.notify(
                    f"Following stopped: {type(exc).__name__}: {exc} — see --debug",
                    title="Follow",
                    severity="error",
                    timeout=15,
                )
                self.app.log.error(f"follow failed: {exc!r}")

    def _refused(self, reason: str) -> None:
        self._stop = self._worker = None
        self.paused = "key refused"
        self.hooks.changed()
        self.hooks.auth_refused(reason, self._resume)

    def _resume(self) -> None:
        """A login succeeded: follow on where the refused poll left off."""
        if self.following and self.paused is not None and self._poller is not None:
            self._start_worker()
            self.hooks.changed()

    # -- what the polls bring --------------------------------------------------------------

    def _take(self, item: Poll | Failed | Waiting) -> None:
        from auditui.follow import Failed, Poll

        now = self.clock()
        if isinstance(item, Poll):
            self.polls += 1
            self._failed = None
            if item.malformed:
                noun = "event" if item.malformed == 1 else "events"
                self.app.notify(
                    f"{item.malformed:,} malformed {noun} in the last poll left out",
                    title="Follow",
                    severity="warning",
                    timeout=8,
                )
            if self.session.loading:
                self._pending.append(item)
            elif self.session.store is not self._store:  # the history swapped another in
                self._range_changed()
                return
            else:
                self._merge(item)
            if item.last:
                self._polled_at = now
        elif isinstance(item, Failed):
            self._failed = (item, now)
        else:
            self._failed = None
        self.hooks.changed()

    def _merge(self, poll: Poll) -> None:
        session = self.session
        store = session.store
        new = [event for event in poll.new if store.index_of(event.event_uuid) is None]
        current = session.follow(new, poll.window.end)
        if not new:
            return
        kept = {event.event_uuid for event in new}
        late = sum(1 for event in poll.late if event.event_uuid in kept)
        self.added += len(new)
        self.late += late
        self._highlight(frozenset(kept))
        self.hooks.merged(current)
        if len(store) >= ASYNC_INDEX_FROM:  # the index grows in a thread, not on a keystroke
            self.app.run_worker(partial(warm_index, store), thread=True, exclusive=True,
                                group="follow-index", exit_on_error=False)  # fmt: skip
        if late:
            minutes = int(self._poller.overlap.total_seconds() // 60) if self._poller else 5
            noun = "late event" if late == 1 else "late events"
            self.app.notify(
                f"{late:,} {noun} arrived (older than the {minutes} min overlap)", timeout=6
            )

    def _highlight(self, uuids: frozenset[str]) -> None:
        table = self.table
        table.fresh = table.fresh | uuids

        def fade() -> None:
            table.fresh = table.fresh - uuids

        self.app.set_timer(FRESH_FOR, fade)

    def _tick(self) -> None:
        """Redraw the header ("polled 5 s ago"), unless the App is closing."""
        with contextlib.suppress(NoMatches):
            self.hooks.changed()

    def load_ended(self) -> None:
        """A load ended: follow on (its events kept, or a new range ending now), or stop."""
        if not self.following:
            return
        pending, self._pending = self._pending, []
        if self._store is not None and self.session.store is self._store:
            for poll in pending:
                self._merge(poll)
        elif self.paused is None:
            self._range_changed()

    def _range_changed(self) -> None:
        """Other events are shown: follow from their end if it is about now, else stop."""
        end, now = self.session.time_range.end, self.clock()
        server_now = self._poller.server_now(now) if self._poller is not None else now
        if min(abs(now - end), abs(server_now - end)) <= NOW_SLACK:
            self._begin()
            self.hooks.changed()
            return
        self.stop()
        self.app.notify(
            "Following stopped: the range shown ends before now (F follows from its end).",
            title="Follow",
            timeout=8,
        )

    # -- the header ------------------------------------------------------------------------

    def header_note(self) -> str:
        """What the header says of following ("" when off)."""
        if not self.following:
            return ""
        if self.paused is not None:
            return f"follow paused: {self.paused}"
        now = self.clock()
        parts = ["following"]
        if self._failed is not None:
            from auditui.follow.schedule import brief

            failed, at = self._failed
            left = failed.delay.seconds - (now - at).total_seconds()
            parts += [brief(failed.error), f"next poll in {_span(left)}"]
        elif self.session.loading:
            parts.append("waiting for the load")
        elif self._polled_at is None:
            parts.append("polling…")
        else:
            parts.append(f"polled {_span((now - self._polled_at).total_seconds())} ago")
        parts.append(f"+{self.added:,}")
        if self.late:
            parts.append(f"{self.late:,} late")
        return " · ".join(parts)
