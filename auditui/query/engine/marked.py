"""The store indices of marked events (`marked:` and `note:` terms), without a loop per event.

A compiled mark term (`auditui.query.nodes.MarkTest`) holds the uuids it selects (a few,
or a few thousand: the events someone marked). Over many candidates they are looked up in
a table built once per index size: each event's uuid text hashed (`hash`, int64) and
sorted, so a uuid's rows are one binary search away (24 bytes per event; a dict from uuid
to row would take three times that). The rows found are confirmed by comparing the
event's own spelling (the texts are lowercase; a hash may collide). A few candidates (a
narrowed query, streamed events) are tested one by one instead. Both evaluation paths
(`index.py`, `vector.py`) call this; `matcher.py` holds the reference. numpy loads on
first use (never at start-up).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import islice
from typing import Any

from auditui.query.engine.search_index import SearchIndex, uuid_text

__all__ = ["marked_rows", "uuid_table"]

_KEY = "uuid table"
FEW = 4096  # candidates up to which each one's uuid is tested directly


def uuid_table(index: SearchIndex) -> tuple[Any, Any]:
    """(the uuid texts' hashes sorted, the row of each), for the index as it is now: built
    once per size (slow once on a large index: `vector.warm` builds it). Any thread."""
    import numpy as np

    kept = index.derived.get(_KEY)
    size = index.size
    if kept is not None and kept[2] == size:
        return kept[0], kept[1]
    texts = islice(index.uuids, size)
    hashes = np.fromiter(map(hash, texts), dtype=np.int64, count=size)
    order = np.argsort(hashes, kind="stable")
    table = (hashes[order], order, size)
    index.derived[_KEY] = table
    return table[0], table[1]


def marked_rows(
    index: SearchIndex, uuids: Collection[str], seq: Sequence[int] | None = None
) -> set[int]:
    """The store indices (of `seq`, or of all events when None) whose uuid is one of
    `uuids`, spelled exactly."""
    if not uuids:
        return set()
    spell = index.spelling_getter("uuid")
    if seq is not None and len(seq) <= FEW:
        return {row for row in seq if spell(row) in uuids}
    import numpy as np

    hashes, order = uuid_table(index)
    wanted = np.fromiter((hash(uuid_text(uuid)) for uuid in uuids), np.int64, len(uuids))
    starts = np.searchsorted(hashes, wanted, side="left")
    stops = np.searchsorted(hashes, wanted, side="right")
    rows: set[int] = set()
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        for row in order[start:stop].tolist():
            if spell(row) in uuids:
                rows.add(row)
    if seq is not None:
        rows.intersection_update(seq)
    return rows
