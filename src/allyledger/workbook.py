"""One spreadsheet workbook per edition, for people who work in Excel.

`allyledger.xlsx` holds a README sheet (what the edition is, its licence and citation,
and every column of every table with its meaning), then one sheet per table, the
derived outcomes and events_flat included. Cells are the canonical text contributors
edit (lists joined with `|`, dates as written: `2006`, `2024-06`), except numbers,
which are numbers. Every text cell is written as text, never as a formula or a link,
whatever it begins with. The same edition gives the same bytes: the workbook's dates
are the edition's, and the zip members carry no clock time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter

from allyledger.schemas import Table
from allyledger.tableschema import (
    AUTHORS,
    DATA_LICENSE,
    DESCRIPTION,
    HOMEPAGE,
    TITLE,
    citation_text,
)

WORKBOOK = "allyledger.xlsx"
# Excel's own limits: a cell's text, and a worksheet's rows (the header included).
CELL_LIMIT = 32767
ROW_LIMIT = 1_048_576
NUMERIC = {"number", "integer", "state_number"}


def _readme(
    sheet: Any,
    bold: Any,
    wrap: Any,
    tables: list[tuple[Table, int]],
    edition: str,
    as_of: dt.date,
) -> None:
    lines: list[tuple[str, str]] = [
        ("Title", TITLE),
        ("Edition", f"{edition} ({as_of.isoformat()})"),
        ("Description", DESCRIPTION),
        ("Licence", f"{DATA_LICENSE['title']} ({DATA_LICENSE['path']})"),
        (
            "Cite as",
            citation_text(TITLE, list(AUTHORS), edition, str(as_of.year), HOMEPAGE),
        ),
        (
            "How to read it",
            "One sheet per table. Lists are joined with |. Dates are written at the "
            "precision known: 2006 is the year, 2024-06 the month, 2024-06-14 the day. "
            "An empty cell means unknown. IDs join the sheets: provider_id and "
            "recipient_id are actor_id in actors, source_ids are source_id in sources.",
        ),
    ]
    row = 0
    for label, text in lines:
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, text, wrap)
        row += 1
    row += 1
    for column, head in enumerate(("sheet", "rows", "column", "meaning")):
        sheet.write_string(row, column, head, bold)
    row += 1
    for table, count in tables:
        sheet.write_string(row, 0, table.name, bold)
        sheet.write_number(row, 1, count)
        sheet.write_string(row, 3, table.description, wrap)
        row += 1
        for f in table.fields:
            sheet.write_string(row, 0, table.name)
            sheet.write_string(row, 2, f.name)
            sheet.write_string(row, 3, f.description, wrap)
            row += 1
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, 3, 100)


def _cell(sheet: Any, row: int, column: int, value: str, numeric: bool) -> None:
    if value == "":
        return
    if numeric:
        sheet.write_number(row, column, float(value))
    else:
        sheet.write_string(row, column, value[:CELL_LIMIT])


class Workbook:
    """`folder/allyledger.xlsx`, written one sheet at a time: `add` each table's
    canonical rows (header first, as `fmt.canonical_rows` gives them) as they are
    made, then `close`, which fills in the README sheet (the first) with what was
    added. In constant-memory mode each row leaves memory as it is written, so the
    caller may drop a table's rows once added."""

    def __init__(
        self, folder: Path, *, edition: str, as_of: dt.date, tables: Iterable[Table]
    ) -> None:
        self.edition, self.as_of = edition, as_of
        self.counts: dict[str, tuple[Table, int]] = {}
        self.path = folder / WORKBOOK
        created = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
        self.book = xlsxwriter.Workbook(
            str(self.path),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                # Rows go out as they are written: memory stays flat however
                # long the tables are (every sheet is written top to bottom).
                "constant_memory": True,
            },
        )
        self.book.set_properties(
            {
                "title": f"{TITLE}, edition {edition}",
                "author": ", ".join(AUTHORS),
                "created": created,
                "comments": HOMEPAGE,
            }
        )
        self.bold = self.book.add_format({"bold": True})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.readme = self.book.add_worksheet("README")
        # Every sheet exists from the start, in `tables` order, so the tables may
        # be added in any order (each sheet is still written top to bottom).
        self.sheets = {t.name: self.book.add_worksheet(t.name[:31]) for t in tables}

    def add(self, table: Table, rows: list[list[str]]) -> None:
        """One sheet: the table's rows, or, past a worksheet's limit, a pointer to
        its CSV and Parquet files."""
        sheet = self.sheets[table.name]
        header, body = rows[0], rows[1:]
        self.counts[table.name] = (table, len(body))
        if len(rows) > ROW_LIMIT:
            sheet.write_string(
                0,
                0,
                f"{table.name} has {len(body):,} rows, more than a worksheet "
                f"holds; read {table.filename} or {table.name}.parquet instead.",
            )
            return
        numeric = [table.field(name).kind in NUMERIC for name in header]
        for column, name in enumerate(header):
            longest = max([len(name), *(len(values[column]) for values in body[:200])])
            sheet.set_column(column, column, min(max(longest, 8), 60) + 1)
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(len(body), 1), len(header) - 1)
        for column, name in enumerate(header):
            sheet.write_string(0, column, name, self.bold)
        for r, values in enumerate(body, start=1):
            for column, value in enumerate(values):
                _cell(sheet, r, column, value, numeric[column])

    def close(self) -> None:
        counts = [self.counts[name] for name in self.sheets if name in self.counts]
        _readme(self.readme, self.bold, self.wrap, counts, self.edition, self.as_of)
        self.book.close()


__all__ = ["WORKBOOK", "Workbook"]
