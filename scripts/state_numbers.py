"""Fill the actors table's COW and Gleditsch–Ward state numbers from countrycode.

    python scripts/state_numbers.py [DATASET]

For every actor of kind `state`, `cow_code` and `gw_code` become what the countrycode
package (Vincent Arel-Bundock's port of the R package) gives for its ISO 3166-1
alpha-3 `country`, or empty where its list has none; every other actor's are emptied.
Nothing else in the file changes (run `allyledger fmt` after, as for any edit).
tests/test_state_numbers.py fails when the table and the package disagree.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from countrycode import countrycode

SCHEMES = {"cow_code": "cown", "gw_code": "gwn"}


def numbers(iso3: list[str]) -> dict[str, dict[str, str]]:
    """Each scheme's number (as text, "" where there is none) per ISO code."""
    out: dict[str, dict[str, str]] = {}
    for column, scheme in SCHEMES.items():
        found = countrycode(iso3, origin="iso3c", destination=scheme)
        out[column] = {
            code: "" if value is None else str(int(value))
            for code, value in zip(iso3, found, strict=True)
        }
    return out


def fill(dataset: Path) -> int:
    path = dataset / "actors.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    for column in SCHEMES:
        if column not in header:
            header.insert(
                header.index("wikidata_id") + 1 + list(SCHEMES).index(column), column
            )
    states = sorted(
        {r["country"] for r in rows if r["kind"] == "state" and r["country"]}
    )
    found = numbers(states)
    changed = 0
    for row in rows:
        for column in SCHEMES:
            value = (
                found[column].get(row["country"], "") if row["kind"] == "state" else ""
            )
            changed += row.get(column, "") != value
            row[column] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return changed


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "dataset")
    print(f"{fill(folder)} cell(s) set in {folder / 'actors.csv'}")
