"""Following new events as they arrive (core, no Textual): the browser's `F` and
`auditui fetch --follow`.

- `poller`: the windows a follow asks next (`covered` less the overlap, a deeper read once
  every few minutes for late events, by the server's clock) and what is new in each answer
  (`Poller`, `Poll`: unseen events oldest first, the late ones among them);
- `schedule`: when the next poll starts (`Backoff`: the interval, longer after errors and
  `Retry-After`, never shorter);
- `loop`: `poll_forever`, one request at a time, yielding `Poll`, `Failed` and `Waiting`;
- `state`: the state file of a headless follow (`FollowState`, `load_state`, `save_state`);
- `output`: where a headless follow writes (stdout, or a file appended to and reopened when
  rotated), a batch at a time, and the recovery of a batch a kill interrupted;
- `sink`: `FollowSink`, each poll's events written exactly once into a file and the state
  kept.

Names are re-exported lazily (PEP 562).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.follow.loop import Failed, Waiting, poll_forever, stop_wait
    from auditui.follow.output import NOT_STREAMED, FollowOutput, encode_batch
    from auditui.follow.poller import LATE_WINDOW, OVERLAP, Answer, Poll, Poller
    from auditui.follow.schedule import DEFAULT_INTERVAL, Backoff, Delay
    from auditui.follow.sink import FollowSink, Resumed, Written, describe, new_state
    from auditui.follow.state import (
        FollowState,
        StateError,
        load_state,
        save_state,
        state_lock,
    )

_WHERE = {
    "Failed": "loop",
    "Waiting": "loop",
    "poll_forever": "loop",
    "stop_wait": "loop",
    "NOT_STREAMED": "output",
    "FollowOutput": "output",
    "encode_batch": "output",
    "LATE_WINDOW": "poller",
    "OVERLAP": "poller",
    "Answer": "poller",
    "Poll": "poller",
    "Poller": "poller",
    "DEFAULT_INTERVAL": "schedule",
    "Backoff": "schedule",
    "Delay": "schedule",
    "FollowSink": "sink",
    "Resumed": "sink",
    "Written": "sink",
    "describe": "sink",
    "new_state": "sink",
    "FollowState": "state",
    "StateError": "state",
    "load_state": "state",
    "save_state": "state",
    "state_lock": "state",
}

__all__ = [
    "DEFAULT_INTERVAL",
    "LATE_WINDOW",
    "NOT_STREAMED",
    "OVERLAP",
    "Answer",
    "Backoff",
    "Delay",
    "Failed",
    "FollowOutput",
    "FollowSink",
    "FollowState",
    "Poll",
    "Poller",
    "Resumed",
    "StateError",
    "Waiting",
    "Written",
    "describe",
    "encode_batch",
    "load_state",
    "new_state",
    "poll_forever",
    "save_state",
    "state_lock",
    "stop_wait",
]

__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
