"""The benchmark and the synthetic data generator, run small so they never rot."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "scripts"))

import bench  # noqa: E402
import synth  # noqa: E402
from conftest import AS_OF, validate  # noqa: E402


def test_synth_is_valid_and_deterministic(tmp_path):
    synth.write(synth.synth(2000, seed=3), tmp_path / "a")
    synth.write(synth.synth(2000, seed=3), tmp_path / "b")
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()
    result = validate(tmp_path / "a")
    assert result.exit_code == 0, result.output[-2000:]
    tables = synth.synth(2000, seed=3)
    assert len(tables["support_events"]) == 2000
    assert len(tables["actors"]) == 200
    assert len(tables["relationships"]) == 100
    assert len(tables["sources"]) == 400
    events = tables["support_events"]
    assert set(events["kind"]) == {
        "crisis",
        "request",
        "pledge",
        "delivery",
        "withholding",
    }
    assert events["date"].str.len().isin([4, 7, 10]).all()
    assert events["date"].str.len().nunique() == 3
    assert events["amount"].isna().any() and events["amount"].notna().any()
    assert AS_OF


def test_bench_smoke(tmp_path):
    out = tmp_path / "bench.json"
    result = bench.main(
        [
            "--sizes",
            "1000",
            "--runs",
            "1",
            "--out",
            str(out),
            "--work",
            str(tmp_path / "work"),
        ]
    )
    data = json.loads(out.read_text())
    assert data == json.loads(json.dumps(result))
    row = data["results"][0]
    assert row["n"] == 1000 and row["broken_rows"] == 10
    for key in (
        "validate_s",
        "build_s",
        "floor_s",
        "invalid_s",
        "load_s",
        "read_parquet_s",
        "validate_rss_mb",
    ):
        assert row[key] > 0
    assert data["machine"]["cpus"] >= 1
    runs = row["samples_s"]
    assert row["build_vs_floor"] == runs["build"][0] / runs["floor"][0]
    assert row["validate_vs_floor"] == runs["validate"][0] / runs["floor"][0]


def test_bench_ratios_pair_each_run_with_its_own_floor():
    # Run by run: 2/1, 9/3, 3/3. The median of those is 2; the medians' ratio
    # (3/3 = 1) would hide that the command took twice the floor's time.
    a = [(2.0, 0.0, 0), (9.0, 0.0, 0), (3.0, 0.0, 0)]
    b = [(1.0, 0.0, 0), (3.0, 0.0, 0), (3.0, 0.0, 0)]
    assert bench.paired(a, b) == 2.0
    with pytest.raises(ValueError):
        bench.paired(a, b[:2])
