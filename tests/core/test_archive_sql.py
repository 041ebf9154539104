"""SQL over the archive (auditui.archive.sql): the view `audit_logs`, pruning, errors."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from auditui.archive import ArchiveError, SqlError, open_archive, open_view, run_sql
from auditui.archive.schema import COLUMNS
from auditui.config.settings import Profile
from tests.helpers.archive import make_archive
from tests.helpers.events import raw

NOW = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)
HOST = "https://app.datafold.com"


def archived(root: Path) -> Profile:
    events = [
        raw(n, timestamp=f"2026-11-{22 + n % 3}T{n:02d}:00:00Z", user_id=n, is_support_user=n == 4)
        for n in range(9)
    ]
    make_archive(root, events, host=HOST, now=NOW)
    return Profile(name="default", archive=str(root))


def test_the_view_has_every_column_and_date(tmp_path: Path) -> None:
    archive = open_archive(archived(tmp_path), HOST)
    described = open_view(archive).execute("DESCRIBE audit_logs").fetchall()
    expected = [*((name, kind.replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"))
                  for name, kind in COLUMNS), ("date", "DATE")]  # fmt: skip
    assert [(row[0], row[1]) for row in described] == expected
    result = run_sql(archive, "SELECT date, count(*) AS n FROM audit_logs GROUP BY 1 ORDER BY 1")
    assert (result.columns, result.types) == (["date", "n"], ["DATE", "BIGINT"])
    assert result.rows() == [(date(2026, 11, d), 3) for d in (22, 23, 24)]
    support = run_sql(archive, "SELECT user_id FROM audit_logs WHERE is_support_user").rows()
    assert support == [(4,)]


def test_an_empty_archive_has_the_view_with_no_rows(tmp_path: Path) -> None:
    archive = open_archive(Profile(name="default", archive=str(tmp_path / "none")), HOST)
    assert archive.empty
    expected = [*(name for name, _ in COLUMNS), "date"]
    result = run_sql(archive, "SELECT * FROM audit_logs")
    assert result.columns == expected and result.rows() == []
    assert result.types[0] == "TIMESTAMP WITH TIME ZONE" and result.types[-1] == "DATE"
    assert not (tmp_path / "none").exists()


def test_filters_on_date_and_timestamp_prune(tmp_path: Path) -> None:
    connection = open_view(open_archive(archived(tmp_path), HOST))
    by_date = connection.execute(
        "EXPLAIN ANALYZE SELECT count(*) FROM audit_logs WHERE date = DATE '2026-11-23'"
    ).fetchall()[0][1]
    assert "Scanning Files: 1/3" in by_date
    by_time = connection.execute(
        "EXPLAIN ANALYZE SELECT count(*) FROM audit_logs "
        "WHERE timestamp >= TIMESTAMPTZ '2026-11-24 00:00:00+00'"
    ).fetchall()[0][1]
    assert "Row Groups Scanned: 1 / 3" in by_time  # the others' statistics say: too old


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELEC 1", 'Parser Error: syntax error at or near "SELEC"'),
        ("SELECT nope FROM audit_logs", 'Binder Error: Referenced column "nope" not found'),
        ("SELECT * FROM auditlogs", "Catalog Error: Table with name auditlogs does not exist"),
        ("SELECT CAST('x' AS INTEGER)", "Conversion Error"),
        ("  ", "The query is empty"),
    ],
)
def test_a_bad_query_is_the_engines_message_on_one_line(
    tmp_path: Path, query: str, expected: str
) -> None:
    archive = open_archive(archived(tmp_path), HOST)
    with pytest.raises(SqlError) as caught:
        run_sql(archive, query).rows()
    message = str(caught.value)
    assert expected in message and "\n" not in message and caught.value.exit_code == 2
    assert not message.endswith("^")


def test_an_unreadable_file_is_an_archive_error(tmp_path: Path) -> None:
    profile = archived(tmp_path)
    victim = next(tmp_path.glob("date=2026-11-23/*.parquet"))
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(ArchiveError) as caught:
        run_sql(open_archive(profile, HOST), "SELECT count(*) FROM audit_logs").rows()
    assert victim.name in str(caught.value) and "auditui archive verify" in str(caught.value)
    assert caught.value.exit_code == 1


def test_a_missing_file_is_an_archive_error(tmp_path: Path) -> None:
    profile = archived(tmp_path)
    victim = next(tmp_path.glob("date=2026-11-24/*.parquet"))
    victim.unlink()
    with pytest.raises(ArchiveError) as caught:
        run_sql(open_archive(profile, HOST), "SELECT 1")
    assert victim.name in str(caught.value) and "\n" not in str(caught.value)


def test_a_file_from_a_newer_schema_is_refused(tmp_path: Path) -> None:
    profile = archived(tmp_path)
    victim = next(tmp_path.glob("date=2026-11-23/*.parquet"))
    newer = tmp_path / "newer.parquet"
    duckdb.execute(
        f"COPY (SELECT *, 1 AS new_column FROM read_parquet('{victim}')) TO '{newer}' "
        "(FORMAT parquet, KV_METADATA {auditui_schema: '2'})"
    )
    os.replace(newer, victim)
    with pytest.raises(ArchiveError) as caught:
        run_sql(open_archive(profile, HOST), "SELECT count(*) FROM audit_logs")
    message = str(caught.value)
    assert "newer auditui (schema 2, this one reads 1)" in message
    assert f"date=2026-11-23/{victim.name}" in message


def test_a_read_only_archive_is_read(tmp_path: Path) -> None:
    profile = archived(tmp_path / "a")
    modes = {}
    for path in [tmp_path / "a", *(tmp_path / "a").rglob("*")]:
        modes[path] = path.stat().st_mode
        os.chmod(path, stat.S_IMODE(modes[path]) & ~0o222)
    try:
        result = run_sql(open_archive(profile, HOST), "SELECT count(*) FROM audit_logs")
        assert result.rows() == [(9,)]
    finally:
        for path, mode in modes.items():
            os.chmod(path, stat.S_IMODE(mode))
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "date=2026-11-22", "date=2026-11-23", "date=2026-11-24", "manifest.json",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "template",
    [
        "COPY (SELECT 1) TO '{root}/out.csv'",  # a write, even inside the archive
        "COPY (SELECT 1) TO '{outside}/out.csv'",
        "SELECT * FROM read_text('{root}/manifest.json')",  # a file of the folder not listed
        "SELECT * FROM read_text('{outside}/secret.txt')",
        "ATTACH '{outside}/other.db'",
        "SET enable_external_access = true",
    ],
)
def test_a_query_only_reads_the_archives_files(tmp_path: Path, template: str) -> None:
    """`auditui sql` is confined to the files the manifest lists: writes, other files,
    attaching a database and undoing the confinement are the engine's one-line refusal."""
    root, outside = tmp_path / "archive", tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not for SQL")
    archive = open_archive(archived(root), HOST)
    with pytest.raises(SqlError) as caught:
        run_sql(archive, template.format(root=root, outside=outside)).rows()
    assert "\n" not in str(caught.value) and caught.value.exit_code == 2
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert not (root / "out.csv").exists()
    assert run_sql(archive, "SELECT count(*) FROM audit_logs").rows() == [(9,)]
