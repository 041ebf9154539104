"""The evidence bundle (`auditui.evidence`): what it writes, and `verify` naming every kind
of tampering (a byte changed in each file, a file deleted or added, an event line edited,
deleted, added or moved, the manifest or SHA256SUMS edited), as a folder and as a zip;
never overwriting, and nothing half-made left when writing fails. Time is pinned: the
bundle's `generated_at` is given, never read from the clock.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditui.errors import StorageError, UsageError
from auditui.events import AuditEvent
from auditui.evidence import BundleInfo, VerifyReport, verify, write_bundle
from auditui.export import write_events
from auditui.timespec import TimeRange
from tests.helpers.events import decode, raw

GENERATED_AT = datetime(2026, 11, 27, 12, 30, tzinfo=UTC)
RANGE = TimeRange(datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 27, tzinfo=UTC))
FILES = ("events.ndjson", "events.csv", "events.sha256", "README.txt", "manifest.json")
ALL_FILES = (*FILES, "SHA256SUMS")


def make_events(count: int = 8) -> list[AuditEvent]:
    """`count` events newest first (as a load returns them), payloads and text varied."""
    items = [
        raw(n, payload={"n": n, "note": f"=cmd|{n}"}, user_email=f"u{n}@acme.com")
        for n in range(1, count + 1)
    ]
    return decode(*items)  # raw(n) steps an hour back per n: newest first


def info(query: str = "status:failure") -> BundleInfo:
    return BundleInfo(
        time_range=RANGE,
        query=query,
        host="https://app.datafold.com",
        profile="default",
        version="9.9.9",
        generated_at=GENERATED_AT,
    )


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder of its own for the bundles (tmp_path also holds the test's HOME)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def events() -> list[AuditEvent]:
    return make_events()


@pytest.fixture
def bundle(out: Path, events: list[AuditEvent]) -> Path:
    target = out / "evidence"
    write_bundle(events, target, info())
    return target


def texts(report: VerifyReport) -> list[str]:
    return report.lines()


def uuid_at(folder: Path, line: int) -> str:
    text = (folder / "events.ndjson").read_text().splitlines()[line - 1]
    return str(json.loads(text)["event_uuid"])


# -- writing --------------------------------------------------------------------------------


def test_a_folder_holds_the_events_oldest_first_with_every_digest(
    bundle: Path, events: list[AuditEvent]
) -> None:
    assert sorted(p.name for p in bundle.iterdir()) == sorted(ALL_FILES)
    oldest_first = events[::-1]
    ndjson, csv_out = io.BytesIO(), io.BytesIO()
    write_events(oldest_first, ndjson, "ndjson")
    write_events(oldest_first, csv_out, "csv")
    assert (bundle / "events.ndjson").read_bytes() == ndjson.getvalue()  # fetch's encoders
    assert (bundle / "events.csv").read_bytes() == csv_out.getvalue()
    stamps = [json.loads(line)["timestamp"] for line in ndjson.getvalue().splitlines()]
    assert stamps == sorted(stamps) and len(stamps) == len(events)

    per_event = (bundle / "events.sha256").read_text().splitlines()
    for line, (entry, event) in enumerate(zip(per_event, oldest_first, strict=True), 1):
        ndjson_line = ndjson.getvalue().splitlines(keepends=True)[line - 1]
        assert entry == f"{hashlib.sha256(ndjson_line).hexdigest()}  {event.event_uuid}"

    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["range"] == {"start": "2026-11-25T00:00:00Z", "end": "2026-11-27T00:00:00Z"}
    assert manifest["generated_at"] == "2026-11-27T12:30:00Z"
    assert (manifest["query"], manifest["host"], manifest["profile"]) == (
        "status:failure",
        "https://app.datafold.com",
        "default",
    )
    assert manifest["auditui_version"] == "9.9.9" and manifest["counts"]["events"] == 8
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == {"events.ndjson", "events.csv", "events.sha256", "README.txt"}
    for name, entry in listed.items():
        data = (bundle / name).read_bytes()
        assert entry == {"name": name, "bytes": len(data), "sha256": _sha(data)}

    sums = (bundle / "SHA256SUMS").read_text().splitlines()
    assert sums == [f"{_sha((bundle / name).read_bytes())}  {name}" for name in FILES]
    assert texts(verify(str(bundle))) == ["OK: 6 files, 8 events match the manifest"]


def test_files_are_private_unless_the_umask_mode(out: Path, events: list[AuditEvent]) -> None:
    private = out / "private"
    write_bundle(events, private, info())
    assert _mode(private) == 0o700
    assert {_mode(p) for p in private.iterdir()} == {0o600}
    old = os.umask(0o022)
    try:
        shared = out / "shared"
        write_bundle(events, shared, info(), mode="umask")
        zipped = out / "shared.zip"
        write_bundle(events, zipped, info(), mode="umask")
    finally:
        os.umask(old)
    assert _mode(shared) == 0o755
    assert {_mode(p) for p in shared.iterdir()} == {0o644}
    assert _mode(zipped) == 0o644
    with zipfile.ZipFile(zipped) as archive:
        assert {i.external_attr >> 16 & 0o777 for i in archive.infolist() if not i.is_dir()} == {
            0o644
        }


def test_a_zip_holds_the_same_files_in_one_folder(
    out: Path, bundle: Path, events: list[AuditEvent]
) -> None:
    target = out / "evidence.zip"
    summary = write_bundle(events, target, info())
    assert summary.zipped and summary.events == 8 and summary.files == 6
    assert _mode(target) == 0o600
    with zipfile.ZipFile(target) as archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        assert names == [f"evidence/{name}" for name in ALL_FILES]
        for name in ("events.ndjson", "events.csv", "events.sha256"):  # same as the folder
            assert archive.read(f"evidence/{name}") == (bundle / name).read_bytes()
        readme = archive.read("evidence/README.txt").decode()
        sums = archive.read("evidence/SHA256SUMS")
    assert "unzip evidence.zip" in readme and "sha256sum -c SHA256SUMS" in readme
    assert summary.sums_sha256 == _sha(sums)
    assert texts(verify(str(target))) == ["OK: 6 files, 8 events match the manifest"]
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_the_readme_says_how_to_check_without_auditui(bundle: Path) -> None:
    readme = (bundle / "README.txt").read_text()
    for words in (
        "sha256sum -c SHA256SUMS",
        "sed -n 5p events.ndjson | sha256sum",
        "status:failure",
    ):
        assert words in readme
    for name in ALL_FILES:
        assert f"\n{name}" in readme  # each file is explained


def test_hostile_query_text_is_inert_in_the_readme_and_manifest(
    out: Path, events: list[AuditEvent]
) -> None:
    target = out / "hostile"
    write_bundle(events, target, info(query="user:x\x1b]52;c;AAAA\x07 \u202e"))
    for name in ("README.txt", "manifest.json"):
        data = (target / name).read_bytes()
        assert b"\x1b" not in data and b"\x07" not in data and "\u202e".encode() not in data
    assert json.loads((target / "manifest.json").read_text())["query"].startswith("user:x\x1b")
    assert verify(str(target)).ok


def test_no_events_is_still_a_bundle(out: Path) -> None:
    target = out / "empty"
    write_bundle([], target, info())
    assert (target / "events.ndjson").read_bytes() == b""
    assert (target / "events.csv").read_text().startswith("timestamp,event_uuid,")
    assert texts(verify(str(target))) == ["OK: 6 files, 0 events match the manifest"]


# -- never overwrite, nothing half-made -----------------------------------------------------


@pytest.mark.parametrize("name", ["evidence", "evidence.zip"])
@pytest.mark.parametrize("existing", ["folder", "file", "dangling link"])
def test_an_existing_path_is_never_overwritten(
    out: Path, events: list[AuditEvent], name: str, existing: str
) -> None:
    target = out / name
    if existing == "folder":
        target.mkdir()
    elif existing == "file":
        target.write_text("keep me")
    else:
        target.symlink_to(out / "nowhere")
    with pytest.raises(UsageError) as caught:
        write_bundle(events, target, info())
    assert "already exists" in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == [name]
    if existing == "file":
        assert target.read_text() == "keep me"


def test_a_missing_folder_is_one_line(out: Path, events: list[AuditEvent]) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        write_bundle(events, out / "nope" / "evidence", info())


@pytest.mark.parametrize("name", ["evidence", "evidence.zip"])
def test_a_full_disk_is_one_line_and_leaves_nothing(
    out: Path, events: list[AuditEvent], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(StorageError) as caught:
        write_bundle(events, out / name, info())
    text = str(caught.value)
    assert text.startswith(f"Cannot write {out / name}: no space left") and "\n" not in text
    assert list(out.iterdir()) == []  # no bundle, no temp folder or file


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
@pytest.mark.parametrize("name", ["evidence", "evidence.zip"])
def test_a_read_only_folder_is_one_line(out: Path, events: list[AuditEvent], name: str) -> None:
    parent = out / "ro"
    parent.mkdir()
    os.chmod(parent, 0o500)
    try:
        with pytest.raises(StorageError, match="permission denied"):
            write_bundle(events, parent / name, info())
    finally:
        os.chmod(parent, 0o700)
    assert list(parent.iterdir()) == []


# -- verify: files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_a_byte_changed_in_any_file_names_that_file(bundle: Path, name: str) -> None:
    _flip_a_byte(bundle / name)
    problems = texts(verify(str(bundle)))
    assert problems[0].startswith(f"changed file {name}"), problems
    if name == "events.ndjson":  # and the event on that line, by uuid
        assert problems[1:] == [f"changed event {uuid_at(bundle, 1)} (line 1 of events.ndjson)"]
    elif name == "events.csv":  # byte 10 is in the header row
        assert problems[1:] == ["changed file events.csv: its header row was edited"]
    else:
        assert len(problems) == 1, problems


def test_a_byte_changed_in_sha256sums_names_it(bundle: Path) -> None:
    _flip_a_byte(bundle / "SHA256SUMS", at=70)  # inside a file name: `evenbs.ndjson`
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
    digest = _sha((bundle / "events.csv").read_bytes())
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


# -- verify: zips ----------------------------------------------------------------------------


@pytest.fixture
def zipped(out: Path, events: list[AuditEvent]) -> Path:
    target = out / "evidence.zip"
    write_bundle(events, target, info())
    return target


def _rebuild(
    zipped: Path, change: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> None:
    """Rewrite the zip with members replaced (bytes) or left out (None), as a forger would."""
    with zipfile.ZipFile(zipped) as archive:
        members = [(i, archive.read(i)) for i in archive.infolist()]
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members:
            name = member.filename.partition("/")[2]
            if name in change:
                replaced = change[name]
                if replaced is None:
                    continue
                data = replaced
            archive.writestr(member, data)
        for name, data in (add or {}).items():
            archive.writestr(name, data)


def _member(zipped: Path, name: str) -> bytes:
    with zipfile.ZipFile(zipped) as archive:
        return archive.read(f"evidence/{name}")


@pytest.mark.parametrize("name", ALL_FILES)
def test_a_zip_member_changed_is_named(zipped: Path, name: str) -> None:
    data = bytearray(_member(zipped, name))
    data[40] ^= 0x01
    _rebuild(zipped, {name: bytes(data)})
    problems = texts(verify(str(zipped)))
    assert problems and problems[0].startswith(f"changed file {name}"), problems


@pytest.mark.parametrize("name", ALL_FILES)
def test_a_zip_member_left_out_is_named(zipped: Path, name: str) -> None:
    _rebuild(zipped, {name: None})
    assert texts(verify(str(zipped))) == [f"missing file {name}"]


def test_zip_members_added_are_named(zipped: Path) -> None:
    _rebuild(zipped, {}, {"evidence/extra.txt": b"x", "outside.txt": b"y"})
    assert texts(verify(str(zipped))) == ["added file extra.txt", "added file outside.txt"]


def test_a_second_copy_of_a_zip_member_is_named(zipped: Path) -> None:
    with zipfile.ZipFile(zipped, "a") as archive, pytest.warns(UserWarning, match="Duplicate"):
        archive.writestr("evidence/events.csv", b"forged\n")
    problems = texts(verify(str(zipped)))
    assert "added file evidence/events.csv (a second copy in the zip)" in problems


def test_a_byte_flipped_inside_the_zip_file_is_named(zipped: Path) -> None:
    data = bytearray(zipped.read_bytes())
    start = data.index(b"evidence/events.ndjson") + len(b"evidence/events.ndjson") + 40
    data[start] ^= 0xFF  # inside the compressed events: the member's CRC or inflate fails
    zipped.write_bytes(bytes(data))
    problems = texts(verify(str(zipped)))
    assert problems and problems[0].startswith("changed file events.ndjson"), problems
    assert "unreadable in the zip" in problems[0]


# -- verify: not a bundle --------------------------------------------------------------------


def test_what_is_not_a_bundle_is_one_usage_line(out: Path) -> None:
    (out / "folder").mkdir()
    (out / "folder" / "manifest.json").write_text('{"name": "some other tool"}')
    (out / "file.txt").write_text("hello")
    with zipfile.ZipFile(out / "other.zip", "w") as archive:
        archive.writestr("a.txt", "a")
    for path in ("folder", "file.txt", "other.zip", "missing"):
        with pytest.raises(UsageError) as caught:
            verify(str(out / path))
        assert caught.value.exit_code == 2 and "\n" not in str(caught.value)


def test_a_copied_bundle_still_verifies(out: Path, bundle: Path) -> None:
    copy = out / "copy"
    shutil.copytree(bundle, copy)
    assert verify(str(copy)).ok


# -- helpers ---------------------------------------------------------------------------------


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _flip_a_byte(path: Path, at: int = 10) -> None:
    data = bytearray(path.read_bytes())
    data[at] = ord("b") if data[at] != ord("b") else ord("c")
    path.write_bytes(bytes(data))
