from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest
from frictionless import validate as frictionless_validate

import allyledger
from allyledger.load import read_table
from allyledger.outputs import sha256
from allyledger.problems import ChecksumMismatch
from conftest import AS_OF, VALID, add_row, run, set_cell


def release(edition: str, dataset: Path, dist: Path, changelog: Path):
    return run(
        "release",
        edition,
        dataset,
        "--dist",
        dist,
        "--as-of",
        AS_OF,
        "--changelog",
        changelog,
    )


@pytest.fixture
def dist(tmp_path, ds) -> Path:
    """DIST with 2026.1 (the valid fixture) and 2026.2 (one cell changed, one row added,
    one row removed)."""
    folder = tmp_path / "dist"
    log = tmp_path / "CHANGELOG.md"
    log.write_text("# Changelog\n\n## Unreleased\n\n- The test fixture changed.\n")
    assert release("2026.1", VALID, folder, log).exit_code == 0
    set_cell(ds, "actors", 1, "name", "CSTO")
    add_row(
        ds,
        "actors",
        {"actor_id": "zzz-new", "name": "New", "kind": "person", "country": "RUS"},
    )
    path = ds / "support_events.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(
        "".join(line for line in lines if not line.startswith("2025-06-01-withholding"))
    )
    result = release("2026.2", ds, folder, log)
    assert result.exit_code == 0, result.output
    return folder


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(dist):
    handler = functools.partial(_Quiet, directory=str(dist))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_release_writes_edition_and_index(dist):
    edition = dist / "2026.1"
    assert sorted(p.name for p in edition.iterdir()) == [
        "CHANGES.md",
        "actors.parquet",
        "datapackage.json",
        "manifest.json",
        "relationships.parquet",
        "report.html",
        "sources.parquet",
        "support_events.parquet",
    ]
    index = json.loads((dist / "editions.json").read_text())
    assert index["latest"] == "2026.2"
    first = index["editions"][0]
    assert (first["edition"], first["date"], first["schema_version"]) == (
        "2026.1",
        AS_OF,
        "1.0.0",
    )
    for entry in first["files"]:
        path = edition / entry["name"]
        assert entry["sha256"] == sha256(path)
        assert entry["bytes"] == path.stat().st_size
    manifest = json.loads((edition / "manifest.json").read_text())
    assert manifest["edition"] == "2026.1" and manifest["as_of"] == AS_OF


def test_changes_and_changelog(dist, tmp_path):
    changes = (dist / "2026.2" / "CHANGES.md").read_text()
    assert changes.startswith(f"## 2026.2 ({AS_OF})")
    assert "- `actors`: 1 added, 0 removed, 1 changed." in changes
    assert "- `support_events`: 0 added, 1 removed, 0 changed." in changes
    log = (tmp_path / "CHANGELOG.md").read_text()
    assert log.index("## Unreleased") < log.index("## 2026.2") < log.index("## 2026.1")
    # The unreleased notes moved under the first edition.
    assert log.index("- The test fixture changed.") > log.index("## 2026.1")


def test_release_is_reproducible(dist, tmp_path):
    other = tmp_path / "other"
    release("2026.1", VALID, other, tmp_path / "log.md")
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


# --- loader ------------------------------------------------------------------------


def test_load_latest_and_by_edition(server, dist, tmp_path):
    cache = tmp_path / "cache"
    latest = allyledger.load("actors", base_url=server, cache_dir=cache)
    first = allyledger.load("actors", "2026.1", base_url=server, cache_dir=cache)
    assert "zzz-new" in set(latest["actor_id"]) and "zzz-new" not in set(
        first["actor_id"]
    )
    pd.testing.assert_frame_equal(
        latest, read_table(dist / "2026.2" / "actors.parquet")
    )


