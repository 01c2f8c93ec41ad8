"""Frictionless Table Schemas and the Data Package descriptor, generated from the models.

Two forms: the CSV form (`schemas/*.json`, what contributors edit: every cell is text
with a pattern) and the Parquet form (inside `datapackage.json`: typed columns).
"""

from __future__ import annotations

import json
from typing import Any

from allyledger.schemas import SCHEMA_VERSION, TABLES, Field, Table

DATA_LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
HOMEPAGE = "https://github.com/allyledger/allyledger"
TITLE = "allyledger: what patrons promise their allies, and what they deliver"
DESCRIPTION = (
    "Who supports whom in world politics: standing relationships, and the crises, "
    "requests, pledges, deliveries and withholdings between actors, each row citing "
    "its sources."
)
# Whom to cite, and what the dataset is about; CITATION.cff says the same (a test
# keeps them together), and the report's JSON-LD and .zenodo.json use them.
AUTHORS = ("allyledger contributors",)
KEYWORDS = (
    "alliances",
    "international relations",
    "military support",
    "Russia",
    "dataset",
)


def _constraints(f: Field, *, typed: bool) -> dict[str, Any]:
    c: dict[str, Any] = {}
    if f.required:
        c["required"] = True
    if f.unique:
        c["unique"] = True
    kind = f.value_kind.constraints(f, typed=typed)
    c.update({k: v for k, v in kind.items() if k != "pattern"})
    if f.max_length is not None and not (typed and f.is_list):
        c["maxLength"] = f.max_length
    if "pattern" in kind:
        c["pattern"] = kind["pattern"]
    return c


def _field_descriptor(f: Field, *, typed: bool) -> list[dict[str, Any]]:
    kind = f.value_kind
    ftype = kind.typed_type if typed else kind.csv_type
    note = kind.typed_note if typed else kind.csv_note
    out: dict[str, Any] = {
        "name": f.name,
        "type": ftype,
        "description": f.description + note,
    }
    if typed:
        out.update(kind.typed_extras(f))
    if f.example and (kind.typed_example or not typed):
        out["example"] = f.example
    constraints = _constraints(f, typed=typed)
    if constraints:
        out["constraints"] = constraints
    if f.vocab:
        out["x-meanings"] = dict(f.vocab)
    if f.references:
        out["x-references"] = f"{f.references}.{TABLES[f.references].key}"
    return [out, *(kind.companions(f) if typed else [])]


def table_schema(table: Table, *, typed: bool = False) -> dict[str, Any]:
    """The Frictionless Table Schema of one table (CSV form, or typed Parquet form)."""
    fields: list[dict[str, Any]] = []
    for f in table.fields:
        fields.extend(_field_descriptor(f, typed=typed))
    foreign = [
        {
            "fields": f.name,
            "reference": {
                "resource": "" if f.references == table.name else f.references,
                "fields": TABLES[f.references].key,
            },
        }
        for f in table.fields
        if f.references and not f.is_list
    ]
    schema: dict[str, Any] = {
        "fields": fields,
        "primaryKey": [table.key],
        # Frictionless reads a null Parquet float as "nan".
        "missingValues": ["", "nan"] if typed else [""],
    }
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def csv_schema_document(table: Table) -> dict[str, Any]:
    """The committed `schemas/<table>.json`: the CSV contract of one table."""
    return {
        "$comment": "Generated from src/allyledger/schemas by `allyledger schemas`; "
        "do not edit by hand.",
        "name": table.name,
        "title": table.title,
        "description": table.description,
        "schema_version": SCHEMA_VERSION,
        **table_schema(table, typed=False),
    }


def datapackage(
    row_counts: dict[str, int],
    *,
    name: str = "allyledger",
    version: str = SCHEMA_VERSION,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Data Package descriptor for a build: one Parquet resource per table."""
    resources = []
    for table in TABLES.values():
        resources.append(
            {
                "name": table.name,
                "title": table.title,
                "description": table.description,
                "path": f"{table.name}.parquet",
                "format": "parquet",
                "mediatype": "application/vnd.apache.parquet",
                "profile": "tabular-data-resource",
                "x-rows": row_counts.get(table.name, 0),
                "schema": table_schema(table, typed=True),
            }
        )
    descriptor: dict[str, Any] = {
        "name": name,
        "title": TITLE,
        "description": DESCRIPTION,
        "contributors": [{"title": author, "role": "author"} for author in AUTHORS],
        "homepage": HOMEPAGE,
        "version": version,
        "licenses": [DATA_LICENSE],
        "profile": "tabular-data-package",
        "x-schema-version": SCHEMA_VERSION,
        "resources": resources,
    }
    if extra:
        descriptor.update(extra)
    return descriptor


def citation_text(
    title: str, authors: list[str], edition: str | None, year: str, url: str
) -> str:
    """How to cite an edition, in one line: the report, the workbook and the
    Croissant description all say it this way."""
    version = f", edition {edition}" if edition else ""
    dated = f" ({year})" if year else ""
    return f"{' and '.join(authors)}{dated}. {title}{version} [Data set]. {url}"


def dumps(document: dict[str, Any]) -> str:
    """JSON as every generated file is written: sorted keys, 2-space indent, newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
