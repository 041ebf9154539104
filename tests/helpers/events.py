"""Audit events for tests: one API log entry as a dict (`raw`), and decoded `AuditEvent`s.

`raw(n, **fields)` is entry number `n` (an hour per step back from 11:00 UTC on
2026-11-26, wrapping every 12, with uuid `…-<n>`) with the fields given replacing or adding
to a fixed set; `decode(*entries)` decodes them as one API response would be decoded.
"""

from __future__ import annotations

from typing import Any

import msgspec

from auditui.events import AuditEvent, decode_logs


def raw(n: int, **fields: Any) -> dict[str, Any]:
    """API log entry number `n` with `fields` replacing or adding to the defaults."""
    base: dict[str, Any] = {
        "timestamp": f"2026-11-26T{11 - n % 12:02d}:00:00Z",
        "event_uuid": f"00000000-0000-4000-8000-{n:012d}",
        "client_ip": "10.0.0.1",
        "url": "https://app.datafold.com/api/v1/monitors",
        "user_email": "maya@acme.com",
        "action": "monitor.create",
        "status": "success",
        "source": "web",
        "object_type": "monitor",
    }
    base.update(fields)
    return base


def decode(*items: dict[str, Any]) -> list[AuditEvent]:
    """`items` decoded as one `{"logs": [...]}` response; none may be malformed."""
    decoded = decode_logs(msgspec.json.encode({"logs": list(items)}))
    assert decoded.malformed == 0
    return decoded.events
