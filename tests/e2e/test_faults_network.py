"""What the user sees for each way the network or server fails (issue 6, section 3).

Each fault of the demo server is served to the real client (typed error, one clear line)
and, where a person would meet it, to `auditui fetch` (exit code and the one line on
stderr). `delay` is the slow first byte; `gzip_bomb` and `huge` are bodies that outgrow
memory, stopped by the client's size cap (lowered here, so the tests stay small).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from auditui.demo import DEMO_KEY, DemoServer, Fault, parse_fault_spec
from auditui.demo.encoding import gzip_bomb, huge_body
from auditui.demo.faults import FaultKind
from auditui.errors import NetworkError, ResponseError
from auditui.sources.api import AuditClient
from tests.helpers.tls import answer_empty_logs, self_signed

MiB = 1024**2


@pytest.fixture
def config(isolated_environment: Path) -> Path:
    """A config whose read timeout is 1 s (the slow-first-byte case needs no long wait)."""
    path = isolated_environment / "config" / "auditui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[profiles.default]\nread_timeout = 1\n")
    return path


def fetch(server_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATAFOLD_HOST": server_url, "DATAFOLD_API_KEY": DEMO_KEY}
    env.pop("CI", None)
    return subprocess.run(
        [sys.executable, "-m", "auditui", "fetch", "--since", "3h", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


# (fault spec, exit code, what the one line says (None: events are printed)), as a user meets them
CLI_FAULTS = [
    ("delay:3", 1, "timed out after 1 s waiting for data; try a shorter range or smaller windows"),
    ("trickle:0.5", 0, None),
    ("status:500", 1, "answered HTTP 500. Try again later"),
    ("status:502,status:503", 0, None),
    ("status:429:1", 0, None),
    ("reset:0.3", 1, "the connection was reset by the server or a proxy"),
    ("truncated:0.5", 1, "the connection was closed before the response was complete"),
    ("html", 1, "The response was an HTML page, not JSON (a proxy or login page?)"),
    ("content_type:text/plain", 0, None),
    ("raw:200:{}", 1, "The response has no list of events"),
]


@pytest.mark.parametrize(("spec", "code", "says"), CLI_FAULTS)
def test_fetch_under_each_fault(
    demo_server: DemoServer, config: Path, spec: str, code: int, says: str | None
) -> None:
    demo_server.faults.push(*parse_fault_spec(spec))
    result = fetch(demo_server.url)
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    if says is None:
        assert result.stderr == ""
        assert [json.loads(line)["event_uuid"] for line in result.stdout.splitlines()]
    else:
        [line] = result.stderr.splitlines()
        assert line.startswith("auditui: error: ") and says in line, line
        assert result.stdout == ""
    assert len(demo_server.faults) == 0  # every scripted fault was met


# -- bodies that outgrow memory -----------------------------------------------------------------


def test_the_gzip_bomb_is_small_valid_gzip_of_the_promised_size() -> None:
    bomb = gzip_bomb(20 * MiB + 3)
    assert len(bomb) < 40_000
    inflated = gzip.decompress(bomb)  # the CRC and length in the trailer are right
    assert len(inflated) == 20 * MiB + 3 and inflated.startswith(b'{"logs":[   ')
    assert gzip_bomb(3 * 1024**3) is gzip_bomb(3 * 1024**3)  # cached


def test_the_huge_body_is_valid_json_of_about_the_size() -> None:
    data = b"".join(huge_body(2 * MiB))
    assert 2 * MiB - 300 <= len(data) <= 2 * MiB + 300
    assert len(json.loads(data)["logs"]) > 5000


def test_big_fault_specs() -> None:
    assert parse_fault_spec("gzip_bomb,huge:64*2") == [
        Fault("gzip_bomb"),
        Fault("huge", size=64 * MiB, repeat=2),
    ]
    assert Fault("gzip_bomb").size == 3 * 1024**3 and Fault("huge").status_code == 200


async def fetch_window(server_url: str, **options: Any) -> Any:
    end = datetime.now(UTC)
    options.setdefault("max_attempts", 1)
    async with AuditClient(server_url, DEMO_KEY, **options) as client:
        return await client.fetch_window(end - timedelta(hours=1), end)


@pytest.mark.parametrize("kind", ["gzip_bomb", "huge"])
async def test_a_body_over_the_cap_is_refused_with_advice(
    demo_server: DemoServer, kind: FaultKind
) -> None:
    """3 GiB (inflated, or streamed without a length) against an 8 MiB cap."""
    demo_server.faults.push(Fault(kind))
    with pytest.raises(ResponseError) as caught:
        await asyncio.wait_for(fetch_window(demo_server.url, max_body_bytes=8 * MiB), 30)
    message = str(caught.value)
    assert message.startswith("The response is larger than 8.0 MiB")
    assert "try a shorter range or smaller windows" in message and "\n" not in message


async def test_a_small_gzip_body_still_loads(demo_server: DemoServer) -> None:
    """Within the cap the huge body is valid JSON: every (repeated) event decodes."""
    demo_server.faults.push(Fault("huge", size=MiB))
    result = await fetch_window(demo_server.url)
    assert len(result.events) > 2000 and result.malformed == 0


# -- DNS and TLS ---------------------------------------------------------------------------------


async def test_dns_failure_names_the_host_quickly() -> None:
    sleeps: list[float] = []

    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    host = "https://nonexistent.invalid"  # .invalid never resolves (RFC 6761)
    with pytest.raises(NetworkError) as caught:
        await asyncio.wait_for(
            fetch_window(host, connect_timeout=3, max_attempts=3, sleep=no_wait), 30
        )
    assert str(caught.value).startswith(f"Could not reach {host}: ")
    assert "name not resolved" in str(caught.value) or "timed out" in str(caught.value)


@pytest.fixture
def tls_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An https server on 127.0.0.1 with a self-signed certificate, in its own thread."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        asyncio.start_server(answer_empty_logs, "127.0.0.1", 0, ssl=context)
    )
    import threading

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()


async def test_a_self_signed_certificate_is_refused_without_retry(tls_host: str) -> None:
    sleeps: list[float] = []

    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    with pytest.raises(NetworkError) as caught:
        await fetch_window(tls_host, max_attempts=3, sleep=no_wait)
    assert "TLS certificate verification failed: self-signed certificate" in str(caught.value)
    assert "SSL_CERT_FILE" in str(caught.value) and sleeps == []


def test_fetch_from_a_self_signed_host_is_one_line(tls_host: str) -> None:
    result = fetch(tls_host)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert f"Could not reach {tls_host}: TLS certificate verification failed" in line


def test_fetch_from_an_unresolvable_host_is_one_line() -> None:
    result = fetch("https://nonexistent.invalid")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert "Could not reach https://nonexistent.invalid: " in line


def test_every_fault_kind_has_a_test() -> None:
    from auditui.demo.faults import FAULT_KINDS

    tested = {spec.split(":")[0] for spec, _, _ in CLI_FAULTS} | {"gzip_bomb", "huge"}
    tested |= {"ignore_range"}  # test_loader / test_demo_server: out-of-range events dropped
    assert set(FAULT_KINDS) <= tested | {"status"}, set(FAULT_KINDS) - tested
