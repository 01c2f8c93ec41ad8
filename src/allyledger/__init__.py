"""allyledger: what patrons promise their allies, and what they deliver.

Load an edition in one line::

    import allyledger
    events = allyledger.load("support_events")

Names are imported on first use, so `import allyledger` is quick and loading a table
never imports the validator, the builder or the command line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS = {
    "load": "allyledger.loader",
    "load_all": "allyledger.loader",
    "read_table": "allyledger.frames",
    "download": "allyledger.loader",
    "edition_index": "allyledger.loader",
    "editions": "allyledger.loader",
    "clear_cache": "allyledger.loader",
    "ledger": "allyledger.metrics",
    "headline": "allyledger.metrics",
    "survival": "allyledger.metrics",
    "diff_folders": "allyledger.diff",
    "check_dataset": "allyledger.validate",
    "build_edition": "allyledger.build",
    "release_edition": "allyledger.release",
    "SCHEMA_VERSION": "allyledger.schemas",
    "TABLES": "allyledger.schemas",
    "AllyledgerError": "allyledger.problems",
}

if TYPE_CHECKING:
    from allyledger.build import build_edition
    from allyledger.diff import diff_folders
    from allyledger.frames import read_table
    from allyledger.loader import download, edition_index, load, load_all
    from allyledger.metrics import headline, ledger, survival
    from allyledger.problems import AllyledgerError
    from allyledger.release import release_edition
    from allyledger.schemas import SCHEMA_VERSION, TABLES
    from allyledger.validate import check_dataset


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'allyledger' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "AllyledgerError",
    "__version__",
    "build_edition",
    "check_dataset",
    "clear_cache",
    "diff_folders",
    "download",
    "edition_index",
    "editions",
    "headline",
    "ledger",
    "load",
    "load_all",
    "read_table",
    "release_edition",
    "survival",
]
