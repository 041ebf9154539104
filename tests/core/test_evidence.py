"""The evidence bundle (`auditui.evidence`): what it writes (a folder or a zip, private,
oldest first, with every digest), never overwriting and nothing half-made when writing
fails; `verify` on zips (a member changed, left out, added, copied, a byte flipped in the
zip) and on what is not a bundle. Tampering with a folder bundle: test_evidence_tamper.py.
Time is pinned: the bundle's `generated_at` is given, never read from the clock.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from auditui.errors import StorageError, UsageError
from auditui.events import AuditEvent
from auditui.evidence import verify, write_bundle
from auditui.export import write_events
from tests.helpers.evidence import (
    ALL_FILES,
    FILES,
    file_mode,
    info,
    make_events,
    sha,
    texts,
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
        assert entry == f"{sha(ndjson_line)}  {event.event_uuid}"

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
        assert entry == {"name": name, "bytes": len(data), "sha256": sha(data)}

    sums = (bundle / "SHA256SUMS").read_text().splitlines()
    assert sums == [f"{sha((bundle / name).read_bytes())}  {name}" for name in FILES]
    sums_digest = sha((bundle / "SHA256SUMS").read_bytes())
    assert texts(verify(str(bundle))) == [
        f"OK: 6 files, 8 events match the manifest; SHA-256 of SHA256SUMS: {sums_digest}"
    ]


def test_files_are_private_unless_the_umaskfile_mode(out: Path, events: list[AuditEvent]) -> None:
    private = out / "private"
    write_bundle(events, private, info())
    assert file_mode(private) == 0o700
    assert {file_mode(p) for p in private.iterdir()} == {0o600}
    old = os.umask(0o022)
    try:
        shared = out / "shared"
        write_bundle(events, shared, info(), mode="umask")
        zipped = out / "shared.zip"
        write_bundle(events, zipped, info(), mode="umask")
    finally:
        os.umask(old)
    assert file_mode(shared) == 0o755
    assert {file_mode(p) for p in shared.iterdir()} == {0o644}
    assert file_mode(zipped) == 0o644
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
    assert file_mode(target) == 0o600
    with zipfile.ZipFile(target) as archive:
        names = [i.filename for i in archive.infolist() if not i.is_dir()]
        assert names == [f"evidence/{name}" for name in ALL_FILES]
        for name in ("events.ndjson", "events.csv", "events.sha256"):  # same as the folder
            assert archive.read(f"evidence/{name}") == (bundle / name).read_bytes()
        readme = archive.read("evidence/README.txt").decode()
        sums = archive.read("evidence/SHA256SUMS")
    assert "unzip evidence.zip" in readme and "sha256sum -c SHA256SUMS" in readme
    assert summary.sums_sha256 == sha(sums)
    assert texts(verify(str(target))) == [
        f"OK: 6 files, 8 events match the manifest; SHA-256 of SHA256SUMS: {sha(sums)}"
    ]
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
    sums_digest = sha((target / "SHA256SUMS").read_bytes())
    assert texts(verify(str(target))) == [
        f"OK: 6 files, 0 events match the manifest; SHA-256 of SHA256SUMS: {sums_digest}"
    ]


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
