"""Released IDs are permanent: gone only with a retired_ids record, which editions
publish."""

from __future__ import annotations

import shutil

import allyledger
from conftest import AS_OF, VALID, add_row, read_rows, release, run, serve, write_rows


def _drop(folder, table, row_id):
    path = folder / f"{table}.csv"
    rows = read_rows(path)
    write_rows(path, [r for r in rows if r[0] != row_id])


def test_a_released_id_removed_without_a_record_is_refused(dist, ds):
    # ds is the fixture as 2026.2 released it; drop a released actor's row.
    _drop(ds, "actors", "zzz-new")
    result = run("validate", ds, "--editions", dist, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert (
        f'{ds}/actors.csv:actor_id: released-id-missing: "zzz-new" was released in '
        "edition 2026.2 and is no longer in actors.csv" in result.output
    )
    # The build and the next release refuse it too, and write nothing.
    assert run("build", ds, "--out", ds.parent / "b", "--editions", dist).exit_code == 1
    assert not (ds.parent / "b").exists()
    log = ds.parent / "CHANGELOG.md"
    assert release("2026.3", ds, dist, log).exit_code == 1
    assert not (dist / "2026.3").exists()


def test_a_recorded_retirement_passes_and_is_published(dist, ds, tmp_path):
    _drop(ds, "actors", "zzz-new")
    add_row(
        ds,
        "retired_ids",
        {
            "old_id": "zzz-new",
            "table": "actors",
            "reason": "A test actor no longer needed.",
            "retired": "2026-12-01",
        },
    )
    assert run("validate", ds, "--editions", dist, "--as-of", AS_OF).exit_code == 0
    log = tmp_path / "CHANGELOG.md"
    assert release("2026.3", ds, dist, log).exit_code == 0
    with serve(dist) as site:
        retired = allyledger.load(
            "retired_ids", "2026.3", base_url=site.url, cache_dir=tmp_path / "c"
        )
    assert sorted(retired["old_id"]) == ["2025-06-01-withholding", "zzz-new"]
    assert (dist / "2026.3" / "retired_ids.csv").exists()


def test_retirements_are_checked_without_an_edition(ds):
    add_row(
        ds,
        "retired_ids",
        {
            "old_id": "rus",
            "table": "actors",
            "new_id": "no-such-actor",
            "reason": "Wrong on purpose.",
            "retired": "2026-12-01",
        },
    )
    result = run("validate", ds, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert (
        f'{ds}/retired_ids.csv:2:old_id: retired-id-in-use: "rus" is retired but is '
        "still an ID in actors.csv" in result.output
    )
    assert (
        f'{ds}/retired_ids.csv:2:new_id: retired-id-target-missing: "no-such-actor" '
        "is not an ID in actors.csv" in result.output
    )


def test_validate_finds_editions_beside_the_dataset(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(VALID, repo / "dataset")
    log = tmp_path / "CHANGELOG.md"
    log.write_text("# Changelog\n\n## Unreleased\n\n- x\n")
    assert release("2026.1", repo / "dataset", repo / "editions", log).exit_code == 0
    _drop(repo / "dataset", "sources", "example-2025-02-treaty")
    result = run("validate", repo / "dataset", "--as-of", AS_OF)
    assert "released-id-missing" in result.output and result.exit_code == 1
    assert "example-2025-02-treaty" in result.output
