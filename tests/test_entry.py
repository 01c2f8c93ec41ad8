"""The command's process settings (`allyledger.entry`) and that a library user's
process is left alone."""

from __future__ import annotations

import subprocess
import sys

import pyarrow as pa

POOL = "import pyarrow as pa; print(pa.default_memory_pool().backend_name)"


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def _has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


def test_the_command_allocates_arrow_memory_from_jemalloc_where_it_can():
    chosen = _run(
        "from allyledger import entry; entry.one_malloc_arena(); "
        f"entry.returning_arrow_pool(); {POOL}"
    )
    default = _run(POOL)
    assert chosen == ("jemalloc" if _has_jemalloc() else default)


def test_loading_the_library_leaves_the_process_pool_alone():
    default = _run(POOL)
    assert _run(f"import allyledger, allyledger.loader; {POOL}") == default


def test_both_ways_of_running_the_command_go_through_the_entry():
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="allyledger")
    assert script.value == "allyledger.entry:main"
    done = subprocess.run(
        [sys.executable, "-m", "allyledger", "--version"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.startswith("allyledger, version")


def test_the_command_validates_and_builds_through_the_entry(tmp_path):
    """With hypothesis marked absent (pandera's strategies then do without it)."""
    from conftest import AS_OF, VALID

    for args in (
        ["validate", str(VALID), "--as-of", AS_OF],
        ["build", str(VALID), "--out", str(tmp_path / "out"), "--as-of", AS_OF],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "allyledger", *args], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "support_events.parquet").is_file()
