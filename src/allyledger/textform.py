"""Any build, edition or dataset folder as canonical text tables, for comparing them.

A CSV cell and its typed Parquet value map to the same text: dates at their precision,
lists joined with |, numbers as Python floats print them, null as None.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
import pyarrow.parquet as pq

from allyledger.kinds import kind_of_arrow
from allyledger.problems import UsageProblem

if TYPE_CHECKING:
    from allyledger.schemas import Table

LIST_SEPARATOR = "|"


def _number_text(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    text = pd.Series(
        [repr(float(v)) for v in numbers.to_numpy()], index=values.index, dtype=object
    )
    return text.where(numbers.notna(), None)


@dataclass
class TextTable:
    """One table of a folder as canonical text: its cells, key and column order."""

    frame: pd.DataFrame
    key: str
    columns: list[str]


def _unordered_lists(name: str) -> set[str]:
    """List columns whose order carries no meaning (IDs, enum values), by the current
    model; a table the model does not know keeps every list's order."""
    from allyledger.schemas import TABLES

    table = TABLES.get(name)
    if table is None:
        return set()
    return {f.name for f in table.fields if f.is_list and f.sortable}


def parquet_as_text(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Read a built Parquet table back into the text form of its CSV cells, by its own
    Arrow types (so an edition made under another schema reads the same way); return
    the frame and its columns (the `_end` and `_precision` companions folded back
    in)."""
    arrow = pq.read_table(path)
    names = arrow.column_names
    out: dict[str, pd.Series] = {}
    for name in names:
        if name.endswith("_precision") and name.removesuffix("_precision") in names:
            continue
        if name.endswith("_end") and (
            f"{name.removesuffix('_end')}_precision" in names
        ):
            continue
        companion = f"{name}_precision"
        precision = arrow.column(companion) if companion in names else None
        column = arrow.column(name)
        out[name] = pd.Series(
            kind_of_arrow(column.type).to_text(column, precision), dtype=object
        )
    return pd.DataFrame(out), list(out)


def _described_tables(folder: Path) -> dict[str, str] | None:
    """Table name -> primary key, as a build's or edition's own datapackage.json
    lists them; None for a folder without one (a CSV dataset)."""
    path = folder / "datapackage.json"
    if not path.exists():
        return None
    try:
        package = json.loads(path.read_text("utf-8"))
        return {
            str(r["name"]): str(r["schema"]["primaryKey"][0])
            for r in package["resources"]
        }
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        raise UsageProblem(f"{path} is not a readable Data Package") from None


def folder_as_text(folder: Path) -> dict[str, TextTable]:
    """Every table of a build/edition (Parquet) or dataset (CSV) folder, as text.

    A build or edition is read by its own datapackage.json, so an edition from before
    a table was added still reads; a CSV dataset by the current model.
    """
    if not folder.is_dir():
        raise UsageProblem(f"{folder} is not a folder")
    described = _described_tables(folder)
    tables: dict[str, TextTable] = {}
    if described is None:
        from allyledger.schemas import inputs

        for name, table in inputs().items():
            if not (folder / f"{name}.csv").exists():
                raise UsageProblem(
                    f"{folder} has neither {name}.parquet nor {name}.csv"
                )
            frame = _read(folder, name, functools.partial(_csv_as_text, folder, table))
            tables[name] = TextTable(
                _sorted_lists(name, frame), table.key, table.columns
            )
        return tables
    for name, key in described.items():
        path = folder / f"{name}.parquet"
        if not path.exists():
            raise UsageProblem(f"{folder} lists {name} but has no {name}.parquet")
        frame, columns = _read(folder, name, functools.partial(parquet_as_text, path))
        tables[name] = TextTable(_sorted_lists(name, frame), key, columns)
    return tables


T = TypeVar("T")


def _read(folder: Path, name: str, read: Callable[[], T]) -> T:
    try:
        return read()
    except UsageProblem:
        raise
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a usage problem
        raise UsageProblem(f"cannot read {name} in {folder}: {exc}") from None


def _sorted_lists(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Sort the items of lists whose order carries no meaning, so diffs ignore it."""
    for column in _unordered_lists(name) & set(frame.columns):
        frame[column] = [
            LIST_SEPARATOR.join(sorted(v.split(LIST_SEPARATOR)))
            if isinstance(v, str)
            else v
            for v in frame[column]
        ]
    return frame


def _csv_as_text(folder: Path, table: Table) -> pd.DataFrame:
    from allyledger.reading import read_csv_table

    text = read_csv_table(folder, table, str(folder))
    if not text.readable:
        raise UsageProblem("; ".join(p.render() for p in text.problems))
    frame = text.frame.astype(object).where(text.frame.notna(), None)
    for f in table.fields:
        if f.kind == "number":
            frame[f.name] = _number_text(frame[f.name])
    return frame.reset_index(drop=True)


__all__ = ["TextTable", "folder_as_text", "parquet_as_text"]
