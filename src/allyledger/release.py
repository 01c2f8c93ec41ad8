"""Immutable, checksummed editions: `DIST/EDITION/` plus `DIST/editions.json`.

An edition is built from a dataset like `build`, stamped with its as-of date (so the
same data and date give the same bytes), written to a staging folder and moved in whole.
Editions are never overwritten: the same content again is a no-op, other content is
refused.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from allyledger.build import frames_of, to_arrow, write_parquet
from allyledger.diff import TableDiff, diff_folders
from allyledger.outputs import file_entry, write_atomic
from allyledger.problems import DataInvalid, EditionExists, UsageProblem
from allyledger.report import render_report
from allyledger.schemas import SCHEMA_VERSION, TABLES
from allyledger.tableschema import datapackage, dumps
from allyledger.validate import Report, check_dataset

EDITION_RE = re.compile(r"^(?P<year>[0-9]{4})\.(?P<n>[1-9][0-9]*)$")
INDEX = "editions.json"
DATA_FILES = [f"{name}.parquet" for name in TABLES] + ["datapackage.json"]


@dataclass
class ReleaseResult:
    edition: str
    folder: Path
    created: bool
    row_counts: dict[str, int]
    previous: str | None
    diffs: dict[str, TableDiff] | None


def edition_key(edition: str) -> tuple[int, int]:
    match = EDITION_RE.match(edition)
    if not match:
        raise UsageProblem(
            f"{edition!r} is not an edition name: use YEAR.N, e.g. 2026.1"
        )
    return int(match["year"]), int(match["n"])


def read_index(dist: Path) -> dict[str, object]:
    path = dist / INDEX
    if not path.exists():
        return {"editions": [], "latest": None}
    try:
        data: dict[str, object] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageProblem(f"{path} is not readable JSON: {exc}") from None
    return data


def _changes_md(
    edition: str,
    as_of: dt.date,
    counts: dict[str, int],
    previous: str | None,
    diffs: dict[str, TableDiff] | None,
) -> str:
    lines = [
        f"## {edition} ({as_of.isoformat()})",
        "",
        f"Schema version {SCHEMA_VERSION}. Rows: "
        + ", ".join(f"{n} {name}" for name, n in counts.items())
        + ".",
    ]
    if previous and diffs is not None:
        lines += ["", f"Changes since {previous}:", ""]
        lines += [f"- `{name}`: {d.summary()}." for name, d in diffs.items()]
    else:
        lines += ["", "The first edition."]
    return "\n".join(lines) + "\n"


def release_edition(
    edition: str,
    dataset_dir: Path | str,
    dist_dir: Path | str,
    *,
    as_of: dt.date | None = None,
    changelog: Path | None = None,
    report: Report | None = None,
) -> ReleaseResult:
    """Validate, build and publish EDITION into DIST (see the module docstring)."""
    key = edition_key(edition)
    dist = Path(dist_dir)
    as_of = as_of or dt.date.today()
    report = report if report is not None else check_dataset(dataset_dir, as_of=as_of)
    if not report.valid:
        raise DataInvalid(
            f"{len(report.errors)} error(s) in {report.dataset}; nothing "
            "was released (run `allyledger validate` to see them)"
        )
    dist.mkdir(parents=True, exist_ok=True)
    index = read_index(dist)
    listed = index["editions"]
    entries = (
        [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    )
    earlier = sorted(
        (e["edition"] for e in entries if edition_key(e["edition"]) < key),
        key=edition_key,
    )
    previous = earlier[-1] if earlier else None
    target = dist / edition
    staging = Path(tempfile.mkdtemp(prefix=f".{edition}.tmp-", dir=dist))
    try:
        counts = {}
        for name, table in TABLES.items():
            arrow = to_arrow(table, frames_of(report)[name])
            write_parquet(arrow, staging / f"{name}.parquet")
            counts[name] = arrow.num_rows
        package = datapackage(
            counts, version=edition, extra={"created": f"{as_of.isoformat()}T00:00:00Z"}
        )
        (staging / "datapackage.json").write_text(dumps(package), encoding="utf-8")
        if target.exists():
            return _compare_existing(edition, target, staging, counts)
        diffs = diff_folders(dist / previous, staging) if previous else None
        changes = _changes_md(edition, as_of, counts, previous, diffs)
        (staging / "CHANGES.md").write_text(changes, encoding="utf-8")
        (staging / "report.html").write_text(
            render_report(staging, name=f"edition {edition}"), encoding="utf-8"
        )
        files = [
            file_entry(staging / name)
            for name in [*DATA_FILES, "CHANGES.md", "report.html"]
        ]
        manifest = {
            "edition": edition,
            "as_of": as_of.isoformat(),
            "schema_version": SCHEMA_VERSION,
            "tables": {n: {"rows": c} for n, c in counts.items()},
            "files": files,
        }
        (staging / "manifest.json").write_text(dumps(manifest), encoding="utf-8")
        files.append(file_entry(staging / "manifest.json"))
        os.chmod(staging, 0o755)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    try:
        entries = [e for e in entries if e["edition"] != edition]
        entries.append(
            {
                "edition": edition,
                "date": as_of.isoformat(),
                "schema_version": SCHEMA_VERSION,
                "files": files,
            }
        )
        entries.sort(key=lambda e: edition_key(e["edition"]))
        latest = entries[-1]["edition"]
        write_atomic(
            dist / INDEX, dumps({"editions": entries, "latest": latest}).encode("utf-8")
        )
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    if changelog is not None:
        promote_changelog(changelog, edition, changes)
    return ReleaseResult(edition, target, True, counts, previous, diffs)


def _compare_existing(
    edition: str, target: Path, staging: Path, counts: dict[str, int]
) -> ReleaseResult:
    differing = [
        name
        for name in DATA_FILES
        if not (target / name).exists()
        or (target / name).read_bytes() != (staging / name).read_bytes()
    ]
    if differing:
        raise EditionExists(
            f"edition {edition} already exists in {target.parent} with other content "
            f"({', '.join(differing)} differ); editions are immutable: release the "
            "changes as a new edition (e.g. the next YEAR.N)"
        )
    return ReleaseResult(edition, target, False, counts, None, None)


def promote_changelog(path: Path, edition: str, changes: str) -> None:
    """Move the Unreleased notes of CHANGELOG.md under a new heading for EDITION."""
    text = (
        path.read_text("utf-8") if path.exists() else "# Changelog\n\n## Unreleased\n"
    )
    if re.search(rf"^## {re.escape(edition)} ", text, flags=re.M):
        return
    heading, _, body = changes.partition("\n")
    match = re.search(r"^## Unreleased[^\n]*\n", text, flags=re.M)
    if match is None:
        text = text.rstrip("\n") + "\n\n## Unreleased\n"
        match = re.search(r"^## Unreleased[^\n]*\n", text, flags=re.M)
        assert match is not None
    rest = text[match.end() :]
    following = re.search(r"^## ", rest, flags=re.M)
    notes = rest[: following.start()] if following else rest
    after = rest[following.start() :] if following else ""
    entry = heading + "\n\n" + body.strip("\n") + "\n"
    if notes.strip():
        entry += "\n" + notes.strip("\n") + "\n"
    new = text[: match.end()] + "\n" + entry + ("\n" + after if after else "")
    write_atomic(path, new.encode("utf-8"))
