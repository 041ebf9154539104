"""The marks store and its file: format, 0600, corrupt/newer kept aside, merging instances."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from auditui.errors import UsageError
from auditui.marks import MARKS_VERSION, MAX_NOTE_CHARS, Mark, MarkFile, Marks, marks_path
from auditui.paths import state_dir

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOST = "https://app.datafold.com"


def test_toggle_note_and_journal() -> None:
    marks = Marks()
    assert marks.toggle("u1", NOW) is True
    assert "u1" in marks and marks.note("u1") == ""
    marks.set_note("u2", "check this", NOW)  # a note implies a mark
    assert marks.get("u2") == Mark(NOW, "check this")
    marks.set_note("u2", "  \n", NOW)  # an empty note: the mark stays
    assert "u2" in marks and marks.note("u2") == ""
    assert marks.toggle("u1", NOW) is False  # unmarked
    assert marks.notes() == {"u2": ""}
    assert marks.dirty


def test_note_too_long_is_refused_and_nothing_changes() -> None:
    marks = Marks()
    with pytest.raises(UsageError, match="too long"):
        marks.set_note("u", "x" * (MAX_NOTE_CHARS + 1), NOW)
    assert len(marks) == 0 and not marks.dirty


def test_path_per_profile_and_host() -> None:
    one = marks_path("default", HOST)
    assert one.parent == state_dir() / "marks"
    assert one.name.startswith("default-") and one.suffix == ".json"
    assert marks_path("default", "https://eu.datafold.com") != one
    assert marks_path("other", HOST) != one


def test_save_is_private_and_round_trips_a_hostile_note() -> None:
    note = "[bold red]x[/]\x1b]52;c;AAAA\x07\u202e" + "é" * 50_000 + "\n\t\\"  # ~100 KB
    file = MarkFile("default", HOST)
    marks = Marks()
    marks.set_note("u1", note, NOW)
    assert file.save(marks) is None
    assert stat.S_IMODE(file.path.stat().st_mode) == 0o600
    loaded, warning = MarkFile("default", HOST).load()
    assert warning is None
    assert loaded.note("u1") == note  # byte for byte: nothing interpreted or dropped
    document = json.loads(file.path.read_text("utf-8"))
    assert document["version"] == MARKS_VERSION and document["host"] == HOST
    assert document["profile"] == "default"


def test_missing_file_is_no_marks() -> None:
    marks, warning = MarkFile("default", HOST).load()
    assert len(marks) == 0 and warning is None


@pytest.mark.parametrize(
    ("content", "why", "words"),
    [
        (b"{not json", "corrupt", "could not be read"),
        (b'{"version": 1, "marks": {"u": 5}}', "corrupt", "could not be read"),
        (b'{"version": 99, "marks": {}}', "newer", "newer auditui (format 99)"),
        (
            msgspec.json.encode({"version": 1, "profile": "default", "host": "https://x"}),
            "corrupt",
            "another profile or host",
        ),
    ],
)
def test_a_bad_file_is_kept_aside_with_one_line(content: bytes, why: str, words: str) -> None:
    file = MarkFile("default", HOST)
    file.path.parent.mkdir(parents=True)
    file.path.write_bytes(content)
    marks, warning = file.load()
    assert len(marks) == 0
    assert warning is not None and "\n" not in warning and words in warning
    kept = list(file.path.parent.glob(f"{file.path.name}.{why}-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content  # never emptied
    assert not file.path.exists()
    marks.toggle("u", NOW)
    assert file.save(marks) is None  # a fresh file beside the kept one
    assert kept[0].read_bytes() == content


def test_a_file_gone_bad_meanwhile_is_kept_aside_when_saving() -> None:
    file = MarkFile("default", HOST)
    marks, _ = file.load()
    file.path.parent.mkdir(parents=True)
    file.path.write_bytes(b"\x00garbage")
    marks.toggle("u", NOW)
    warning = file.save(marks)
    assert warning is not None and "kept as" in warning
    assert list(file.path.parent.glob("*.corrupt-*"))
    assert MarkFile("default", HOST).load()[0].notes() == {"u": ""}


def test_two_instances_merge_and_lose_no_mark() -> None:
    file_a, file_b = MarkFile("default", HOST), MarkFile("default", HOST)
    seed = Marks()
    seed.toggle("shared", NOW)
    seed.set_note("noted", "old", NOW)
    file_a.save(seed)
    a, _ = file_a.load()
    b, _ = file_b.load()
    a.toggle("only-a", NOW)
    a.toggle("shared", NOW)  # a unmarks it
    b.toggle("only-b", NOW)
    b.set_note("noted", "new from b", NOW)
    file_a.save(a)
    file_b.save(b)  # the last write merges: a's changes stay
    final, _ = MarkFile("default", HOST).load()
    assert final.notes() == {"only-a": "", "only-b": "", "noted": "new from b"}
    assert b.notes() == final.notes()  # b now sees a's marks too
    file_a.save(a)  # nothing new from a: b's changes stay as well
    assert MarkFile("default", HOST).load()[0].notes() == final.notes()


def test_concurrent_savers_in_processes_lose_nothing(tmp_path: Path) -> None:
    import multiprocessing

    folder = tmp_path / "m"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_mark_many, args=(folder, n)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    marks, _ = MarkFile("default", HOST, folder / "x.json").load()
    assert set(marks) == {f"{n}-{i}" for n in range(4) for i in range(15)}


def _mark_many(folder: Path, n: int) -> None:
    folder.mkdir(exist_ok=True)
    file = MarkFile("default", HOST, folder / "x.json")
    marks, _ = file.load()
    for i in range(15):
        marks.toggle(f"{n}-{i}", NOW)
        file.save(marks)
