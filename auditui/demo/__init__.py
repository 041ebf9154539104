"""The demo: seeded realistic audit events and a loopback server that serves them.

Importing this package starts nothing; `DemoServer(...).start()` does. Names are
re-exported lazily (PEP 562): `auditui --demo` imports the server only in the child
process that runs it (`demo.child`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditui.lazy import lazy_exports

if TYPE_CHECKING:
    from auditui.demo.data import (
        DEMO_KEY,
        EncodedEvents,
        encode_events,
        generate_events,
        iter_events,
    )
    from auditui.demo.encoding import GrowingEvents, IncompleteEvents
    from auditui.demo.faults import (
        FAULTS_ENV,
        Fault,
        FaultKind,
        FaultQueue,
        faults_from_env,
        parse_fault_spec,
    )
    from auditui.demo.live import DEMO_LATE, LateRule, LiveEvents
    from auditui.demo.server import DemoServer, RecordedRequest

__all__ = [
    "DEMO_KEY",
    "DEMO_LATE",
    "FAULTS_ENV",
    "DemoServer",
    "EncodedEvents",
    "Fault",
    "FaultKind",
    "FaultQueue",
    "GrowingEvents",
    "IncompleteEvents",
    "LateRule",
    "LiveEvents",
    "RecordedRequest",
    "encode_events",
    "faults_from_env",
    "generate_events",
    "iter_events",
    "parse_fault_spec",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DEMO_KEY": "address",
        "EncodedEvents": "data",
        "encode_events": "data",
        "generate_events": "data",
        "iter_events": "data",
        "GrowingEvents": "encoding",
        "IncompleteEvents": "encoding",
        "FAULTS_ENV": "faults",
        "Fault": "faults",
        "FaultKind": "faults",
        "FaultQueue": "faults",
        "faults_from_env": "faults",
        "parse_fault_spec": "faults",
        "DEMO_LATE": "live",
        "LateRule": "live",
        "LiveEvents": "live",
        "DemoServer": "server",
        "RecordedRequest": "server",
    },
)
