"""Saved views: per profile in the state dir, atomic 0600, config [views] read-only,
names checked, a damaged or newer file kept aside with one line, merged on write."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from auditui.config.settings import KNOWN_COLUMNS, load_settings
from auditui.config.views import (
    SavedView,
    ViewBook,
    ViewError,
    check_name,
    view_from_table,
    views_file,
)
from auditui.errors import ConfigError
from auditui.paths import state_dir


def _view(name: str = "fails", **parts: object) -> SavedView:
    values: dict[str, object] = {
        "query": "status:failure",
        "columns": ("time", "user", "status"),
        "sort": "user",
        "descending": True,
        "since": "7d",
    }
    values.update(parts)
    return SavedView(name=name, **values)  # type: ignore[arg-type]


def test_views_file_is_per_profile_in_the_state_dir() -> None:
    assert views_file("work") == state_dir() / "views" / "work.json"
    assert views_file("work") != views_file("default")
    assert views_file("../../etc/passwd") == views_file("default")


def test_missing_file_means_no_views_and_creates_nothing() -> None:
    book = ViewBook("default")
    assert book.names() == []
    assert book.notice is None
    assert not views_file("default").exists()


def test_save_then_load_gives_the_same_view_and_the_file_is_private() -> None:
    ViewBook("default").save(_view())
    path = views_file("default")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    book = ViewBook("default")
    assert book.names() == ["fails"]
    assert book["fails"] == _view()
    assert ViewBook("other").names() == []  # per profile
    assert [p.name for p in path.parent.iterdir()] == ["default.json"]  # no temp left


def test_absolute_range_round_trips() -> None:
    view = _view(since=None, start="2026-11-01T00:00:00+00:00", end="2026-11-02T00:00:00+00:00")
    ViewBook("default").save(view)
    assert ViewBook("default")["fails"] == view


def test_save_over_an_existing_name_replaces_it() -> None:
    book = ViewBook("default")
    book.save(_view())
    book.save(_view(query="user:ann"))
    assert ViewBook("default")["fails"].query == "user:ann"


def test_rename_and_delete() -> None:
    book = ViewBook("default")
    book.save(_view("a"))
    book.save(_view("b", query="action:login"))
    renamed = book.rename("a", "c")
    assert renamed.name == "c" and renamed.query == "status:failure"
    assert ViewBook("default").names() == ["b", "c"]
    book.delete("b")
    assert ViewBook("default").names() == ["c"]
    with pytest.raises(ViewError, match=r"Unknown view 'zz' \(known: c\)"):
        book.delete("zz")
    with pytest.raises(ViewError, match="Unknown view"):
        book.rename("zz", "y")


def test_two_books_saving_at_once_keep_both_views() -> None:
    first, second = ViewBook("default"), ViewBook("default")
    first.save(_view("a"))
    second.save(_view("b"))  # `second` read before `a` was written
    assert ViewBook("default").names() == ["a", "b"]
    first.delete("a")
    assert ViewBook("default").names() == ["b"]  # `b`, saved by the other, survives


@pytest.mark.parametrize(
    "name", ["", " lead", "trail ", "-x", "a/b", "../x", "x\ny", "é", "a" * 65, "tab\tx", "[x]"]
)
def test_bad_names_are_refused_in_one_line(name: str) -> None:
    with pytest.raises(ViewError) as info:
        ViewBook("default").save(_view(name))
    assert "\n" not in str(info.value)
    assert "letters, digits" in str(info.value)
    assert not views_file("default").exists()


@pytest.mark.parametrize("name", ["a", "failures", "Ann's"[:3], "on-call 2", "v1.2_x", "9" * 64])
def test_good_names(name: str) -> None:
    assert check_name(name) == name


def test_unknown_view_lists_the_known_names() -> None:
    book = ViewBook("default")
    with pytest.raises(ViewError, match="known: none yet"):
        book.get("x")
    book.save(_view("b"))
    book.save(_view("a"))
    with pytest.raises(ViewError, match=r"\(known: a, b\)") as info:
        book.get("x")
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"not json", "damaged"),
        (b"\xff\xfe", "damaged"),
        (b"[1, 2]", "damaged"),
        (b'{"version": 1, "views": [{"query": "x"}]}', "damaged"),
        (b'{"version": 2, "views": []}', "newer auditui"),
    ],
)
def test_a_damaged_or_newer_file_is_kept_aside_with_one_line(content: bytes, why: str) -> None:
    path = views_file("default")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    book = ViewBook("default")
    assert book.names() == []
    assert book.notice is not None and why in book.notice and "\n" not in book.notice
    assert "default.json.corrupt" in book.notice
    aside = path.with_name("default.json.corrupt")
    assert aside.read_bytes() == content  # never silently emptied
    assert not path.exists()
    book.save(_view())
    assert ViewBook("default").names() == ["fails"]
    assert aside.read_bytes() == content


def test_a_second_damaged_file_does_not_overwrite_the_first_kept_one() -> None:
    path = views_file("default")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"one")
    ViewBook("default")
    path.write_bytes(b"two")
    book = ViewBook("default")
    assert "default.json.corrupt-2" in (book.notice or "")
    assert path.with_name("default.json.corrupt").read_bytes() == b"one"
    assert path.with_name("default.json.corrupt-2").read_bytes() == b"two"


def test_a_bad_entry_in_a_good_file_is_skipped() -> None:
    path = views_file("default")
    path.parent.mkdir(parents=True)
    doc = {
        "version": 1,
        "views": [
            {"name": "../x"},
            {"name": "ok", "query": "a"},
            {
                "name": "late",
                "start": "2026-11-02T00:00:00+00:00",
                "end": "2026-11-01T00:00:00+00:00",
            },
            {"name": "naive", "start": "2026-11-01T00:00:00", "end": "2026-11-02T00:00:00"},
            {"name": "garbled", "start": "yesterday", "end": "2026-11-02T00:00:00+00:00"},
            {"name": "half", "start": "2026-11-01T00:00:00+00:00"},
            {"name": "when", "since": "soon"},
        ],
    }
    path.write_text(json.dumps(doc))
    book = ViewBook("default")
    assert book.names() == ["ok"] and book.notice is None


def _write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_config_views_are_read_and_read_only(tmp_path: Path) -> None:
    config = _write_config(
        tmp_path,
        '[views.failures]\nquery = "status:failure"\nsince = "7d"\n'
        'columns = ["time", "user", "status"]\nsort = "user"\n\n'
        '[views.nov]\nfrom = "2026-11-01"\nto = "2026-11-02"\n',
    )
    settings = load_settings(config)
    book = settings.view_book("default")
    failures = book["failures"]
    assert failures == SavedView(
        name="failures",
        query="status:failure",
        since="7d",
        columns=("time", "user", "status"),
        sort="user",
    )
    assert book["nov"].start == "2026-11-01T00:00:00+00:00"
    assert book["nov"].end == "2026-11-03T00:00:00+00:00"  # `to` a day: as --to, all of it
    assert book.read_only("failures")
    for attempt in (
        lambda: book.delete("failures"),
        lambda: book.rename("failures", "x"),
        lambda: book.save(_view("failures")),
    ):
        with pytest.raises(
            ViewError,
            match=r"defined in .*config.toml \(\[views.failures\]\) "
            r"and is read-only",
        ):
            attempt()
    assert not views_file("default").exists()
    book.save(_view("mine"))
    with pytest.raises(ViewError, match="read-only"):
        book.rename("mine", "failures")  # would hide behind the config's
    assert settings.view_book("default").names() == ["failures", "mine", "nov"]


def test_a_saved_view_a_config_view_hides_can_still_be_renamed_and_deleted(
    tmp_path: Path,
) -> None:
    saved = load_settings(_write_config(tmp_path, "")).view_book("default")
    saved.save(_view("failures"))
    saved.save(_view("denied", query="status:denied"))
    config = _write_config(
        tmp_path, '[views.failures]\nquery = "a"\n\n[views.denied]\nquery = "b"\n'
    )
    book = load_settings(config).view_book("default")
    assert book["failures"].query == "a"  # the config's opens
    assert book.hidden() == ["denied", "failures"] and book.has_saved("failures")
    book.rename("failures", "my failures")  # acts on the saved copy
    assert book["my failures"].query == "status:failure" and book.hidden() == ["denied"]
    book.delete("denied")  # forgets the saved copy; the config's stays
    assert book.hidden() == [] and book["denied"].query == "b"
    with pytest.raises(ViewError, match="read-only"):
        book.delete("denied")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[views.x]\nquery = 3\n", "views.x.query"),
        ('[views.x]\nsince = "yesterday-ish"\n', "views.x.since"),
        ('[views.x]\nsince = "7d"\nfrom = "2026-11-01"\nto = "2026-11-02"\n', "views.x.since"),
        ('[views.x]\nfrom = "2026-11-01"\n', "views.x.to"),
        ('[views.x]\ncolumns = ["time", "nope"]\n', "views.x.columns"),
        ('[views.x]\nsort = "nope"\n', "views.x.sort"),
        ('[views.x]\ndescending = "yes"\n', "views.x.descending"),
        ('[views.x]\ncolour = "red"\n', "views.x.colour"),
        ('[views]\nx = "status:failure"\n', "views.x"),
        ('[views."bad/name"]\nquery = "a"\n', "views.'bad/name'"),
    ],
)
def test_bad_config_views_are_one_line_errors(tmp_path: Path, text: str, where: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_write_config(tmp_path, text))
    message = str(info.value)
    assert where in message and "\n" not in message
    assert info.value.exit_code == 2


def test_view_from_table_accepts_every_known_column() -> None:
    view = view_from_table("all", {"columns": list(KNOWN_COLUMNS)}, KNOWN_COLUMNS)
    assert view.columns == KNOWN_COLUMNS


def test_a_failed_write_raises_oserror_and_keeps_what_was_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    book = ViewBook("default")
    book.save(_view("kept"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("auditui.config.views.write_atomic", refuse)
    with pytest.raises(OSError):
        book.save(_view("new"))
    assert book.names() == ["kept"]
    assert ViewBook("default").names() == ["kept"]


def test_a_query_too_long_to_keep_is_refused_in_one_line() -> None:
    with pytest.raises(ViewError, match=r"too long to keep in a view \(4,001 characters"):
        ViewBook("default").save(_view(query="x" * 4001))
    ViewBook("default").save(_view(query="x" * 4000))
    assert len(ViewBook("default")["fails"].query) == 4000
