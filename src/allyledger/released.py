"""Released IDs are permanent: the rules that hold the dataset to its last edition.

An ID of the latest edition (`released`: that edition's folder) must still be in its
table, or be recorded in retired_ids with where it went and why. The retirements
themselves are checked with or without an edition: a retired ID is not in use, and a
new_id names a row of the same table.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq

from allyledger.problems import Problem, UsageProblem, quote
from allyledger.reading import TableText
from allyledger.vocab import RETIRABLE_TABLES

INDEX = "editions.json"


EDITION_RE = re.compile(r"^(?P<year>[0-9]{4})\.(?P<n>[1-9][0-9]*)$")


def edition_key(edition: str) -> tuple[int, int]:
    """The order of edition names (2026.2 < 2026.10); a usage problem for a name
    that is not YEAR.N."""
    match = EDITION_RE.match(edition)
    if not match:
        raise UsageProblem(
            f"{edition!r} is not an edition name: use YEAR.N, e.g. 2026.1"
        )
    return int(match["year"]), int(match["n"])


def latest_edition(editions_dir: Path, before: str | None = None) -> Path | None:
    """The folder of the latest edition in `editions_dir` (by its editions.json), or
    of the latest one before edition `before`; None when there is none (or no
    editions.json). A broken editions.json is a usage problem."""
    index = editions_dir / INDEX
    if not index.is_file():
        return None
    try:
        document = json.loads(index.read_text("utf-8"))
        latest = document["latest"]
        if before is not None:
            earlier = [
                str(e["edition"])
                for e in document["editions"]
                if edition_key(str(e["edition"])) < edition_key(before)
            ]
            if not earlier:
                return None
            latest = max(earlier, key=edition_key)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, UsageProblem):
        raise UsageProblem(f"{index} is not a readable list of editions") from None
    folder = editions_dir / str(latest)
    if not isinstance(latest, str) or not folder.is_dir() or folder.name != latest:
        raise UsageProblem(f"{index} names {latest!r} as latest, which is not there")
    return folder


def _ids(text: TableText) -> set[str]:
    return set(text.frame[text.table.key].dropna().astype(str))


def check_released(
    tables: dict[str, TableText], released: Path | None
) -> list[Problem]:
    """The problems of the retirements, and of released IDs gone without one."""
    usable = {n: t for n, t in tables.items() if t.readable}
    retired = usable.get("retired_ids")
    out: list[Problem] = []
    recorded: dict[str, set[str]] = {name: set() for name in RETIRABLE_TABLES}
    if retired is not None:
        frame = retired.frame
        for row, (old, table, new) in enumerate(
            zip(frame["old_id"], frame["table"], frame["new_id"], strict=True)
        ):
            target = usable.get(str(table))
            if (
                table not in RETIRABLE_TABLES
                or target is None
                or not isinstance(old, str)
            ):
                continue
            recorded[table].add(old)
            ids = _ids(target)
            line = int(retired.lines[row])
            if old in ids:
                out.append(
                    Problem.of(
                        "retired-id-in-use",
                        retired.path,
                        line,
                        "old_id",
                        old,
                        "retired_ids",
                        quoted=quote(old),
                        filename=target.table.filename,
                    )
                )
            if isinstance(new, str) and new and new not in ids:
                out.append(
                    Problem.of(
                        "retired-id-target-missing",
                        retired.path,
                        line,
                        "new_id",
                        new,
                        "retired_ids",
                        quoted=quote(new),
                        filename=target.table.filename,
                    )
                )
    if released is None:
        return out
    if retired is None and "retired_ids" in tables:
        return out  # retired_ids.csv is unreadable: its own problem says so
    for name in RETIRABLE_TABLES:
        text = usable.get(name)
        path = released / f"{name}.parquet"
        if text is None or not path.exists():
            continue
        key = text.table.key
        was = set(pq.read_table(path, columns=[key]).column(key).to_pylist())
        for old in sorted(was - _ids(text) - recorded[name]):
            out.append(
                Problem.of(
                    "released-id-missing",
                    text.path,
                    0,
                    key,
                    old,
                    name,
                    quoted=quote(old),
                    edition=released.name,
                    filename=text.table.filename,
                )
            )
    return out


__all__ = ["EDITION_RE", "check_released", "edition_key", "latest_edition"]
