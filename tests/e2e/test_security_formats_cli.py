"""`auditui fetch --format ocsf|ecs` as a subprocess against the demo server on loopback.

The same events as `--format ndjson`, in the same order (newest first), one object per
line; every OCSF line valid against the OCSF schema (API Activity), every ECS line an ECS
document of the right shape; `--output` writes the same bytes to a private file.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from auditui.demo import DEMO_KEY, DemoServer
from auditui.timespec import TimeRange
from tests.helpers.cli import run, span
from tests.helpers.schemas import ecs_fields, flat_names, ocsf_errors


def api_env(server: DemoServer) -> dict[str, str]:
    return {**os.environ, "DATAFOLD_HOST": server.url, "DATAFOLD_API_KEY": DEMO_KEY}


def fetched(server: DemoServer, fmt: str, time_range: TimeRange) -> list[dict[str, Any]]:
    result = run("fetch", *span(time_range), "--format", fmt, env=api_env(server))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and DEMO_KEY not in result.stdout
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_fetch_ocsf_is_valid_api_activity(demo_server: DemoServer, recent: TimeRange) -> None:
    plain = fetched(demo_server, "ndjson", recent)
    records = fetched(demo_server, "ocsf", recent)
    assert len(records) == len(plain) > 100
    assert [r["metadata"]["uid"] for r in records] == [e["event_uuid"] for e in plain]
    for record in records:
        assert ocsf_errors(record) == [], record
    assert {r["class_uid"] for r in records} == {6003}
    assert {r["activity_id"] for r in records} >= {1, 2, 3, 99}  # create, read, update, other
    assert {r["status_id"] for r in records} >= {1, 2}
    times = [r["time"] for r in records]
    assert times == sorted(times, reverse=True)


def test_fetch_ecs_documents(demo_server: DemoServer, recent: TimeRange) -> None:
    plain = fetched(demo_server, "ndjson", recent)
    records = fetched(demo_server, "ecs", recent)
    assert [r["event"]["id"] for r in records] == [e["event_uuid"] for e in plain]
    known = ecs_fields()["fields"]
    for record, event in zip(records, plain, strict=True):
        assert record["@timestamp"] == event["timestamp"]
        assert record["event"]["dataset"] == "datafold.audit"
        assert record["event"]["outcome"] in ("success", "failure", "unknown")
        assert record["url"]["full"] == event["url"]
        assert record["source"]["ip"] == event["client_ip"]
        assert record.get("datafold", {}).get("audit", {}).get("payload") == event["payload"]
        names = [n for n in flat_names(record) if not n.startswith("datafold.")]
        assert set(names) <= set(known)


@pytest.mark.parametrize("fmt", ["ocsf", "ecs"])
def test_fetch_security_format_to_a_file(
    demo_server: DemoServer, recent: TimeRange, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"siem.{fmt}.ndjson"
    env = api_env(demo_server)
    args = ("fetch", *span(recent), "--format", fmt)
    result = run(*args, "--output", str(target), env=env)
    assert result.returncode == 0, result.stderr
    lines = target.read_bytes().splitlines()
    assert lines and f"wrote {len(lines):,} events" in result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    to_stdout = run(*args, env=env)
    assert to_stdout.stdout.encode().splitlines() == lines
