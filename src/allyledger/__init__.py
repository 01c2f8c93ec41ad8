"""allyledger: what patrons promise their allies, and what they deliver.

Public API: `check_dataset`, `build_edition`, `TABLES`, `SCHEMA_VERSION`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from allyledger.build import build_edition  # noqa: E402
from allyledger.schemas import SCHEMA_VERSION, TABLES  # noqa: E402
from allyledger.validate import check_dataset  # noqa: E402

__all__ = ["SCHEMA_VERSION", "TABLES", "__version__", "build_edition", "check_dataset"]
