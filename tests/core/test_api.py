"""AuditClient against the real demo server on loopback: requests, retries, typed errors."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from auditui import __version__
from auditui.demo import DemoServer, Fault
from auditui.errors import (
    ApiError,
    AudituiError,
    AuthError,
    CredentialError,
    InsecureHostError,
    NetworkError,
    RateLimitError,
    ResponseError,
    ServerError,
    UsageError,
    ValidationError,
)
from auditui.sources.api import AuditClient, WindowResult, check_host
from auditui.sources.http_errors import retry_after_seconds, validation_details
from tests.helpers.tls import answer_empty_logs, write_tls_files

SOURCE = "keyring (profile default)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def expected_uuids(events: list[dict[str, Any]], start: datetime, end: datetime) -> set[str]:
    stamps = ((e["event_uuid"], datetime.fromisoformat(e["timestamp"])) for e in events)
    return {uuid for uuid, stamp in stamps if start <= stamp < end}


@dataclass
class Harness:
    """The demo server, a window of its data, and clients whose sleeps are recorded."""

    server: DemoServer
    events: list[dict[str, Any]]
    window: tuple[datetime, datetime]
    sleeps: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)  # returns at once: tests never wait for backoff

    def client(self, **options: Any) -> AuditClient:
        settings: dict[str, Any] = {"credential_source": SOURCE, "max_attempts": 3}
        settings.update(options)
        host = settings.pop("host", self.server.url)
        key = settings.pop("key", self.server.key)
        return AuditClient(host, key, sleep=self.sleep, **settings)

    async def fetch(self, *faults: Fault, **options: Any) -> WindowResult:
        self.server.faults.push(*faults)
        async with self.client(**options) as client:
            return await client.fetch_window(*self.window)

    @property
    def requests(self) -> int:
        return len(self.server.requests)


@pytest.fixture
def h(demo_server: DemoServer, demo_events: list[dict[str, Any]]) -> Harness:
    """The last day of the demo data as the window (half-open, newest event included)."""
    end = max(datetime.fromisoformat(e["timestamp"]) for e in demo_events) + timedelta(seconds=1)
    return Harness(demo_server, demo_events, (end - timedelta(days=1), end))


async def test_fetch_window_returns_the_range_and_sends_the_documented_request(h: Harness) -> None:
    result = await h.fetch()

    assert {e.event_uuid for e in result.events} == expected_uuids(h.events, *h.window)
    assert len(result.events) > 50
    assert (result.start, result.end) == h.window
    assert result.malformed == 0
    assert result.bytes > 1000
    [request] = h.server.requests
    assert request.method == "GET"
    assert request.path == "/api/v1/audit_logs"
    assert request.headers["authorization"] == f"Key {h.server.key}"
    assert request.headers["user-agent"] == f"auditui/{__version__}"
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    body = json.loads(request.body)
    assert set(body) == {"start_date", "end_date"}
    assert body["start_date"].endswith("Z") and body["end_date"].endswith("Z")
    assert datetime.fromisoformat(body["start_date"]) == h.window[0]
    assert datetime.fromisoformat(body["end_date"]) == h.window[1]


async def test_verify_succeeds_with_a_good_key_and_fails_typed_with_a_bad_one(h: Harness) -> None:
    async with h.client() as client:
        await client.verify()
    async with h.client(key="not-the-right-key") as client:
        with pytest.raises(AuthError):
            await client.verify()
    body = json.loads(h.server.requests[0].body)
    span = datetime.fromisoformat(body["end_date"]) - datetime.fromisoformat(body["start_date"])
    assert span == timedelta(minutes=1)


async def test_401_names_the_credential_source_not_the_key_and_is_not_retried(h: Harness) -> None:
    wrong = "wrong-key-7c1d9e0b42"
    with pytest.raises(AuthError) as caught:
        await h.fetch(key=wrong)
    assert caught.value.status == 401
    assert SOURCE in str(caught.value)
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)
    assert h.requests == 1


async def test_403_is_access_denied(h: Harness) -> None:
    with pytest.raises(AuthError) as caught:
        await h.fetch(Fault("status", status=403))
    assert caught.value.status == 403
    assert "Access denied" in str(caught.value) and SOURCE in str(caught.value)


async def test_422_from_the_server_for_a_reversed_range(h: Harness) -> None:
    h.window = (h.window[1], h.window[0])
    with pytest.raises(ValidationError) as caught:
        await h.fetch()
    assert caught.value.details == ["body: Value error, start_date must not be after end_date"]
    assert "HTTP 422" in str(caught.value)


async def test_422_details_are_formatted_from_a_raw_body(h: Harness) -> None:
    detail = [
        {"loc": ["body", "start_date"], "msg": "Input should be a valid datetime", "type": "x"},
        {"loc": ["body", 0], "msg": "JSON decode error", "type": "json_invalid"},
    ]
    body = json.dumps({"detail": detail}).encode()
    with pytest.raises(ValidationError) as caught:
        await h.fetch(Fault("raw", status=422, body=body))
    assert caught.value.details == [
        "body.start_date: Input should be a valid datetime",
        "body.0: JSON decode error",
    ]


def test_validation_details_survive_odd_shapes() -> None:
    assert validation_details(b'{"detail": "start_date is bad"}') == ["start_date is bad"]
    odd = b'{"detail": [{"msg": "no loc"}, "plain", {"loc": "x"}]}'
    assert validation_details(odd) == ["no loc", "plain", 'x: {"loc": "x"}']
    assert validation_details(b"not json\nat all") == ["not json at all"]
    assert validation_details(b"") == []
    assert validation_details(b'{"other": 1}') == []
    many = json.dumps({"detail": [{"loc": [i], "msg": "m"} for i in range(15)]}).encode()
    assert validation_details(many)[-1] == "… and 5 more"


async def test_429_with_retry_after_is_retried_after_the_asked_delay(h: Harness) -> None:
    result = await h.fetch(Fault("status", status=429, headers={"Retry-After": "7"}))
    assert result.events
    assert h.requests == 2
    assert h.sleeps == [7.0]


async def test_retry_after_is_capped_by_backoff_max(h: Harness) -> None:
    await h.fetch(Fault("status", status=429, headers={"Retry-After": "3600"}), backoff_max=5.0)
    assert h.sleeps == [5.0]


async def test_429_forever_becomes_rate_limit_error(h: Harness) -> None:
    fault = Fault("status", status=429, headers={"Retry-After": "2"}, repeat=9)
    with pytest.raises(RateLimitError) as caught:
        await h.fetch(fault, max_attempts=4)
    assert caught.value.retry_after == 2.0
    assert h.requests == 4
    assert h.sleeps == [2.0, 2.0, 2.0]


async def test_502_503_504_are_retried_with_jittered_backoff(h: Harness) -> None:
    faults = [Fault("status", status=code) for code in (503, 502, 504)]
    result = await h.fetch(*faults, max_attempts=5, backoff_base=0.01, backoff_max=1.0)
    assert result.events
    assert h.requests == 4
    assert len(h.sleeps) == 3
    for attempt, delay in enumerate(h.sleeps, start=1):
        assert 0.0 <= delay <= 0.01 * 2 ** (attempt - 1)


async def test_503_forever_becomes_server_error_naming_the_host(h: Harness) -> None:
    with pytest.raises(ServerError) as caught:
        await h.fetch(Fault("status", status=503, repeat=9), max_attempts=3)
    assert caught.value.status == 503
    assert h.server.url in str(caught.value)
    assert h.requests == 3


async def test_500_is_a_server_error_without_retry(h: Harness) -> None:
    with pytest.raises(ServerError) as caught:
        await h.fetch(Fault("status", status=500, repeat=9))
    assert caught.value.status == 500
    assert h.requests == 1
    assert h.sleeps == []


async def test_404_says_to_check_the_host(h: Harness) -> None:
    with pytest.raises(ResponseError, match="HTTP 404"):
        await h.fetch(host=h.server.url + "/wrong/prefix")
    assert h.server.requests[0].path == "/wrong/prefix/api/v1/audit_logs"


async def test_read_timeout_is_a_network_error_and_not_retried(h: Harness) -> None:
    with pytest.raises(NetworkError) as caught:
        await h.fetch(Fault("delay", seconds=3.0), read_timeout=0.2)
    assert "timed out after 0.2 s waiting for data" in str(caught.value)
    assert "smaller windows" in str(caught.value)
    assert h.requests == 1


async def test_connection_refused_is_retried_then_names_the_host(h: Harness) -> None:
    host = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(NetworkError) as caught:
        await h.fetch(host=host, max_attempts=3)
    assert str(caught.value) == f"Could not reach {host}: connection refused"
    assert caught.value.host == host
    assert len(h.sleeps) == 2
    assert caught.value.__cause__ is not None  # the httpx error, for --debug


async def test_html_page_is_a_response_error(h: Harness) -> None:
    with pytest.raises(ResponseError, match="HTML page"):
        await h.fetch(Fault("html"))


async def test_wrong_content_type_with_a_json_body_is_accepted(h: Harness) -> None:
    result = await h.fetch(Fault("content_type", content_type="text/plain"))
    assert {e.event_uuid for e in result.events} == expected_uuids(h.events, *h.window)


async def test_truncated_body_is_a_network_error(h: Harness) -> None:
    """A body shorter than its Content-Length is a NetworkError (the connection broke)."""
    with pytest.raises(NetworkError, match="closed before the response was complete"):
        await h.fetch(Fault("truncated", fraction=0.5))
    assert h.requests == 1


async def test_reset_is_a_network_error(h: Harness) -> None:
    with pytest.raises(NetworkError, match="reset"):
        await h.fetch(Fault("reset", fraction=0.3))
    assert h.requests == 1


async def test_body_over_the_limit_is_refused(h: Harness) -> None:
    with pytest.raises(ResponseError, match="shorter range or smaller windows"):
        await h.fetch(max_body_bytes=1000)
    with pytest.raises(ResponseError, match="larger than"):
        await h.fetch(Fault("trickle", seconds=0.0, chunks=4), max_body_bytes=1000)


async def test_malformed_events_are_counted_and_skipped(h: Harness) -> None:
    good = {"timestamp": "2026-11-02T10:00:00Z", "event_uuid": "a", "client_ip": "::1", "url": "/"}
    body = {"logs": [good, {"timestamp": "2026-11-02T10:00:00Z"}, {**good, "event_uuid": "b"}]}
    result = await h.fetch(Fault("raw", status=200, body=json.dumps(body).encode()))
    assert [e.event_uuid for e in result.events] == ["a", "b"]
    assert result.malformed == 1


async def test_redirect_is_refused_and_the_key_never_reaches_the_target(
    h: Harness, demo_encoded: Any
) -> None:
    target = DemoServer(demo_encoded, host="localhost").start()
    try:
        location = f"http://localhost:{target.port}/api/v1/audit_logs"
        with pytest.raises(ResponseError) as caught:
            await h.fetch(Fault("status", status=302, headers={"Location": location}))
        assert "localhost" in str(caught.value) and "HTTP 302" in str(caught.value)
        assert "configured host" in str(caught.value)
        assert target.requests == []
        assert h.requests == 1
    finally:
        target.stop()


@pytest.mark.parametrize("key", ["", "  ", "abc def", "abc\ndef", "clé-secrète"])
def test_unsendable_keys_are_refused_without_echoing_them(key: str) -> None:
    with pytest.raises(CredentialError) as caught:
        AuditClient("https://app.datafold.com", key)
    if key.strip():
        assert key.strip() not in str(caught.value)


def test_retry_after_parsing() -> None:
    now = datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now=now) == 7.0
    assert retry_after_seconds(" 1.5 ", now=now) == 1.5
    assert retry_after_seconds("Mon, 02 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Mon, 02 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("-3", now=now) == 0.0
    for junk in (None, "", "soon", "nan", "inf"):
        assert retry_after_seconds(junk, now=now) is None


async def test_retry_after_as_an_http_date_is_honoured(h: Harness) -> None:
    later = datetime.now(UTC) + timedelta(seconds=20)
    stamp = later.strftime("%a, %d %b %Y %H:%M:%S GMT")
    await h.fetch(Fault("status", status=429, headers={"Retry-After": stamp}))
    [delay] = h.sleeps
    assert 0.0 < delay <= 20.0


async def test_client_outside_async_with_is_a_programming_error(h: Harness) -> None:
    with pytest.raises(RuntimeError):
        await h.client().fetch_window(*h.window)


async def test_the_key_never_appears_in_reprs_errors_or_tracebacks(h: Harness) -> None:
    key = h.server.key
    assert key not in repr(h.client()) and key not in str(h.client())
    redirect = Fault("status", status=301, headers={"Location": "https://elsewhere.example/"})
    scenarios: list[tuple[dict[str, Any], Fault | None]] = [
        ({"key": key + "x"}, None),
        ({}, Fault("status", status=403)),
        ({}, Fault("raw", status=422, body=b'{"detail": [{"loc": ["a"], "msg": "b"}]}')),
        ({"max_attempts": 1}, Fault("status", status=429, headers={"Retry-After": "1"})),
        ({}, Fault("status", status=500)),
        ({"read_timeout": 0.1}, Fault("delay", seconds=1.0)),
        ({}, Fault("html")),
        ({}, Fault("truncated")),
        ({}, Fault("reset")),
        ({}, redirect),
        ({"host": f"http://127.0.0.1:{free_port()}", "max_attempts": 1}, None),
    ]
    errors: list[BaseException] = []
    for options, fault in scenarios:
        with pytest.raises(ApiError) as caught:
            await h.fetch(*([fault] if fault else []), **options)
        errors.append(caught.value)
    with pytest.raises(CredentialError) as bad_key:
        AuditClient(h.server.url, key + "\n\x00")
    errors.append(bad_key.value)
    assert len({type(error) for error in errors}) == 7
    for error in errors:
        assert isinstance(error, AudituiError)
        text = "".join(traceback.format_exception(error))
        assert key not in str(error) and key not in repr(error) and key not in text
        assert "\n" not in str(error)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("http://127.0.0.1:8000", "http://127.0.0.1:8000"), ("http://127.8.9.10", "http://127.8.9.10"),
     ("http://localhost:5000/", "http://localhost:5000"), ("http://[::1]:80", "http://[::1]:80"),
     ("https://app.datafold.com", "https://app.datafold.com"),
     ("  https://App.Datafold.com//  ", "https://app.datafold.com"),
     ("HTTPS://eu.datafold.com:8443/proxy/", "https://eu.datafold.com:8443/proxy")],
)  # fmt: skip
def test_check_host_accepts_and_normalises(given: str, expected: str) -> None:
    assert check_host(given) == expected


@pytest.mark.parametrize(
    "given", ["http://app.datafold.com", "http://10.0.0.5", "http://localhost.evil.com"]
)
def test_check_host_refuses_plain_http_to_remote_hosts(given: str) -> None:
    with pytest.raises(InsecureHostError, match="Refusing to send the API key in clear text"):
        check_host(given)
    with pytest.raises(InsecureHostError, match="use https://"):
        AuditClient(given, "some-key-123")


@pytest.mark.parametrize(
    "given",
    ["", "   ", "app.datafold.com", "ftp://app.datafold.com", "https://", "https://a b.com",
     "https://user:pw@app.datafold.com", "https://app.datafold.com:99999", "https://x.com/?q=1"],
)  # fmt: skip
def test_check_host_refuses_garbage_with_a_usage_error(given: str) -> None:
    with pytest.raises(UsageError) as caught:
        check_host(given)
    assert "\n" not in str(caught.value) and "pw@" not in str(caught.value)


async def test_tls_is_verified_and_ssl_cert_file_adds_trust(
    h: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca, cert, key = write_tls_files(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await asyncio.start_server(answer_empty_logs, "127.0.0.1", 0, ssl=context)
    host = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    try:
        with pytest.raises(NetworkError, match="TLS certificate verification failed"):
            await h.fetch(host=host)
        assert h.sleeps == []  # a certificate problem is not retried
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))
        result = await h.fetch(host=host)
        assert result.events == [] and result.malformed == 0
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
        with pytest.raises(UsageError, match="SSL_CERT_FILE"):
            await h.fetch(host=host)
    finally:
        server.close()
        await server.wait_closed()


async def test_plain_http_to_loopback_ignores_proxy_variables(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An HTTP_PROXY would receive the key in clear text: loopback http never uses one."""
    dead_proxy = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert (await h.fetch()).events
