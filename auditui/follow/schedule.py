"""When a follow polls next: every interval, later after errors, never sooner.

Polls start `interval` apart (start to start). After a failure the next one waits longer:
twice as long for each failure in a row (up to `MAX_BACKOFF`, or the interval when that is
longer), and at least what the server asked for in `Retry-After` (429, 503). A delay is
never shorter than the interval, whatever the error, so a follow never asks more often than
it was told to. The first success goes back to the interval.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditui.errors import RateLimitError, ServerError

DEFAULT_INTERVAL = 15.0  # seconds (the profile's `follow_interval`, `--interval`)
MIN_INTERVAL = 1.0
MAX_BACKOFF = 300.0  # seconds: the longest wait after failures (unless the server asks more)


@dataclass(frozen=True, slots=True)
class Delay:
    """How long to wait before the next poll, and why (for the header / stderr)."""

    seconds: float
    reason: str = ""  # "" after a success; e.g. "HTTP 429, retrying in 60 s" after a failure

    @property
    def backing_off(self) -> bool:
        return bool(self.reason)


class Backoff:
    """The delay before each poll, from how the last ones went."""

    def __init__(self, interval: float = DEFAULT_INTERVAL) -> None:
        self.interval = max(MIN_INTERVAL, interval)
        self.failures = 0

    def succeeded(self) -> Delay:
        self.failures = 0
        return Delay(self.interval)

    def failed(self, error: BaseException) -> Delay:
        """The delay after `error` (a 429 or 5xx may name one in `Retry-After`)."""
        self.failures += 1
        ceiling = max(self.interval, MAX_BACKOFF)
        seconds = min(ceiling, self.interval * 2 ** (self.failures - 1))
        asked = getattr(error, "retry_after", None)
        if isinstance(error, RateLimitError | ServerError) and asked:
            seconds = max(seconds, float(asked))
        seconds = max(self.interval, seconds)
        return Delay(seconds, f"{brief(error)}, next poll in {seconds:.0f} s")


def brief(error: BaseException) -> str:
    """A few words on why a poll failed (`HTTP 503`, `rate limited`, `network`)."""
    if isinstance(error, RateLimitError):
        return "rate limited (HTTP 429)"
    if isinstance(error, ServerError):
        return f"HTTP {error.status}"
    name = type(error).__name__
    return {"NetworkError": "network error", "ResponseError": "bad response"}.get(name, name)
