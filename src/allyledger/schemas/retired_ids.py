"""The retired_ids table: released IDs that are no longer in use, and where they went.

Released IDs are permanent. A row is removed, or its ID renamed, only with a row here
saying so: the old ID, its table, the new ID (for a rename or a merge; empty for a
removal) and why. `validate` refuses a released ID that is gone without one, and each
edition publishes this table, so a user holding an old ID can follow it.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from allyledger.schemas._fields import (
    date_field,
    enum_field,
    id_field,
    slug_field,
    text_field,
)
from allyledger.vocab import RETIRABLE_TABLES


def id_parts(row: dict[str, str]) -> list[str]:
    """The retired ID itself."""
    return [row.get("old_id", "")]


class RetiredIds(pa.DataFrameModel):
    """One row per released ID no longer in use."""

    old_id: Series[str] = id_field(
        "The ID as it was released; never used again for another row.",
        example="2025-03-rus-pledge-ven",
    )
    table: Series[str] = enum_field(
        RETIRABLE_TABLES, "The table it was an ID of.", example="support_events"
    )
    new_id: Series[str] = slug_field(
        "The ID the row has now (a rename, or the row it was merged into); empty "
        "when the row was removed.",
        required=False,
        example="2025-03-12-rus-pledge-ven",
    )
    reason: Series[str] = text_field(
        "Why it was retired, in a sentence.",
        required=True,
        max_length=500,
        example="Renamed to its exact date once a source gave the day.",
    )
    retired: Series[str] = date_field(
        "When it was retired (the day the change was made).", example="2026-12-01"
    )

    class Config:
        strict = True
        name = "retired_ids"
        title = "Retired IDs"
        description = (
            "Released IDs no longer in use: each with its table, the ID that replaced "
            "it (if any) and why, so a renamed or removed row can be followed."
        )
