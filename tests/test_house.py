"""The user's side stands apart from the maker's (issue: the house)."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pandera.pandas as pa
import pytest
from pandera.typing import Series

import allyledger
from allyledger.problems import AllyledgerError, UsageProblem
from allyledger.schemas import Table
from allyledger.schemas._fields import id_field, ref_field, ref_list_field, text_field


def _fresh(code: str) -> dict[str, object]:
    """Run `code` in a new interpreter; it prints a JSON object."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


MAKERS = [
    "pandera",
    "click",
    "allyledger.build",
    "allyledger.validate",
    "allyledger.release",
    "allyledger.cli",
]


def _modules(names: list[str]) -> str:
    """Code that prints which of `names` are imported."""
    return f"print(json.dumps({{m: m in sys.modules for m in {names!r}}}))"


def test_import_allyledger_loads_nothing_heavy():
    seen = _fresh("import sys, json, allyledger; " + _modules([*MAKERS, "pandas"]))
    assert not any(seen.values()), seen


def test_the_loader_never_imports_the_maker_side():
    seen = _fresh(
        "import sys, json, allyledger; f = allyledger.load; "
        "import allyledger.loader, allyledger.metrics; " + _modules(MAKERS)
    )
    assert not any(seen.values()), seen


def test_loading_a_cached_table_never_imports_the_maker_side(site, tmp_path):
    cache = tmp_path / "cache"
    allyledger.load("actors", "2026.1", base_url=site.url, cache_dir=cache)
    code = (
        "import sys, json, allyledger; "
        f"frame = allyledger.load('actors', '2026.1', base_url={site.url!r}, "
        f"cache_dir={str(cache)!r}, offline=True); "
        f"print(json.dumps({{'rows': len(frame), **{{m: m in sys.modules for m in "
        f"{MAKERS}}}}}))"
    )
    seen = _fresh(code)
    assert seen.pop("rows") == 4
    assert not any(seen.values()), seen


@pytest.mark.parametrize(
    "module",
    [
        "allyledger.metrics",
        "allyledger.diff",
        "allyledger.loader",
        "allyledger.report",
        "allyledger.textform",
    ],
)
def test_user_modules_never_import_build_validate_or_release(module):
    seen = _fresh(
        f"import sys, json, {module}; "
        "print(json.dumps({m: m in sys.modules for m in "
        "['allyledger.build', 'allyledger.validate', 'allyledger.release', "
        "'allyledger.cli', 'click']}))"
    )
    assert not any(seen.values()), (module, seen)


def test_ledger_is_callable_from_the_top_level():
    assert callable(allyledger.ledger) and callable(allyledger.headline)
    assert allyledger.ledger.__module__ == "allyledger.metrics"


def test_no_function_shadows_its_module():
    for name in allyledger.__all__:
        value = getattr(allyledger, name)
        assert not isinstance(value, types.ModuleType), name
    import allyledger.loader as loader_module

    assert isinstance(loader_module, types.ModuleType)
    assert allyledger.load is loader_module.load
    with pytest.raises(ModuleNotFoundError):
        __import__("allyledger.load")


def test_the_two_readers_have_distinct_names():
    from allyledger import reading

    assert not hasattr(reading, "read_table")
    assert callable(reading.read_csv_table) and callable(allyledger.read_table)


def test_library_errors_are_plain_exceptions():
    assert issubclass(AllyledgerError, Exception)
    import click

    assert not issubclass(AllyledgerError, click.ClickException)
    assert UsageProblem("x").exit_code == 2 and str(UsageProblem("x")) == "x"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'lod'"):
        allyledger.lod  # noqa: B018


# --- a fifth table --------------------------------------------------------------

ROOT = __import__("pathlib").Path(__file__).parent.parent


class Sanctions(pa.DataFrameModel):
    """A throwaway table that exists only in this test."""

    sanction_id: Series[str] = id_field("Primary key.", example="x")
    actor_id: Series[str] = ref_field("actors", "Who is sanctioned.", example="rus")
    note: Series[str] = text_field("What.", required=True, max_length=200)
    source_ids: Series[str] = ref_list_field("sources", "Evidence.", example="x")

    class Config:
        strict = True
        name = "sanctions"
        title = "Sanctions"
        description = "A table added after edition 2026.1."


