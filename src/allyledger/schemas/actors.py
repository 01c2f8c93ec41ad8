"""The actors table: states, people, organisations and companies."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from allyledger.schemas._checks import country_codes
from allyledger.schemas._fields import (
    country_field,
    enum_field,
    id_field,
    state_number_field,
    text_field,
    text_list_field,
    wikidata_field,
)
from allyledger.schemas._rules import row_rule
from allyledger.vocab import ACTOR_KINDS

NEEDS_COUNTRY = ("state", "person", "government_body", "company")


def id_parts(row: dict[str, str]) -> list[str]:
    """A state's ID is its ISO code in lowercase; any other actor's, its name."""
    country = row.get("country", "")
    if row.get("kind") == "state" and country:
        return [country.lower()]
    return [row.get("name", "")]


class Actors(pa.DataFrameModel):
    """Who takes part: states, persons, organisations, bodies, companies, groups, parties."""

    actor_id: Series[str] = id_field(
        "Stable ID: a state's lowercase ISO 3166-1 alpha-3 code, otherwise a readable "
        "slug; never reused or renamed once released.",
        example="rus",
    )
    name: Series[str] = text_field(
        "Common English name.", required=True, max_length=120, example="Russia"
    )
    kind: Series[str] = enum_field(
        ACTOR_KINDS, "What sort of actor this is.", example="state"
    )
    country: Series[str] = country_field(
        "ISO 3166-1 alpha-3 code in capitals: a state's own code, otherwise the country "
        "the actor belongs to. Required for states, persons, government bodies and "
        "companies.",
        example="RUS",
    )
    wikidata_id: Series[str] = wikidata_field(
        "Wikidata item, unique where given.", example="Q159"
    )
    cow_code: Series[str] = state_number_field(
        "Correlates of War state number, for a state the COW state system lists "
        "(from the countrycode package, never typed by hand; `allyledger` tests that "
        "they agree).",
        example="365",
    )
    gw_code: Series[str] = state_number_field(
        "Gleditsch–Ward state number, for a state their list has (from the "
        "countrycode package, like cow_code).",
        example="365",
    )
    aliases: Series[str] = text_list_field(
        "Other names, including the native spelling; |-separated.",
        max_length=1000,
        example="Russian Federation|Россия",
    )
    description: Series[str] = text_field(
        "One short paraphrased line about the actor.", required=False, max_length=300
    )

    @row_rule(
        "country-required",
        "country",
        'an actor of kind "{kind}" needs a country (ISO 3166-1 alpha-3, e.g. "RUS")',
    )
    def _country_required(cls, df: pd.DataFrame) -> pd.Series:
        return ~(df["kind"].isin(NEEDS_COUNTRY) & df["country"].isna())

    @row_rule(
        "state-number-on-non-state",
        "cow_code",
        "only a state has COW and Gleditsch–Ward numbers; this actor's kind is {kind}",
    )
    def _numbers_on_states(cls, df: pd.DataFrame) -> pd.Series:
        numbered = df["cow_code"].notna() | df["gw_code"].notna()
        return ~numbered | (df["kind"] == "state")

    @row_rule(
        "state-id-is-country",
        "actor_id",
        'a state\'s actor_id is its country code in lowercase: expected "{expected}"',
    )
    def _state_id(cls, df: pd.DataFrame) -> pd.Series:
        state = (df["kind"] == "state") & df["country"].isin(country_codes())
        return ~state | (df["actor_id"] == df["country"].str.lower())

    class Config:
        strict = True
        name = "actors"
        title = "Actors"
        description = (
            "States, people, organisations and companies that give or get support."
        )
