"""Precomputed lowercase search text for the query language (core, no Textual).

The searchable fields and how their text is made are defined in `auditui.query.fields`;
`SearchIndex` holds that text for a list of events and `field_text` makes it for one event
(the per-event path `Matcher.matches` uses), from the same definitions, so both always agree.

Layout (memory-conscious: no per-event concatenated text, which would cost a large
string per event and a slow scan per query). Fields are dictionary-encoded in three
groups (`GROUP_ATTRS`), each event holding one combination code per group: *low* (user,
action, status, source, ip, method, agent, type, support: few combinations), *high*
(object, id, url, referer: many more) and *entry* (log_entry alone: the most).
A term is evaluated once per distinct text (at C speed for substrings), lifted to the
group's combinations, then mapped over the events by code. Uuids are kept per event (the
event's own string when already lowercase); one string of them all is made only when a
per-event uuid search asks for it. Timestamps are kept per event (a newest-first store
makes `after:`/`before:` a bisection). Payload text is made on the first `payload:` query
that needs it: `payload_data()` (one buffer for the vector path's payload column) or, for
a payload regex or exact value, `payload_texts()` (a string per event). The index is built
in pure Python, so a worker thread building it still shares the GIL with the UI (figures:
benchmarks/README.md). `derived` holds what `auditui.query.engine.vector` builds from the
index (numpy codes, text columns); it is emptied whenever the index grows.

`index_for(store)` returns the store's index, built once per store generation (extended
in place when the store only appended events) and cached weakly; call it in a worker thread
after a load to keep the first keystroke fast. It is thread-safe.
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import compress, islice, pairwise
from operator import attrgetter, is_, itemgetter
from typing import Any

import msgspec

from auditui.events.model import AuditEvent
from auditui.gc_pause import gc_paused
from auditui.query.fields import FIELDS, GROUP_ATTRS, FieldSpec, field_spelling

_CHUNK = 100_000
SETTLE_FROM = 20_000  # combinations from which `Group.settle` drops the group's dicts
SEPARATOR = "\n"  # joins uuids; never inside a uuid text or a needle that can match one
GROUPS = tuple(GROUP_ATTRS)
_GETTERS = {name: attrgetter(*attrs) for name, attrs in GROUP_ATTRS.items()}


def payload_text(event: AuditEvent) -> str:
    """The payload's JSON text as searched: decoded as UTF-8, lowercased, newlines as spaces."""
    text = bytes(event.payload).decode("utf-8", "replace").lower()
    return text.replace("\n", " ") if "\n" in text else text


def uuid_text(uuid: str) -> str:
    """A uuid as searched: lowercased (the same object when it already is), no newlines."""
    low = uuid.lower()
    if SEPARATOR in low:
        return low.replace(SEPARATOR, " ")
    return uuid if low == uuid else low


_HEX = "0123456789abcdef-" + SEPARATOR


def _chars(text: str) -> set[str]:
    """The characters of text, or a few more (a superset is enough: it only prunes)."""
    if text.isascii():  # fast path for uuids: drop the hex digits in C, look at the rest
        rest = text.encode("ascii").translate(None, _HEX.encode("ascii"))
        return set(_HEX) | set(rest.decode("ascii"))
    return set(text)


def field_text(event: AuditEvent, name: str) -> str:
    """The lowercase text of one field of one event, exactly as the index holds it."""
    spec = FIELDS[name]
    if spec.group == "uuid":
        return uuid_text(event.event_uuid)
    if spec.group == "payload":
        return payload_text(event)
    return _texts(spec, [_GETTERS[spec.group](event)])[0]


def spelling(event: AuditEvent, name: str) -> str:
    """One field's text of one event as the event spells it (not lowercased): what an
    exact term (`field:="value"`) compares; its lowercase form is `field_text`'s (uuid and
    payload texts there also turn newlines into spaces)."""
    spec = FIELDS[name]
    if spec.group == "uuid":
        return event.event_uuid
    if spec.group == "payload":
        return bytes(event.payload).decode("utf-8", "replace")
    return field_spelling(name)(_GETTERS[spec.group](event))


