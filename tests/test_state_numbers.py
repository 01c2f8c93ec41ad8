"""The actors' COW and Gleditsch–Ward state numbers agree with the countrycode
package, from which `scripts/state_numbers.py` fills them (never typed by hand)."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
from countrycode import countrycode

from conftest import AS_OF, VALID, run

ROOT = Path(__file__).parent.parent


def _actors(folder: Path) -> list[dict[str, str]]:
    with (folder / "actors.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _expected(iso3: list[str], scheme: str) -> list[str]:
    found = countrycode(iso3, origin="iso3c", destination=scheme)
    return ["" if value is None else str(int(value)) for value in found]


FIX = "run `python scripts/state_numbers.py` (then `allyledger fmt`) to fill them"


def test_every_state_carries_the_packages_numbers():
    for folder in (ROOT / "dataset", VALID):
        actors = _actors(folder)
        states = [a for a in actors if a["kind"] == "state"]
        assert states, folder
        codes = [a["country"] for a in states]
        assert [a["cow_code"] for a in states] == _expected(codes, "cown"), FIX
        assert [a["gw_code"] for a in states] == _expected(codes, "gwn"), FIX
        others = [a for a in actors if a["kind"] != "state"]
        assert all(a["cow_code"] == a["gw_code"] == "" for a in others), FIX


def test_well_known_numbers():
    # Spot values from the COW and Gleditsch–Ward state lists, so a change in the
    # package's tables cannot pass unnoticed.
    by_id = {a["actor_id"]: a for a in _actors(ROOT / "dataset")}
    assert (by_id["usa"]["cow_code"], by_id["usa"]["gw_code"]) == ("2", "2")
    assert (by_id["rus"]["cow_code"], by_id["rus"]["gw_code"]) == ("365", "365")
    assert (by_id["cub"]["cow_code"], by_id["cub"]["gw_code"]) == ("40", "40")


def test_state_numbers_are_whole_numbers_in_the_build(tmp_path):
    assert run("build", VALID, "--out", tmp_path / "b", "--as-of", AS_OF).exit_code == 0
    table = pq.read_table(tmp_path / "b" / "actors.parquet")
    assert str(table.schema.field("cow_code").type) == "int32"
    rows = {r["actor_id"]: r for r in table.to_pylist()}
    assert (rows["rus"]["cow_code"], rows["rus"]["gw_code"]) == (365, 365)
    assert rows["csto"]["cow_code"] is None
