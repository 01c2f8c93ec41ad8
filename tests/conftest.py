from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from allyledger.cli import cli

DATA = Path(__file__).parent / "data"
VALID = DATA / "valid"
AS_OF = "2026-11-25"


@pytest.fixture
def ds(tmp_path: Path) -> Path:
    """A fresh copy of the small valid dataset."""
    target = tmp_path / "ds"
    shutil.copytree(VALID, target)
    return target


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set one cell; `row` counts data rows from 1 (so it sits on line row + 1)."""
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    rows[row][rows[0].index(column)] = value
    write_rows(path, rows)


def add_row(folder: Path, table: str, values: dict[str, str]) -> None:
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    rows.append([values.get(c, "") for c in rows[0]])
    write_rows(path, rows)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def validate(folder: Path, *extra: str) -> Result:
    return run("validate", folder, "--as-of", AS_OF, *extra)
