"""Generated documentation files: the JSON Table Schemas (and the codebook)."""

from __future__ import annotations

from pathlib import Path

from allyledger.schemas import TABLES
from allyledger.tableschema import csv_schema_document, dumps


def schema_files() -> dict[str, str]:
    """File name -> content of every `schemas/*.json`."""
    return {f"{t.name}.json": dumps(csv_schema_document(t)) for t in TABLES.values()}


def write_schema_files(folder: Path, *, check: bool = False) -> list[Path]:
    """Write (or with `check`, only compare) the schema files; return the stale ones."""
    stale = []
    for name, content in schema_files().items():
        path = folder / name
        if not path.exists() or path.read_text("utf-8") != content:
            stale.append(path)
            if not check:
                folder.mkdir(parents=True, exist_ok=True)
                path.write_text(content, encoding="utf-8")
    return stale
