"""The seeded generator of realistic Datafold audit events (newest first).

`generate_events` is deterministic: the same seed, size and `end` give the same events, and
it draws only from its own `random.Random(seed)`. Events are dicts shaped like the spec's
AuditLogs objects, newest first, with timestamps denser in working hours, a CI storm and a
brute-force login burst, and now and then a null (or absent) nullable field.
`encode_events` (in `auditui.demo.encoding`, re-exported here) turns them into bytes.
"""

from __future__ import annotations

import bisect
import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from auditui.demo.address import DEMO_KEY as DEMO_KEY
from auditui.demo.catalog import (
    ACTIONS,
    API_AGENTS,
    APP,
    CI_AGENTS,
    DATA_SOURCES,
    HUMAN_MIX,
    ORG_ID,
    SERVICE_MIX,
    SUPPORT_MIX,
    USERS,
    Action,
    User,
)
from auditui.demo.encoding import EncodedEvents as EncodedEvents
from auditui.demo.encoding import encode_events as encode_events
from auditui.demo.encoding import to_micros as to_micros

HOUR_US = 3_600_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NULLABLE_FIELDS = (
    "action", "is_support_user", "log_entry", "object_id", "object_type", "payload", "referer",
    "request_type", "source", "status", "user_agent", "user_email", "user_id",
)  # fmt: skip
_NULL_SHARE = 0.26  # of events get one nullable field nulled: about 2% per field
_HUMAN, _SERVICE, _CI_STORM, _BRUTE_FORCE = range(4)
_SERVICE_SOURCES = {
    "ci-bot@acme-analytics.com": ("ci", "ci", "ci", "ci", "ci", "api"),
    "dbt-cloud-sync@acme-analytics.com": ("api", "scheduler"),
    "airflow-svc@acme-analytics.com": ("scheduler",),
}
_BRUTE_TARGETS = (
    ("admin@acme-analytics.com", None),
    ("root@acme-analytics.com", None),
    ("test@acme-analytics.com", None),
    (USERS[0].email, USERS[0].user_id),
    (USERS[3].email, USERS[3].user_id),
)


def default_end(now: datetime | None = None) -> datetime:
    """Now (UTC) rounded up to the next whole hour: stable for an hour."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


class _Mix:
    """A weighted choice of things, one `rng.random()` per draw."""

    def __init__(self, items: Iterable[tuple[Any, float]]) -> None:
        self.items: list[Any] = []
        self.cumulative: list[float] = []
        total = 0.0
        for item, weight in items:
            total += weight
            self.items.append(item)
            self.cumulative.append(total)
        self.total = total

    def draw(self, rng: Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _action_mix(user: User) -> _Mix:
    if user.kind == "service":
        mix = SERVICE_MIX[user.email]
    elif user.kind == "support":
        mix = SUPPORT_MIX
    else:
        mix = HUMAN_MIX
    return _Mix((ACTIONS[name], weight) for name, weight in mix.items())


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
_MINUTE_SECOND = [f"{m:02d}:{s:02d}." for m in range(60) for s in range(60)]


def _uuid4(rng: Random) -> str:
    """A random (version 4, RFC 4122 variant) UUID string drawn from `rng`."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def _hour_weights(hour: datetime) -> tuple[float, float]:
    """(people, service accounts) activity for one UTC hour."""
    h, weekday = hour.hour, hour.weekday()
    if weekday < 5:
        if 8 <= h < 19:
            people = 1.25 if (9 <= h < 12 or 13 <= h < 16) else 1.0
        elif h in (6, 7, 19, 20, 21):
            people = 0.25
        else:
            people = 0.03
    else:
        people = 0.06 if 9 <= h < 18 else 0.015
    service = 0.45 if h in (2, 3) else 0.12
    return people, service


def _split(text: str) -> tuple[str, str | None]:
    """Split a template at `{id}`: (before, after), or (text, None) if it has none."""
    before, mark, after = text.partition("{id}")
    return (before, after) if mark else (text, None)


@dataclass(frozen=True, slots=True)
class _Template:
    """The per (user, action) parts of url, referer and sentence around the object id."""

    url: tuple[str, str | None]
    page: tuple[str, str | None] | None
    sentence: tuple[str, str | None]