def test_loaded_frames_are_typed(server, tmp_path):
    frames = allyledger.load_all("2026.1", base_url=server, cache_dir=tmp_path / "c")
    assert set(frames) == set(allyledger.TABLES)
    events = frames["support_events"].set_index("event_id")
    assert list(events["kind"].cat.categories)[:3] == ["crisis", "request", "pledge"]
    assert str(events["date"].dtype).startswith("datetime64")
    assert events.loc["2025-01-pledge", "date"] == pd.Timestamp("2025-01-01")
    assert events.loc["2025-01-pledge", "date_precision"] == "month"
    assert list(events.loc["2025-delivery", "source_ids"]) == [
        "example-2025-01-01-original",
        "example-2025-01-02-retelling",
    ]


def test_cache_is_used_without_the_server(dist, tmp_path):
    cache = tmp_path / "cache"
    handler = functools.partial(_Quiet, directory=str(dist))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    online = allyledger.load("sources", base_url=url, cache_dir=cache)
    httpd.shutdown()
    httpd.server_close()
    offline = allyledger.load("sources", base_url=url, cache_dir=cache)
    pd.testing.assert_frame_equal(online, offline)


def test_env_variable_sets_base_url(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ALLYLEDGER_BASE_URL", server)
    frame = allyledger.load("relationships", "2026.1", cache_dir=tmp_path / "c")
    assert len(frame) == 3


def test_corrupt_file_is_refused_and_not_cached(server, dist, tmp_path):
    path = dist / "2026.2" / "sources.parquet"
    path.write_bytes(path.read_bytes()[:-10])
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumMismatch) as info:
        allyledger.load("sources", base_url=server, cache_dir=cache)
    message = str(info.value.message)
    entry = next(
        f
        for e in json.loads((dist / "editions.json").read_text())["editions"]
        if e["edition"] == "2026.2"
        for f in e["files"]
        if f["name"] == "sources.parquet"
    )
    assert "sources.parquet of edition 2026.2" in message
    assert f"expected SHA-256 {entry['sha256']}, got {sha256(path)}" in message
    assert not list(cache.rglob("sources.parquet"))


def test_unknown_table_and_edition_list_valid_ones(server, tmp_path):
    with pytest.raises(Exception, match="the tables are: actors, relationships"):
        allyledger.load("events", base_url=server, cache_dir=tmp_path)
    with pytest.raises(Exception, match=r"the editions are: 2026\.1, 2026\.2"):
        allyledger.load("actors", "2025.9", base_url=server, cache_dir=tmp_path)


def test_download_command(server, dist, tmp_path):
    result = run(
        "download",
        "2026.1",
        "--to",
        tmp_path / "got",
        "--base-url",
        server,
        "--cache-dir",
        tmp_path / "cache",
    )
    assert result.exit_code == 0, result.output
    assert "downloaded 8 files" in result.output
    for path in (dist / "2026.1").iterdir():
        assert (tmp_path / "got" / path.name).read_bytes() == path.read_bytes()


def test_release_loads_back_identical_to_build(server, dist, tmp_path):
    run("build", VALID, "--out", tmp_path / "b", "--as-of", AS_OF)
    for name in allyledger.TABLES:
        loaded = allyledger.load(
            name, "2026.1", base_url=server, cache_dir=tmp_path / "c"
        )
        pd.testing.assert_frame_equal(
            loaded, read_table(tmp_path / "b" / f"{name}.parquet")
        )
    assert (tmp_path / "b" / "actors.parquet").read_bytes() == (
        dist / "2026.1" / "actors.parquet"
    ).read_bytes()


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
    handler = functools.partial(_Quiet, directory=str(EDITIONS))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        frames = allyledger.load_all(base_url=url, cache_dir=tmp_path)
    finally:
        httpd.shutdown()
        httpd.server_close()
    manifest = json.loads((latest / "manifest.json").read_text())
    for name, frame in frames.items():
        assert len(frame) == manifest["tables"][name]["rows"]


def test_changelog_carries_every_committed_edition():
    log = (EDITIONS.parent / "CHANGELOG.md").read_text()
    index = json.loads((EDITIONS / "editions.json").read_text())
    for entry in index["editions"]:
        changes = (EDITIONS / entry["edition"] / "CHANGES.md").read_text()
        for line in changes.strip().splitlines():
            assert line in log, f"CHANGELOG.md lacks {line!r} of {entry['edition']}"
