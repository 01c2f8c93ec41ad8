"""Check a dataset folder: every table against its model, then the rules across tables.

`check_dataset` returns every problem at once, sorted by file and line; it never raises
for anything in the data.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.errors
import pandera.pandas as pa

from allyledger.catalogue import CHECKS, ERROR
from allyledger.crosscheck import check_across
from allyledger.kinds import forget_checks
from allyledger.problems import Problem, quote, suggest
from allyledger.reading import TableText, read_csv_table
from allyledger.released import check_released
from allyledger.schemas import inputs


@dataclass
class Report:
    """What `check_dataset` found: errors, warnings and the tables as text."""

    dataset: str
    # the latest date allowed in the data: the date a build of it is judged at
    as_of: dt.date = field(default_factory=dt.date.today)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    tables: dict[str, TableText] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_dict(self, max_errors: int | None = None) -> dict[str, object]:
        errors = self.errors if max_errors is None else self.errors[:max_errors]
        return {
            "valid": self.valid,
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "errors": [p.to_dict() for p in errors],
            "warnings": [p.to_dict() for p in self.warnings],
        }


def check_dataset(
    dataset_dir: Path | str,
    *,
    as_of: dt.date | None = None,
    display: str | None = None,
    released: Path | None = None,
    after_reading: Callable[[dict[str, TableText]], None] | None = None,
) -> Report:
    """Read and check every table of the registry (`INPUTS`: the edited ones) in `dataset_dir`.

    `as_of` bounds every date (default: today); `display` is how paths are shown
    (default: the folder as given); `released` is the latest edition's folder, whose
    IDs must all still be there or be retired (`allyledger.released`).
    `after_reading` is called with the tables as read, before they are checked (the
    build starts on them there, `build.Ahead`); it must not change them.
    """
    folder = Path(dataset_dir)
    shown = display if display is not None else str(dataset_dir)
    report = Report(shown, as_of or dt.date.today())
    problems: list[Problem] = []
    tables = list(inputs().values())
    largest = max(tables, key=lambda t: _size(folder / t.filename))
    texts: dict[str, TableText] = {}
    jobs: list[tuple[Future[list[Problem]], str, str]] = []
    # The checks spend most of their time in Arrow kernels and pyarrow's parser,
    # which release the GIL. The largest file is read on a thread of its own;
    # the others are read beside it and their models run while it is still read;
    # then its model and the cross-table rules run side by side.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:

        def model(text: TableText) -> None:
            if text.readable and len(text.frame):
                job = pool.submit(check_table, text)
                jobs.append((job, text.path, f"the {text.table.name} model"))

        with ThreadPoolExecutor(max_workers=1) as reader:
            reading = reader.submit(read_csv_table, folder, largest, shown)
            for table in tables:
                if table != largest:
                    texts[table.name] = read_csv_table(folder, table, shown)
                    model(texts[table.name])
            texts[largest.name] = reading.result()
        for table in tables:
            report.tables[table.name] = texts[table.name]
            problems.extend(texts[table.name].problems)
        if after_reading is not None:
            after_reading(dict(report.tables))
        model(texts[largest.name])
        across = pool.submit(check_across, report.tables, report.as_of)
        jobs.append((across, shown, "cross-table rules"))
        for future, where, rule in jobs:
            try:
                problems.extend(future.result())
            except Exception as exc:  # noqa: BLE001 - a rule that fails is an error
                problems.append(internal_error(where, "", rule, exc))
    try:
        problems.extend(check_released(report.tables, released))
    except Exception as exc:  # noqa: BLE001 - a rule that fails is an error
        problems.append(internal_error(shown, "", "released-ID rules", exc))
    forget_checks()
    for problem in sorted(set(problems)):
        (report.errors if problem.severity == ERROR else report.warnings).append(
            problem
        )
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # missing or unreadable: reading it says so
        return 0


def check_table(text: TableText) -> list[Problem]:
    """Run the table's pandera model lazily and turn each failure into a Problem."""
    table = text.table
    try:
        table.schema.validate(text.frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return _problems_from(text, exc.failure_cases)
    except Exception as exc:  # noqa: BLE001 - a model that fails to run is an error
        return [internal_error(text.path, "", f"the {table.name} model", exc, table)]
    return []


def internal_error(
    path: str, column: str, rule: str, detail: object, table: Any = None
) -> Problem:
    """A rule that could not run: an error (the data was not fully checked)."""
    name = table.name if table is not None else ""
    return Problem.of(
        "internal-error", path, 0, column, None, name, rule=rule, detail=detail
    )


def _problems_from(text: TableText, cases: pd.DataFrame) -> list[Problem]:
    table, frame = text.table, text.frame
    schema = table.schema
    out: list[Problem] = []
    seen_rows: set[tuple[str, int]] = set()
    first_line: dict[str, dict[str, int]] = {}
    for record in cases.to_dict("records"):
        index = record["index"]
        if index is None or (isinstance(index, float) and np.isnan(index)):
            # No row to point at: the check itself raised (or failed as a whole).
            where = record["column"]
            whole = record["schema_context"] == "DataFrameSchema"
            column = "" if whole or where is None or pd.isna(where) else str(where)
            rule = f"the rule {str(record['check'])!r}"
            out.append(
                internal_error(text.path, column, rule, record["failure_case"], table)
            )
            continue
        row = int(index)  # a row position: the frames have a RangeIndex
        line = int(text.lines[row])
        if record["schema_context"] == "DataFrameSchema":
            name = schema.checks[int(record["check_number"])].name
            if (name, row) in seen_rows:
                continue
            seen_rows.add((name, row))
            column, template = table.row_rules[name]
            out.append(_row_problem(text, row, line, name, column, template))
            continue
        column = str(record["column"])
        if column in text.missing_columns:
            continue
        check_name = _check_name(schema, column, record)
        code, template = CHECKS.get(
            check_name, ("invalid-value", "{value} is not valid")
        )
        raw = frame[column].iloc[row]
        value = None if pd.isna(raw) else str(raw)
        fill = {"value": quote(value) if value is not None else "the value"}
        if check_name == "distinct":
            if column not in first_line:
                first_line[column] = _first_lines(text, column)
            first = first_line[column].get(value or "", line)
            if first == line:
                continue
            fill["first"] = str(first)
            code = "duplicate-id" if column == table.key else code
        if check_name == "max_chars":
            fill["length"] = str(len(value or ""))
            fill["column"] = column
            fill["limit"] = str(table.field(column).max_length)
        if check_name in ("isin", "enum_list"):
            allowed = table.field(column).vocab or {}
            fill["allowed"] = ", ".join(allowed)
            fill["hint"] = suggest(value or "", allowed)
        out.append(
            Problem(
                text.path,
                line,
                column,
                code,
                template.format(**fill),
                value,
                table.name,
            )
        )
    return out


def _first_lines(text: TableText, column: str) -> dict[str, int]:
    """Line of the first row holding each repeated value of `column`."""
    values = text.frame[column]
    repeated = values[values.duplicated(keep=False) & values.notna()]
    first = repeated[~repeated.duplicated()]
    return {str(v): int(text.lines[i]) for i, v in zip(first.index, first, strict=True)}


def _check_name(schema: pa.DataFrameSchema, column: str, record: dict[Any, Any]) -> str:
    number = record["check_number"]
    check = str(record["check"])
    if number is not None and not (isinstance(number, float) and np.isnan(number)):
        checks = schema.columns[column].checks
        if int(number) < len(checks):
            return str(checks[int(number)].name)
    return check.split("(")[0]


def _row_problem(
    text: TableText, row: int, line: int, name: str, column: str, template: str
) -> Problem:
    values = {
        str(k): ("" if pd.isna(v) else str(v)) for k, v in text.frame.iloc[row].items()
    }
    if name == "state-id-is-country":
        values["expected"] = values.get("country", "").lower()
    value = values.get(column) or None
    return Problem(
        text.path, line, column, name, template.format(**values), value, text.table.name
    )


__all__ = ["Report", "check_dataset", "check_table"]
