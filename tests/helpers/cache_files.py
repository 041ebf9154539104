"""Window cache files as older auditui versions wrote them (to test that they are refetched).

`v1_file` is a window file in layout version 1: one zlib-compressed JSON array of the
events after the fixed header, before the columnar layout replaced it.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import msgspec

from auditui.events import AuditEvent
from auditui.sources import cache_format as cache_file
from auditui.timespec import TimeRange


def v1_file(window: TimeRange, events: list[AuditEvent]) -> bytes:
    """A window file as auditui wrote it before the columnar layout (version 1)."""
    header_v1 = struct.Struct("<8sHHqqQQQQ")
    raw = msgspec.json.encode(events)
    body = zlib.compress(raw, 1)
    header = header_v1.pack(cache_file.MAGIC, 1, 0, cache_file.micros(window.start),
                            cache_file.micros(window.end), len(events), 0, len(raw),
                            len(body))  # fmt: skip
    digest = hashlib.blake2b(header + body, digest_size=16).digest()
    return header + body + digest + cache_file.END_MAGIC