class _Maker:
    """Builds single events from the shared RNG and the catalog."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        people = [u for u in USERS if u.kind != "service"]
        self.people = _Mix((u, u.activity * (0.15 if u.kind == "support" else 1.0)) for u in people)
        self.services = _Mix((u, u.activity) for u in USERS if u.kind == "service")
        self.actions = {u.email: _action_mix(u) for u in USERS}
        self.human_ids = [u.user_id for u in USERS if u.kind == "human"]
        self.by_email = {u.email: u for u in USERS}
        self.templates: dict[tuple[str, str], _Template] = {}
        self.ids: dict[str, Callable[[Action, User, float], int]] = {
            "user": self._user_id,
            "data_diff": lambda a, u, p: 4000 + int(p * 5000) - int(self.rng.random() * 300),
            "monitor": lambda a, u, p: 100 + int(self.rng.random() * 360),
            "ci_run": lambda a, u, p: 52000 + int(p * 20000) + int(self.rng.random() * 40),
            "data_source": lambda a, u, p: DATA_SOURCES[int(self.rng.random() * 4)][0],
            "api_key": lambda a, u, p: 200 + int(p * 150) + int(self.rng.random() * 10),
            "organization": lambda a, u, p: ORG_ID,
        }

    def _user_id(self, action: Action, user: User, progress: float) -> int:
        if action.name == "user.invite":
            return 2000 + int(progress * 300)
        if action.name in ("user.role_change", "user.deactivate"):
            return self.human_ids[int(self.rng.random() * len(self.human_ids))]
        return user.user_id

    def regular(self, kind: int, stamp: str, progress: float) -> dict[str, Any]:
        user: User = (self.people if kind == _HUMAN else self.services).draw(self.rng)
        action: Action = self.actions[user.email].draw(self.rng)
        r = self.rng.random()
        if action.admin_only and user.role != "admin" and r < 0.7:
            status = "denied"
        elif action.name == "user.login_failed":
            status = "failure"
        else:
            status = "failure" if r < 0.04 else ("denied" if r > 0.99 else "success")
        return self.build(stamp, user, action, status, progress)

    def _template(self, user: User, action: Action) -> _Template:
        key = (user.email, action.name)
        template = self.templates.get(key)
        if template is None:
            page = _split(f"{APP}/{action.page}") if action.page else None
            sentence = _split(action.sentence.replace("{who}", user.email))
            template = _Template(_split(f"{APP}/api/v1/{action.path}"), page, sentence)
            self.templates[key] = template
        return template

    def build(self, stamp: str, user: User, action: Action, status: str, progress: float,
              source: str | None = None) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        oid = self.ids[action.object_type](action, user, progress)
        template = self._template(user, action)
        if source is None:
            if user.kind == "service":
                options = _SERVICE_SOURCES[user.email]
                source = options[int(rng.random() * len(options))]
            else:
                source = "api" if rng.random() < user.api_share else "web"
        referer = None
        if source == "web":
            agent = user.web_agent
            if template.page is not None:
                pre, post = template.page
                referer = pre if post is None else f"{pre}{oid}{post}"
        elif source == "scheduler":
            agent = user.web_agent
        else:
            agent = (CI_AGENTS if source == "ci" else API_AGENTS)[int(rng.random() * 2)]
        pre, post = template.url
        url = pre if post is None else f"{pre}{oid}{post}"
        pre, post = template.sentence
        sentence = pre if post is None else f"{pre}{oid}{post}"
        if status != "success":
            sentence = f"{sentence} ({status})"
        ips = user.ips
        event: dict[str, Any] = {
            "timestamp": stamp,
            "event_uuid": _uuid4(rng),
            "user_id": user.user_id,
            "user_email": user.email,
            "is_support_user": user.kind == "support",
            "action": action.name,
            "status": status,
            "object_type": action.object_type,
            "object_id": oid,
            "source": source,
            "request_type": action.method,
            "client_ip": ips[0] if rng.random() < 0.8 else ips[int(rng.random() * len(ips))],
            "url": url,
            "referer": referer,
            "user_agent": agent,
            "log_entry": sentence,
            "payload": action.payload(rng, user, oid),
        }
        if rng.random() < _NULL_SHARE:
            name = NULLABLE_FIELDS[int(rng.random() * len(NULLABLE_FIELDS))]
            if rng.random() < 0.125:
                del event[name]
            else:
                event[name] = None
        return event

    def ci_storm(self, stamp: str, progress: float) -> dict[str, Any]:
        user = self.by_email["ci-bot@acme-analytics.com"]
        action = ACTIONS["ci.run" if self.rng.random() < 0.6 else "data_diff.run"]
        status = "failure" if self.rng.random() < 0.15 else "success"
        return self.build(stamp, user, action, status, progress, source="ci")

    def brute_force(self, stamp: str, attacker_ip: str) -> dict[str, Any]:
        rng = self.rng
        email, user_id = _BRUTE_TARGETS[int(rng.random() * len(_BRUTE_TARGETS))]
        reason = "invalid_password" if user_id else "unknown_user"
        return {
            "timestamp": stamp,
            "event_uuid": _uuid4(rng),
            "user_id": user_id,
            "user_email": email,
            "is_support_user": False,
            "action": "user.login_failed",
            "status": "failure",
            "object_type": "user",
            "object_id": user_id,
            "source": "web",
            "request_type": "POST",
            "client_ip": attacker_ip,
            "url": f"{APP}/api/v1/auth/login",
            "referer": None,
            "user_agent": "python-requests/2.25.1",
            "log_entry": f"failed login for {email}",
            "payload": {"reason": reason, "attempt": 1 + int(rng.random() * 5), "locked": False},
        }


def _counts(weights: list[float], total: int) -> list[int]:
    """Split `total` into integer parts proportional to `weights` (sums exactly to total)."""
    scale = total / sum(weights)
    counts, acc, done = [], 0.0, 0
    for weight in weights:
        acc += weight * scale
        upto = round(acc)
        counts.append(upto - done)
        done = upto
    counts[-1] += total - done
    return counts


def _burst_hours(rng: Random, hours: list[datetime], want: Callable[[datetime], bool]) -> int:
    candidates = [i for i, hour in enumerate(hours) if want(hour)] or list(range(len(hours)))
    return candidates[int(rng.random() * len(candidates))]


_Plan = tuple[int, list[list[int]], list[tuple[int, int]], list[int]]


def _plan(rng: Random, start_us: int, end_us: int, total: int) -> _Plan:
    """The first hour (µs), then per calendar hour (oldest first): the bursts' codes
    (`offset_us * 4 + kind`), the span of offsets and the (people, service) event counts.

    `_draw_hours` draws the other codes later, block by block, in the same order.
    """
    first_us = start_us - start_us % HOUR_US
    first = _EPOCH + timedelta(microseconds=first_us)
    n_hours = -(-(end_us - first_us) // HOUR_US)
    hours = [first + timedelta(hours=i) for i in range(n_hours)]
    spans = []
    for i in range(n_hours):
        lo = max(start_us, first_us + i * HOUR_US) - first_us - i * HOUR_US
        hi = min(end_us, first_us + (i + 1) * HOUR_US) - first_us - i * HOUR_US
        spans.append((lo, hi))
    codes: list[list[int]] = [[] for _ in range(n_hours)]
    days = max(1, (end_us - start_us) // (24 * HOUR_US))
    storm_size, brute_size = (
        (min(400, total // 100), min(250, total // 150)) if total >= 400 else (0, 0)
    )
    bursts = [(_CI_STORM, storm_size, 25)] * max(1, days // 30)
    bursts += [(_BRUTE_FORCE, brute_size, 12)] * max(1, days // 45)
    used = 0
    for kind, size, minutes in bursts if storm_size else []:
        if kind == _CI_STORM:
            at = _burst_hours(rng, hours, lambda h: h.weekday() < 5 and 10 <= h.hour < 17)
        else:
            at = _burst_hours(rng, hours, lambda h: h.hour < 5)
        begin = first_us + at * HOUR_US + int(rng.random() * HOUR_US)
        for _ in range(size):
            when = begin + int(rng.random() * minutes * 60_000_000)
            if start_us <= when < end_us:
                index = (when - first_us) // HOUR_US
                codes[index].append((when - first_us - index * HOUR_US) * 4 + kind)
                used += 1
    weights: list[float] = []
    for hour, (lo, hi) in zip(hours, spans, strict=True):
        people, service = _hour_weights(hour)
        share = (hi - lo) / HOUR_US
        weights += [people * share * (0.8 + 0.4 * rng.random()), service * share]
    counts = _counts(weights, total - used) if total > used else [0] * len(weights)
    return first_us, codes, spans, counts


def _skip_draws(rng: Random, blocks: list[range], counts: list[int]) -> list[Any]:
    """The RNG state where each block's draws begin; leaves `rng` past all of them.

    `getrandbits(64 * n)` consumes the same Mersenne Twister words as n `random()` calls, so
    the events get the same draws as if every hour had been drawn in one go, oldest first.
    """
    states = []
    for block in blocks:
        states.append(rng.getstate())
        draws = sum(counts[2 * block.start : 2 * block.stop])
        if draws:
            rng.getrandbits(64 * draws)
    return states


def _draw_hours(rng: Random, plan: _Plan, block: range) -> None:
    """Add the regular events' codes to the hours of `block`; sort each hour newest first."""
    _, codes, spans, counts = plan
    random = rng.random  # the hot loop: one draw per event
    for i in block:
        lo, hi = spans[i]
        width = hi - lo
        bucket = codes[i]
        for kind in (_HUMAN, _SERVICE):
            bucket += [(lo + int(random() * width)) * 4 + kind for _ in range(counts[2 * i + kind])]
        bucket.sort(reverse=True)


