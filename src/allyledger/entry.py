"""The `allyledger` command's process: memory settings first, then the command line.

The settings keep the command's peak memory near what it actually holds
(`scripts/bench.py` measures it; at a million events the build's peak falls from
about 1.9 GB to under 1.5 GB, at the same speed):

- glibc's malloc keeps one arena for every thread (`mallopt(3)`, M_ARENA_MAX)
  instead of one per thread, so what one thread frees is reused by the next
  instead of lying idle in that thread's arena. It must be set before any thread
  starts (numpy's BLAS starts some as it is imported), so this module imports
  nothing else first.
- Arrow allocates from jemalloc where this pyarrow has it (Linux and macOS
  wheels), which hands freed pages back, instead of mimalloc, which keeps them.

And one for start-up: pandera imports hypothesis, where it is installed (as it is
beside the test suite), for its data-synthesis strategies, which no command uses;
the command marks it absent and starts about a quarter of a second sooner.

Only the command does this: `import allyledger` and `load()` leave the caller's
process alone.
"""

from __future__ import annotations

import ctypes
import sys

_M_ARENA_MAX = -8  # from glibc's malloc.h


def one_malloc_arena() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (or no mallopt): nothing to set
        return
    mallopt(_M_ARENA_MAX, 1)


def returning_arrow_pool() -> None:
    import pyarrow as pa

    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without jemalloc: keep its own
        pass


def without_hypothesis() -> None:
    # A None entry makes `import hypothesis` raise ImportError, which pandera
    # takes as "not installed"; one already imported is left as it is.
    if "hypothesis" not in sys.modules:
        sys.modules["hypothesis"] = None  # type: ignore[assignment]


def main() -> None:
    one_malloc_arena()
    without_hypothesis()
    returning_arrow_pool()
    from allyledger.cli import cli

    cli()
