"""`verify` on a tampered folder bundle: a byte changed in each file, a file deleted or
added, the manifest or SHA256SUMS edited (each named as the one changed file), and events
edited, deleted, added, copied, moved or no longer JSON in events.ndjson (named by uuid and
line) or in events.csv (by uuid and row).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from auditui.evidence import verify, write_bundle
from tests.helpers.evidence import (
    ALL_FILES,
    FILES,
    flip_a_byte,
    info,
    make_events,
    sha,
    texts,
)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    target = tmp_path / "evidence"
    write_bundle(make_events(), target, info())
    return target


def uuid_at(folder: Path, line: int) -> str:
    text = (folder / "events.ndjson").read_text().splitlines()[line - 1]
    return str(json.loads(text)["event_uuid"])


# -- verify: files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_a_byte_changed_in_any_file_names_that_file(bundle: Path, name: str) -> None:
    flip_a_byte(bundle / name)
    problems = texts(verify(str(bundle)))
    assert problems[0].startswith(f"changed file {name}"), problems
    if name == "events.ndjson":  # and the event on that line, by uuid
        assert problems[1:] == [f"changed event {uuid_at(bundle, 1)} (line 1 of events.ndjson)"]
    elif name == "events.csv":  # byte 10 is in the header row
        assert problems[1:] == ["changed file events.csv: its header row was edited"]
    else:
        assert len(problems) == 1, problems


def test_a_byte_changed_in_sha256sums_names_it(bundle: Path) -> None:
    flip_a_byte(bundle / "SHA256SUMS", at=70)  # inside a file name: `evenbs.ndjson`
    (problem,) = texts(verify(str(bundle)))
    assert problem.startswith("changed file SHA256SUMS: its line for events.ndjson, evenbs.ndjson")
    assert problem.endswith("no longer matches manifest.json")


def test_an_edited_manifest_value_names_the_manifest(bundle: Path) -> None:
    path = bundle / "manifest.json"
    path.write_text(path.read_text().replace("status:failure", "status:success"))
    assert texts(verify(str(bundle))) == [
        "changed file manifest.json: its digest (self_sha256) no longer matches it"
    ]


def test_a_manifest_rewritten_with_its_own_digest_is_still_caught(bundle: Path) -> None:
    path = bundle / "manifest.json"
    data = path.read_bytes().replace(b"status:failure", b"status:success")
    pattern = rb'"self_sha256": "[0-9a-f]{64}"'
    zeroed = re.sub(pattern, b'"self_sha256": "' + b"0" * 64 + b'"', data)
    own = hashlib.sha256(zeroed).hexdigest().encode()
    path.write_bytes(re.sub(pattern, b'"self_sha256": "' + own + b'"', data))
    (problem,) = texts(verify(str(bundle)))
    assert problem.startswith("changed file SHA256SUMS: its digest of manifest.json")


def test_a_manifest_listing_edited_is_the_manifest_not_the_file(bundle: Path) -> None:
    path = bundle / "manifest.json"
    digest = sha((bundle / "events.csv").read_bytes())
    path.write_text(path.read_text().replace(digest, "0" * 64))
    assert texts(verify(str(bundle))) == [
        "changed file manifest.json: its digest (self_sha256) no longer matches it"
    ]


@pytest.mark.parametrize("name", ALL_FILES)
def test_a_deleted_file_is_named(bundle: Path, name: str) -> None:
    (bundle / name).unlink()
    assert texts(verify(str(bundle))) == [f"missing file {name}"]


def test_added_files_and_folders_are_named(bundle: Path) -> None:
    (bundle / "notes.txt").write_text("hello")
    (bundle / "sub").mkdir()
    (bundle / "sub" / "more.csv").write_text("a,b")
    (bundle / "empty").mkdir()
    assert texts(verify(str(bundle))) == [
        "added file notes.txt",
        "added file sub/more.csv",
        "added file empty/",
    ]


def test_sha256sums_with_a_line_added_is_named(bundle: Path) -> None:
    with open(bundle / "SHA256SUMS", "a") as sums:
        sums.write(f"{'0' * 64}  other.txt\n")
    assert texts(verify(str(bundle))) == [
        "changed file SHA256SUMS: its line for other.txt no longer matches manifest.json"
    ]


# -- verify: events --------------------------------------------------------------------------


def _ndjson_lines(bundle: Path) -> list[str]:
    return (bundle / "events.ndjson").read_text().splitlines(keepends=True)


def _write_lines(bundle: Path, lines: list[str]) -> None:
    (bundle / "events.ndjson").write_text("".join(lines))


def test_an_edited_event_is_named_by_uuid_and_line(bundle: Path) -> None:
    lines = _ndjson_lines(bundle)
    uuid = json.loads(lines[4])["event_uuid"]
    lines[4] = lines[4].replace('"status":"success"', '"status":"failure"')
    _write_lines(bundle, lines)
    problems = texts(verify(str(bundle)))
    assert problems[0].startswith("changed file events.ndjson")
    assert problems[1:] == [f"changed event {uuid} (line 5 of events.ndjson)"]


def test_a_deleted_event_is_named_with_its_line(bundle: Path) -> None:
    lines = _ndjson_lines(bundle)
    uuid = json.loads(lines[2])["event_uuid"]
    del lines[2]
    _write_lines(bundle, lines)
    assert texts(verify(str(bundle)))[1:] == [f"missing event {uuid}: it was line 3"]


def test_an_added_event_and_a_copy_are_named(bundle: Path) -> None:
    lines = _ndjson_lines(bundle)
    forged = lines[0].replace('"event_uuid":"00000000', '"event_uuid":"99999999')
    uuid = json.loads(forged)["event_uuid"]
    _write_lines(bundle, [*lines[:3], forged, *lines[3:], lines[1]])
    assert texts(verify(str(bundle)))[1:] == [
        f"added event {uuid} (line 4 of events.ndjson)",
        f"added event {json.loads(lines[1])['event_uuid']} (line 10 of events.ndjson): "
        "a second copy",
    ]


def test_a_moved_event_and_a_line_that_is_not_json(bundle: Path) -> None:
    lines = _ndjson_lines(bundle)
    moved = json.loads(lines[0])["event_uuid"]
    broken = json.loads(lines[3])["event_uuid"]
    lines[3] = "{not json\n"
    _write_lines(bundle, [*lines[1:], lines[0]])
    assert texts(verify(str(bundle)))[1:] == [
        f"moved event {moved} (line 8 of events.ndjson): it was line 1",
        f"changed event {broken} (line 3 of events.ndjson): no longer a JSON event",
    ]


def test_an_edited_uuid_is_one_changed_event(bundle: Path) -> None:
    lines = _ndjson_lines(bundle)
    uuid = json.loads(lines[1])["event_uuid"]
    lines[1] = lines[1].replace(uuid, "forged-uuid")
    _write_lines(bundle, lines)
    assert texts(verify(str(bundle)))[1:] == [
        f"changed event {uuid} (line 2 of events.ndjson): its event_uuid now reads forged-uuid"
    ]


def test_csv_rows_edited_or_deleted_name_their_events(bundle: Path) -> None:
    path = bundle / "events.csv"
    rows = path.read_text().splitlines(keepends=True)  # no line breaks inside these cells
    edited, deleted = rows[2].split(",")[1], rows[5].split(",")[1]
    rows[2] = rows[2].replace("maya", "mallory").replace("u7@", "mallory@")
    del rows[5]
    path.write_text("".join(rows))
    problems = texts(verify(str(bundle)))
    assert problems[0].startswith("changed file events.csv")
    assert problems[1:] == [
        f"changed event {edited} (row 2 of events.csv)",
        f"missing event {deleted}: it was row 5 of events.csv",
    ]


def test_an_edited_event_digest_list_is_that_file_only(bundle: Path) -> None:
    path = bundle / "events.sha256"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[1:]))  # an event's digest line removed
    problems = texts(verify(str(bundle)))
    assert len(problems) == 1 and problems[0].startswith("changed file events.sha256")