def iter_events(*, seed: int = 7, events_per_day: int = 2000, days: int = 90,
                end: datetime | None = None) -> Iterator[dict[str, Any]]:  # fmt: skip
    """Yield the events of `generate_events` one by one (newest first), to save memory."""
    if events_per_day < 0 or days < 0:
        raise ValueError("events_per_day and days must not be negative")
    end_us = to_micros(end if end is not None else default_end())
    start_us = end_us - days * 24 * HOUR_US
    return _iter(Random(seed), start_us, end_us, events_per_day * days)


def _iter(rng: Random, start_us: int, end_us: int, total: int) -> Iterator[dict[str, Any]]:
    if total == 0 or end_us <= start_us:
        return
    plan = _plan(rng, start_us, end_us, total)
    first_us, codes = plan[0], plan[1]
    n_hours = len(codes)
    size = max(24, -(-n_hours // 96))  # hours drawn at a time: the newest come out early
    blocks = [range(b, min(b + size, n_hours)) for b in range(0, n_hours, size)]
    states = _skip_draws(rng, blocks, plan[3])
    maker = _Maker(rng)
    attacker_ip = f"192.0.2.{10 + int(rng.random() * 200)}"
    planner = Random()
    for block, state in zip(reversed(blocks), reversed(states), strict=True):
        planner.setstate(state)
        _draw_hours(planner, plan, block)
        yield from _hour_events(maker, attacker_ip, first_us, codes, block)


def _hour_events(maker: _Maker, attacker_ip: str, first_us: int, codes: list[list[int]],
                 block: range) -> Iterator[dict[str, Any]]:  # fmt: skip
    """The events of the hours of `block`, newest first (freeing each hour's codes)."""
    n_hours = len(codes)
    for i in reversed(block):
        prefix = (_EPOCH + timedelta(microseconds=first_us + i * HOUR_US)).strftime("%Y-%m-%dT%H:")
        hour, codes[i] = codes[i], []
        for code in hour:
            offset, kind = divmod(code, 4)
            second, micro = divmod(offset, 1_000_000)
            stamp = f"{prefix}{_MINUTE_SECOND[second]}{micro:06d}Z"
            progress = (i + offset / HOUR_US) / n_hours
            if kind == _BRUTE_FORCE:
                yield maker.brute_force(stamp, attacker_ip)
            elif kind == _CI_STORM:
                yield maker.ci_storm(stamp, progress)
            else:
                yield maker.regular(kind, stamp, progress)


def generate_events(*, seed: int = 7, events_per_day: int = 2000, days: int = 90,
                    end: datetime | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """Exactly `events_per_day * days` events in [end - days, end), newest first.

    `end` defaults to now rounded up to the next hour (UTC); naive means UTC.
    """
    events = iter_events(seed=seed, events_per_day=events_per_day, days=days, end=end)
    collecting = gc.isenabled()
    gc.disable()  # a million fresh dicts would trigger ever longer full collections
    try:
        return list(events)
    finally:
        if collecting:
            gc.enable()
