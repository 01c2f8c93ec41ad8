from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import allyledger.build as build_module
from allyledger.docs import schema_files
from allyledger.outputs import sha256
from allyledger.schemas import inputs
from conftest import AS_OF, VALID, run, set_cell

ROOT = Path(__file__).parent.parent


def build(dataset: Path, out: Path):
    return run("build", dataset, "--out", out, "--as-of", AS_OF)


def test_build_writes_typed_parquet(tmp_path):
    out = tmp_path / "out"
    result = build(VALID, out)
    assert result.exit_code == 0, result.output
    assert (
        "4 actors, 3 relationships, 5 support_events, 3 sources, 0 retired_ids, "
        "2 outcomes, 5 events_flat" in result.output
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "actors.parquet",
        "datapackage.json",
        "events_flat.parquet",
        "manifest.json",
        "outcomes.parquet",
        "relationships.parquet",
        "retired_ids.parquet",
        "sources.parquet",
        "support_events.parquet",
    ]
    events = pq.read_table(out / "support_events.parquet")
    schema = events.schema
    assert schema.field("kind").type == pa.dictionary(pa.int16(), pa.string())
    assert schema.field("date").type == pa.date32()
    assert schema.field("date_precision").type == pa.dictionary(pa.int16(), pa.string())
    assert schema.field("source_ids").type == pa.list_(pa.string())
    assert schema.field("amount").type == pa.float64()
    assert (
        schema.field("summary").metadata[b"description"] == b"One paraphrased sentence."
    )
    assert schema.metadata[b"allyledger.schema_version"] == b"1.3.0"
    assert (
        pq.ParquetFile(out / "support_events.parquet")
        .metadata.row_group(0)
        .column(0)
        .compression
        == "ZSTD"
    )
    frame = events.to_pandas()
    assert list(frame["event_id"]) == sorted(frame["event_id"])
    row = frame.set_index("event_id").loc["2025-01-pledge"]
    assert row["date"] == dt.date(2025, 1, 1)
    assert row["date_precision"] == "month"
    assert row["amount"] == 2.0
    assert row["date_end"] == dt.date(2025, 1, 31)
    delivery = frame.set_index("event_id").loc["2025-delivery"]
    assert (delivery["date"], delivery["date_end"], delivery["date_precision"]) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
        "year",
    )
    day = frame.set_index("event_id").loc["2025-06-01-withholding"]
    assert day["date"] == day["date_end"] == dt.date(2025, 6, 1)
    assert frame["due_end"].isna().all() and frame["due"].isna().all()
    assert schema.field("date_end").type == pa.date32()
    assert not schema.field("date_end").nullable
    assert schema.field("due_end").nullable
    assert list(delivery["source_ids"]) == [
        "example-2025-01-01-original",
        "example-2025-01-02-retelling",
    ]
    assert delivery["amount"] == 1.5e6
    assert list(frame["kind"].cat.categories) == [
        "crisis",
        "request",
        "pledge",
        "delivery",
        "withholding",
        "withdrawal",
    ]
    crisis = frame.set_index("event_id").loc["2025-01-01-crisis"]
    assert pd.isna(crisis["provider_id"]) and pd.isna(crisis["support_type"])


