"""`Connection`: the audit-log API as an `EventSource`, a profile's host plus its API key.

The CLI builds a `Connection` from settings and credentials (or from the demo server) and
hands it to `auditui fetch` or the TUI; both load ranges from it with the profile's window
size and concurrency, through the profile's window cache unless it is off (`cache = false`,
`--no-cache`, or the demo). Only a `Connection` opens API clients and manages the key
(`client`, `with_credential`, `require_credential`). It never prints or reprs the key.

The cache is the key's (`WindowCache` scoped by `cache_identity.key_identity`), and a load
served from it is still authorised: the newest window is always fetched live, and cached
windows are shown only after a fetched one succeeded; on a 401/403 none is
(`sources.cache_gate`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import aclosing
from typing import TYPE_CHECKING

import msgspec

from auditui.config.credentials import Credential, resolve_credential
from auditui.config.settings import Profile, profile_from_settings
from auditui.errors import CredentialError
from auditui.sources.api import AuditClient, check_host
from auditui.sources.prefetch import Prefetch
from auditui.sources.windows import (
    LoadResult,
    Progress,
    WindowBatch,
    load_range,
    split_windows,
    stream_windows,
)
from auditui.timespec import TimeRange, resolve_range

if TYPE_CHECKING:
    from auditui.sources.cache import WindowCache


class Connection(msgspec.Struct, frozen=True, eq=False):
    """A profile, its checked host and (maybe) a credential: the API's `EventSource`.

    Equal by profile, host, credential and the two flags (not by the prefetch), and repr'd
    without the credential or the prefetch. A msgspec Struct, not a dataclass: Python
    compiles a dataclass's methods at import, ~1 ms on the way to the first screen."""

    profile: Profile
    host: str
    credential: Credential | None = None
    demo: bool = False
    use_cache: bool = True  # False for --no-cache
    # The range's windows, asked for before the browser started (`prefetching`).
    prefetch: Prefetch | None = None

    def _compared(self) -> tuple[object, ...]:
        return (type(self), self.profile, self.host, self.credential, self.demo, self.use_cache)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Connection):
            return NotImplemented
        return self._compared() == other._compared()

    def __ne__(self, other: object) -> bool:  # a Struct's own `!=` would compare identity
        if not isinstance(other, Connection):
            return NotImplemented
        return self._compared() != other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(profile={self.profile!r}, host={self.host!r}, "
            f"demo={self.demo!r}, use_cache={self.use_cache!r})"
        )

    @property
    def credential_source(self) -> str | None:
        return self.credential.source if self.credential else None

    @property
    def offline(self) -> bool:
        """False: there is an API to ask (and a key to log in with)."""
        return False

    @property
    def prefetched(self) -> bool:
        """Whether the first windows are being (or were) asked for already (`prefetching`)."""
        return self.prefetch is not None

    def hold_prefetched(self) -> Callable[[], None]:
        """`EventSource.hold_prefetched`: the prefetch's `hold`."""
        return self.prefetch.hold() if self.prefetch is not None else lambda: None

    def with_credential(self, credential: Credential | None) -> Connection:
        return msgspec.structs.replace(self, credential=credential)

    def require_credential(self) -> Credential:
        if self.credential is None:
            raise CredentialError(
                f"No API key for profile '{self.profile.name}': run `auditui login"
                f"{self._profile_flag()}` or set DATAFOLD_API_KEY."
            )
        return self.credential

    def needs_api(self, time_range: TimeRange, windows: Sequence[TimeRange] | None = None
                  ) -> bool:  # fmt: skip
        """Whether loading the range asks the API, so needs a key: always, here (the
        archive's `ArchivedConnection` reads archived windows without one)."""
        return True

    def _profile_flag(self) -> str:
        return "" if self.profile.name == "default" else f" --profile {self.profile.name}"

    def client(self, api_key: str | None = None, *, retries: bool = True) -> AuditClient:
        """An API client for this host; `api_key` overrides the stored credential.

        `retries=False` makes one attempt per request (a follow schedules its own retries,
        never sooner than its interval)."""
        key = api_key if api_key is not None else self.require_credential().key
        return AuditClient(
            self.host,
            key,
            credential_source="the key just entered" if api_key else self.credential_source,
            read_timeout=self.profile.read_timeout,
            max_attempts=5 if retries else 1,
            prefetched=self.prefetch if retries else None,
        )

    def prefetching(self, time_range: TimeRange) -> Connection:
        """This connection with the range's requests already being made, for a browser
        about to load the range (`sources.prefetch`): the newest window and every other one
        its cache does not hold (as the load asks them), the profile's concurrency at a
        time; itself without a usable key."""
        pieces = split_windows(time_range, self.profile.window)
        if self.credential is None or not pieces:
            return self
        try:
            client = self.client()
        except CredentialError:  # a key that cannot be sent: the load says so, as before
            return self
        cache = self.window_cache()
        asked = [pieces[0]] + [
            piece
            for piece in pieces[1:]
            if cache is None or not cache.cacheable(piece) or cache.lookup(piece) is None
        ]
        prefetch = Prefetch(asked, client, concurrency=self.profile.concurrency)
        return msgspec.structs.replace(self, prefetch=prefetch.start())

    def window_cache(self) -> WindowCache | None:
        """This profile + host + key's window cache, or None when caching is off (or the
        per-install secret that names keys cannot be read or made: loads go uncached)."""
        if self.demo or not self.use_cache or not self.profile.cache or self.credential is None:
            return None
        # here, not at the top: the demo, `--no-cache` and files never load the cache's
        # modules (hashes, compression, its format: ~5 ms of a start)
        from auditui.sources.cache import WindowCache, cache_limit
        from auditui.sources.cache_identity import key_identity

        try:
            identity = key_identity(self.host, self.credential.key.strip())
        except OSError:
            return None
        return WindowCache(self.profile.name, self.host, identity=identity,
                           max_bytes=cache_limit())  # fmt: skip

    async def load(
        self, time_range: TimeRange, on_progress: Callable[[Progress], None] | None = None
    ) -> LoadResult:
        """Every event of the range (`windows.load_range`); the newest window is fetched
        live whatever the cache holds, and progress counts cached windows only after it."""
        cache = self.window_cache()
        if cache is not None:
            pieces = split_windows(time_range, self.profile.window)
            if pieces:
                cache.fetch_live(pieces[0])
            from auditui.sources.cache_gate import held_progress

            on_progress = held_progress(on_progress)
        async with self.client() as client:
            return await load_range(
                client,
                time_range,
                window=self.profile.window,
                concurrency=self.profile.concurrency,
                on_progress=on_progress,
                cache=cache,
            )

    async def stream(
        self,
        time_range: TimeRange,
        on_progress: Callable[[Progress], None] | None = None,
        *,
        windows: Sequence[TimeRange] | None = None,
        seen: set[str] | None = None,
    ) -> AsyncGenerator[WindowBatch, None]:
        """Yield the range's windows as they load (`windows.stream_windows`; the arguments
        are `EventSource.stream`'s); cached ones only once the key is confirmed
        (`cache_gate.CacheGate`: the newest window is fetched live first)."""
        pieces = split_windows(time_range, self.profile.window) if windows is None else windows
        cache = self.window_cache()
        gate = None
        if cache is not None:
            from auditui.sources.cache_gate import CacheGate

            gate = CacheGate(on_progress)
        if cache is not None and pieces:
            cache.fetch_live(pieces[0])
        report = gate.progress if gate is not None else on_progress
        try:
            async with self.client() as client:
                batches = stream_windows(client, pieces, concurrency=self.profile.concurrency,
                                         cache=cache, on_progress=report, seen=seen)  # fmt: skip
                async with aclosing(batches) as inner:
                    stream = gate.run(inner) if gate is not None else inner
                    async with aclosing(stream) as outer:
                        async for batch in outer:
                            yield batch
        finally:
            if self.prefetch is not None:  # the first load has taken what it will take
                self.prefetch.close()

    def default_range(self) -> TimeRange:
        return resolve_range(default_since=self.profile.default_range)


def open_connection(
    profile_name: str | None, env: Mapping[str, str] = os.environ, *, use_cache: bool = True
) -> Connection:
    """Settings + credentials → a Connection (the credential may be missing)."""
    _, profile = profile_from_settings(profile_name, env)
    host = check_host(profile.host)
    return Connection(profile, host, resolve_credential(profile.name, env), use_cache=use_cache)
