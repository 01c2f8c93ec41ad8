from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from frictionless import validate as frictionless_validate

import allyledger
from allyledger.outputs import sha256
from conftest import AS_OF, VALID, release, run, serve, set_cell


def test_release_writes_edition_and_index(dist):
    edition = dist / "2026.1"
    assert sorted(p.name for p in edition.iterdir()) == [
        "CHANGES.md",
        "actors.csv",
        "actors.parquet",
        "allyledger.xlsx",
        "croissant.json",
        "datapackage.json",
        "events_flat.csv",
        "events_flat.parquet",
        "manifest.json",
        "outcomes.csv",
        "outcomes.parquet",
        "relationships.csv",
        "relationships.parquet",
        "report.html",
        "retired_ids.csv",
        "retired_ids.parquet",
        "sources.csv",
        "sources.parquet",
        "support_events.csv",
        "support_events.parquet",
    ]
    index = json.loads((dist / "editions.json").read_text())
    assert index["latest"] == "2026.2"
    first = index["editions"][0]
    assert (first["edition"], first["date"], first["schema_version"]) == (
        "2026.1",
        AS_OF,
        "1.3.0",
    )
    for entry in first["files"]:
        path = edition / entry["name"]
        assert entry["sha256"] == sha256(path)
        assert entry["bytes"] == path.stat().st_size
    manifest = json.loads((edition / "manifest.json").read_text())
    assert manifest["edition"] == "2026.1" and manifest["as_of"] == AS_OF


def test_editions_ship_csv_as_contributors_write_it(dist):
    # The edited tables' CSV is byte for byte the canonical dataset (the fixture is
    # canonical): lists joined with |, dates as written (2025, 2025-01).
    for name in ("actors", "relationships", "support_events", "sources"):
        assert (dist / "2026.1" / f"{name}.csv").read_bytes() == (
            VALID / f"{name}.csv"
        ).read_bytes(), name
    outcomes = (dist / "2026.1" / "outcomes.csv").read_text().splitlines()
    assert outcomes[0].startswith("event_id,kind,provider_id,recipient_id,crisis_id")
    pledge = next(line for line in outcomes if line.startswith("2025-01-pledge,"))
    assert ",2025-01,," in pledge and "<NA>" not in pledge and "nan" not in pledge
    manifest = json.loads((dist / "2026.1" / "manifest.json").read_text())
    listed = {f["name"]: f for f in manifest["files"]}
    for name in ("actors", "outcomes"):
        path = dist / "2026.1" / f"{name}.csv"
        assert listed[f"{name}.csv"]["sha256"] == sha256(path)


def test_changes_and_changelog(dist, tmp_path):
    changes = (dist / "2026.2" / "CHANGES.md").read_text()
    assert changes.startswith(f"## 2026.2 ({AS_OF})")
    assert "- `actors`: 1 added, 0 removed, 1 changed." in changes
    assert "- `support_events`: 0 added, 1 removed, 0 changed." in changes
    log = (tmp_path / "CHANGELOG.md").read_text()
    assert log.index("## Unreleased") < log.index("## 2026.2") < log.index("## 2026.1")
    # The edition's own notes hold the maintainers' notes and every changed row.
    first = (dist / "2026.1" / "CHANGES.md").read_text()
    assert "- The test fixture changed." in first
    assert "### Row-level changes since 2026.1" in changes
    assert "- removed `2025-06-01-withholding`" in changes
    assert "- changed `csto`" in changes
    # The unreleased notes moved under the first edition.
    assert log.index("- The test fixture changed.") > log.index("## 2026.1")


def test_release_is_reproducible(dist, tmp_path):
    other = tmp_path / "other"
    log = tmp_path / "log.md"  # the same notes as the first release had
    log.write_text("# Changelog\n\n## Unreleased\n\n- The test fixture changed.\n")
    release("2026.1", VALID, other, log)
    for path in (dist / "2026.1").iterdir():
        assert path.read_bytes() == (other / "2026.1" / path.name).read_bytes()


def test_identical_rerelease_is_a_no_op(dist, tmp_path):
    before = (dist / "editions.json").read_bytes()
    result = release("2026.1", VALID, dist, tmp_path / "CHANGELOG.md")
    assert result.exit_code == 0
    assert "already exists in" in result.output and "identical content" in result.output
    assert (dist / "editions.json").read_bytes() == before