def test_manifest_lists_counts_and_checksums(tmp_path):
    out = tmp_path / "out"
    build(VALID, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["schema_version"] == "1.3.0"
    assert manifest["tables"]["support_events"] == {"rows": 5}
    for entry in manifest["files"]:
        path = out / entry["name"]
        assert entry["sha256"] == sha256(path)
        assert entry["bytes"] == path.stat().st_size
    assert {e["name"] for e in manifest["files"]} == {
        "actors.parquet",
        "relationships.parquet",
        "support_events.parquet",
        "sources.parquet",
        "outcomes.parquet",
        "events_flat.parquet",
        "retired_ids.parquet",
        "datapackage.json",
    }


def test_build_is_byte_identical(tmp_path, ds):
    build(VALID, tmp_path / "a")
    # Another folder, another time: same bytes.
    (ds / "actors.csv").touch()
    build(ds, tmp_path / "b")
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_row_order_in_csv_does_not_change_output(tmp_path, ds):
    path = ds / "actors.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text(lines[0] + "".join(reversed(lines[1:])))
    build(VALID, tmp_path / "a")
    build(ds, tmp_path / "b")
    assert (tmp_path / "a/actors.parquet").read_bytes() == (
        tmp_path / "b/actors.parquet"
    ).read_bytes()


def test_invalid_data_writes_nothing(tmp_path, ds):
    set_cell(ds, "actors", 1, "kind", "nation")
    out = tmp_path / "out"
    result = build(ds, out)
    assert result.exit_code == 1
    assert f"{ds}/actors.csv:2:kind: unknown-value" in result.output
    assert "nothing was built" in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [ds]


def test_failed_build_leaves_earlier_output_intact(tmp_path, ds, monkeypatch):
    out = tmp_path / "out"
    build(VALID, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []

    def failing_write(arrow, path, table):
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError("disk full")
        return original(arrow, path, table)

    original = build_module.write_parquet
    monkeypatch.setattr(build_module, "write_parquet", failing_write)
    set_cell(ds, "actors", 1, "name", "Changed name")
    with pytest.raises(OSError):
        build_module.build_edition(ds, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "out"]


def test_datapackage_describes_every_field(tmp_path):
    out = tmp_path / "out"
    build(VALID, out)
    package = json.loads((out / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    resources = {r["name"]: r for r in package["resources"]}
    events = resources["support_events"]
    assert events["path"] == "support_events.parquet"
    names = [f["name"] for f in events["schema"]["fields"]]
    assert names == pq.read_schema(out / "support_events.parquet").names
    kind = next(f for f in events["schema"]["fields"] if f["name"] == "kind")
    assert kind["constraints"]["enum"][0] == "crisis"
    assert {
        "fields": "provider_id",
        "reference": {"resource": "actors", "fields": "actor_id"},
    } in events["schema"]["foreignKeys"]
    assert events["schema"]["primaryKey"] == ["event_id"]
    assert all(
        f["description"] for r in resources.values() for f in r["schema"]["fields"]
    )


def test_committed_schema_files_match_the_models():
    for name, content in schema_files().items():
        path = ROOT / "schemas" / name
        assert path.exists(), f"{path} is missing: run `allyledger schemas`"
        assert path.read_text() == content, f"{path} is stale: run `allyledger schemas`"
    assert sorted(p.name for p in (ROOT / "schemas").glob("*.json")) == sorted(
        f"{t}.json" for t in inputs()
    )


def test_schemas_check_detects_drift(tmp_path):
    run("schemas", "--out", tmp_path)
    assert run("schemas", "--out", tmp_path, "--check").exit_code == 0
    (tmp_path / "actors.json").write_text("{}\n")
    result = run("schemas", "--out", tmp_path, "--check")
    assert result.exit_code == 1
    assert "stale" in result.output


def test_events_flat_joins_names_source_urls_and_outcomes(ds, tmp_path):
    """The denormalised table: names, URLs and publishers in source_ids order (a |
    inside a URL percent-encoded, so the list still splits right), and each
    promise's outcome; every other column as support_events has it."""
    set_cell(ds, "sources", 2, "url", "https://example.org/blog/retelling?ids=1|2")
    out = tmp_path / "out"
    assert build(ds, out).exit_code == 0
    flat = pq.read_table(out / "events_flat.parquet").to_pandas()
    events = pq.read_table(out / "support_events.parquet").to_pandas()
    assert list(flat.columns) == [
        *events.columns,
        "provider_name",
        "recipient_name",
        "source_urls",
        "source_publishers",
        "outcome_status",
    ]
    assert flat[events.columns].astype(str).equals(events.astype(str))
    rows = flat.set_index("event_id")
    delivery = rows.loc["2025-delivery"]
    assert (delivery["provider_name"], delivery["recipient_name"]) == (
        "Russia",
        "Venezuela",
    )
    assert list(delivery["source_urls"]) == [
        "https://example.org/news/original",
        "https://example.org/blog/retelling?ids=1%7C2",
    ]
    assert list(delivery["source_publishers"]) == ["Example Wire", "Example Blog"]
    crisis = rows.loc["2025-01-01-crisis"]
    assert pd.isna(crisis["provider_name"]) and pd.isna(crisis["outcome_status"])
    assert rows.loc["2025-01-pledge", "outcome_status"] == "delivered"
    assert rows.loc["2025-01-02-request", "outcome_status"] == "granted"
    # every event's outcome_status is its row's status in outcomes, or empty
    outcomes = pq.read_table(out / "outcomes.parquet").to_pandas()
    status = outcomes.set_index("event_id")["status"].astype(str)
    joined = flat["event_id"].map(status)
    assert (flat["outcome_status"].astype(object).fillna("") == joined.fillna("")).all()
    assert joined.notna().sum() == len(outcomes) == 2


def test_rows_out_of_order_build_the_same_bytes(ds, tmp_path):
    """A CSV whose rows are not sorted (a warning, not an error) is sorted by the
    build: the same files as from the sorted CSV."""
    path = ds / "support_events.csv"
    header, *rows = path.read_text().splitlines(keepends=True)
    path.write_text(header + "".join(reversed(rows)))
    assert build(ds, tmp_path / "shuffled").exit_code == 0
    assert build(VALID, tmp_path / "sorted").exit_code == 0
    for built in sorted((tmp_path / "sorted").iterdir()):
        assert built.read_bytes() == (tmp_path / "shuffled" / built.name).read_bytes()


def test_events_flat_holds_its_source_lists_as_the_lists_its_csv_text_splits_into():
    """events_flat's source URLs and publishers are held as lists, which the build
    types as they are and `fmt` joins for the CSV: they must be exactly what
    splitting that CSV text gives, and the typed column must be those lists."""
    from allyledger import kinds
    from allyledger.fmt import clean_cell
    from allyledger.validate import check_dataset

    report = check_dataset(VALID, as_of=dt.date.fromisoformat(AS_OF))
    frames = build_module.frames_of(report)
    flat = build_module._derive_all(["outcomes", "events_flat"], frames, report.as_of)[
        "events_flat"
    ]
    table = build_module.TABLES["events_flat"]
    typed = build_module.to_arrow(table, flat, None)
    for name in ("source_urls", "source_publishers"):
        lists = kinds.arrow(flat[name])
        assert lists.type == pa.list_(pa.string()) and len(lists) == len(flat)
        field = next(f for f in table.fields if f.name == name)
        text = pa.array([clean_cell(v, field) or None for v in flat[name].tolist()])
        assert kinds._split_lists(text).equals(lists)
        assert typed.column(name).combine_chunks().equals(lists)
    assert any(len(v) > 1 for v in flat["source_urls"].tolist())  # a real join


def test_parsed_dates_are_shared_only_by_the_same_column():
    """The parts of a date column are computed once per column (by its buffers) and
    are read-only; another column of the same length is parsed on its own."""
    from allyledger.kinds import date_parts

    first = pa.array(["2024", "2024-06", "2024-06-14"], pa.large_string())
    second = pa.array(["1999", "1999-02", "1999-02-30"], pa.large_string())
    ok, year, _, _, _ = date_parts(first)
    assert date_parts(first)[1] is year  # the same column: not parsed again
    other_ok, other_year, _, _, _ = date_parts(second)
    assert list(year) == [2024, 2024, 2024] and list(other_year) == [1999] * 3
    assert list(other_ok) == [True, True, False] and list(ok) == [True] * 3
    with pytest.raises(ValueError):
        year[0] = 1


def test_a_columns_periods_are_worked_out_once_and_outlive_the_checks_scans():
    """parse and text_bounds are shared by the checks, the build and the outcomes
    (read-only, so no caller can change another's copy); `forget_checks` drops what
    only validation uses and keeps the periods for the build."""
    from allyledger.kinds import PARTIAL_DATE, forget_checks
    from allyledger.schemas._checks import slug_array

    column = pa.array(["2024", "2024-02", None], pa.large_string())
    start, end = PARTIAL_DATE.text_bounds(column)
    assert PARTIAL_DATE.text_bounds(column)[1] is end
    assert [str(d) for d in end[:2]] == ["2024-12-31", "2024-02-29"]
    assert np.isnat(end[2]) and np.isnat(start[2])
    with pytest.raises(ValueError):
        end[0] = start[0]
    ids = pa.array(["usa", "not an id"], pa.large_string())
    ok = slug_array(ids)
    assert list(ok) == [True, False] and slug_array(ids) is ok
    forget_checks()
    assert PARTIAL_DATE.text_bounds(column)[1] is end
    assert slug_array(ids) is not ok


def test_statistics_are_kept_where_readers_filter_and_left_off_free_text(tmp_path):
    out = tmp_path / "out"
    build(VALID, out)
    meta = pq.ParquetFile(out / "support_events.parquet").metadata.row_group(0)
    has = {
        meta.column(i).path_in_schema: meta.column(i).is_stats_set
        for i in range(meta.num_columns)
    }
    assert has["date"] and has["date_end"] and has["event_id"] and has["kind"]
    assert has["amount"] and has["recipient_id"]
    assert not has["summary"] and not has["item"]


def _bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_work_begun_during_validation_gives_the_same_bytes(tmp_path, ds, monkeypatch):
    """The build derives and types tables while validation checks them (`Ahead`);
    what it writes is what the build makes when it does all the work after
    validation, and what it makes itself when that early work fails."""
    as_of = dt.date.fromisoformat(AS_OF)
    report = build_module.check_dataset(ds, as_of=as_of)
    build_module.build_edition(ds, tmp_path / "after", report=report, as_of=as_of)
    assert build(ds, tmp_path / "ahead").exit_code == 0
    assert _bytes(tmp_path / "ahead") == _bytes(tmp_path / "after")

    used = []
    original = build_module.to_arrow

    def failing_ahead(table, frame, base=None):
        if threading.current_thread().name == "allyledger-ahead":
            used.append(table.name)
            raise RuntimeError("early work fails")
        return original(table, frame, base)

    monkeypatch.setattr(build_module, "to_arrow", failing_ahead)
    build_module.build_edition(ds, tmp_path / "redone", as_of=as_of)
    assert used == ["support_events"]
    assert _bytes(tmp_path / "redone") == _bytes(tmp_path / "after")


def test_early_work_is_not_begun_on_broken_text_and_is_dropped_when_stopped(ds):
    from allyledger.reading import read_csv_table

    as_of = dt.date.fromisoformat(AS_OF)
    tables = {t.name: read_csv_table(ds, t, str(ds)) for t in inputs().values()}
    ahead = build_module.Ahead(as_of)
    ahead.start(tables)
    assert set(ahead.derived_frames()) == {"outcomes", "events_flat"}
    assert ahead.typed("support_events") is not None
    # handed over once: the build holds them from then on
    assert ahead.derived_frames() == {} and ahead.typed("support_events") is None
    assert ahead.typed("events_flat") is not None
    ahead.stop()
    assert ahead.typed("outcomes") is None and ahead.derived_frames() == {}

    (ds / "actors.csv").write_text('actor_id,name\n"unclosed,x\n', encoding="utf-8")
    broken = {t.name: read_csv_table(ds, t, str(ds)) for t in inputs().values()}
    assert any(p.severity == "error" for p in broken["actors"].problems)
    ahead = build_module.Ahead(as_of)
    ahead.start(broken)  # returns at once: nothing to wait for
    assert ahead.typed("support_events") is None and ahead.derived_frames() == {}
