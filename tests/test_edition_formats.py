"""The files an edition carries for people who work outside Parquet: the workbook and
the Croissant description."""

from __future__ import annotations

import json

import mlcroissant as mlc
import openpyxl
import pytest

from allyledger.outputs import sha256
from allyledger.schemas import TABLES
from conftest import AS_OF, VALID, read_rows, release, set_cell


def test_workbook_has_a_readme_and_a_sheet_per_table(dist):
    book = openpyxl.load_workbook(dist / "2026.1" / "allyledger.xlsx")
    assert book.sheetnames == ["README", *TABLES]
    readme = {
        row[0]: row[1] for row in book["README"].iter_rows(values_only=True) if row[0]
    }
    assert readme["Edition"] == f"2026.1 ({AS_OF})"
    assert "creativecommons.org/licenses/by/4.0" in readme["Licence"]
    # Each sheet holds the CSV's rows: text as written, numbers as numbers.
    for name in TABLES:
        csv_rows = read_rows(dist / "2026.1" / f"{name}.csv")
        sheet = [
            ["" if v is None else v for v in row]
            for row in book[name].iter_rows(values_only=True)
        ]
        assert len(sheet) == len(csv_rows), name
        assert sheet[0] == csv_rows[0], name
        for got, want in zip(sheet[1:], csv_rows[1:], strict=True):
            assert [
                float(w) if isinstance(g, int | float) else w
                for g, w in zip(got, want, strict=True)
            ] == got, name
    events = book["support_events"]
    header = [c.value for c in events[1]]
    dates = [
        r[header.index("date")] for r in events.iter_rows(min_row=2, values_only=True)
    ]
    assert "2025" in dates and "2025-01" in dates  # as written, not 2025-01-01
    amounts = [
        r[header.index("amount")] for r in events.iter_rows(min_row=2, values_only=True)
    ]
    assert 1.5e6 in amounts


def test_workbook_never_runs_a_cell_as_a_formula(ds, tmp_path):
    set_cell(ds, "support_events", 1, "item", '=HYPERLINK("x")')
    dist = tmp_path / "dist"
    log = tmp_path / "CHANGELOG.md"
    log.write_text("# Changelog\n\n## Unreleased\n\n- x\n")
    result = release("2026.1", ds, dist, log)
    # the model refuses a formula-like cell, so nothing was released with one
    assert result.exit_code != 0 and not dist.joinpath("2026.1").exists()
    set_cell(ds, "support_events", 1, "item", "https://example.org/a link")
    assert release("2026.1", ds, dist, log).exit_code == 0
    book = openpyxl.load_workbook(dist / "2026.1" / "allyledger.xlsx")
    sheet = book["support_events"]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(2, header.index("item") + 1)
    assert cell.data_type == "s" and cell.hyperlink is None


# rdflib, under mlcroissant, warns of its own deprecated API.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_croissant_validates_and_reads_every_record(dist):
    folder = dist / "2026.1"
    path = folder / "croissant.json"
    document = json.loads(path.read_text())
    assert document["version"] == "2026.1" and document["datePublished"] == AS_OF
    files = {f["name"]: f for f in document["distribution"]}
    for name in TABLES:
        assert files[f"{name}.csv"]["sha256"] == sha256(folder / f"{name}.csv")
    dataset = mlc.Dataset(jsonld=str(path))
    for name in TABLES:
        records = list(dataset.records(record_set=name))
        assert len(records) == len(read_rows(folder / f"{name}.csv")) - 1, name
    actors = {
        r["actors/actor_id"].decode(): r for r in dataset.records(record_set="actors")
    }
    assert actors["rus"]["actors/name"] == b"Russia"
    fields = {
        f["name"]: f
        for s in document["recordSet"]
        if s["name"] == "support_events"
        for f in s["field"]
    }
    assert fields["provider_id"]["references"] == {"field": {"@id": "actors/actor_id"}}
    assert fields["amount"]["dataType"] == "sc:Float"


@pytest.mark.parametrize("name", ["allyledger.xlsx", "croissant.json"])
def test_the_new_files_are_checksummed_in_the_manifest(dist, name):
    manifest = json.loads((dist / "2026.1" / "manifest.json").read_text())
    listed = {f["name"]: f for f in manifest["files"]}
    assert listed[name]["sha256"] == sha256(dist / "2026.1" / name)


def test_workbook_and_croissant_are_reproducible(tmp_path):
    digests = []
    for n in (1, 2):
        dist = tmp_path / f"dist{n}"
        log = tmp_path / f"log{n}.md"
        log.write_text("# Changelog\n\n## Unreleased\n\n- x\n")
        assert release("2026.1", VALID, dist, log).exit_code == 0
        digests.append(
            [sha256(dist / "2026.1" / f) for f in ("allyledger.xlsx", "croissant.json")]
        )
    assert digests[0] == digests[1]


def test_a_table_too_long_for_a_worksheet_points_at_its_csv(tmp_path, monkeypatch):
    import allyledger.workbook as workbook

    monkeypatch.setattr(workbook, "ROW_LIMIT", 5)  # header + 4 rows
    dist = tmp_path / "dist"
    log = tmp_path / "log.md"
    log.write_text("# Changelog\n\n## Unreleased\n\n- x\n")
    assert release("2026.1", VALID, dist, log).exit_code == 0
    book = openpyxl.load_workbook(dist / "2026.1" / "allyledger.xlsx")
    rows = list(book["support_events"].iter_rows(values_only=True))
    assert rows == [
        (
            "support_events has 5 rows, more than a worksheet holds; read "
            "support_events.csv or support_events.parquet instead.",
        )
    ]
    assert len(list(book["actors"].iter_rows())) == 5  # 4 rows fit beside the header
