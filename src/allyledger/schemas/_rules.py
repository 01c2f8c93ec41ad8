"""Row rules: a check across the columns of one row, declared with its code and
message in one place (`@row_rule(...)` on the model's method)."""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa

from allyledger.catalogue import PROBLEMS, ROW, define


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def row_rule(code: str, column: str, message: str, description: str = "") -> Any:
    """Register `code` in the catalogue (pointing at `column`, saying `message` with
    the row's cells filled in) and return the pandera check decorator for it."""
    if code not in PROBLEMS:
        define(
            code,
            ROW,
            code.replace("-", " ").capitalize(),
            message,
            description or message.format_map(_Blank()),
            column=column,
        )
    # ignore_na=False: pandera would otherwise look for rows with no value at all
    # before every rule, a pass over the whole table; reading drops those rows.
    return pa.dataframe_check(name=code, ignore_na=False)
