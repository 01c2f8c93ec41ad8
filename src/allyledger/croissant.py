"""The edition described in Croissant (JSON-LD), the metadata ML tools read.

`croissant.json` sits beside `datapackage.json` and says the same things in the
vocabulary of MLCommons' Croissant 1.0: the dataset (name, description, licence,
citation, version, date), each table's CSV file with its SHA-256, and one record set
per table whose fields carry the model's descriptions, types, keys and references.
Generated from the models and the files themselves, like every other description.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from allyledger.outputs import sha256
from allyledger.schemas import TABLES, Field, Table
from allyledger.tableschema import (
    AUTHORS,
    DATA_LICENSE,
    DESCRIPTION,
    HOMEPAGE,
    KEYWORDS,
    TITLE,
    citation_text,
    dumps,
)

CROISSANT = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
# The Croissant 1.0 JSON-LD context, as the specification gives it.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "equivalentProperty": "cr:equivalentProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
# Kinds whose CSV text is a number or a truth value; every other kind is text (a
# partial date such as `2006` is no full date, a list is |-joined text).
DATA_TYPES = {
    "number": "sc:Float",
    "integer": "sc:Integer",
    "state_number": "sc:Integer",
    "boolean": "sc:Boolean",
    "date": "sc:Date",
}


def _field(table: Table, f: Field) -> dict[str, Any]:
    description = f.description
    if f.is_list:
        description += " (a |-separated list)"
    if f.kind == "partial_date":
        description += " (written at the precision known: YYYY, YYYY-MM or YYYY-MM-DD)"
    out: dict[str, Any] = {
        "@type": "cr:Field",
        "@id": f"{table.name}/{f.name}",
        "name": f.name,
        "description": description,
        "dataType": DATA_TYPES.get(f.kind, "sc:Text"),
        "source": {
            "fileObject": {"@id": table.filename},
            "extract": {"column": f.name},
        },
    }
    # A reference within the same table (responds_to_id, derived_from_id) stays in
    # the description only: Croissant readers resolve references as a graph of
    # record sets, which a record set pointing at itself would make cyclic.
    # Nor does a key that is itself another table's key (outcomes.event_id).
    if (
        f.references in TABLES
        and f.references != table.name
        and f.name != table.key
        and not f.is_list
    ):
        target = TABLES[f.references]
        out["references"] = {"field": {"@id": f"{target.name}/{target.key}"}}
    return out


def croissant(
    folder: Path, *, edition: str, as_of: dt.date, base_url: str
) -> dict[str, Any]:
    """The Croissant description of the edition in `folder` (its CSV files must be
    there: each one's SHA-256 is part of it). `base_url` is where the edition's
    files are published (`<base_url>/<edition>/`)."""
    files = []
    for table in TABLES.values():
        path = folder / table.filename
        files.append(
            {
                "@type": "cr:FileObject",
                "@id": table.filename,
                "name": table.filename,
                "description": f"The {table.name} table as CSV.",
                "contentUrl": table.filename,
                "encodingFormat": "text/csv",
                "sha256": sha256(path),
            }
        )
    record_sets = [
        {
            "@type": "cr:RecordSet",
            "@id": table.name,
            "name": table.name,
            "description": table.description,
            "key": {"@id": f"{table.name}/{table.key}"},
            "field": [_field(table, f) for f in table.fields],
        }
        for table in TABLES.values()
    ]
    authors = [{"@type": "sc:Organization", "name": a} for a in AUTHORS]
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": "allyledger",
        "alternateName": TITLE,
        "description": DESCRIPTION,
        "keywords": list(KEYWORDS),
        "license": DATA_LICENSE["path"],
        "url": f"{base_url.rstrip('/')}/{edition}/",
        "sameAs": HOMEPAGE,
        "version": edition,
        "datePublished": as_of.isoformat(),
        "creator": authors,
        "citeAs": citation_text(
            TITLE, list(AUTHORS), edition, str(as_of.year), HOMEPAGE
        ),
        "isLiveDataset": False,
        "distribution": files,
        "recordSet": record_sets,
    }


def write_croissant(
    folder: Path, *, edition: str, as_of: dt.date, base_url: str
) -> Path:
    """Write `folder/croissant.json`; return its path."""
    path = folder / CROISSANT
    document = croissant(folder, edition=edition, as_of=as_of, base_url=base_url)
    path.write_text(dumps(document), encoding="utf-8")
    return path


__all__ = ["CROISSANT", "croissant", "write_croissant"]
