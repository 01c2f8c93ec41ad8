"""The outcomes table: what came of each pledge and request (derived, never edited).

The build computes it from support_events and the edition's date (`allyledger.outcomes`)
and writes it beside the edited tables; there is no outcomes.csv.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.typing import Series

from allyledger.schemas._fields import (
    amount_field,
    boolean_field,
    date_field,
    enum_field,
    integer_field,
    partial_date_field,
    ref_field,
    ref_list_field,
    text_field,
    unit_field,
)
from allyledger.vocab import CERTAINTIES, OUTCOME_STATUSES, PROMISE_KINDS, SUPPORT_TYPES


class Outcomes(pa.DataFrameModel):
    """One row per pledge and per request, with what answered it."""

    event_id: Series[str] = ref_field(
        "support_events",
        "The pledge or request (its event_id).",
        example="2018-09-24-rus-pledges-s300",
    )
    kind: Series[str] = enum_field(
        PROMISE_KINDS, "Pledge or request.", example="pledge"
    )
    provider_id: Series[str] = ref_field(
        "actors", "Who promised, or was asked.", example="rus"
    )
    recipient_id: Series[str] = ref_field(
        "actors", "The ally or client concerned.", example="syr"
    )
    crisis_id: Series[str] = ref_field(
        "support_events",
        "The crisis at the root of the promise's responds_to_id chain, if any.",
        required=False,
        example="2015-09-syr-government-near-collapse",
    )
    date: Series[str] = partial_date_field(
        "When the promise was made (or the request put).",
        required=True,
        example="2018-09-24",
    )
    due: Series[str] = partial_date_field(
        "When the pledge said the support would arrive, where a source says.",
        required=False,
        example="2018-10",
    )
    support_type: Series[str] = enum_field(
        SUPPORT_TYPES, "What kind of support.", required=False, example="weapons"
    )
    item: Series[str] = text_field(
        "What was promised or asked for.",
        required=False,
        max_length=200,
        example="S-300",
    )
    amount: Series[str] = amount_field("The quantity promised, with unit.", example="4")
    unit: Series[str] = unit_field("The unit of amount.", example="units")
    certainty: Series[str] = enum_field(
        CERTAINTIES, "How well established the promise is.", example="confirmed"
    )
    status: Series[str] = enum_field(
        OUTCOME_STATUSES,
        "What came of it, derived from the answering events.",
        example="delivered",
    )
    answered_by: Series[str] = ref_list_field(
        "support_events",
        "The events whose responds_to_id is this promise, |-separated.",
        required=False,
        example="2018-10-02-rus-delivers-s300",
    )
    first_delivery_id: Series[str] = ref_field(
        "support_events",
        "The earliest delivery answering it (for a request, also through a pledge "
        "made in reply).",
        required=False,
        example="2018-10-02-rus-delivers-s300",
    )
    first_delivery_date: Series[str] = partial_date_field(
        "The date of that delivery.", required=False, example="2018-10-02"
    )
    lag_days_min: Series[str] = integer_field(
        "Fewest days from the promise to its first delivery that the two dates' "
        "precision allows (0 at least).",
        example="8",
    )
    lag_days_max: Series[str] = integer_field(
        "Most days from the promise to its first delivery that the dates' precision "
        "allows (against the delivery that could have come earliest).",
        example="8",
    )
    delivered_amount: Series[str] = amount_field(
        "The amount delivered in the promise's own unit (where both give one).",
        example="4",
    )
    delivered_share: Series[str] = amount_field(
        "delivered_amount as a share of amount (1 = all of it; may exceed 1).",
        example="1.0",
    )
    censored: Series[str] = boolean_field(
        "true when nothing had been delivered by the edition date: the time to "
        "delivery is then only known to exceed as_of − date.",
        example="false",
    )
    as_of: Series[str] = date_field(
        "The edition's date, at which pending and censored are judged.",
        example="2026-11-25",
    )

    class Config:
        strict = True
        name = "outcomes"
        title = "Outcomes"
        description = (
            "What came of each pledge and request, derived by the build from "
            "support_events and the edition's date; not edited by hand."
        )
