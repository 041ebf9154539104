"""Reading events back from files: every export format, gzip, bad lines, errors, FileSource."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from auditui.config.settings import Profile
from auditui.demo import generate_events
from auditui.errors import UsageError
from auditui.events import AuditEvent, decode_events, encode_event
from auditui.export.formats import READABLE_FORMATS, ExportFormat, write_events
from auditui.sources import files as sources
from auditui.sources.files import FileSource, ReadProgress, detect_format, read_events
from auditui.sources.protocol import api_connection
from auditui.textsafe import restore_cell
from auditui.timespec import TimeRange


@pytest.fixture(scope="module")
def events() -> list[AuditEvent]:
    raw = generate_events(seed=11, events_per_day=150, days=3)
    return decode_events(msgspec.json.encode(item) for item in raw).events


def hostile(*, carriage_return: bool = True) -> list[AuditEvent]:
    """Cells a spreadsheet would run, and values that merely look like the neutraliser.

    CSV shows control characters other than line feed and tab as visible escapes (on
    purpose, see `export`), so a value with a carriage return cannot come back from CSV.
    """
    stamp = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    made = []
    for n, text in enumerate(["=cmd|'/c calc'!A1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
                              "'quoted", "plain", "", "a,b\n\"c\""]):  # fmt: skip
        if text == "\rx" and not carriage_return:
            continue
        made.append(
            AuditEvent(
                timestamp=stamp - timedelta(seconds=n),
                event_uuid=f"-uuid-{n}",
                client_ip="=1.2.3.4",
                url="@http://x/" + str(n),
                action=text or None,
                user_email=text or None,
                log_entry=text or None,
                user_agent="-ua",
                object_id=-n,
                user_id=-1 if n % 2 else None,
                is_support_user=[True, False, None][n % 3],
                payload=msgspec.Raw(b"-5" if n % 2 else b'{"q": "=1+1", "n": [1, -2]}'),
            )
        )
    return made


def write(path: Path, items: list[AuditEvent], fmt: ExportFormat, *, gz: bool = False) -> Path:
    buffer = io.BytesIO()
    write_events(items, buffer, fmt)
    data = buffer.getvalue()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def same(left: list[AuditEvent], right: list[AuditEvent]) -> None:
    assert [encode_event(e) for e in left] == [encode_event(e) for e in right]


def same_values(left: list[AuditEvent], right: list[AuditEvent]) -> None:
    """Equal once decoded (a pretty-printed payload keeps its own layout, verbatim)."""
    decode = msgspec.json.decode
    assert [decode(encode_event(e)) for e in left] == [decode(encode_event(e)) for e in right]


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("fmt", READABLE_FORMATS)
def test_every_export_format_reads_back_equal(
    tmp_path: Path, events: list[AuditEvent], fmt: ExportFormat, gz: bool
) -> None:
    # A misleading name on purpose: the content decides, not the extension.
    path = write(tmp_path / "events.txt", events, fmt, gz=gz)
    decoded = read_events(path)
    assert decoded.malformed == 0
    same(decoded.events, events)


@pytest.mark.parametrize("fmt", READABLE_FORMATS)
def test_hostile_cells_round_trip(tmp_path: Path, fmt: ExportFormat) -> None:
    items = hostile(carriage_return=fmt != "csv")
    decoded = read_events(write(tmp_path / "hostile", items, fmt))
    assert decoded.malformed == 0
    same(decoded.events, items)


def test_csv_export_really_neutralised_the_cells(tmp_path: Path) -> None:
    text = write(tmp_path / "h.csv", hostile(), "csv").read_text()
    assert "'=cmd" in text and "'@SUM" in text and "'-2+3" in text
    assert restore_cell("'=x") == "=x" and restore_cell("'x") == "'x"
    assert restore_cell("'") == "'" and restore_cell("''=") == "''="


@pytest.mark.parametrize("fmt", ["ndjson", "json"])
def test_many_chunks(
    tmp_path: Path, events: list[AuditEvent], fmt: ExportFormat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "CHUNK", 1000)  # a few events per chunk, lines cut anywhere
    seen: list[ReadProgress] = []
    decoded = read_events(write(tmp_path / "many", events, fmt, gz=True), seen.append)
    same(decoded.events, events)
    assert len(seen) > 10 and seen[-1].events == len(events)
    assert seen[-1].bytes_read == seen[-1].bytes_total


def test_bad_ndjson_lines_are_skipped_and_counted(tmp_path: Path, events: list[AuditEvent]) -> None:
    lines = [encode_event(e) for e in events[:5]]
    lines[1:1] = [b"", b"not json", b'{"event_uuid": "x"}', b"[1, 2]", b'{"truncated": ']
    (tmp_path / "bad.ndjson").write_bytes(b"\r\n".join(lines) + b"\n\n")
    decoded = read_events(tmp_path / "bad.ndjson")
    same(decoded.events, events[:5])
    assert decoded.malformed == 4


def test_bad_array_items_and_a_truncated_array(
    tmp_path: Path, events: list[AuditEvent], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"[" + b",".join([encode_event(events[0]), b'{"x": 1}', encode_event(events[1])])
    (tmp_path / "a.json").write_bytes(body + b"]")
    decoded = read_events(tmp_path / "a.json")
    same(decoded.events, events[:2])
    assert decoded.malformed == 1
    monkeypatch.setattr(sources, "CHUNK", 2000)
    data = write(tmp_path / "b.json", events[:40], "json").read_bytes()
    (tmp_path / "b.json").write_bytes(data[: len(data) * 3 // 4])  # cut mid-item
    cut = read_events(tmp_path / "b.json")
    assert 10 < len(cut.events) < 40 and cut.malformed == 1
    same(cut.events, events[: len(cut.events)])


def test_pretty_printed_array_envelope_and_single_event(
    tmp_path: Path, events: list[AuditEvent]
) -> None:
    array = msgspec.json.encode(events[:30])
    pretty = msgspec.json.format(array, indent=2)
    (tmp_path / "pretty").write_bytes(pretty)
    same_values(read_events(tmp_path / "pretty").events, events[:30])
    (tmp_path / "body").write_bytes(b'{"logs": ' + array + b"}")
    same(read_events(tmp_path / "body").events, events[:30])
    (tmp_path / "body.gz").write_bytes(gzip.compress(b'{\n  "logs": ' + pretty + b"}"))
    same_values(read_events(tmp_path / "body.gz").events, events[:30])
    (tmp_path / "one").write_bytes(msgspec.json.format(encode_event(events[0]), indent=4))
    same_values(read_events(tmp_path / "one").events, events[:1])


def test_bad_csv_rows_are_skipped_and_counted(tmp_path: Path, events: list[AuditEvent]) -> None:
    text = write(tmp_path / "c.csv", events[:3], "csv").read_text()
    header, *rows = text.splitlines(keepends=True)
    bad = [
        "not,enough,cells\r\n",
        rows[0].replace("true", "maybe").replace("false", "maybe"),
        rows[0].replace(rows[0].split(",")[0], "yesterday", 1),
    ]
    (tmp_path / "c.csv").write_text(header + rows[0] + "".join(bad) + "".join(rows[1:]) + "\r\n")
    decoded = read_events(tmp_path / "c.csv")
    same(decoded.events, events[:3])
    assert decoded.malformed == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (gzip.compress(b"", mtime=0), "is empty"),
        (b"hello world\n", "is not NDJSON"),
        (b"a,b,c\n1,2,3\n", "is not NDJSON"),
        (b"\x1f\x8b\x08\x00garbage", "Cannot read"),
    ],
)
def test_unusable_files_are_one_line_usage_errors(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "file"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError, match=message) as caught:
        read_events(path)
    assert "\n" not in str(caught.value)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="folder"):
        read_events(tmp_path)


def test_detect_format() -> None:
    assert detect_format(b'\xef\xbb\xbf  [{"a": 1}]') == "json"
    assert detect_format(b'{"event_uuid": "x"}\n{"event_uuid": "y"}\n') == "ndjson"
    assert detect_format(b'{"logs": []}') == "logs"
    assert detect_format(b'{\n  "logs": [') == "logs"
    assert detect_format(b"timestamp,event_uuid,client_ip,url\r\n") == "csv"
    assert detect_format(b"name,age\n") is None


async def test_file_source_loads_ranges_from_memory(
    tmp_path: Path, events: list[AuditEvent]
) -> None:
    path = write(tmp_path / "e.ndjson", events + events[:5], "ndjson")
    source = FileSource(path, Profile("default"))
    span = source.span()
    assert span.start == min(e.timestamp for e in events)
    assert source.credential is None and source.offline and not source.demo
    everything = await source.load(span)
    assert len(everything.events) == len(events) and everything.duplicates == 5
    stamps = [e.timestamp for e in everything.events]
    assert stamps == sorted(stamps, reverse=True)
    half = TimeRange(span.start, span.start + (span.end - span.start) / 2)
    part = await source.load(half)
    assert 0 < len(part.events) < len(events)
    assert part.out_of_range + len(part.events) + part.duplicates == len(events) + 5
    batches = [b async for b in source.stream(span, seen=set())]
    assert sum(len(b.events) for b in batches) == len(events)
    with pytest.raises(UsageError, match="is a file"):
        api_connection(source)  # no API behind a file: no client, no key


def test_file_source_without_events(tmp_path: Path) -> None:
    (tmp_path / "x.ndjson").write_bytes(b'{"event_uuid": 1}\n')
    with pytest.raises(UsageError, match=r"no readable events \(1 bad"):
        FileSource(tmp_path / "x.ndjson", Profile("default")).span()
