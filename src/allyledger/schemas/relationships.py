"""The relationships table: standing ties between two actors over a period."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from allyledger.schemas._fields import (
    enum_field,
    enum_list_field,
    id_field,
    partial_date_field,
    period_bounds,
    ref_field,
    ref_list_field,
    text_field,
)
from allyledger.schemas._rules import row_rule
from allyledger.vocab import (
    BASES,
    OBLIGATIONS,
    RELATIONSHIP_KINDS,
    RELATIONSHIP_STATUSES,
)


def id_parts(row: dict[str, str]) -> list[str]:
    """from-to-kind-year, e.g. rus-ven-arms-supply-2001."""
    return [
        row.get("from_actor_id", ""),
        row.get("to_actor_id", ""),
        row.get("kind", ""),
        row.get("start", "")[:4],
    ]


class Relationships(pa.DataFrameModel):
    """Treaties, partnerships, supply ties, memberships and rivalries."""

    relationship_id: Series[str] = id_field(
        "Stable ID: the two actors and the tie.",
        example="rus-ven-arms-supply",
    )
    from_actor_id: Series[str] = ref_field(
        "actors",
        "The patron, supplier, leader, owner or member (direction per kind).",
        example="rus",
    )
    to_actor_id: Series[str] = ref_field(
        "actors",
        "The client, buyer, state led, company owned or organisation joined.",
        example="ven",
    )
    kind: Series[str] = enum_field(
        RELATIONSHIP_KINDS, "What sort of tie this is.", example="arms_supply"
    )
    obligations: Series[str] = enum_list_field(
        OBLIGATIONS,
        "Treaty provisions, only as the text states them; |-separated.",
        example="consultation|defense",
    )
    basis: Series[str] = enum_field(BASES, "What the tie rests on.", example="treaty")
    instrument: Series[str] = text_field(
        "The treaty or agreement's name.",
        required=False,
        max_length=200,
        example="Collective Security Treaty",
    )
    start: Series[str] = partial_date_field(
        "When it began.", required=True, example="2005"
    )
    end: Series[str] = partial_date_field(
        "When it ended; empty while in force; not before start.",
        required=False,
        example="2024-12",
    )
    status: Series[str] = enum_field(
        RELATIONSHIP_STATUSES, "Whether it is in force.", example="active"
    )
    source_ids: Series[str] = ref_list_field(
        "sources",
        "Evidence: one or more source_ids, |-separated.",
        example="reuters-2025-01-17-russia-iran-treaty",
    )
    notes: Series[str] = text_field(
        "Paraphrased nuance.", required=False, max_length=1000
    )

    @row_rule(
        "self-relationship",
        "to_actor_id",
        'a relationship joins two different actors; both ends are "{to_actor_id}"',
    )
    def _distinct(cls, df: pd.DataFrame) -> pd.Series:
        return df["from_actor_id"] != df["to_actor_id"]

    @row_rule(
        "end-before-start",
        "end",
        'end "{end}" is before start "{start}"; fix either date',
    )
    def _ordered(cls, df: pd.DataFrame) -> pd.Series:
        start, _ = period_bounds(df["start"])
        _, end = period_bounds(df["end"])
        bad = ~pd.isna(start) & ~pd.isna(end) & (end < start)
        return pd.Series(~bad, index=df.index)

    @row_rule(
        "ended-without-end",
        "end",
        'status is "ended" but end is empty; give the date it ended (YYYY, YYYY-MM or YYYY-MM-DD)',
    )
    def _ended(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["status"] == "ended") & df["end"].isna())

    @row_rule(
        "active-with-end",
        "end",
        'end is "{end}" but status is "{status}"; use status "ended" or clear end',
    )
    def _active(cls, df: pd.DataFrame) -> pd.Series:
        return ~((df["status"] != "ended") & df["end"].notna())

    class Config:
        strict = True
        name = "relationships"
        title = "Relationships"
        description = "Standing ties between two actors over a period."
