"""A DataFrame as text, Markdown, CSV or JSON, for the command line and the README.

Plain formatting only: numbers that are shares print with three decimals in text and
Markdown (the CSV and JSON keep every digit), missing values print empty. `plain` and
`records` turn cells into JSON-ready values, here and for the HTML report's data.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

FORMATS = ("text", "csv", "json", "markdown")


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return (
            str(int(value))
            if value.is_integer()
            else f"{value:.3f}".rstrip("0").rstrip(".")
        )
    return str(value)


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    return [
        [_cell(v) for v in row] for row in frame.astype(object).itertuples(index=False)
    ]


def markdown(frame: pd.DataFrame) -> str:
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = ["| " + " | ".join(str(c) for c in frame.columns) + " |"]
    lines.append("| " + " | ".join("---:" if n else "---" for n in numeric) + " |")
    lines += ["| " + " | ".join(r).replace("\n", " ") + " |" for r in _rows(frame)]
    return "\n".join(lines)


def text(frame: pd.DataFrame) -> str:
    rows = [[str(c) for c in frame.columns], *_rows(frame)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(frame.columns))]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    out = []
    for row in rows:
        cells = [
            v.rjust(w) if n else v.ljust(w)
            for v, w, n in zip(row, widths, numeric, strict=True)
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def plain(value: object) -> Any:
    """A cell as a plain value: None for a missing one, an ISO date for a timestamp,
    int, float, bool or str for a scalar, a list for a list cell."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if value is None or bool(pd.isna(value)):  # type: ignore[call-overload]
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def records(
    frame: pd.DataFrame, columns: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The rows of `frame` as dicts of plain values, keyed by `columns` (default: all
    of its columns)."""
    keys = [str(c) for c in frame.columns] if columns is None else list(columns)
    return [
        {c: plain(v) for c, v in zip(keys, record, strict=True)}
        for record in frame[keys].itertuples(index=False, name=None)
    ]


def render(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "markdown":
        return markdown(frame)
    if fmt == "csv":
        return str(frame.to_csv(index=False, lineterminator="\n")).rstrip("\n")
    if fmt == "json":
        return json.dumps(records(frame), ensure_ascii=False, indent=2)
    return text(frame)


__all__ = ["FORMATS", "markdown", "plain", "records", "render", "text"]
