"""Processes seen through /proc (Linux): a process's children, and waiting for one to end."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.live_demo import wait_until

__all__ = ["children_of", "running", "wait_gone", "wait_until"]


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def children_of(pid: int) -> list[int]:
    """The live (not zombie) processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields is not None and fields[1] == str(pid) and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether `pid` exists and has not exited (a zombie has exited)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def wait_gone(pid: int, timeout: float = 20.0) -> None:
    """Wait until `pid` has exited (its threads may take a moment longer to go)."""
    wait_until(lambda: not running(pid), f"process {pid} to exit", timeout)