def _texts(spec: FieldSpec, raws: list[Any]) -> list[str]:
    """The lowercase texts of one field for these raw tuples."""
    if spec.column is not None:
        return [value.lower() if value else "" for value in map(itemgetter(spec.column), raws)]
    assert spec.text is not None
    return [text.lower() for text in map(spec.text, raws)]


class Group:
    """Dictionary-encoded fields: per event one combination code, per field distinct texts."""

    __slots__ = (
        "_ids", "_lock", "_raws", "_settled", "codes", "combos", "counts", "field_codes",
        "fields", "getter", "identity", "texts",
    )  # fmt: skip

    def __init__(self, name: str) -> None:
        self.getter = _GETTERS[name]
        self.fields = [spec for spec in FIELDS.values() if spec.group == name]
        self.combos: dict[Any, int] = {}  # raw tuple (or value) → combination code
        # per event (4 bytes each: a list would hold 8-byte pointers to int objects)
        self.codes: array[int] = array("i")
        self.counts: list[int] = []  # events per combination
        self.texts: dict[str, list[str]] = {spec.name: [] for spec in self.fields}
        self.field_codes: dict[str, array[int]] = {spec.name: array("i") for spec in self.fields}
        self._ids: dict[str, dict[str, int]] = {spec.name: {} for spec in self.fields}
        # field → True while its text codes are the combination codes (no lifting needed)
        self.identity: dict[str, bool] = {spec.name: True for spec in self.fields}
        self._raws: list[Any] = []  # combination code → raw tuple (made when first asked)
        self._lock = threading.Lock()
        self._settled = False  # `combos` and `_ids` dropped (`settle`) until needed again

    def text_id(self, name: str, text: str) -> int | None:
        """The code of a field's distinct lowercase text, or None when no event has it."""
        with self._lock:
            if not self._settled:
                return self._ids[name].get(text)
        try:  # settled: a scan at C speed (~3 ms for 300,000 texts), no dict made again
            return self.texts[name].index(text)
        except ValueError:
            return None

    def raw(self, code: int) -> Any:
        """The raw tuple (or value) of a combination code."""
        raws = self._raws
        if code >= len(raws):
            with self._lock:
                if len(raws) < len(self.combos):
                    raws.extend(islice(self.combos, len(raws), None))
        return raws[code]

    def settle(self) -> None:
        """Drop what only growing and exact lookups need: the dict of combinations and the
        dicts of text ids (an int object per entry: ~45 MB at a million events, most of it
        the entry group's). `extend` makes them again from the lists (~0.2 s for 300,000
        combinations); `text_id` scans the texts meanwhile. Any thread."""
        with self._lock:
            if self._settled or len(self.combos) < SETTLE_FROM:
                return
            raws = self._raws
            raws.extend(islice(self.combos, len(raws), None))
            self.combos = {}
            self._ids = {spec.name: {} for spec in self.fields}
            self._settled = True

    def _unsettle(self) -> None:
        """Make the dicts `settle` dropped again (with the lock held)."""
        if self._settled:
            self.combos = {raw: code for code, raw in enumerate(self._raws)}
            self._ids = {
                name: {text: i for i, text in enumerate(texts)}
                for name, texts in self.texts.items()
            }
            self._settled = False

    def extend(self, events: Sequence[AuditEvent]) -> None:
        with self._lock:
            self._unsettle()
            self._extend(events)

    def _extend(self, events: Sequence[AuditEvent]) -> None:
        combos, codes = self.combos, self.codes
        first_new, first_event = len(combos), len(codes)
        for start in range(0, len(events), _CHUNK):  # bounds the temporary tuples
            raws = list(map(self.getter, events[start : start + _CHUNK]))
            for raw in dict.fromkeys(raws):
                if raw not in combos:
                    combos[raw] = len(combos)
            codes.extend(map(combos.__getitem__, raws))
        counts = self.counts
        counts.extend([0] * (len(combos) - first_new))
        for code, count in Counter(codes[first_event:]).items():
            counts[code] += count
        new_raws = list(islice(combos, first_new, None))
        for spec in self.fields:
            made = _texts(spec, new_raws)
            ids, texts = self._ids[spec.name], self.texts[spec.name]
            for text in dict.fromkeys(made):
                if text not in ids:
                    ids[text] = len(texts)
                    texts.append(text)
            new_codes = list(map(ids.__getitem__, made))
            if self.identity[spec.name]:
                expected = range(first_new, first_new + len(new_codes))
                self.identity[spec.name] = new_codes == list(expected)
            self.field_codes[spec.name].extend(new_codes)


