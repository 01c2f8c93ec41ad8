"""Generated documentation files: the JSON Table Schemas (and the codebook)."""

from __future__ import annotations

from pathlib import Path

from allyledger.outcomes import DERIVATION
from allyledger.schemas import TABLES, inputs
from allyledger.tableschema import csv_schema_document, dumps


def schema_files() -> dict[str, str]:
    """File name -> content of every `schemas/*.json`."""
    return {f"{t.name}.json": dumps(csv_schema_document(t)) for t in inputs().values()}


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


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def codebook() -> str:
    """docs/codebook.md: every table and column, generated from the pandera models."""
    from allyledger.schemas import SCHEMA_VERSION

    out = [
        "# allyledger codebook",
        "",
        f"Schema version {SCHEMA_VERSION}. Generated from `src/allyledger/schemas/` by "
        "`allyledger docs`; do not edit by hand.",
        "",
        "Conventions for every table: an empty cell means unknown; lists are separated "
        "by `|`; text is NFC, trimmed, without control characters, bidirectional "
        "controls or zero-width characters, and does not begin like a spreadsheet "
        "formula; numbers are finite; rows are sorted by their ID. In the built Parquet "
        "files enums are dictionary-encoded, partial dates become a `date32` column (the period's "
        "first day), `<name>_end` (its last day) and `<name>_precision` (`year`, "
        "`month` or `day`), and lists are `list<string>`.",
        "",
    ]
    for table in TABLES.values():
        out += [
            f"## `{table.name}`",
            "",
            table.description,
            "",
            (
                f"Primary key: `{table.key}`. File: `{table.name}.parquet` in every "
                "build and edition; derived, so there is no CSV to edit."
                if table.derived
                else f"Primary key: `{table.key}`. File: `dataset/{table.filename}`."
            ),
            "",
            *([DERIVATION, ""] if table.derived else []),
            "| column | type | required | meaning | example |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in table.fields:
            label = f.value_kind.describe(f)
            if f.unique and f.kind != "id":
                label += ", unique"
            if f.max_length is not None:
                label += f", at most {f.max_length} characters"
            example = f"`{_cell(f.example)}`" if f.example else ""
            out.append(
                f"| `{f.name}` | {_cell(label)} | {'yes' if f.required else 'no'} | "
                f"{_cell(f.description)} | {example} |"
            )
        for f in table.fields:
            if f.vocab:
                out += [
                    "",
                    f"### `{table.name}.{f.name}` values",
                    "",
                    "| value | meaning |",
                    "| --- | --- |",
                ]
                out += [f"| `{k}` | {_cell(v)} |" for k, v in f.vocab.items()]
        if table.row_rules:
            out += ["", f"### Rules across the columns of `{table.name}`", ""]
            out += [
                f"- `{code}` ({column}): {_cell(msg.format_map(_Blank()))}"
                for code, (column, msg) in table.row_rules.items()
            ]
        out.append("")
    out += _problem_sections()
    return "\n".join(out)


def _problem_sections() -> list[str]:
    """The rules across tables and every problem code, from the catalogue."""
    from allyledger.catalogue import ACROSS, PROBLEMS, WARNING

    out = ["## Rules across tables", ""]
    for p in PROBLEMS.values():
        if p.scope == ACROSS:
            warning = " (a warning)" if p.severity == WARNING else ""
            out.append(f"- `{p.code}`{warning}: {_cell(p.description)}")
    out += [
        "",
        "## Problem codes",
        "",
        "Every code `allyledger validate` can report, with its severity. Errors make "
        "a dataset invalid (exit 1); warnings do not.",
        "",
        "| code | severity | where | what it means |",
        "| --- | --- | --- | --- |",
    ]
    for p in sorted(PROBLEMS.values(), key=lambda p: p.code):
        out.append(
            f"| `{p.code}` | {p.severity} | {p.scope} | {_cell(p.description)} |"
        )
    out.append("")
    return out


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…"


def write_codebook(path: Path, *, check: bool = False) -> bool:
    """Write docs/codebook.md; return whether it was stale."""
    content = codebook()
    stale = not path.exists() or path.read_text("utf-8") != content
    if stale and not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return stale
