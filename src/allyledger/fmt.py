"""Canonical CSV form: model column order, rows sorted by ID, clean cells, `\\n` endings.

`format_dataset` rewrites only what differs and never drops a row that holds a value
or a non-empty cell (blank rows, `,,,,`, are dropped; a `;`- or tab-separated file is
converted to commas):
cells are NFC-normalised and trimmed, `|`-lists lose empty and repeated items and are
sorted where their order carries no meaning (IDs and enum values; aliases keep theirs).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from allyledger.kinds import LIST_SEPARATOR
from allyledger.outputs import write_atomic
from allyledger.problems import DataInvalid, Problem
from allyledger.reading import read_csv_table
from allyledger.schemas import Field, Table, inputs

# File-level problems that `fmt` repairs as it rewrites: it adds missing columns
# (empty) and drops blank rows.
REPAIRED = frozenset({"missing-column", "blank-row"})


@dataclass
class FormatResult:
    changed: list[Path]
    problems: list[Problem]


def clean_cell(value: object, f: Field) -> str:
    """The canonical text of one cell ('' for empty: None, NaN or pandas' NA, as a
    derived table's text frame holds)."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, list):  # a derived table's list column, held as lists
        value = LIST_SEPARATOR.join(value)
    return f.value_kind.canonical(f, str(value))


def canonical_rows(table: Table, frame: pd.DataFrame) -> list[list[str]]:
    """Header plus the cleaned rows of `frame`, sorted by the primary key."""
    columns = {
        f.name: [clean_cell(v, f) for v in frame[f.name].tolist()] for f in table.fields
    }
    rows = [list(r) for r in zip(*columns.values(), strict=True)] if len(frame) else []
    key = table.columns.index(table.key)
    rows.sort(key=lambda r: (r[key] == "", r[key]))
    return [table.columns, *rows]


def render_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def format_dataset(dataset_dir: Path | str, *, check: bool = False) -> FormatResult:
    """Rewrite (or with `check`, only list) the tables not in canonical form.

    A table that cannot be read safely (unknown or duplicated columns, ragged rows,
    broken quoting, bad encoding) is left alone and its problems are returned.
    """
    folder = Path(dataset_dir)
    changed: list[Path] = []
    problems: list[Problem] = []
    for table in inputs().values():
        text = read_csv_table(folder, table, str(folder))
        other = text.other_delimiter
        if other is not None:
            # A ;- or tab-separated file is read again with its own separator and
            # written back comma-separated; if it cannot be read safely, say why.
            text = read_csv_table(folder, table, str(folder), delimiter=other)
        blocking = [p for p in text.problems if p.code not in REPAIRED]
        if blocking or not text.readable:
            problems.extend(blocking or text.problems)
            continue
        path = folder / table.filename
        data = render_csv(canonical_rows(table, text.frame))
        if path.read_bytes() != data:
            changed.append(path)
            if not check:
                write_atomic(path, data)
    return FormatResult(changed, problems)


def require_formattable(result: FormatResult) -> None:
    if result.problems:
        raise DataInvalid(
            f"{len(result.problems)} problem(s) stop `fmt` from rewriting "
            "safely; fix them first"
        )
