"""The events_flat table: every support event with the names and sources beside the
IDs (derived, never edited).

The join most users make first, done once: the provider's and recipient's names, each
cited source's URL and publisher in `source_ids` order, and for a pledge or request
what came of it. Its columns are support_events' (the same definitions, copied from
that model, without its row rules: this table is made from rows that passed them)
followed by these.
"""

from __future__ import annotations

import copy
from typing import Any

import pandera.pandas as pa
from pandera.typing import Series

from allyledger.schemas._fields import enum_field, text_field, text_list_field
from allyledger.schemas.support_events import SupportEvents
from allyledger.vocab import OUTCOME_STATUSES


def _event_columns() -> dict[str, Any]:
    """support_events' columns as a class namespace: annotations and fields."""
    fields = SupportEvents.__fields__
    return {
        "__annotations__": {name: Series[str] for name in fields},
        **{name: copy.deepcopy(info) for name, (_, info) in fields.items()},
    }


_EventColumns: Any = type("_EventColumns", (pa.DataFrameModel,), _event_columns())


class EventsFlat(_EventColumns):  # type: ignore[misc]
    """One row per support event, as support_events, with names, URLs and outcomes."""

    provider_name: Series[str] = text_field(
        "The provider's name (actors.name).",
        required=False,
        max_length=200,
        example="Russia",
    )
    recipient_name: Series[str] = text_field(
        "The recipient's name (actors.name).",
        required=True,
        max_length=200,
        example="Venezuela",
    )
    source_urls: Series[str] = text_list_field(
        "The URL of each source in source_ids, in the same order (a | inside a URL "
        "is written %7C, which means the same).",
        max_length=2000,
        example="https://www.reuters.com/world/americas/example",
    )
    source_publishers: Series[str] = text_list_field(
        "The publisher of each source in source_ids, in the same order.",
        max_length=200,
        example="Reuters",
    )
    outcome_status: Series[str] = enum_field(
        OUTCOME_STATUSES,
        "For a pledge or request, what came of it (outcomes.status); empty for "
        "other events.",
        required=False,
        example="delivered",
    )

    class Config:
        strict = True
        name = "events_flat"
        title = "Events, flat"
        description = (
            "Every support event with its provider's and recipient's names, the URL "
            "and publisher of each source it cites, and (for a pledge or request) "
            "what came of it: support_events joined to actors, sources and outcomes, "
            "derived by the build; not edited by hand."
        )
