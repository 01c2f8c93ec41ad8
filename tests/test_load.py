"""The edition loader and `download`."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import allyledger
from allyledger.load import read_table
from allyledger.outputs import sha256
from allyledger.problems import ChecksumMismatch
from conftest import AS_OF, VALID, run


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


def test_cache_is_used_without_the_server(site, tmp_path):
    cache = tmp_path / "cache"
    online = allyledger.load("sources", base_url=site.url, cache_dir=cache)
    site.stop()
    offline = allyledger.load("sources", base_url=site.url, cache_dir=cache)
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