class SearchIndex:
    """Searchable lowercase text of a list of events, by store index (see module doc)."""

    def __init__(self, events: Sequence[AuditEvent] = ()) -> None:
        self.size = 0
        self.groups = {name: Group(name) for name in GROUPS}
        self.uuids: list[str] = []
        self.uuid_chars: set[str] = set()
        self._uuid_joined: str | None = None
        self.uuid_width = -1  # the common length of all uuids, or -1
        # True while every uuid text is the event's own string (lowercase, no newline): a
        # table of their hashes is then also the store's uuid lookup (`EventStore.compact`)
        self.uuids_verbatim = True
        self.stamps: list[datetime] = []
        self.descending = True  # timestamps never increase with the index
        self._payload: list[str] | None = None
        self._events: list[AuditEvent] = []
        self._lock = threading.Lock()
        # evaluated terms, by (group, field, kind, value): per-combination hits (see index.py)
        self.hits_cache: dict[tuple[str, ...], list[bool]] = {}
        # numpy arrays and text columns `vector.py` derives from this index, by name
        # (replaced by an empty dict whenever the index grows)
        self.derived: dict[Any, Any] = {}
        self.extend(events)

    def __len__(self) -> int:
        return self.size

    def extend(self, events: Sequence[AuditEvent]) -> None:
        """Index more events (their store indices follow the ones already indexed)."""
        events = list(events)
        if not events:
            return
        with gc_paused():  # millions of fresh tuples would trigger full collections
            self._extend(events)

    def _extend(self, events: list[AuditEvent]) -> None:
        self.hits_cache.clear()
        self.derived = {}
        for group in self.groups.values():
            group.extend(events)
        spelled = list(map(attrgetter("event_uuid"), events))
        uuids = list(map(uuid_text, spelled))
        self.uuids_verbatim = self.uuids_verbatim and all(map(is_, uuids, spelled))
        del spelled
        widths = set(map(len, uuids))
        if self.size == 0 and len(widths) == 1:
            self.uuid_width = widths.pop()
        elif widths != {self.uuid_width}:
            self.uuid_width = -1
        self.uuids.extend(uuids)
        self.uuid_chars.update(_chars(SEPARATOR.join(uuids)))
        self._uuid_joined = None  # made again when next asked for
        stamps = list(map(attrgetter("timestamp"), events))
        if self.descending:
            previous = self.stamps[-1:] + stamps
            self.descending = all(a >= b for a, b in pairwise(previous))
        self.stamps.extend(stamps)
        self._events.extend(events)
        if self._payload is not None:
            self._payload.extend(map(payload_text, events))
        self.size += len(events)

    def settle(self) -> None:
        """Drop the dicts only growing needs from the large groups (`Group.settle`; not the
        *low* group, whose combinations facets read). After a load, in a worker."""
        for name, group in self.groups.items():
            if name != "low":
                group.settle()

    def uuid_joined(self) -> str:
        """All uuid texts joined by `SEPARATOR` (made on first use: a large string, which
        only a uuid regex or a per-event uuid search needs)."""
        with self._lock:
            if self._uuid_joined is None:
                self._uuid_joined = SEPARATOR.join(self.uuids)
            return self._uuid_joined

    @property
    def has_payload_texts(self) -> bool:
        return self._payload is not None

    def payload_texts(self) -> list[str]:
        """Per-event payload text (built on the first `payload:` query, then kept)."""
        with self._lock:
            if self._payload is None:
                self._payload = list(map(payload_text, self._events))
            return self._payload

    def payload_data(self) -> tuple[bytes, bytes]:
        """Every event's payload text (as `payload_text` makes it), UTF-8, each followed by
        a separator byte no payload text contains; returns (data, separator).

        Valid JSON never holds a raw NUL, so the payloads are joined with NUL and lowercased
        in one go (several times faster than per event); only payloads with non-ASCII bytes
        go through `payload_text` (Unicode lowercasing). A payload holding NUL after all
        falls back to a byte UTF-8 never uses.
        """
        events = self._events[: self.size]
        raws = [event.payload for event in events]
        joined = b"\x00".join(raws)
        if joined.count(b"\x00") != len(raws) - 1:
            parts = [payload_text(event).encode("utf-8", "surrogatepass") for event in events]
            return b"\xff".join([*parts, b""]), b"\xff"
        if not joined.isascii():
            pieces = joined.split(b"\x00")
            for i, piece in enumerate(pieces):
                if not piece.isascii():
                    pieces[i] = payload_text(events[i]).encode("utf-8", "surrogatepass")
            joined = b"\x00".join(pieces)
        # bytes.lower() changes ASCII letters only: a no-op on the already lowered pieces
        return joined.lower().replace(b"\n", b" ") + b"\x00", b"\x00"

    def spelling_getter(self, name: str) -> Callable[[int], str]:
        """A function from store index to the field's text as the event spells it."""
        events = self._events
        return lambda i: spelling(events[i], name)

    def payload_equal(self, raw: bytes) -> list[int]:
        """The store indices of the events whose payload is exactly these bytes."""
        target = msgspec.Raw(raw)
        payloads = map(attrgetter("payload"), self._events[: self.size])
        return list(compress(range(self.size), map(target.__eq__, payloads)))

    def text_getter(self, name: str) -> Callable[[int], str]:
        """A function from store index to the field's text (for a few events at a time)."""
        group_name = FIELDS[name].group
        if group_name in self.groups:
            group = self.groups[group_name]
            texts, field_codes, codes = group.texts[name], group.field_codes[name], group.codes
            return lambda i: texts[field_codes[codes[i]]]
        if group_name == "uuid":
            return self.uuids.__getitem__
        if self._payload is not None:
            return self._payload.__getitem__
        events = self._events
        return lambda i: payload_text(events[i])


