"""Immutable, checksummed editions: `DIST/EDITION/` plus `DIST/editions.json`.

An edition is built from a dataset like `build`, stamped with its as-of date (so the
same data and date give the same bytes), written to a staging folder and moved in whole.
Editions are never overwritten: the same content again is a no-op, other content is
refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from allyledger.build import frames_of, write_tables
from allyledger.croissant import CROISSANT, write_croissant
from allyledger.diff import TableDiff, diff_folders, render_markdown
from allyledger.loader import DEFAULT_BASE_URL
from allyledger.outputs import (
    UnsafeOutput,
    file_entry,
    refuse_unsafe,
    staging_dir,
    write_atomic,
)
from allyledger.problems import DataInvalid, EditionExists, UsageProblem
from allyledger.released import EDITION_RE, edition_key, latest_edition
from allyledger.report import render_report
from allyledger.schemas import SCHEMA_VERSION, TABLES
from allyledger.tableschema import dumps
from allyledger.validate import Report, check_dataset
from allyledger.workbook import WORKBOOK

INDEX = "editions.json"
LOCK = "editions.json.lock"
LOCK_TIMEOUT = 600


def data_files() -> list[str]:
    """The data files of an edition made now: each table's Parquet and CSV, the
    workbook, the Data Package and its Croissant twin."""
    return (
        [f"{name}.parquet" for name in TABLES]
        + [f"{name}.csv" for name in TABLES]
        + [WORKBOOK, "datapackage.json", CROISSANT]
    )


@dataclass
class ReleaseResult:
    edition: str
    folder: Path
    created: bool
    row_counts: dict[str, int]
    previous: str | None
    diffs: dict[str, TableDiff] | None
    changelog: Path | None = None
    citation: Path | None = None
    readme: Path | None = None  # set when its generated counts were refreshed
    zenodo: Path | None = None
    bundle: Path | None = None  # set when the package's bundled copy was refreshed


def read_index(dist: Path) -> list[dict[str, Any]]:
    """The entries of DIST/editions.json (none when it does not exist yet).

    The index is checked before use: a hand-edited or damaged file is refused with
    one line saying what is wrong, never half-read.
    """
    path = dist / INDEX
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageProblem(f"{path} is not readable JSON: {exc}") from None
    listed = data.get("editions") if isinstance(data, dict) else None
    if not isinstance(listed, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("edition"), str)
        and EDITION_RE.match(e["edition"])
        and isinstance(e.get("files"), list)
        for e in listed
    ):
        raise UsageProblem(
            f"{path} is not an allyledger index (expected an object whose "
            '"editions" lists objects with an "edition" named YEAR.N and its '
            '"files"); restore it from version control'
        )
    return [dict(e) for e in listed]


def check_dist(dist: Path, dataset_dir: Path) -> None:
    """Refuse a DIST that is not a folder of editions (exit 2): see `outputs`."""
    refuse_unsafe(dist, dataset=dataset_dir)
    if not dist.exists():
        return
    if not dist.is_dir():
        raise UnsafeOutput(f"refusing to release into {dist}: it is not a folder")
    entries = sorted(p.name for p in dist.iterdir() if p.name != LOCK)
    if entries and INDEX not in entries:
        shown = ", ".join(entries[:3]) + (" ..." if len(entries) > 3 else "")
        raise UnsafeOutput(
            f"refusing to release into {dist}: it holds files ({shown}) but no "
            f"{INDEX}, so it is not a folder of editions; choose a new or empty folder"
        )


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


def _edition_notes(
    changes: str,
    notes: str,
    previous: str | None,
    diffs: dict[str, TableDiff] | None,
) -> str:
    """The edition's CHANGES.md: the summary, the maintainers' notes (the Unreleased
    section of the changelog) and every row added, removed or changed."""
    parts = [changes.rstrip("\n")]
    if notes.strip():
        parts.append(notes.strip("\n"))
    if previous and diffs is not None:
        parts.append(
            render_markdown(diffs, title=f"Row-level changes since {previous}")
        )
    return "\n\n".join(parts) + "\n"


def release_edition(
    edition: str,
    dataset_dir: Path | str,
    dist_dir: Path | str,
    *,
    as_of: dt.date | None = None,
    changelog: Path | None = None,
    report: Report | None = None,
    citation: Path | None = None,
    readme: Path | None = None,
    zenodo: Path | None = None,
    create_zenodo: bool = False,
    bundle: Path | None = None,
    create_bundle: bool = False,
) -> ReleaseResult:
    """Validate, build and publish EDITION into DIST (see the module docstring).

    The whole release holds a lock on DIST, so two releases into one DIST run one
    after the other and both land in editions.json.
    """
    key = edition_key(edition)
    dist = Path(dist_dir)
    as_of = as_of or dt.date.today()
    if key[0] != as_of.year:
        raise UsageProblem(
            f"edition {edition} is dated {as_of.isoformat()}: an edition's year is the "
            f"year of its --as-of date (use {as_of.year}.N, or an --as-of in {key[0]})"
        )
    check_dist(dist, Path(dataset_dir))
    if report is None:
        report = check_dataset(
            dataset_dir, as_of=as_of, released=latest_edition(dist, before=edition)
        )
    if not report.valid:
        raise DataInvalid(
            f"{len(report.errors)} error(s) in {report.dataset}; nothing "
            "was released (run `allyledger validate` to see them)"
        )
    dist.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(dist / LOCK, timeout=LOCK_TIMEOUT):
            result = _release_locked(edition, key, report, dist, as_of, changelog)
            if result.created and citation is not None and citation.exists():
                stamp_citation(citation, edition, as_of)
                result = dataclasses.replace(result, citation=citation)
            if result.created and zenodo is not None:
                if write_zenodo(
                    zenodo, result.folder, edition, as_of, create=create_zenodo
                ):
                    result = dataclasses.replace(result, zenodo=zenodo)
            if result.created and bundle is not None:
                if write_bundle(bundle, result.folder, create=create_bundle):
                    result = dataclasses.replace(result, bundle=bundle)
            if (
                result.created
                and readme is not None
                and _refresh_readme(readme, result.folder)
            ):
                result = dataclasses.replace(result, readme=readme)
            return result
    except Timeout:
        raise UsageProblem(
            f"another release into {dist} has held {dist / LOCK} for over "
            f"{LOCK_TIMEOUT} s; wait for it to finish and try again"
        ) from None


def _release_locked(
    edition: str,
    key: tuple[int, int],
    report: Report,
    dist: Path,
    as_of: dt.date,
    changelog: Path | None,
) -> ReleaseResult:
    entries = read_index(dist)
    names = sorted((e["edition"] for e in entries), key=edition_key)
    latest = names[-1] if names else None
    target = dist / edition
    if (
        edition not in names
        and not target.exists()
        and latest is not None
        and key <= edition_key(latest)
    ):
        raise UsageProblem(
            f"edition {edition} is not later than {latest}, the latest in {dist}; "
            "editions are numbered in order (release it as a later YEAR.N)"
        )
    earlier = [name for name in names if edition_key(name) < key]
    previous = earlier[-1] if earlier else None
    staging = Path(tempfile.mkdtemp(prefix=f".{edition}.tmp-", dir=dist))
    try:
        # The same writer as `build`, stamped with the edition and its date.
        counts = write_tables(
            frames_of(report),
            staging,
            as_of=as_of,
            version=edition,
            extra={"created": f"{as_of.isoformat()}T00:00:00Z"},
            csv=True,
            workbook=True,
        )
        write_croissant(
            staging, edition=edition, as_of=as_of, base_url=DEFAULT_BASE_URL
        )
        if target.exists():
            return _compare_existing(edition, target, staging, counts)
        diffs = diff_folders(dist / previous, staging) if previous else None
        changes = _changes_md(edition, as_of, counts, previous, diffs)
        notes = unreleased_notes(changelog) if changelog is not None else ""
        (staging / "CHANGES.md").write_text(
            _edition_notes(changes, notes, previous, diffs), encoding="utf-8"
        )
        (staging / "report.html").write_text(
            render_report(staging, edition=edition, as_of=as_of.isoformat()),
            encoding="utf-8",
        )
        files = [
            file_entry(staging / name)
            for name in [*data_files(), "CHANGES.md", "report.html"]
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
    return ReleaseResult(edition, target, True, counts, previous, diffs, changelog)


def _compare_existing(
    edition: str, target: Path, staging: Path, counts: dict[str, int]
) -> ReleaseResult:
    differing = [
        name
        for name in data_files()
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


def _unreleased(text: str) -> tuple[re.Match[str] | None, str, str]:
    """The Unreleased heading of a changelog, its notes, and what follows them."""
    match = re.search(r"^## Unreleased[^\n]*\n", text, flags=re.M)
    if match is None:
        return None, "", ""
    rest = text[match.end() :]
    following = re.search(r"^## ", rest, flags=re.M)
    notes = rest[: following.start()] if following else rest
    after = rest[following.start() :] if following else ""
    return match, notes, after


def unreleased_notes(path: Path) -> str:
    """The notes under `## Unreleased` in the changelog at PATH ("" if none)."""
    if not path.exists():
        return ""
    return _unreleased(path.read_text("utf-8"))[1].strip("\n")


def promote_changelog(path: Path, edition: str, changes: str) -> None:
    """Move the Unreleased notes of CHANGELOG.md under a new heading for EDITION."""
    text = (
        path.read_text("utf-8") if path.exists() else "# Changelog\n\n## Unreleased\n"
    )
    if re.search(rf"^## {re.escape(edition)} ", text, flags=re.M):
        return
    heading, _, body = changes.partition("\n")
    match, notes, after = _unreleased(text)
    if match is None:
        text = text.rstrip("\n") + "\n\n## Unreleased\n"
        match, notes, after = _unreleased(text)
        assert match is not None
    entry = heading + "\n\n" + body.strip("\n") + "\n"
    if notes.strip():
        entry += "\n" + notes.strip("\n") + "\n"
    new = text[: match.end()] + "\n" + entry + ("\n" + after if after else "")
    write_atomic(path, new.encode("utf-8"))


def _refresh_readme(readme: Path, edition_dir: Path) -> bool:
    """Refresh the README's generated counts from the new edition, where the README
    has them; return whether it changed."""
    from allyledger.stats import refresh_outcomes, refresh_readme

    if not readme.exists():
        return False
    try:
        changed = refresh_outcomes(readme, edition_dir)
        return refresh_readme(readme, edition_dir) or changed
    except ValueError:  # a README without the generated blocks
        return False


ZENODO_NOTE = "Written by `allyledger release` from the edition's datapackage.json."


def _bundled_files(edition_dir: Path) -> list[str]:
    """What the package carries of an edition: its tables' Parquet files and its
    datapackage.json (a few hundred kB; the CSV, workbook and report stay online)."""
    names = sorted(p.name for p in edition_dir.glob("*.parquet"))
    return [*names, "datapackage.json"]


def write_bundle(bundle: Path, edition_dir: Path, *, create: bool = False) -> bool:
    """Make `bundle` (the package's `allyledger/bundled`) a one-edition copy of
    `edition_dir`: `editions.json` and `<edition>/` with `_bundled_files`. Only a
    bundle an earlier release wrote is replaced (or a new one with `create`); a
    folder holding anything else is refused. Written into a staging folder and
    swapped in whole. Returns whether it was written."""
    index = bundle / INDEX
    if not create and not index.is_file():
        return False
    if bundle.exists():
        entries = read_index(bundle)
        ours = {INDEX} | {e["edition"] for e in entries}
        strays = sorted(p.name for p in bundle.iterdir() if p.name not in ours)
        if strays:
            raise UsageProblem(
                f"{bundle} holds {', '.join(strays)}, which no release wrote; "
                "nothing was changed"
            )
    edition = edition_dir.name
    manifest = json.loads((edition_dir / "manifest.json").read_text("utf-8"))
    bundle.parent.mkdir(parents=True, exist_ok=True)
    with staging_dir(bundle) as staging:
        (staging / edition).mkdir()
        files = []
        for name in _bundled_files(edition_dir):
            shutil.copyfile(edition_dir / name, staging / edition / name)
            files.append(file_entry(staging / edition / name))
        entry = {
            "edition": edition,
            "date": manifest["as_of"],
            "schema_version": manifest["schema_version"],
            "files": files,
        }
        (staging / INDEX).write_text(
            dumps({"editions": [entry], "latest": edition}), encoding="utf-8"
        )
    return True


def write_zenodo(
    path: Path, edition_dir: Path, edition: str, as_of: dt.date, *, create: bool = False
) -> bool:
    """Write the Zenodo metadata of EDITION (what a GitHub release gives Zenodo to
    mint a DOI) from the edition's own datapackage.json. A missing file is written
    only with `create`; one that an earlier release did not write (its `notes`
    differ) is left alone. Return whether it was written."""
    from allyledger.tableschema import KEYWORDS

    if not path.exists() and not create:
        return False
    if path.exists():
        try:
            ours = json.loads(path.read_text("utf-8")).get("notes") == ZENODO_NOTE
        except (ValueError, AttributeError):
            ours = False
        if not ours:
            return False
    package = json.loads((edition_dir / "datapackage.json").read_text("utf-8"))
    metadata = {
        "title": f"{package['title']} (edition {edition})",
        "description": package["description"],
        "upload_type": "dataset",
        "version": edition,
        "publication_date": as_of.isoformat(),
        "creators": [{"name": c["title"]} for c in package.get("contributors", [])],
        "license": package["licenses"][0]["name"].lower(),
        "keywords": list(KEYWORDS),
        "related_identifiers": [
            {"identifier": package["homepage"], "relation": "isSupplementTo"}
        ],
        "notes": ZENODO_NOTE,
    }
    write_atomic(path, dumps(metadata).encode("utf-8"))
    return True


def stamp_citation(path: Path, edition: str, as_of: dt.date) -> None:
    """Set CITATION.cff's `version` to EDITION and `date-released` to its date, so
    a citation made from it names the edition (the rest of the file is kept)."""
    text = path.read_text("utf-8")
    for key, value in (("version", edition), ("date-released", as_of.isoformat())):
        line = f'{key}: "{value}"'
        text, found = re.subn(rf"^{key}:.*$", line, text, count=1, flags=re.M)
        if not found:
            text = text.rstrip("\n") + "\n" + line + "\n"
    write_atomic(path, text.encode("utf-8"))
