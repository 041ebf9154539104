"""Handing an event to the outside: the clipboard (OSC 52), `$PAGER` and `$EDITOR`.

Text handed out is the event's JSON made byte-safe (`textsafe.json_text_safe`): the same
JSON value, but no control or bidi character a terminal or pager could act on; indented
when that stays small (`bounded_json`), compact otherwise. Programs get a private
temporary file (0600) that is removed when they exit.

Running a program, step by step (`HandOff.open`):

- the command (`$PAGER`, or `$VISUAL`/`$EDITOR`; `less` and `vi` when unset) is split like
  a shell would and its program looked up on PATH *before* the App lets go of the terminal:
  one that does not exist is a one-line toast and the App stays as it was;
- the temporary file is written before too (a full or missing `$TMPDIR` is a toast);
- the child's environment holds none of auditui's secrets (`child_env`): no variable
  named like `DATAFOLD_*KEY*` or `AUDITUI_*KEY|TOKEN|SECRET|PASSWORD*`, and none whose
  value holds the key in use;
- while it runs, auditui ignores SIGINT and SIGQUIT (Ctrl+C in the pager is the pager's,
  not a reason to quit), and the child starts with their default actions;
- "Press Enter to return to auditui" is asked when what the program printed would
  otherwise vanish at once: a program not known to run full-screen (`cat`, `bat -p`, a
  script), one that returned within a second (`less -F` on a short event) or one that
  failed; known full-screen programs that ran a while come straight back;
- whatever happens, the App takes the terminal back (Textual's `suspend()` does not
  resume when the block raises, so nothing raises inside it).

Copying (`HandOff.copy_event`, `HandOff.copy_text`): the terminal's clipboard takes the
text as one OSC 52 escape sequence, base64-encoded; above `CLIPBOARD_MAX` a terminal
drops it or shows it as text, so bigger copies are refused with a toast that points to
`o`. Building the JSON of a big event runs in a thread worker; it is bounded (the size
is checked before anything is indented), so quitting never waits long for it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditui.errors import AudituiError, UsageError
from auditui.events import AuditEvent, encode_event, event_to_pretty_json
from auditui.textsafe import json_text_safe, visible
from auditui.tui.bounded_json import readable_json
from auditui.units import human_bytes

if TYPE_CHECKING:
    from textual.app import App

DEFAULT_PAGER = "less"
DEFAULT_EDITOR = "vi"

CLIPBOARD_MAX = 8 * 1024 * 1024
"""Copies larger than this (bytes of text) are refused: OSC 52 cannot carry them."""

SYNC_COPY_BYTES = 2 * 1024 * 1024
"""Events whose compact JSON is larger than this are prepared for copying in a worker."""

QUICK_RETURN = 1.0
"""A program that returns within this many seconds gets the Enter prompt."""

FULL_SCREEN_PROGRAMS = frozenset(
    {
        *("less", "more", "most", "pg", "lv", "moar", "ov", "w3m", "lnav", "jless", "fx"),
        *("vi", "vim", "nvim", "view", "vimdiff", "nano", "pico", "emacs", "emacsclient"),
        *("micro", "hx", "helix", "kak", "joe", "jed", "mg", "ne", "mcedit"),
    }
)
"""Programs that draw on the whole screen and wait for the user before they exit."""

SECRET_NAME = re.compile(
    r"^(?:DATAFOLD_\w*KEY|AUDITUI_\w*(?:KEY|TOKEN|SECRET|PASSW))", re.IGNORECASE
)
"""Environment variables auditui treats as secrets (DATAFOLD_API_KEY, DATAFOLD_APIKEY…)."""

PROMPT = "\nPress Enter to return to auditui "


# -- the command ---------------------------------------------------------------------------


def pager_command(env: Mapping[str, str] = os.environ) -> list[str]:
    return _command(env.get("PAGER") or DEFAULT_PAGER, "PAGER")


def editor_command(env: Mapping[str, str] = os.environ) -> list[str]:
    variable = "VISUAL" if env.get("VISUAL") else "EDITOR"
    return _command(env.get("VISUAL") or env.get("EDITOR") or DEFAULT_EDITOR, variable)


def _command(value: str, variable: str) -> list[str]:
    import shlex  # with the first hand-off: the first rows need none of it

    try:
        parts = shlex.split(value)
    except ValueError as exc:
        raise UsageError(f"${variable} cannot be parsed ({exc}): {visible(value)!r}.") from exc
    if not parts:
        raise UsageError(f"${variable} is empty; set it to a program such as less or vi.")
    return parts


def resolved(command: list[str], variable: str, env: Mapping[str, str] = os.environ) -> list[str]:
    """`command` with its program found on PATH; an AudituiError (one line) when it is not."""
    program = command[0]
    found = shutil.which(program, path=env.get("PATH", os.defpath))
    if found is None:
        raise AudituiError(
            f"Cannot run ${variable} ({visible(program)!r}): no such program; "
            f"set ${variable} to one that exists, such as {_default_for(variable)}."
        )
    return command


def _default_for(variable: str) -> str:
    return DEFAULT_PAGER if variable == "PAGER" else DEFAULT_EDITOR


def child_env(
    env: Mapping[str, str] = os.environ, secrets: tuple[str | None, ...] = ()
) -> dict[str, str]:
    """`env` without auditui's secrets: variables named like them (`SECRET_NAME`) and any
    whose value holds one of `secrets` (the key in use, wherever it came from)."""
    held = [secret for secret in secrets if secret]
    return {
        name: value
        for name, value in env.items()
        if not SECRET_NAME.match(name) and not any(secret in value for secret in held)
    }


# -- the temporary file and the child ------------------------------------------------------


def write_temp_file(text: str, *, suffix: str = ".json") -> Path:
    """`text` in a new private (0600) temporary file; an AudituiError when it can't be."""
    try:
        fd, name = tempfile.mkstemp(prefix="auditui-", suffix=suffix)
    except OSError as exc:
        raise _temp_error(exc) from None
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise _temp_error(exc) from None
    return path


