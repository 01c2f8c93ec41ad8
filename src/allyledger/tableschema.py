"""Frictionless Table Schemas and the Data Package descriptor, generated from the models.

Two forms: the CSV form (`schemas/*.json`, what contributors edit: every cell is text
with a pattern) and the Parquet form (inside `datapackage.json`: typed columns).
"""

from __future__ import annotations

import json
from typing import Any

from allyledger.schemas import SCHEMA_VERSION, TABLES, Field, Table
from allyledger.vocab import PRECISIONS

DATA_LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
HOMEPAGE = "https://github.com/allyledger/allyledger"


def _constraints(f: Field, *, typed: bool) -> dict[str, Any]:
    c: dict[str, Any] = {}
    if f.required:
        c["required"] = True
    if f.unique:
        c["unique"] = True
    if f.vocab and f.kind == "enum":
        c["enum"] = list(f.vocab)
    if f.pattern and not (typed and f.kind in ("partial_date", "date")):
        c["pattern"] = f.pattern
    if f.kind == "number":
        c["minimum"] = 0
    if f.max_length is not None and not (typed and f.is_list):
        c["maxLength"] = f.max_length
    if f.kind == "ref_list" and not typed:
        c["pattern"] = r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\|[a-z0-9]+(?:-[a-z0-9]+)*)*$"
    if f.kind == "enum_list" and f.vocab and not typed:
        alt = "|".join(f.vocab)
        c["pattern"] = rf"^(?:{alt})(?:\|(?:{alt}))*$"
    return c


def _field_descriptor(f: Field, *, typed: bool) -> list[dict[str, Any]]:
    if typed:
        kind = {"partial_date": "date", "date": "date", "number": "number"}.get(f.kind)
        # Frictionless reads Parquet list cells as numpy arrays, which its "array" type
        # rejects; "any" with the item type noted keeps the package valid.
        ftype = kind or ("any" if f.is_list else "string")
    else:
        ftype = (
            "number"
            if f.kind == "number"
            else ("date" if f.kind == "date" else "string")
        )
    out: dict[str, Any] = {"name": f.name, "type": ftype, "description": f.description}
    if f.is_list and not typed:
        out["description"] += " Items are separated by |."
    if f.is_list and typed:
        out["description"] += " A list of strings."
        out["x-arrow-type"] = "list<string>"
    if f.kind == "partial_date" and typed:
        out["description"] += " The first day of the period; see the _precision column."
    if f.example and not (typed and (f.is_list or f.kind == "partial_date")):
        out["example"] = f.example
    constraints = _constraints(f, typed=typed)
    if constraints:
        out["constraints"] = constraints
    if f.vocab:
        out["x-meanings"] = dict(f.vocab)
    if f.references:
        out["x-references"] = f"{f.references}.{TABLES[f.references].key}"
    fields = [out]
    if f.kind == "partial_date" and typed:
        precision: dict[str, Any] = {
            "name": f"{f.name}_precision",
            "type": "string",
            "description": f"How precisely {f.name} is known.",
            "constraints": {"enum": list(PRECISIONS)},
            "x-meanings": dict(PRECISIONS),
        }
        if f.required:
            precision["constraints"]["required"] = True
        fields.append(precision)
    return fields


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
        "title": "allyledger: what patrons promise their allies, and what they deliver",
        "description": "Who supports whom in world politics: standing relationships, and "
        "the crises, requests, pledges, deliveries and withholdings between actors, "
        "each row citing its sources.",
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


def dumps(document: dict[str, Any]) -> str:
    """JSON as every generated file is written: sorted keys, 2-space indent, newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
