"""The demo: seeded realistic audit events and a loopback server that serves them.

Importing this package starts nothing; `DemoServer(...).start()` does.
"""

from __future__ import annotations

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