def _temp_error(exc: OSError) -> AudituiError:
    where = os.environ.get("TMPDIR") or tempfile.gettempdir()
    reason = (exc.strerror or type(exc).__name__).lower()
    code = f" (Errno {exc.errno})" if exc.errno else ""
    return AudituiError(
        f"Cannot write the temporary file in {visible(where)!r}: {reason}{code}; "
        "free some space or point $TMPDIR to a writable folder."
    )


@contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """SIGINT and SIGQUIT ignored here while the block runs (the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {signum: signal.signal(signum, signal.SIG_IGN) for signum in _INTERRUPTS}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


_INTERRUPTS = (signal.SIGINT, signal.SIGQUIT)


def run_program(command: list[str], path: Path, env: Mapping[str, str]) -> int:
    """Run `command path` with `env` and wait; returns its exit code (-N: signal N).

    Interrupts reach the program only (see the module doc). An AudituiError when it cannot
    start (not found, not executable).
    """
    argv = [*command, str(path)]
    with _interrupts_ignored():
        try:
            pid = os.posix_spawnp(command[0], argv, dict(env), setsigdef=_INTERRUPTS)
        except FileNotFoundError:
            raise AudituiError(
                f"Cannot run {visible(command[0])!r}: not found. Set $PAGER or $EDITOR to a "
                "program that exists."
            ) from None
        except OSError as exc:
            reason = (exc.strerror or type(exc).__name__).lower()
            raise AudituiError(f"Cannot run {visible(command[0])!r}: {reason}.") from None
        _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def wants_prompt(command: list[str], seconds: float, code: int) -> bool:
    """Ask for Enter before the App comes back (see the module doc)?"""
    program = os.path.basename(command[0])
    return program not in FULL_SCREEN_PROGRAMS or seconds < QUICK_RETURN or code != 0


def wait_for_enter() -> None:
    """Say `PROMPT` on the terminal and wait for Enter (or end of input)."""
    out, tty = sys.__stdout__, sys.__stdin__
    if out is None or tty is None:
        return
    with _interrupts_ignored():
        try:
            out.write(PROMPT)
            out.flush()
            fd = tty.fileno()
            while True:
                chunk = os.read(fd, 1024)
                if not chunk or b"\n" in chunk or b"\r" in chunk:
                    return
        except OSError:
            return


def run_on_temp_file(
    command: list[str],
    text: str,
    *,
    suffix: str = ".json",
    env: Mapping[str, str] | None = None,
    prompt: bool = False,
) -> int:
    """Write `text` to a private temporary file, run `command file`, remove the file.

    `env` defaults to `child_env()`; `prompt` asks for Enter afterwards when
    `wants_prompt` says so. Raises AudituiError (one line) when the file cannot be
    written or the program cannot start; nothing is left behind either way.
    """
    path = write_temp_file(text, suffix=suffix)
    try:
        started = time.monotonic()
        code = run_program(command, path, child_env() if env is None else env)
        if prompt and wants_prompt(command, time.monotonic() - started, code):
            wait_for_enter()
        return code
    finally:
        path.unlink(missing_ok=True)


# -- the App's side ------------------------------------------------------------------------


def event_json(event: AuditEvent) -> str:
    """The event's JSON to hand out: indented when that stays small, inert either way."""
    compact = encode_event(event)
    return json_text_safe(readable_json(compact, lambda: event_to_pretty_json(event)))


