"""`auditui sql "SELECT …"`: SQL over the local archive (the view `audit_logs`), printed.

The profile (`--profile`) names the archive's folder (`archive = "…"`, else the default,
`--archive DIR` over both) and its host: an archive of another host is refused. `QUERY` `-`
reads the query from stdin. Formats, on stdout:
- `table` (default) for people: aligned columns (numbers right-aligned), every value made
  inert (`textsafe.visible`: no byte a terminal acts on), NULL as `NULL`, cells longer than
  `MAX_CELL` characters cut with `…`, then a row-count footer (`(3 rows)`);
- `csv`: a header row, then the rows; text made inert as the export does, and a cell a
  spreadsheet would take for a formula prefixed with `'` (`textsafe.neutralize_cell`); NULL
  is an empty cell;
- `json` (one array of objects) and `ndjson` (one object per line): lossless, with the
  characters a terminal acts on as JSON escapes.
Timestamps are ISO-8601 UTC (`2026-11-02T13:00:00Z`), ids and counts integers.

Startup stays light (no Textual, no httpx): `auditui sql` answers a count over a million
events within a second of launch.
"""

from __future__ import annotations

import argparse
import csv
import sys
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TextIO

import msgspec

from auditui.cli.common import say
from auditui.paths import display_path
from auditui.textsafe import json_text_safe, neutralize_cell, visible, visible_keep_layout
from auditui.timespec import format_utc

if TYPE_CHECKING:
    from auditui.archive.sql import SqlResult

FORMATS = ("table", "csv", "json", "ndjson")
MAX_CELL = 60  # characters of one table cell; longer values end in "…" (csv/json: whole)
_NUMBERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE",
            "DECIMAL", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT")  # fmt: skip


def sql(args: argparse.Namespace) -> int:
    from auditui.archive.engine import require_duckdb

    require_duckdb()
    from auditui.archive.opened import open_archive
    from auditui.archive.sql import run_sql
    from auditui.config.settings import profile_from_settings

    query = sys.stdin.read() if args.query == "-" else args.query
    _, profile = profile_from_settings(args.profile)
    archive = open_archive(profile, profile.host, args.archive)
    if archive.empty:
        say(
            f"auditui: note: the archive {display_path(archive.paths.root)} holds no events yet "
            "(run `auditui archive sync`)"
        )
    result = run_sql(archive, query)
    out = sys.stdout
    if args.format == "table":
        write_table(result, out)
    elif args.format == "csv":
        write_csv(result, out)
    else:
        write_json(result, out, lines=args.format == "ndjson")
    out.flush()
    return 0


# --- table ---------------------------------------------------------------------------


def _width(text: str) -> int:
    """Terminal cells `text` takes (wide East Asian characters 2, combining marks 0)."""
    if text.isascii():
        return len(text)
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _cut(text: str) -> str:
    if len(text) <= MAX_CELL:
        return text
    return text[: MAX_CELL - 1] + "…"


def _table_cell(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_utc(value) if value.tzinfo else value.isoformat()
    if isinstance(value, str):
        return _cut(visible(value))
    if isinstance(value, int | float | Decimal | date):
        return str(value)
    return _cut(visible(_json(value).decode()))


def write_table(result: SqlResult, out: TextIO) -> None:
    """Aligned columns, a rule under the header, and a row-count footer."""
    rows = [[_table_cell(value) for value in row] for row in result.rows()]
    if result.columns:
        header = [_cut(visible(name)) for name in result.columns]
        widths = [_width(name) for name in header]
        for row in rows:
            widths = [max(w, _width(cell)) for w, cell in zip(widths, row, strict=True)]
        right = [kind.split("(")[0] in _NUMBERS for kind in result.types]

        def line(cells: list[str]) -> str:
            parts = []
            for cell, width, numeric in zip(cells, widths, right, strict=True):
                pad = " " * (width - _width(cell))
                parts.append(pad + cell if numeric else cell + pad)
            return "  ".join(parts).rstrip()

        out.write(line(header) + "\n")
        out.write("  ".join("-" * w for w in widths) + "\n")
        for row in rows:
            out.write(line(row) + "\n")
    out.write(f"({len(rows):,} row{'' if len(rows) == 1 else 's'})\n")


# --- csv -------------------------------------------------------------------------------


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return format_utc(value) if value.tzinfo else value.isoformat()
    if isinstance(value, int | float | Decimal | date):
        return str(value)
    text = value if isinstance(value, str) else _json(value).decode()
    return neutralize_cell(visible_keep_layout(text))


def write_csv(result: SqlResult, out: TextIO) -> None:
    """A header row, then every row (see the module docstring)."""
    writer = csv.writer(out, lineterminator="\n")
    if not result.columns:
        return
    writer.writerow([neutralize_cell(visible_keep_layout(name)) for name in result.columns])
    for batch in result.batches():
        writer.writerows([_csv_cell(value) for value in row] for row in batch)


# --- json, ndjson ------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """What msgspec cannot encode as is (INTERVAL is fine: ISO duration), as text."""
    return str(value)


_encoder = msgspec.json.Encoder(decimal_format="number", enc_hook=_plain)


def _json(value: object) -> bytes:
    return _encoder.encode(value)


def _inert(encoded: bytes) -> str:
    """The encoded JSON with nothing a terminal acts on (msgspec escapes C0 itself)."""
    text = encoded.decode()
    return text if encoded.isascii() and b"\x7f" not in encoded else json_text_safe(text)


def _objects(result: SqlResult) -> Iterator[str]:
    names = result.columns
    for batch in result.batches():
        for row in batch:
            yield _inert(_json(dict(zip(names, map(_utc, row), strict=True))))


def _utc(value: object) -> object:
    """Aware timestamps as `…Z` text (msgspec would too; this keeps the `format_utc` form)."""
    return format_utc(value) if isinstance(value, datetime) and value.tzinfo else value


def write_json(result: SqlResult, out: TextIO, *, lines: bool) -> None:
    """An array of objects, or (`lines`) one object per line."""
    objects: Iterable[str] = _objects(result)
    if lines:
        for item in objects:
            out.write(item + "\n")
        return
    out.write("[")
    for n, item in enumerate(objects):
        out.write(("," if n else "") + "\n" + item)
    out.write("\n]\n")
