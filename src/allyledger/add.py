"""Append one valid row to a table, asking for each column or taking them as options.

Every value is checked with the column's own model rules as it is given; the new row is
then checked with the whole dataset (references, reply rules, dates) before anything is
written, and the table is rewritten in canonical form with the row in its sorted place.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandera.errors
import pandera.pandas as pa

from allyledger.catalogue import CHECKS, PROBLEMS
from allyledger.fmt import canonical_rows, render_csv
from allyledger.outputs import write_atomic
from allyledger.problems import (
    DataInvalid,
    Problem,
    UsageProblem,
    article,
    quote,
    suggest,
)
from allyledger.reading import STRING, read_csv_table
from allyledger.schemas import Table, inputs
from allyledger.validate import check_dataset


def check_value(table: Table, column: str, value: str) -> str | None:
    """The problem with one value under its column's rules, or None if it passes."""
    schema = table.schema.columns[column]
    cell = None if value == "" else value
    frame = pd.DataFrame({column: pd.Series([cell], dtype=STRING)})
    try:
        pa.DataFrameSchema({column: schema}).validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        case = exc.failure_cases.iloc[0]
        number = case["check_number"]
        name = str(case["check"]).split("(")[0]
        if (
            number is not None
            and not pd.isna(number)
            and int(number) < len(schema.checks)
        ):
            name = str(schema.checks[int(number)].name)
        code, template = CHECKS.get(name, ("invalid-value", "{value} is not valid"))
        vocab = table.field(column).vocab or {}
        return f"{code}: " + template.format(
            value=quote(value) if value else "the value",
            first="?",
            allowed=", ".join(vocab),
            hint="",
        )
    return None


def _slug(text: str) -> str:
    plain = (
        unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    )
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-")


def suggest_id(table: Table, row: dict[str, str]) -> str:
    """A readable ID from the fields given so far, by the table's own recipe (the
    first text column's value for a table that has none)."""
    if table.id_parts is not None:
        parts = table.id_parts(row)
    else:
        text = [f.name for f in table.fields if f.kind == "text"]
        parts = [row.get(text[0], "")] if text else []
    return "-".join(p for p in (_slug(x) for x in parts) if p)[:80].strip("-")


# A column that, left empty, takes the day the row is added (the day the source
# was read).
TODAY_COLUMNS = frozenset({"accessed"})


class _Refs:
    """The IDs of each table a new row may reference, read once when first needed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ids: dict[str, set[str]] = {}

    def problem(self, table: Table, column: str, value: str) -> str | None:
        """'unknown-reference: …' (with a did-you-mean) for an ID in `value` that
        is not in the table the column references, else None."""
        f = table.field(column)
        target = inputs().get(f.references or "")
        if target is None or value == "":
            return None
        if target.name not in self.ids:
            text = read_csv_table(self.folder, target, str(self.folder))
            if not text.readable:
                return None  # validating the whole dataset below says why
            self.ids[target.name] = set(text.frame[target.key].dropna())
        known = self.ids[target.name]
        for item in value.split("|") if f.is_list else [value]:
            if item not in known:
                # The same words as `validate` (the catalogue's message).
                return "unknown-reference: " + PROBLEMS["unknown-reference"].message(
                    quoted=quote(item),
                    article=article(target.key),
                    key=target.key,
                    target=target.filename,
                    hint=suggest(item, known),
                )
        return None


def add_row(
    dataset_dir: Path | str,
    table_name: str,
    given: dict[str, str],
    *,
    ask: Callable[[str, str, list[str] | None, str | None], str] | None = None,
    as_of: dt.date | None = None,
) -> tuple[str, list[Problem]]:
    """Add a row to `table_name`; return its ID (raises on a refused row).

    `given` holds column values from the command line; `ask(column, description,
    choices, default)` is called for every other column when given (interactive use).
    """
    if table_name not in inputs():
        raise UsageProblem(
            f"unknown table {table_name!r}; the tables are: {', '.join(inputs())}"
        )
    table = inputs()[table_name]
    unknown = sorted(set(given) - set(table.columns))
    if unknown:
        raise UsageProblem(
            f"{', '.join(unknown)} is not a column of {table.name}; the "
            f"columns are: {', '.join(table.columns)}"
        )
    folder = Path(dataset_dir)
    text = read_csv_table(folder, table, str(folder))
    if not text.readable:
        raise DataInvalid("; ".join(p.render() for p in text.problems))
    existing = set(text.frame[table.key].dropna())
    refs = _Refs(folder)
    today = (as_of or dt.date.today()).isoformat()
    row: dict[str, str] = {}
    refused: list[str] = []
    order = [c for c in table.columns if c != table.key] + [table.key]
    for column in order:
        value = given.get(column)
        while True:
            if value is None:
                default = (
                    suggest_id(table, row)
                    if column == table.key
                    else today
                    if column in TODAY_COLUMNS
                    else None
                )
                if ask is None:
                    value = default or ""
                else:
                    f = table.field(column)
                    choices = list(f.vocab) if f.kind == "enum" and f.vocab else None
                    value = ask(column, f.description, choices, default)
            value = unicodedata.normalize("NFC", value).strip()
            problem = check_value(table, column, value) or refs.problem(
                table, column, value
            )
            if problem is None and column == table.key and value in existing:
                problem = (
                    f"duplicate-id: {quote(value)} already exists in "
                    f"{table.filename}; choose another ID"
                )
            if problem is None:
                break
            if ask is None or column in given:
                # Not asked again: note it and go on, so every problem is told at once.
                refused.append(f"{table.filename}: {column}: {problem}")
                break
            print(f"  {problem}", file=sys.stderr)
            value = None
        row[column] = value
    if refused:
        raise DataInvalid(
            f"the new row was not added ({len(refused)} problem(s)):\n"
            + "\n".join(refused)
        )
    return _commit(folder, table, text.frame, row, as_of)


def _commit(
    folder: Path,
    table: Table,
    frame: pd.DataFrame,
    row: dict[str, str],
    as_of: dt.date | None,
) -> tuple[str, list[Problem]]:
    new = pd.DataFrame(
        {c: pd.Series([row[c] or None], dtype=STRING) for c in table.columns}
    )
    merged = pd.concat([frame, new], ignore_index=True)
    data = render_csv(canonical_rows(table, merged))
    with tempfile.TemporaryDirectory() as tmp:
        trial = Path(tmp) / "dataset"
        shutil.copytree(folder, trial, symlinks=False)
        (trial / table.filename).write_bytes(data)
        report = check_dataset(trial, as_of=as_of, display=str(folder))
    key = row[table.key]
    line = 2 + sorted(merged[table.key].fillna("")).index(key)
    mine = [p for p in report.errors if p.table == table.name and p.line == line]
    if mine:
        raise DataInvalid(
            "the new row was not added:\n"
            + "\n".join(p.render().replace(f":{line}:", ":new row:", 1) for p in mine)
        )
    write_atomic(folder / table.filename, data)
    return key, report.errors
