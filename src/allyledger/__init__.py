"""allyledger: what patrons promise their allies, and what they deliver.

Load an edition in one line::

    import allyledger
    events = allyledger.load("support_events")
"""

from __future__ import annotations

__version__ = "0.1.0"

from allyledger.build import build_edition  # noqa: E402
from allyledger.diff import diff_folders  # noqa: E402
from allyledger.load import load, load_all, read_table  # noqa: E402
from allyledger.release import release_edition  # noqa: E402
from allyledger.schemas import SCHEMA_VERSION, TABLES  # noqa: E402
from allyledger.validate import check_dataset  # noqa: E402

__all__ = [
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
