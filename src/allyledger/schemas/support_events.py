"""The support_events table: crises, requests, pledges, deliveries and their absence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from allyledger.schemas._checks import period_bounds
from allyledger.schemas._fields import (
    amount_field,
    enum_field,
    id_field,
    partial_date_field,
    ref_field,
    ref_list_field,
    text_field,
    unit_field,
)
from allyledger.schemas._rules import row_rule
from allyledger.vocab import (
    CERTAINTIES,
    CRISIS_TYPES,
    EVENT_KINDS,
    SUPPORT_TYPES,
)


def id_parts(row: dict[str, str]) -> list[str]:
    """Date first, then who did what to whom: 2026-01-03-usa-crisis-ven."""
    return [
        row.get("date", ""),
        row.get("provider_id", ""),
        row.get("kind", ""),
        row.get("recipient_id", ""),
    ]


class SupportEvents(pa.DataFrameModel):
    """What happened: the crisis, the request, the promise, the delivery, or its absence."""

    event_id: Series[str] = id_field(
        "Stable ID, date first.", example="2026-01-03-usa-captures-maduro"
    )
    date: Series[str] = partial_date_field(
        "When it happened or was announced, at the precision known.",
        required=True,
        example="2026-01-03",
    )
    due: Series[str] = partial_date_field(
        "For a pledge, when the support was to arrive, where a source gives a "
        'timetable ("by 2027", "within two weeks"); at the precision given.',
        required=False,
        example="2027",
        future=True,
    )
    kind: Series[str] = enum_field(EVENT_KINDS, "What sort of event.", example="pledge")
    provider_id: Series[str] = ref_field(
        "actors",
        "Who gives, promises or withholds; for a crisis, the threatening actor if any.",
        required=False,
        example="rus",
    )
    recipient_id: Series[str] = ref_field(
        "actors", "The ally or client concerned.", example="ven"
    )
    support_type: Series[str] = enum_field(
        SUPPORT_TYPES,
        "What kind of support; required except for a crisis, empty for a crisis.",
        required=False,
        example="weapons",
    )
    crisis_type: Series[str] = enum_field(
        CRISIS_TYPES,
        "What kind of threat; only and always for a crisis.",
        required=False,
        example="airstrikes",
    )
    responds_to_id: Series[str] = ref_field(
        "support_events",
        "The earlier event this answers: a delivery fulfilling a pledge (same provider "
        "and recipient), or any reply to a crisis or request (same recipient).",
        required=False,
        example="2025-06-13-isr-strikes-irn",
    )
    relationship_id: Series[str] = ref_field(
        "relationships",
        "The standing tie it happens under; it must join the same two actors.",
        required=False,
        example="rus-ven-arms-supply",
    )
    item: Series[str] = text_field(
        "What was given or promised.",
        required=False,
        max_length=200,
        example="S-300VM",
    )
    amount: Series[str] = amount_field(
        "Quantity, a number of at least 0, with unit.", example="2"
    )
    unit: Series[str] = unit_field(
        "ISO 4217 currency code, or units, personnel, barrels, tonnes.", example="units"
    )
    certainty: Series[str] = enum_field(
        CERTAINTIES, "How well established it is.", example="reported"
    )
    summary: Series[str] = text_field(
        "One paraphrased sentence.",
        required=True,
        max_length=500,
        example="Russia condemned the strikes at the UN Security Council.",
    )
    source_ids: Series[str] = ref_list_field(
        "sources",
        "Evidence: one or more source_ids, |-separated.",
        example="reuters-2026-01-03-us-strikes-venezuela",
    )

    @row_rule(
        "provider-required",
        "provider_id",
        'an event of kind "{kind}" needs a provider_id (who gives, promises or withholds)',
    )
    def _provider(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["kind"] != "crisis") & df["provider_id"].isna())

    @row_rule(
        "support-type-required",
        "support_type",
        'an event of kind "{kind}" needs a support_type (e.g. weapons, diplomatic)',
    )
    def _support_type(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["kind"] != "crisis") & df["support_type"].isna())

    @row_rule(
        "support-type-on-crisis",
        "support_type",
        'a crisis has no support_type; clear "{support_type}" and set crisis_type',
    )
    def _no_support_type(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["kind"] == "crisis") & df["support_type"].notna())

    @row_rule(
        "crisis-type-required",
        "crisis_type",
        "a crisis needs a crisis_type (e.g. airstrikes, regime_collapse)",
    )
    def _crisis_type(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["kind"] == "crisis") & df["crisis_type"].isna())

    @row_rule(
        "crisis-type-on-non-crisis",
        "crisis_type",
        'crisis_type is only for kind "crisis"; this event is a "{kind}"',
    )
    def _no_crisis_type(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["kind"] != "crisis") & df["crisis_type"].notna())

    @row_rule(
        "unit-required",
        "unit",
        'amount "{amount}" needs a unit (ISO 4217 code, units, personnel, barrels, tonnes)',
    )
    def _unit(cls, df: pd.DataFrame) -> pd.Series:
        return ~(df["amount"].notna() & df["unit"].isna())

    @row_rule(
        "amount-required",
        "amount",
        'unit "{unit}" is given without an amount; add the amount or clear the unit',
    )
    def _amount(cls, df: pd.DataFrame) -> pd.Series:
        return ~(df["unit"].notna() & df["amount"].isna())

    @row_rule(
        "responds-to-self",
        "responds_to_id",
        "an event cannot respond to itself; point at the earlier event it answers",
    )
    def _not_self(cls, df: pd.DataFrame) -> pd.Series:
        return df["responds_to_id"].isna() | (df["responds_to_id"] != df["event_id"])

    @row_rule(
        "due-on-non-pledge",
        "due",
        'only a pledge has a due date; this event is a "{kind}"',
    )
    def _due_on_pledge(cls, df: pd.DataFrame) -> pd.Series:
        return df["due"].isna() | (df["kind"] == "pledge")

    @row_rule(
        "due-before-date",
        "due",
        'due "{due}" ends before the pledge was made ("{date}")',
    )
    def _due_after_date(cls, df: pd.DataFrame) -> pd.Series:
        ok = np.ones(len(df), dtype=bool)
        has = df["due"].notna().to_numpy()
        if has.any():  # few rows have a due date: bound only those
            _, due_end = period_bounds(df["due"][has])
            start, _ = period_bounds(df["date"][has])
            ok[has] = ~(~np.isnat(due_end) & ~np.isnat(start) & (due_end < start))
        return pd.Series(ok, index=df.index)

    class Config:
        strict = True
        name = "support_events"
        title = "Support events"
        description = (
            "Crises, requests, pledges, deliveries, withholdings and withdrawals "
            "between two actors."
        )