class HandOff:
    """`c`, `y`, `o` and `O` of the App: what they copy or open, and the toasts."""

    def __init__(self, app: App[Any], secret: Callable[[], str | None] = lambda: None) -> None:
        self.app = app
        self._secret = secret  # the key in use, kept out of the programs' environment

    def copy_text(self, label: str, text: str, *, warning: str = "") -> bool:
        """Put `text` (already inert) on the clipboard and say so (with `warning`, if any,
        about what it holds); refuse it when too big for a terminal's clipboard."""
        size = len(text.encode("utf-8", "surrogatepass"))
        if self.too_big(label, size):
            return False
        self.app.copy_to_clipboard(text)
        copied = f"Copied {label} ({human_bytes(size)})"
        if warning:
            self.app.notify(f"{copied} — {warning}", severity="warning", timeout=6)
        else:
            self.app.notify(copied, timeout=4)
        return True

    def too_big(self, label: str, size: int) -> bool:
        """True (and a toast) when `size` bytes are more than the clipboard takes."""
        if size <= CLIPBOARD_MAX:
            return False
        self.app.notify(
            f"Not copied: {label} is {human_bytes(size)}, more than a terminal clipboard takes "
            f"({human_bytes(CLIPBOARD_MAX)}); o opens it in $PAGER, e exports it.",
            severity="warning",
            timeout=8,
        )
        return True

    def copy_event(self, event: AuditEvent, *, warning: str = "") -> None:
        """`c`: the event as JSON; built in a worker when the event is big."""
        label = f"event {visible(event.event_uuid)} as JSON"
        size = len(encode_event(event))
        if self.too_big(label, size):  # compact already too big: nothing to build
            return
        if size <= SYNC_COPY_BYTES:
            self.copy_text(label, event_json(event), warning=warning)
            return

        def build() -> None:
            text = event_json(event)
            with suppress(RuntimeError):  # the App has gone meanwhile
                self.app.call_from_thread(self.copy_text, label, text, warning=warning)

        self.app.notify(f"Preparing {label} ({human_bytes(size)})…", timeout=2)
        self.app.run_worker(build, thread=True, group="copy", exclusive=True, exit_on_error=False)

    def open(self, event: AuditEvent, *, pager: bool) -> None:
        """`o` / `O`: the event's JSON in `$PAGER` / `$EDITOR` (see the module doc)."""
        from textual.app import SuspendNotSupported

        app = self.app
        try:
            if pager:
                command = resolved(pager_command(), "PAGER")
            else:
                variable = "VISUAL" if os.environ.get("VISUAL") else "EDITOR"
                command = resolved(editor_command(), variable)
            path = write_temp_file(event_json(event) + "\n")
        except AudituiError as exc:
            app.notify(str(exc), severity="error", timeout=8)
            return
        env = child_env(secrets=(self._secret(),))
        failure: AudituiError | None = None
        code = 0
        try:
            with app.suspend(), _interrupts_ignored():  # from the spawn to the prompt
                try:
                    started = time.monotonic()
                    code = run_program(command, path, env)
                    if wants_prompt(command, time.monotonic() - started, code):
                        wait_for_enter()
                except AudituiError as exc:  # never raise inside suspend(): it would not resume
                    failure = exc
                except OSError as exc:  # waiting for it failed: say so, take the screen back
                    failure = AudituiError(f"Running {visible(command[0])!r} failed: {exc}.")
        except SuspendNotSupported:
            app.notify("This terminal cannot hand over to another program.", severity="error")
        finally:
            path.unlink(missing_ok=True)
        if failure is not None:
            app.notify(str(failure), severity="error", timeout=8)
        elif code > 0:
            program = visible(os.path.basename(command[0]))
            app.notify(f"{program} exited with status {code}.", severity="warning", timeout=6)
