"""Property-based responses, generated from the API's own schema (issue 6, section 2).

`ApiGetAuditLogs` and `AuditLogs` come from `tests/data/audit-logs.openapi.json` (the API
spec, vendored into the repository), with their `$ref`s resolved into one plain JSON schema for
hypothesis-jsonschema. Valid responses must load completely; mutated ones (missing
required fields, wrong types, no list of events, garbage or cut-off bytes) may only raise
auditui's typed errors, and a malformed event is skipped and counted, never fatal. The same
bodies go through the real client against the demo server (a `raw` fault serves them).
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from auditui.demo import DEMO_KEY, DemoServer, Fault
from auditui.errors import ApiError, AudituiError, ResponseError
from auditui.events import decode_logs
from auditui.sources.api import AuditClient

SPEC = Path(__file__).resolve().parents[1] / "data" / "audit-logs.openapi.json"  # vendored
REQUIRED = ("timestamp", "event_uuid", "client_ip", "url")
EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC.read_text())
    return spec


def resolve(node: Any, spec: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """`node` with every local `$ref` replaced by (a resolved copy of) its target."""
    if isinstance(node, list):
        return [resolve(item, spec, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        assert ref.startswith("#/") and ref not in seen, ref
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        return resolve(target, spec, (*seen, ref))
    return {key: resolve(value, spec, seen) for key, value in node.items()}


def schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """(ApiGetAuditLogs, AuditLogs) as plain JSON schemas."""
    spec = load_spec()
    components = spec["components"]["schemas"]
    response = resolve(components["ApiGetAuditLogs"], spec)
    event = resolve(components["AuditLogs"], spec)
    assert response["properties"]["logs"]["items"] == event
    assert tuple(sorted(event["required"])) == tuple(sorted(REQUIRED))
    return response, event


# The spec types `timestamp` only as a string (FACTS.md: ISO-8601 expected, not promised):
# valid responses use RFC 3339 date-times of every shape; arbitrary text is tested apart.
# Years 1 and 9999 are left out here: see test_timestamps_at_the_edge_of_time.
OFFSETS = st.sampled_from(["Z", "z", "+00:00", "-00:00", "+05:30", "-11:00", "+14:00", ""])
STAMPS = st.builds(
    lambda moment, offset, sep: moment.isoformat(sep=sep) + offset,
    st.datetimes(min_value=datetime(2, 1, 2), max_value=datetime(9998, 12, 30)),
    OFFSETS,
    st.sampled_from(["T", " "]),
)


def event_strategy() -> st.SearchStrategy[dict[str, Any]]:
    _, event = schemas()
    return st.tuples(from_schema(event), STAMPS).map(lambda pair: {**pair[0], "timestamp": pair[1]})


def responses() -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(event_strategy(), max_size=6)


def wrong_value(field: str) -> st.SearchStrategy[Any]:
    """Values of a type the schema does not allow for `field`."""
    if field in ("object_id", "user_id"):
        return st.sampled_from(["12", 1.5, True, [], {}])
    if field == "is_support_user":
        return st.sampled_from(["yes", 1, 0.0, [], {}])
    if field == "timestamp":
        return st.sampled_from([12, None, [], {}, "not a date", "", "2026-13-45T99:99:99Z"])
    nullable = field not in REQUIRED
    wrong = [12, 1.5, True, [], {"a": 1}]
    return st.sampled_from(wrong if nullable else [*wrong, None])


MUTABLE = (
    "timestamp",
    "event_uuid",
    "client_ip",
    "url",
    "action",
    "is_support_user",
    "log_entry",
    "object_id",
    "object_type",
    "referer",
    "request_type",
    "source",
    "status",
    "user_agent",
    "user_email",
    "user_id",
)  # `payload` is kept as raw JSON whatever its type, so no value of it is malformed


@st.composite
def broken_event(draw: st.DrawFn) -> dict[str, Any]:
    event = dict(draw(event_strategy()))
    if draw(st.booleans()):
        del event[draw(st.sampled_from(REQUIRED))]
    else:
        field = draw(st.sampled_from(MUTABLE))
        event[field] = draw(wrong_value(field))
    return event


@st.composite
def mixed_response(draw: st.DrawFn) -> tuple[list[Any], int, list[str]]:
    """(logs, number of malformed entries, uuids of the good events in order)."""
    good = draw(st.lists(event_strategy(), max_size=4))
    bad = draw(st.lists(st.one_of(broken_event(), st.sampled_from([1, "x", None, []])), max_size=4))
    logs: list[Any] = copy.deepcopy(good)
    for item in bad:
        logs.insert(draw(st.integers(0, len(logs))), item)
    return logs, len(bad), [event["event_uuid"] for event in good]


def body(value: Any) -> bytes:
    """JSON as a server sends it: non-ASCII as raw UTF-8 (`\\u` escapes: see the corpus)."""
    return json.dumps(value, ensure_ascii=False).encode()


def ascii_body(value: Any) -> bytes:
    return json.dumps(value).encode()


def expected_stamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_loaded(logs: list[dict[str, Any]], data: bytes) -> None:
    decoded = decode_logs(data)
    assert decoded.malformed == 0
    assert len(decoded.events) == len(logs)
    for event, original in zip(decoded.events, logs, strict=True):
        assert event.timestamp == expected_stamp(original["timestamp"])
        assert event.timestamp.tzinfo is UTC
        for field in MUTABLE[1:]:
            assert getattr(event, field) == original.get(field), field
        assert json.loads(bytes(event.payload)) == original.get("payload")


@EXAMPLES
@given(responses())
def test_valid_responses_load_every_event(logs: list[dict[str, Any]]) -> None:
    check_loaded(logs, body({"logs": logs}))
    check_loaded(logs, ascii_body({"logs": logs}))


@EXAMPLES
@given(mixed_response())
def test_malformed_events_are_skipped_and_counted(case: tuple[list[Any], int, list[str]]) -> None:
    logs, bad, good = case
    decoded = decode_logs(body({"logs": logs}))
    assert decoded.malformed == bad
    assert [event.event_uuid for event in decoded.events] == good


NOT_A_LIST = st.one_of(
    st.fixed_dictionaries(
        {
            "logs": st.one_of(
                st.none(), st.integers(), st.text(), st.dictionaries(st.text(), st.integers())
            )
        }
    ),
    st.dictionaries(st.text().filter(lambda key: key != "logs"), st.integers()),
    st.lists(st.integers()),
    st.none(),
    st.text(),
)


@EXAMPLES
@given(NOT_A_LIST)
def test_a_body_without_a_list_of_events_is_a_response_error(value: Any) -> None:
    with pytest.raises(ResponseError) as caught:
        decode_logs(body(value))
    assert "\n" not in str(caught.value)


@EXAMPLES
@given(
    st.one_of(st.binary(max_size=300), responses().map(lambda logs: body({"logs": logs}))),
    st.data(),
)
def test_garbage_and_cut_off_bodies_raise_only_typed_errors(
    data: bytes, draw: st.DataObject
) -> None:
    if data.startswith(b"{") and len(data) > 1:
        data = data[: draw.draw(st.integers(0, len(data) - 1))]  # cut off somewhere
    try:
        decoded = decode_logs(data)
    except AudituiError as error:
        assert isinstance(error, ResponseError) and "\n" not in str(error)
    else:
        assert decoded.malformed >= 0


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_timestamps_at_the_edge_of_time_are_skipped_not_fatal(stamp: str) -> None:
    # Year 1 or 9999 with an offset overflows in UTC: that event is malformed, the rest load.
    good = {"timestamp": "2026-11-02T10:00:00Z", "event_uuid": "ok", "client_ip": "::1", "url": "/"}
    edge = {**good, "event_uuid": "edge", "timestamp": stamp}
    decoded = decode_logs(body({"logs": [good, edge]}))
    assert [event.event_uuid for event in decoded.events] == ["ok"] and decoded.malformed == 1


# -- the client against the demo server -------------------------------------------------------


@pytest.fixture(scope="module")
def raw_server() -> Any:
    server = DemoServer([]).start()
    try:
        yield server
    finally:
        server.stop()


async def fetch_body(server: DemoServer, data: bytes) -> tuple[int, int] | ApiError:
    server.faults.push(Fault("raw", status=200, body=data))
    end = datetime(2026, 11, 26, tzinfo=UTC)
    try:
        async with AuditClient(server.url, DEMO_KEY, max_attempts=1) as client:
            result = await client.fetch_window(end - timedelta(days=1), end)
    except ApiError as error:
        return error
    return len(result.events), result.malformed


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(mixed_response(), st.binary(max_size=200).map(lambda raw: (raw, -1, []))))
def test_the_client_raises_only_typed_errors(raw_server: DemoServer, case: Any) -> None:
    logs, bad, good = case
    data = logs if isinstance(logs, bytes) else body({"logs": logs})
    outcome = asyncio.run(fetch_body(raw_server, data))
    if isinstance(outcome, ApiError):
        assert bad == -1 and isinstance(outcome, ResponseError), outcome
        assert "\n" not in str(outcome)
    elif bad >= 0:
        assert outcome == (len(good), bad)
