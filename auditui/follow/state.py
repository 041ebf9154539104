"""The state file of `auditui fetch --follow --state FILE`: how far a follow got.

JSON, written atomically (a temp file, fsync, rename; 0600) after each window's events are
written, so a restart continues from there: `covered` (how far the polls have read, by the
server's clock), the uuids of recent events (a restart drops them when the overlap returns
them again), counts, and where the output stood. Before writing a batch into a regular
file the state records it as `pending` (each event's uuid and where its line ends); a
restart after a kill -9 compares that with the file: the events whose lines are whole were
written (their uuids join `recent`), a half-written line is cut off, and the rest are asked
again. Into a pipe the bytes cannot be read back: a kill between a write and the state's
save repeats that window's events once (at least once; the README says so).

A damaged file, one of a newer version, or one another host's follow wrote is refused in
one line (`StateError`): nothing is overwritten until the user moves it aside. One follow at
a time uses a state file (`state_lock`: `FILE.lock`, naming the holder), so a cron job that
starts a second one while the first still runs is refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import msgspec

from auditui.errors import AudituiError, storage_error
from auditui.locks import LockHeld, exclusive_lock
from auditui.paths import write_atomic

STATE_VERSION = 1
LATE_KEPT = 100  # the uuids of the last late events, for people reading the file


class StateError(AudituiError):
    """The state file cannot be used (damaged, newer, another host's)."""


class PendingEvent(msgspec.Struct, array_like=True, frozen=True):
    """An event about to be written: its uuid, timestamp (µs) and where its line ends
    (bytes after the batch's start)."""

    uuid: str
    micros: int
    end: int


class Pending(msgspec.Struct, frozen=True):
    """A batch being written into a regular file that started at byte `base`."""

    base: int
    events: list[PendingEvent]


class OutputMark(msgspec.Struct, frozen=True):
    """Which regular file the output was, and its size after the last whole batch."""

    device: int
    inode: int
    size: int


class FollowState(msgspec.Struct, kw_only=True):
    """How far a follow got (see the module docstring)."""

    version: int = STATE_VERSION
    host: str
    profile: str
    format: str
    query: str = ""
    target: str = "-"  # the output: a file's absolute path, or "-" for standard output
    origin: datetime  # where the follow started (`--since`), by the server's clock
    covered: datetime  # how far the polls have read
    recent: dict[str, int] = msgspec.field(default_factory=dict)  # uuid → timestamp µs
    written: int = 0  # events written, over every run
    late: int = 0  # of them, late (older than the overlap when they arrived)
    late_uuids: list[str] = msgspec.field(default_factory=list)  # the last LATE_KEPT
    skew_seconds: float = 0.0  # the server's clock minus this machine's, last measured
    output: OutputMark | None = None
    pending: Pending | None = None
    updated_at: datetime | None = None

    def note_late(self, uuids: list[str]) -> None:
        self.late += len(uuids)
        self.late_uuids = (self.late_uuids + uuids)[-LATE_KEPT:]


class _Versioned(msgspec.Struct):
    version: int = 0


_encoder = msgspec.json.Encoder()


def load_state(path: Path) -> FollowState | None:
    """The state in `path`; None when it does not exist yet. `StateError` otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise storage_error("read", str(path), exc) from None
    if not data.strip():
        return None  # created empty beforehand (touch, chmod): a new follow
    aside = f"move it aside (mv {path} {path}.bad) to start again from --since"
    try:
        version = msgspec.json.decode(data, type=_Versioned).version
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise StateError(
            f"The state file {path} is damaged (not auditui's JSON): {aside}."
        ) from None
    if version > STATE_VERSION:
        raise StateError(
            f"The state file {path} was written by a newer auditui (version {version}): "
            "upgrade auditui, or use another --state file."
        )
    try:
        return msgspec.json.decode(data, type=FollowState)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise StateError(f"The state file {path} is damaged ({exc}): {aside}.") from None


def save_state(path: Path, state: FollowState) -> None:
    """Write the state atomically (fsync, rename, 0600); a failure is a `StorageError`."""
    try:
        write_atomic(path, _encoder.encode(state) + b"\n")
    except OSError as exc:
        raise storage_error("write", str(path), exc) from None


@contextlib.contextmanager
def state_lock(path: Path, now: datetime) -> Iterator[None]:
    """Hold `FILE.lock` beside the state file for the block (`StateError` when another
    follow holds it)."""
    lock = path.with_name(path.name + ".lock")
    with contextlib.ExitStack() as held_for_the_block:
        try:
            held_for_the_block.enter_context(exclusive_lock(lock, now))
        except LockHeld as held:
            raise StateError(
                f"The state file {path} is in use by {held.holder}: one follow per state file."
            ) from None
        except OSError as exc:
            raise storage_error("write", str(lock), exc) from None
        yield
