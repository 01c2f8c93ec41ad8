"""The user's side stands apart from the maker's (issue: the house)."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

import allyledger
from allyledger.problems import AllyledgerError, UsageProblem


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
