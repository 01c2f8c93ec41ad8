"""A DataFrame as text, Markdown, CSV or JSON, for the command line and the README.

Plain formatting only: numbers that are shares print with three decimals in text and
Markdown (the CSV and JSON keep every digit), missing values print empty.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd

FORMATS = ("text", "csv", "json", "markdown")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float):
        return (
            f"{value:.3f}".rstrip("0").rstrip(".")
            if not value.is_integer()
            else str(int(value))
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


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.astype(object).itertuples(index=False):
        record = {}
        for name, value in zip(frame.columns, row, strict=True):
            missing = (
                value is None
                or value is pd.NA
                or value is pd.NaT
                or (isinstance(value, float) and math.isnan(value))
            )
            record[str(name)] = (
                None
                if missing
                else (
                    value.isoformat()
                    if hasattr(value, "isoformat")
                    else value.item()
                    if hasattr(value, "item")
                    else value
                )
            )
        out.append(record)
    return out


def render(frame: pd.DataFrame, fmt: str) -> str:
    if fmt == "markdown":
        return markdown(frame)
    if fmt == "csv":
        return str(frame.to_csv(index=False, lineterminator="\n")).rstrip("\n")
    if fmt == "json":
        return json.dumps(records(frame), ensure_ascii=False, indent=2)
    return text(frame)


__all__ = ["FORMATS", "markdown", "records", "render", "text"]