def _fifth_table() -> Table:
    return Table(
        "sanctions",
        Sanctions,
        "sanction_id",
        lambda row: [row.get("actor_id", ""), row.get("note", "")],
    )


def test_a_fifth_table_validates_adds_releases_diffs_and_loads(tmp_path, monkeypatch):
    import shutil

    from allyledger.schemas import TABLES
    from conftest import run, serve

    monkeypatch.setitem(TABLES, "sanctions", _fifth_table())
    project = tmp_path / "project"
    shutil.copytree(ROOT / "dataset", project / "dataset")
    # The committed editions as they stood at 2026.1 (made before the table existed).
    shutil.copytree(ROOT / "editions", project / "editions")
    index_path = project / "editions" / "editions.json"
    index = json.loads(index_path.read_text())
    for entry in index["editions"]:
        if entry["edition"] != "2026.1":
            shutil.rmtree(project / "editions" / entry["edition"])
    index["editions"] = [e for e in index["editions"] if e["edition"] == "2026.1"]
    index["latest"] = "2026.1"
    index_path.write_text(json.dumps(index, indent=2) + "\n")
    (project / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n")
    ds = project / "dataset"
    with (ds / "sources.csv").open("a") as handle:
        handle.write(
            "zzz-test-source,https://example.org/only-cited-by-sanctions,A test page,"
            "Example,2026-11,2026-11-30,en,other,\n"
        )
    (ds / "sanctions.csv").write_text("sanction_id,actor_id,note,source_ids\n")
    as_of = "2026-12-01"
    added = run(
        "add",
        "sanctions",
        ds,
        "--no-input",
        "--as-of",
        as_of,
        "--field",
        "actor_id=rus",
        "--field",
        "note=A test sanction",
        "--field",
        "source_ids=zzz-test-source",
    )
    assert added.exit_code == 0, added.output
    assert f"added rus-a-test-sanction to {ds}/sanctions.csv" in added.output
    assert run("fmt", ds).exit_code == 0
    checked = run("validate", ds, "--as-of", as_of)
    assert checked.exit_code == 0, checked.output
    assert "unused-source" not in checked.output
    # The source cited only by the new table would be unused without it.
    monkeypatch.delitem(TABLES, "sanctions")
    assert "zzz-test-source" in run("validate", ds, "--as-of", as_of).output
    monkeypatch.setitem(TABLES, "sanctions", _fifth_table())

    dist = project / "editions"
    released = run("release", "2026.2", ds, "--dist", dist, "--as-of", as_of)
    assert released.exit_code == 0, released.output
    assert "sanctions: 1 added, 0 removed, 0 changed since 2026.1" in released.output
    changes = (dist / "2026.2" / "CHANGES.md").read_text()
    assert "- `sanctions`: 1 added, 0 removed, 0 changed." in changes
    diff = run("diff", dist / "2026.1", dist / "2026.2")
    assert diff.exit_code == 0
    assert "sanctions: 1 added, 0 removed, 0 changed\n  + rus-a-test-sanction" in (
        diff.output
    )
    with serve(dist) as site:
        old = allyledger.load_all("2026.1", base_url=site.url, cache_dir=tmp_path / "c")
        new = allyledger.load_all("2026.2", base_url=site.url, cache_dir=tmp_path / "c")
    assert list(old) == ["actors", "relationships", "support_events", "sources"]
    # the committed 2026.1 predates the derived outcomes table; 2026.2 carries it
    assert list(new) == [*old, "retired_ids", "outcomes", "events_flat", "sanctions"]
    assert new["sanctions"]["note"].tolist() == ["A test sanction"]


# --- one catalogue of problems ----------------------------------------------------


def test_every_catalogued_code_is_in_the_codebook():
    from allyledger.catalogue import PROBLEMS
    from allyledger.docs import codebook

    text = codebook()
    for code, entry in PROBLEMS.items():
        assert f"| `{code}` | {entry.severity} |" in text, code
        assert entry.title and entry.description and entry.template


def test_a_problem_outside_the_catalogue_cannot_be_made():
    from allyledger.problems import Problem

    with pytest.raises(ValueError, match="'made-up-code' is not in the catalogue"):
        Problem("x.csv", 2, "", "made-up-code", "message")


def test_every_check_reports_a_catalogued_code():
    from allyledger.catalogue import CHECKS, PROBLEMS
    from allyledger.schemas import TABLES

    for name, (code, message) in CHECKS.items():
        assert code in PROBLEMS and message, name
    for table in TABLES.values():
        for rule, (column, message) in table.row_rules.items():
            assert PROBLEMS[rule].column == column in table.columns and message


def test_a_code_is_defined_once():
    from allyledger.catalogue import define

    with pytest.raises(ValueError, match="'blank-row' is defined twice"):
        define("blank-row", "file", "t", "m", "d")


def test_json_output_uses_the_records_own_field_names(ds):
    from allyledger.problems import Problem
    from conftest import set_cell, validate

    set_cell(ds, "actors", 1, "kind", "nation")
    record = json.loads(validate(ds, "--format", "json").stdout)["errors"][0]
    fields = set(Problem.__dataclass_fields__)
    assert set(record) == fields
    assert record["code"] == "unknown-value" and record["path"] == f"{ds}/actors.csv"


# --- kinds as objects ---------------------------------------------------------------


def test_partial_dates_have_one_period_rule():
    import numpy as np
    import pyarrow as pa

    from allyledger.kinds import PARTIAL_DATE, PartialDate
    from allyledger.report.stories import period
    from allyledger.schemas._fields import period_bounds

    start = np.array(["2024-01-01", "2024-02-01", "2024-02-14"], "datetime64[D]")
    first, last = PartialDate.bounds(start, np.array(["year", "month", "day"], object))
    assert [str(d) for d in last] == ["2024-12-31", "2024-02-29", "2024-02-14"]
    assert [str(d) for d in first] == ["2024-01-01", "2024-02-01", "2024-02-14"]
    text = pa.array(["2024", "2024-02", "2024-02-14", None, "2024-13"])
    a, b = PARTIAL_DATE.text_bounds(text)
    assert [str(d) for d in b] == [
        "2024-12-31",
        "2024-02-29",
        "2024-02-14",
        "NaT",
        "NaT",
    ]
    c, d = period_bounds(__import__("pandas").Series(text.to_pylist(), dtype="str"))
    assert [str(x) for x in d] == [str(x) for x in b]
    assert [
        x.isoformat() for x in period(__import__("datetime").date(2023, 2, 1), "month")
    ] == ["2023-02-01", "2023-02-28"]


def test_the_loops_ask_the_kind_not_its_name():
    import inspect

    from allyledger import build, docs, fmt, tableschema

    for module in (build, docs, fmt, tableschema):
        source = inspect.getsource(module)
        assert ".kind ==" not in source and ".kind in" not in source, module.__name__


def test_every_column_has_a_kind_object():
    from allyledger.kinds import KINDS, Kind
    from allyledger.schemas import TABLES

    for table in TABLES.values():
        for f in table.fields:
            assert isinstance(f.value_kind, Kind) and f.value_kind is KINDS[f.kind]
            assert f.value_kind.describe(f)


def test_each_column_runs_the_checks_its_kind_declares():
    from allyledger.kinds import KINDS
    from allyledger.schemas import TABLES

    assert KINDS["text"].checks(max_length=5)["max_chars"] == {"limit": 5}
    assert KINDS["ref"].checks() == {"slug": {"maxlen": 80}}
    for table in TABLES.values():
        for f in table.fields:
            declared = f.value_kind.checks(max_length=f.max_length, vocab=f.vocab)
            # and a unique field one value per row (ours, not pandera's `unique`)
            declared = [*declared, *(["distinct"] if f.unique else [])]
            column = table.schema.columns[f.name]
            run = [c.name for c in column.checks]
            assert sorted(run) == sorted(declared), (table.name, f.name)
            assert not column.unique


def test_a_kind_turns_typed_values_back_into_their_csv_text():
    import pyarrow as pa

    from allyledger.kinds import kind_of_arrow

    dates = pa.chunked_array([pa.array([18628, 18628, None], pa.date32())])
    precision = pa.chunked_array([pa.array(["year", "month", None])])
    assert kind_of_arrow(dates.type).to_text(dates, precision) == [
        "2021",
        "2021-01",
        None,
    ]
    lists = pa.chunked_array([pa.array([["a", "b"], None], pa.list_(pa.string()))])
    assert kind_of_arrow(lists.type).to_text(lists) == ["a|b", None]
    numbers = pa.chunked_array([pa.array([2.0, None])])
    assert kind_of_arrow(numbers.type).to_text(numbers) == ["2.0", None]
