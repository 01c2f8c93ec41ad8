"""Any build, edition or dataset folder as canonical text tables, for comparing them.

A CSV cell and its typed Parquet value map to the same text: dates at their precision,
lists joined with |, numbers as Python floats print them, null as None.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from allyledger.problems import UsageProblem
from allyledger.schemas import TABLES, Table
from allyledger.schemas._fields import LIST_SEPARATOR

_WIDTH = {"year": 4, "month": 7, "day": 10}


def _number_text(values: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    text = pd.Series(
        [repr(float(v)) for v in numbers.to_numpy()], index=values.index, dtype=object
    )
    return text.where(numbers.notna(), None)


def parquet_as_text(table: Table, path: Path) -> pd.DataFrame:
    """Read a built Parquet table back into the text form of its CSV cells."""
    arrow = pq.read_table(path)
    out: dict[str, pd.Series] = {}
    for f in table.fields:
        column = arrow.column(f.name)
        if f.kind in ("partial_date", "date"):
            text = pd.Series(pc.strftime(column, "%Y-%m-%d").to_pylist(), dtype=object)
            if f.kind == "partial_date":
                prec = arrow.column(f"{f.name}_precision").to_pylist()
                text = pd.Series(
                    [
                        t[: _WIDTH[p]] if t is not None else None
                        for t, p in zip(text, prec, strict=True)
                    ],
                    dtype=object,
                )
            out[f.name] = text
        elif f.is_list:
            joined = pc.binary_join(column, LIST_SEPARATOR)
            out[f.name] = pd.Series(joined.to_pylist(), dtype=object)
        elif f.kind == "number":
            out[f.name] = _number_text(pd.Series(column.to_numpy(zero_copy_only=False)))
        else:
            values = column.cast("string") if f.kind == "enum" else column
            out[f.name] = pd.Series(values.to_pylist(), dtype=object)
    return pd.DataFrame(out)


def folder_as_text(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table of a build/edition (Parquet) or dataset (CSV) folder, as text."""
    if not folder.is_dir():
        raise UsageProblem(f"{folder} is not a folder")
    tables: dict[str, pd.DataFrame] = {}
    for name, table in TABLES.items():
        parquet, csv = folder / f"{name}.parquet", folder / f"{name}.csv"
        try:
            if parquet.exists():
                frame = parquet_as_text(table, parquet)
            elif csv.exists():
                frame = _csv_as_text(folder, table)
            else:
                raise UsageProblem(
                    f"{folder} has neither {name}.parquet nor {name}.csv"
                )
        except UsageProblem:
            raise
        except Exception as exc:  # noqa: BLE001 - any unreadable file is a usage problem
            raise UsageProblem(f"cannot read {name} in {folder}: {exc}") from None
        tables[name] = _sorted_lists(table, frame)
    return tables


def _sorted_lists(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Sort the items of lists whose order carries no meaning, so diffs ignore it."""
    for f in table.fields:
        if f.is_list and f.sortable:
            frame[f.name] = [
                LIST_SEPARATOR.join(sorted(v.split(LIST_SEPARATOR)))
                if isinstance(v, str)
                else v
                for v in frame[f.name]
            ]
    return frame


def _csv_as_text(folder: Path, table: Table) -> pd.DataFrame:
    from allyledger.reading import read_table

    text = read_table(folder, table, str(folder))
    if not text.readable:
        raise UsageProblem("; ".join(p.render() for p in text.problems))
    frame = text.frame.astype(object).where(text.frame.notna(), None)
    for f in table.fields:
        if f.kind == "number":
            frame[f.name] = _number_text(frame[f.name])
    return frame.reset_index(drop=True)


__all__ = ["folder_as_text", "parquet_as_text"]