_cache: weakref.WeakKeyDictionary[Any, tuple[int, list[AuditEvent], SearchIndex]]
_cache = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def index_built(store: Any) -> bool:
    """True when the store has a search index, whether or not it has grown with the store."""
    return store in _cache


def index_ready(store: Any) -> bool:
    """True when `index_for(store)` would answer at once (built for the store as it is).

    Never waits for a build under way elsewhere (that counts as not ready).
    """
    cached = _cache.get(store)
    if cached is None:
        return False
    generation, events, index = cached
    return generation == store.generation and events is store.events and len(index) == len(events)


def index_for(store: Any) -> SearchIndex:
    """The search index of an `EventStore`, built (or extended) for its current generation.

    Cached per store; when the store only appended events since (`EventStore.add`), the
    index is extended instead of rebuilt. Thread-safe; safe to call from a worker.
    """
    with _cache_lock:
        generation, events = store.generation, store.events
        cached = _cache.get(store)
        if cached is not None:
            old_generation, old_events, index = cached
            if old_generation == generation and old_events is events and len(index) == len(events):
                return index
            if old_events is events and len(events) >= len(index):
                index.extend(events[len(index) :])
                _cache[store] = (generation, events, index)
                return index
        index = SearchIndex(events)
        _cache[store] = (generation, events, index)
        return index
