"""What a reader needs to cite, download and trust an edition: its licence, a
citation, its files, what changed since the previous edition, and a schema.org
`Dataset` description for dataset search engines.

It reads the folder's own `datapackage.json` (title, description, licence, authors,
version), so an old edition is described as it was published, and its `CHANGES.md`.
Plain values only: the page escapes them (the JSON-LD goes in through jinja2's
`tojson`, which escapes `<`, `>` and `&`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from allyledger.loader import DEFAULT_BASE_URL
from allyledger.tableschema import (
    AUTHORS,
    DESCRIPTION,
    HOMEPAGE,
    KEYWORDS,
    TITLE,
    citation_text,
)

FORMATS = {
    ".parquet": ("Parquet", "application/vnd.apache.parquet"),
    ".csv": ("CSV", "text/csv"),
    ".json": ("JSON", "application/json"),
    ".md": ("Markdown", "text/markdown"),
    ".xlsx": (
        "Excel workbook",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}
DESCRIBES = {
    "datapackage.json": "Frictionless Data Package: every column, type and key",
    "croissant.json": "the same description in Croissant JSON-LD, for ML tools",
    "allyledger.xlsx": "every table in one workbook, with a README sheet",
    "manifest.json": "the SHA-256 checksum and size of every file",
    "CHANGES.md": "what changed since the previous edition",
}


def _files(folder: Path, base: str) -> list[dict[str, Any]]:
    """The edition's data and description files, each with its link and size (the
    manifest is listed even while a release is still writing it)."""
    names = sorted(p.name for p in folder.glob("*.parquet"))
    names += sorted(p.name for p in folder.glob("*.csv"))
    extras = ("allyledger.xlsx", "datapackage.json", "croissant.json", "CHANGES.md")
    names += [n for n in extras if (folder / n).exists()]
    names.append("manifest.json")
    out = []
    for name in names:
        path = folder / name
        label, media = FORMATS[Path(name).suffix]
        out.append(
            {
                "name": name,
                "href": base + quote(name),
                "format": label,
                "media_type": media,
                "bytes": path.stat().st_size if path.exists() else None,
                "describes": DESCRIBES.get(
                    name,
                    f"the {Path(name).stem} table"
                    + (
                        " as CSV: lists joined with |, dates as written"
                        if name.endswith(".csv")
                        else ""
                    ),
                ),
            }
        )
    return out


def _citation(
    title: str, authors: list[str], edition: str | None, as_of: str | None, url: str
) -> dict[str, str]:
    year = (as_of or "")[:4]
    text = citation_text(title, authors, edition, year, url)
    key = "allyledger" + (edition or "").replace(".", "_")
    bibtex = [
        f"@misc{{{key},",
        f"  author = {{{{{' and '.join(authors)}}}}},",
        f"  title = {{{title}}},",
    ]
    if edition:
        bibtex.append(f"  version = {{{edition}}},")
    if year:
        bibtex.append(f"  year = {{{year}}},")
    bibtex += [f"  url = {{{url}}},", "  note = {Data set}", "}"]
    return {"text": text, "bibtex": "\n".join(bibtex)}


def about(
    folder: Path, edition: str | None, as_of: str | None, base: str
) -> dict[str, Any]:
    """The licence, citation, files, changes and JSON-LD of the folder."""
    path = folder / "datapackage.json"
    package = json.loads(path.read_text("utf-8")) if path.exists() else {}
    title = package.get("title") or TITLE
    description = package.get("description") or DESCRIPTION
    authors = [c["title"] for c in package.get("contributors", []) if c.get("title")]
    authors = authors or list(AUTHORS)
    licences = package.get("licenses") or []
    licence = licences[0] if licences else {}
    homepage = package.get("homepage") or HOMEPAGE
    files = _files(folder, base)
    changes_path = folder / "CHANGES.md"
    published = f"{DEFAULT_BASE_URL}/{quote(edition)}/" if edition else None
    jsonld: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": title,
        "description": description,
        "url": published or homepage,
        "sameAs": homepage,
        "creator": [{"@type": "Organization", "name": a} for a in authors],
        "isAccessibleForFree": True,
        "keywords": list(KEYWORDS),
    }
    if edition:
        jsonld["version"] = edition
    if as_of:
        jsonld["dateModified"] = as_of
    if licence.get("path"):
        jsonld["license"] = licence["path"]
    jsonld["distribution"] = [
        {
            "@type": "DataDownload",
            "name": f["name"],
            "encodingFormat": f["media_type"],
            "contentUrl": (published + quote(f["name"])) if published else f["href"],
        }
        for f in files
        if f["name"].endswith((".parquet", ".csv", ".xlsx"))
        or f["name"] in ("datapackage.json", "croissant.json")
    ]
    return {
        "title": title,
        "description": description,
        "homepage": homepage,
        "published": published,
        "licence": {
            "name": licence.get("name", ""),
            "title": licence.get("title") or licence.get("name", ""),
            "url": licence.get("path"),
        },
        "citation": _citation(title, authors, edition, as_of, homepage),
        "files": files,
        "changes": changes_path.read_text("utf-8") if changes_path.exists() else None,
        "jsonld": jsonld,
    }