def test_changed_rerelease_is_refused(dist, ds, tmp_path):
    snapshot = {p: p.read_bytes() for p in dist.rglob("*") if p.is_file()}
    result = release("2026.1", ds, dist, tmp_path / "CHANGELOG.md")
    assert result.exit_code == 1
    assert "edition 2026.1 already exists" in result.output
    assert "editions are immutable" in result.output
    assert {p: p.read_bytes() for p in dist.rglob("*") if p.is_file()} == snapshot
    assert not [p for p in dist.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", ["2026", "2026.0", "v2026.1", "26.1", "2026.1.1"])
def test_bad_edition_names_are_refused(tmp_path, name):
    result = release(name, VALID, tmp_path / "dist", tmp_path / "log.md")
    assert result.exit_code == 2
    assert "is not an edition name: use YEAR.N" in result.output
    assert not (tmp_path / "dist").exists()


def test_invalid_data_is_not_released(ds, tmp_path):
    set_cell(ds, "actors", 1, "kind", "nation")
    result = release("2026.1", ds, tmp_path / "dist", tmp_path / "log.md")
    assert result.exit_code == 1
    assert "nothing was released" in result.output
    assert not (tmp_path / "dist" / "2026.1").exists()


def test_diff_between_editions(dist):
    result = run("diff", dist / "2026.1", dist / "2026.2", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["actors"] == {
        "added": ["zzz-new"],
        "removed": [],
        "changed": {
            "csto": {
                "name": {
                    "old": "Collective Security Treaty Organization",
                    "new": "CSTO",
                }
            }
        },
    }
    assert data["support_events"]["removed"] == ["2025-06-01-withholding"]
    assert data["sources"] == {"added": [], "removed": [], "changed": {}}
    text = run("diff", dist / "2026.1", dist / "2026.2").output
    assert (
        '  ~ csto\n      name: "Collective Security Treaty Organization" -> "CSTO"'
        in text
    )
    markdown = run(
        "diff", dist / "2026.1", dist / "2026.2", "--format", "markdown"
    ).output
    assert "| `actors` | 1 | 0 | 1 |" in markdown


def test_diff_between_dataset_and_its_build_is_empty(tmp_path):
    run("build", VALID, "--out", tmp_path / "b", "--as-of", AS_OF)
    result = run("diff", VALID, tmp_path / "b", "--format", "json")
    data = json.loads(result.output)
    assert all(not any(v.values()) for v in data.values()), data


def test_diff_of_unreadable_input_is_usage_error(tmp_path):
    (tmp_path / "x").mkdir()
    result = run("diff", tmp_path / "x", VALID)
    assert result.exit_code == 2


def test_frictionless_validates_the_package(dist):
    report = frictionless_validate(str(dist / "2026.2" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_clients_read_the_same_rows(dist):
    edition = dist / "2026.2"
    for name in allyledger.TABLES:
        path = edition / f"{name}.parquet"
        expected = pq.ParquetFile(path).metadata.num_rows
        assert len(pd.read_parquet(path)) == expected
        assert pl.read_parquet(path).height == expected
        assert duckdb.sql(f"select count(*) from '{path}'").fetchall()[0][0] == expected


EDITIONS = Path(__file__).parent.parent / "editions"


def test_committed_editions_match_their_checksums():
    index = json.loads((EDITIONS / "editions.json").read_text())
    assert index["latest"] == index["editions"][-1]["edition"]
    for entry in index["editions"]:
        folder = EDITIONS / entry["edition"]
        names = {f["name"] for f in entry["files"]}
        assert names == {p.name for p in folder.iterdir()}
        for f in entry["files"]:
            assert sha256(folder / f["name"]) == f["sha256"], f["name"]
            assert (folder / f["name"]).stat().st_size == f["bytes"]


def test_committed_latest_edition_is_frictionless_valid_and_loads(tmp_path):
    index = json.loads((EDITIONS / "editions.json").read_text())
    latest = EDITIONS / index["latest"]
    report = frictionless_validate(str(latest / "datapackage.json"))
    assert report.valid
    with serve(EDITIONS) as site:
        frames = allyledger.load_all(base_url=site.url, cache_dir=tmp_path)
    manifest = json.loads((latest / "manifest.json").read_text())
    for name, frame in frames.items():
        assert len(frame) == manifest["tables"][name]["rows"]


def test_changelog_carries_every_committed_edition():
    log = (EDITIONS.parent / "CHANGELOG.md").read_text()
    index = json.loads((EDITIONS / "editions.json").read_text())
    for entry in index["editions"]:
        changes = (EDITIONS / entry["edition"] / "CHANGES.md").read_text()
        # The changelog carries the summary and the notes; the row-level changes
        # stay in the edition's own CHANGES.md.
        summary = changes.split("\n### Row-level changes since ")[0]
        for line in summary.strip().splitlines():
            assert line in log, f"CHANGELOG.md lacks {line!r} of {entry['edition']}"


def test_release_defaults_to_editions_and_stamps_the_citation(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(VALID, tmp_path / "ds")
    original = (EDITIONS.parent / "CITATION.cff").read_text()
    (tmp_path / "CITATION.cff").write_text(original)
    monkeypatch.chdir(tmp_path)
    result = run("release", "2026.1", "ds", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "editions" / "2026.1" / "manifest.json").is_file()
    assert f"set {tmp_path / 'CITATION.cff'} to version 2026.1" in result.output
    stamped = (tmp_path / "CITATION.cff").read_text().splitlines()
    assert 'version: "2026.1"' in stamped and f'date-released: "{AS_OF}"' in stamped
    # Only those two lines change.
    kept = [
        x
        for x in original.splitlines()
        if not x.startswith(("version:", "date-released:"))
    ]
    assert [
        x for x in stamped if not x.startswith(("version:", "date-released:"))
    ] == kept
    # A second, identical release is a no-op and leaves the citation alone.
    before = (tmp_path / "CITATION.cff").read_bytes()
    again = run("release", "2026.1", "ds", "--as-of", AS_OF)
    assert again.exit_code == 0 and "nothing to do" in again.output
    assert (tmp_path / "CITATION.cff").read_bytes() == before


def test_the_committed_citation_names_the_latest_edition():
    index = json.loads((EDITIONS / "editions.json").read_text())
    latest = next(e for e in index["editions"] if e["edition"] == index["latest"])
    text = (EDITIONS.parent / "CITATION.cff").read_text()
    assert f'version: "{latest["edition"]}"' in text
    assert f'date-released: "{latest["date"]}"' in text


def test_diff_takes_edition_names_and_an_exit_code(server, dist, tmp_path):
    where = ("--base-url", server, "--cache-dir", tmp_path / "cache")
    by_name = run("diff", "2026.1", "2026.2", *where)
    by_folder = run("diff", dist / "2026.1", dist / "2026.2")
    assert by_name.exit_code == by_folder.exit_code == 0, by_name.output
    assert by_name.output == by_folder.output
    assert "- 2025-06-01-withholding" in by_name.output
    assert run("diff", "2026.1", "latest", *where, "--exit-code").exit_code == 1
    same = run("diff", "2026.1", dist / "2026.1", *where, "--exit-code")
    assert same.exit_code == 0, same.output
    bad = run("diff", "2026.x", "2026.2", *where)
    assert bad.exit_code == 2
    assert "2026.x is neither a folder nor an edition name" in bad.output


def test_release_writes_zenodo_metadata_but_never_a_hand_written_file(tmp_path):
    import shutil

    shutil.copytree(VALID, tmp_path / "ds")
    args = ("--dist", tmp_path / "dist", "--as-of", AS_OF)
    zenodo = tmp_path / ".zenodo.json"
    first = run("release", "2026.1", tmp_path / "ds", *args, "--zenodo", zenodo)
    assert first.exit_code == 0, first.output
    assert f"wrote the Zenodo metadata of 2026.1 to {zenodo}" in first.output
    metadata = json.loads(zenodo.read_text())
    assert metadata["version"] == "2026.1" and metadata["publication_date"] == AS_OF
    assert metadata["upload_type"] == "dataset" and metadata["license"] == "cc-by-4.0"
    assert metadata["creators"] == [{"name": "allyledger contributors"}]
    assert metadata["title"].endswith("(edition 2026.1)")
    # A later release, with no --zenodo, updates the file an earlier one wrote ...
    set_cell(tmp_path / "ds", "support_events", 4, "summary", "Reworded.")
    assert run("release", "2026.2", tmp_path / "ds", *args).exit_code == 0
    assert json.loads(zenodo.read_text())["version"] == "2026.2"
    # ... but leaves one a person wrote alone.
    zenodo.write_text('{"title": "hand-written"}\n')
    set_cell(tmp_path / "ds", "support_events", 4, "summary", "Reworded again.")
    third = run("release", "2026.3", tmp_path / "ds", *args)
    assert third.exit_code == 0 and "Zenodo" not in third.output
    assert zenodo.read_text() == '{"title": "hand-written"}\n'
