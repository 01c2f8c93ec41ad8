"""Read a built table, or a whole local build or edition folder, into pandas.

The one place that turns this project's Parquet into DataFrames, for the loader (a
cached edition), the ledger and the report (a local folder). It needs neither the
network nor the schemas: a built folder describes itself in its own datapackage.json.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from allyledger.problems import UsageProblem


def _list_as_arrow(dtype: pa.DataType) -> pd.ArrowDtype | None:
    return pd.ArrowDtype(dtype) if pa.types.is_list(dtype) else None


def _is_ordered(name: str) -> bool:
    """The scales a reader compares: `certainty` (confirmed < reported < alleged <
    disputed, surest first) and each `<date>_precision` (year < month < day)."""
    return name == "certainty" or name.endswith("_precision")


def read_table(path: Path | str) -> pd.DataFrame:
    """Read one built table with its declared dtypes.

    Enums become categoricals whose categories are the schema's vocabulary (in schema
    order), dates become datetime64 (with `<name>_end`, the period's last day, and a
    `<name>_precision` categorical beside each partial date), lists become
    Arrow-backed list columns (each cell a Python list).
    `certainty` and the precisions are ordered, so `ev.certainty <= "reported"` keeps
    the confirmed and reported rows and `ev.date_precision >= "month"` those known to
    the month or day.
    """
    arrow = pq.read_table(path)
    frame: pd.DataFrame = arrow.to_pandas(
        types_mapper=_list_as_arrow, date_as_object=False
    )
    for name in frame.columns:
        if _is_ordered(str(name)) and isinstance(
            frame[name].dtype, pd.CategoricalDtype
        ):
            frame[name] = frame[name].cat.as_ordered()
    return frame


BACKENDS = ("pandas", "polars")


def read_polars(path: Path | str) -> Any:
    """Read one built table into a polars DataFrame with the same types as
    `read_table`: enums become `pl.Enum` over the schema's vocabulary in schema
    order (so `certainty` and the precisions compare in order, as in pandas), dates
    `pl.Date`, lists `pl.List(pl.String)`."""
    try:
        import polars as pl
    except ImportError:
        raise UsageProblem(
            "backend='polars' needs polars: pip install polars"
        ) from None
    arrow = pq.read_table(path)
    columns = []
    for field in arrow.schema:
        column = arrow.column(field.name)
        if pa.types.is_dictionary(field.type):
            chunk = column.combine_chunks() if column.num_chunks else column
            vocab = [str(v) for v in chunk.dictionary.to_pylist()]
            values = pl.Series(field.name, chunk.dictionary_decode().cast(pa.string()))
            columns.append(values.cast(pl.Enum(vocab)))
        else:
            columns.append(pl.Series(field.name, column))
    return pl.DataFrame(columns)


def reader(backend: str) -> Callable[[Path], Any]:
    """The function that reads one built table into `backend`'s DataFrame."""
    if backend == "pandas":
        return read_table
    if backend == "polars":
        return read_polars
    raise UsageProblem(
        f"unknown backend {backend!r}; the backends are: {', '.join(BACKENDS)}"
    )


def folder_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Every table of a local build or edition, typed, in the order its own
    datapackage.json lists them (every `*.parquet` when it has none)."""
    names = [p.stem for p in sorted(folder.glob("*.parquet"))]
    package = folder / "datapackage.json"
    if package.exists():
        listed = [
            r["name"] for r in json.loads(package.read_text("utf-8"))["resources"]
        ]
        names = [n for n in listed if (folder / f"{n}.parquet").exists()]
    return {n: read_table(folder / f"{n}.parquet") for n in names}
