"""The demo API server over real loopback HTTP: the spec's behaviour and every fault kind."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from auditui.demo import (
    DEMO_KEY,
    DemoServer,
    Fault,
    GrowingEvents,
    encode_events,
    faults_from_env,
    iter_events,
)
from auditui.demo import encoding as encoding_module
from auditui.demo import server as server_module
from auditui.errors import ResponseError
from auditui.events import decode_logs
from tests.helpers.demo import AUDIT_LOGS_PATH, auth_headers, stamp

Events = list[dict[str, Any]]


def fetch(
    server: DemoServer,
    body: object = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    path: str = AUDIT_LOGS_PATH,
    timeout: float = 30.0,
) -> httpx.Response:
    """One request on a fresh connection; `body` is JSON-encoded unless `raw` is given."""
    content = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    with httpx.Client(timeout=timeout) as client:
        return client.request(
            method,
            server.url + path,
            content=content,
            headers=auth_headers() if headers is None else headers,
        )


def uuids(response: httpx.Response) -> list[str]:
    return [event["event_uuid"] for event in response.json()["logs"]]


def middle(events: Events, days_back: float, hours: float) -> tuple[datetime, datetime]:
    end = stamp(events[0]) - timedelta(days=days_back)
    return end - timedelta(hours=hours), end


# --- the endpoint ------------------------------------------------------------------


def test_range_filters_newest_first(demo_server: DemoServer, demo_events: Events) -> None:
    start, end = middle(demo_events, 3, 30)
    response = fetch(demo_server, {"start_date": start.isoformat(), "end_date": end.isoformat()})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    expected = [e["event_uuid"] for e in demo_events if start <= stamp(e) < end]
    assert expected and uuids(response) == expected
    stamps = [stamp(e) for e in response.json()["logs"]]
    assert stamps == sorted(stamps, reverse=True)
    assert all(start <= s < end for s in stamps)


def test_events_come_back_exactly_as_generated(
    demo_server: DemoServer, demo_events: Events
) -> None:
    start, end = middle(demo_events, 10, 6)
    response = fetch(demo_server, {"start_date": start.isoformat(), "end_date": end.isoformat()})
    assert response.json()["logs"] == [e for e in demo_events if start <= stamp(e) < end]
    assert decode_logs(response.content).malformed == 0


@pytest.mark.parametrize("raw", [None, b"", b"  ", b"null", b"{}", b'{"start_date": null}'])
def test_no_range_means_everything(
    demo_server: DemoServer, demo_events: Events, raw: bytes
) -> None:
    response = fetch(demo_server, raw=raw)
    assert response.status_code == 200
    assert uuids(response) == [e["event_uuid"] for e in demo_events]


def test_open_ended_ranges(demo_server: DemoServer, demo_events: Events) -> None:
    at = stamp(demo_events[1234])
    after = fetch(demo_server, {"start_date": at.isoformat(), "end_date": None})
    before = fetch(demo_server, {"end_date": at.isoformat()})
    assert uuids(after) == [e["event_uuid"] for e in demo_events if stamp(e) >= at]
    assert uuids(before) == [e["event_uuid"] for e in demo_events if stamp(e) < at]
    assert len(uuids(after)) + len(uuids(before)) == len(demo_events)


def test_naive_dates_are_utc_and_offsets_are_honoured(
    demo_server: DemoServer, demo_events: Events
) -> None:
    start, end = middle(demo_events, 5, 12)
    naive = {
        "start_date": start.replace(tzinfo=None).isoformat(),
        "end_date": end.replace(tzinfo=None).isoformat(),
    }
    plus_two = timedelta(hours=2)
    offset = {
        "start_date": start.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z",
        "end_date": (end + plus_two).replace(tzinfo=None).isoformat() + "+02:00",
    }
    expected = [e["event_uuid"] for e in demo_events if start <= stamp(e) < end]
    assert uuids(fetch(demo_server, naive)) == expected
    assert uuids(fetch(demo_server, offset)) == expected


def test_equal_start_and_end_give_no_events(demo_server: DemoServer, demo_events: Events) -> None:
    at = demo_events[10]["timestamp"]
    response = fetch(demo_server, {"start_date": at, "end_date": at})
    assert response.status_code == 200 and response.json() == {"logs": []}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Key wrong-key"},
        {"Authorization": f"Bearer {DEMO_KEY}"},
        {"Authorization": DEMO_KEY},
        {"Authorization": f"Key  {DEMO_KEY}"},
        {"Authorization": f"Key {DEMO_KEY}x"},
        {"Authorization": f"key {DEMO_KEY}"},
    ],
)
def test_401_unless_the_key_is_exact(demo_server: DemoServer, headers: dict[str, str]) -> None:
    response = fetch(demo_server, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication failed"}


def test_another_key_can_be_configured(demo_encoded: Any) -> None:
    with DemoServer(demo_encoded, key="k-123") as server:
        assert fetch(server, headers=auth_headers("k-123")).status_code == 200
        assert fetch(server).status_code == 401


def test_422_for_a_date_that_is_not_one(demo_server: DemoServer) -> None:
    response = fetch(demo_server, {"start_date": "yesterday", "end_date": None})
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "start_date"]
    assert error["type"] == "datetime_from_date_parsing"
    assert error["msg"].startswith("Input should be a valid datetime")


def test_422_lists_both_bad_dates(demo_server: DemoServer) -> None:
    response = fetch(demo_server, {"start_date": "2024-13-01T00:00:00Z", "end_date": [1]})
    assert response.status_code == 422
    locs = [error["loc"] for error in response.json()["detail"]]
    assert locs == [["body", "start_date"], ["body", "end_date"]]
    assert response.json()["detail"][1]["type"] == "datetime_type"


def test_422_when_start_is_after_end(demo_server: DemoServer) -> None:
    body = {"start_date": "2024-05-02T00:00:00Z", "end_date": "2024-05-01T00:00:00Z"}
    response = fetch(demo_server, body)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body"]
    assert "start_date" in error["msg"] and "end_date" in error["msg"]


@pytest.mark.parametrize("raw", [b'{"start_date": ', b"{'start_date': null}", b"\xff\xfe"])
def test_422_for_invalid_json(demo_server: DemoServer, raw: bytes) -> None:
    response = fetch(demo_server, raw=raw)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["type"] == "json_invalid"
    assert error["loc"][0] == "body" and isinstance(error["loc"][1], int)
    assert isinstance(error["msg"], str)


def test_422_for_a_body_that_is_not_an_object(demo_server: DemoServer) -> None:
    response = fetch(demo_server, ["2024-05-01"])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_unix_timestamps_are_accepted_like_pydantic(
    demo_server: DemoServer, demo_events: Events
) -> None:
    start, end = middle(demo_events, 2, 4)
    response = fetch(demo_server, {"start_date": start.timestamp(), "end_date": end.timestamp()})
    assert uuids(response) == [e["event_uuid"] for e in demo_events if start <= stamp(e) < end]


def test_404_elsewhere_and_405_for_other_methods(demo_server: DemoServer) -> None:
    missing = fetch(demo_server, path="/api/v1/audit_log")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        wrong = fetch(demo_server, {}, method=method)
        assert wrong.status_code == 405, method
        assert wrong.json() == {"detail": "Method Not Allowed"}
        assert wrong.headers["allow"] == "GET"
    head = fetch(demo_server, method="HEAD")
    assert head.status_code == 405 and head.content == b""


def test_query_strings_do_not_change_the_path(demo_server: DemoServer, demo_events: Events) -> None:
    response = fetch(demo_server, path=AUDIT_LOGS_PATH + "?start_date=2020-01-01")
    assert len(uuids(response)) == len(demo_events)


def test_keep_alive_connections_serve_several_requests(demo_server: DemoServer) -> None:
    with httpx.Client() as client:
        for _ in range(3):
            response = client.get(demo_server.url + AUDIT_LOGS_PATH, headers=auth_headers())
            assert response.status_code == 200
    assert len(demo_server.requests) == 3


def test_requests_are_recorded(demo_server: DemoServer) -> None:
    fetch(demo_server, {"start_date": None, "end_date": None}, path=AUDIT_LOGS_PATH + "?x=1")
    fetch(demo_server, headers={"X-Custom": "yes"}, method="POST")
    first, second = demo_server.requests
    assert first.method == "GET" and first.path == AUDIT_LOGS_PATH + "?x=1"
    assert first.headers["authorization"] == f"Key {DEMO_KEY}"
    assert json.loads(first.body) == {"start_date": None, "end_date": None}
    assert second.method == "POST" and second.headers["x-custom"] == "yes"
    assert second.body == b""


def test_recorded_requests_are_capped(
    demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "MAX_RECORDED", 3)
    with httpx.Client() as client:
        for i in range(5):
            client.get(f"{demo_server.url}/n{i}")
    assert [r.path for r in demo_server.requests] == ["/n2", "/n3", "/n4"]


def test_the_key_and_headers_are_never_printed(
    demo_server: DemoServer, capfd: pytest.CaptureFixture[str]
) -> None:
    fetch(demo_server)
    fetch(demo_server, headers={"Authorization": "Key wrong-secret-xyz"})
    fetch(demo_server, raw=b"{", path="/nowhere")
    demo_server.faults.push(Fault("reset"))
    with pytest.raises(httpx.TransportError):
        fetch(demo_server)
    out, err = capfd.readouterr()
    assert DEMO_KEY not in out + err and "wrong-secret-xyz" not in out + err
    assert "GET" not in out + err


def span(start: datetime | None, end: datetime | None) -> dict[str, str | None]:
    return {
        "start_date": None if start is None else start.isoformat(),
        "end_date": None if end is None else end.isoformat(),
    }


def test_generated_events_are_served_byte_for_byte_as_if_encoded_up_front() -> None:
    end, day = datetime(2024, 6, 3, 12, tzinfo=UTC), timedelta(days=1)
    eager = encode_events(iter_events(seed=3, events_per_day=300, days=20, end=end))
    with DemoServer(events_per_day=300, days=20, seed=3, end=end) as server:
        assert server.url == f"http://127.0.0.1:{server.port}" and server.total_events == 6000
        for start, stop in [(end - day, end), (end - 9 * day, end - 2 * day), (None, None)]:
            assert fetch(server, span(start, stop)).content == eager.body(start, stop)
        assert server.wait_ready() and server.ready and server.event_count == 6000


def test_recent_ranges_are_served_while_generating(monkeypatch: pytest.MonkeyPatch) -> None:
    end, gate, real = datetime(2024, 6, 3, 12, tzinfo=UTC), threading.Event(), iter_events

    def gated(**options: Any) -> Iterator[dict[str, Any]]:
        for event in real(**options):  # holds back everything older than two days
            assert stamp(event) >= end - timedelta(days=2) or gate.wait(30)
            yield event

    monkeypatch.setattr(server_module, "iter_events", gated)
    monkeypatch.setattr(encoding_module, "BATCH", 8)
    server = DemoServer(events_per_day=300, days=20, seed=3, end=end).start()
    eager = encode_events(real(seed=3, events_per_day=300, days=20, end=end))
    day = (end - timedelta(days=1), end)
    assert fetch(server, span(*day)).content == eager.body(*day)
    assert not server.ready and not server.wait_ready(timeout=0.05)
    assert server.event_count < server.total_events == 6000
    assert isinstance(server.encoded, GrowingEvents)
    server.encoded.close(timeout=0)  # told to stop: the rest never comes
    assert fetch(server).status_code == 503
    (stopper := threading.Thread(target=server.stop)).start()
    server.wait()  # returns once stop() is called
    gate.set()
    stopper.join()
    assert not server.wait_ready() and server.event_count < 6000


def test_ctrl_c_interrupts_wait(demo_encoded: Any) -> None:
    with DemoServer(demo_encoded) as server, pytest.raises(KeyboardInterrupt):
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT)).start()
        server.wait()


def test_stop_releases_the_port_and_is_idempotent(demo_encoded: Any) -> None:
    server = DemoServer(demo_encoded).start()
    assert fetch(server).status_code == 200
    server.stop()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        fetch(server)


def test_only_loopback_hosts_and_sane_sizes_are_allowed(demo_encoded: Any) -> None:
    with pytest.raises(ValueError, match="loopback"):
        DemoServer(demo_encoded, host="0.0.0.0")
    with pytest.raises(ValueError, match="negative"):
        DemoServer(events_per_day=-1)


# --- faults ------------------------------------------------------------------------


def test_status_fault_then_normal(demo_server: DemoServer) -> None:
    demo_server.faults.push(Fault("status", status=503))
    first = fetch(demo_server)
    assert first.status_code == 503 and first.json() == {"detail": "Service Unavailable"}
    assert fetch(demo_server).status_code == 200


def test_429_carries_retry_after(demo_server: DemoServer) -> None:
    demo_server.faults.push(Fault("status", status=429, headers={"Retry-After": "7"}))
    response = fetch(demo_server)
    assert response.status_code == 429 and response.headers["retry-after"] == "7"


def test_faults_are_consumed_in_order_and_repeat(demo_server: DemoServer) -> None:
    demo_server.faults.push(
        Fault("status", status=500, repeat=2),
        Fault("status", status=502),
        Fault("raw", status=418, body=b"teapot", content_type="text/plain"),
    )
    assert len(demo_server.faults) == 4
    codes = [fetch(demo_server).status_code for _ in range(5)]
    assert codes == [500, 500, 502, 418, 200]
    assert len(demo_server.faults) == 0


def test_faults_apply_without_a_key_and_clear_empties_the_queue(demo_server: DemoServer) -> None:
    demo_server.faults.push(Fault("status", status=503), Fault("status", status=504))
    assert fetch(demo_server, headers={}).status_code == 503
    demo_server.faults.clear()
    assert fetch(demo_server).status_code == 200


def test_delay_holds_the_first_byte_back(demo_server: DemoServer) -> None:
    demo_server.faults.push(Fault("delay", seconds=3.0))
    with pytest.raises(httpx.ReadTimeout):
        fetch(demo_server, timeout=0.3)
    demo_server.faults.push(Fault("delay", seconds=0.2))
    assert fetch(demo_server).status_code == 200


def test_trickle_sends_the_whole_body_in_pieces(
    demo_server: DemoServer, demo_events: Events
) -> None:
    demo_server.faults.push(Fault("trickle", seconds=1.6, chunks=8))
    with (
        httpx.Client(timeout=httpx.Timeout(30.0, read=1.2)) as client,
        client.stream("GET", demo_server.url + AUDIT_LOGS_PATH, headers=auth_headers()) as resp,
    ):
        pieces = list(resp.iter_raw())
    body = b"".join(pieces)
    assert len(pieces) > 1
    assert [e["event_uuid"] for e in json.loads(body)["logs"]] == [
        e["event_uuid"] for e in demo_events
    ]


def test_reset_breaks_the_connection(demo_server: DemoServer) -> None:
    demo_server.faults.push(Fault("reset", fraction=0.3))
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        fetch(demo_server)
    assert fetch(demo_server).status_code == 200


def test_truncated_sends_half_the_promised_body(demo_server: DemoServer) -> None:
    demo_server.faults.push(Fault("truncated"))
    with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|complete message body"):
        fetch(demo_server)
    demo_server.faults.push(Fault("truncated", fraction=0.5))
    with (
        httpx.Client() as client,
        client.stream("GET", demo_server.url + AUDIT_LOGS_PATH, headers=auth_headers()) as resp,
    ):
        received = bytearray()
        with pytest.raises(httpx.RemoteProtocolError):
            for piece in resp.iter_raw():
                received += piece
    assert 0 < len(received) < int(resp.headers["content-length"])
    with pytest.raises(ResponseError):
        decode_logs(bytes(received))


def test_html_fault_is_a_200_html_page(demo_server: DemoServer) -> None:
    demo_server.faults.push(Fault("html"))
    response = fetch(demo_server)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html"
    with pytest.raises(ResponseError, match="HTML"):
        decode_logs(response.content)


def test_content_type_fault_keeps_the_json(demo_server: DemoServer, demo_events: Events) -> None:
    demo_server.faults.push(Fault("content_type"))
    response = fetch(demo_server)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain"
    assert len(response.json()["logs"]) == len(demo_events)


def test_ignore_range_returns_everything(demo_server: DemoServer, demo_events: Events) -> None:
    start, end = middle(demo_events, 1, 1)
    body = {"start_date": start.isoformat(), "end_date": end.isoformat()}
    demo_server.faults.push(Fault("ignore_range"))
    assert len(uuids(fetch(demo_server, body))) == len(demo_events)
    assert len(uuids(fetch(demo_server, body))) < len(demo_events)


def test_raw_fault_is_sent_verbatim(demo_server: DemoServer) -> None:
    demo_server.faults.push(
        Fault("raw", status=200, body=b'{"logs": "nope"}', content_type="application/json")
    )
    response = fetch(demo_server)
    assert response.status_code == 200 and response.content == b'{"logs": "nope"}'
    with pytest.raises(ResponseError):
        decode_logs(response.content)


def test_faults_from_env_feed_a_server(demo_encoded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert faults_from_env({}) == []
    monkeypatch.setenv("AUDITUI_DEMO_FAULTS", "status:503*2,status:429:1")
    with DemoServer(demo_encoded, faults=faults_from_env()) as server:
        responses = [fetch(server) for _ in range(4)]
    assert [r.status_code for r in responses] == [503, 503, 429, 200]
    assert responses[2].headers["retry-after"] == "1"
