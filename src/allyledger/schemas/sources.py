"""The sources table: every page a row relies on."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from allyledger.schemas._fields import (
    date_field,
    enum_field,
    id_field,
    language_field,
    partial_date_field,
    ref_field,
    text_field,
    url_field,
)
from allyledger.schemas._rules import row_rule
from allyledger.vocab import SOURCE_TYPES


def id_parts(row: dict[str, str]) -> list[str]:
    """Publisher and date, then the title: reuters-2025-06-13-russia-condemns."""
    return [row.get("publisher", ""), row.get("published", ""), row.get("title", "")]


class Sources(pa.DataFrameModel):
    """Evidence: the pages actually read, one row each."""

    source_id: Series[str] = id_field(
        "Stable ID: publisher, publication date and a short slug.",
        example="moscow-times-2026-01-03-russia-condemns-strikes",
    )
    url: Series[str] = url_field(
        "The http(s) address of the page actually read; unique.",
        example="https://www.reuters.com/world/",
    )
    title: Series[str] = text_field(
        "Headline or title of the page.", required=True, max_length=300
    )
    publisher: Series[str] = text_field(
        "Outlet, ministry or organisation that published it.",
        required=True,
        max_length=120,
        example="Reuters",
    )
    published: Series[str] = partial_date_field(
        "Publication date, at the precision known.",
        required=False,
        example="2026-01-03",
    )
    accessed: Series[str] = date_field("Date the page was read.", example="2026-11-25")
    language: Series[str] = language_field(
        "Language of the page, ISO 639-1.", example="en"
    )
    source_type: Series[str] = enum_field(
        SOURCE_TYPES, "What kind of source this is.", example="news"
    )
    derived_from_id: Series[str] = ref_field(
        "sources",
        "The source this one retells (e.g. a blog summarising a wire story).",
        required=False,
        example="reuters-2026-01-03-us-strikes-venezuela",
    )

    @row_rule(
        "derived-from-self",
        "derived_from_id",
        "a source cannot be derived from itself; point at the original report's source_id",
    )
    def _not_self(cls, df: pd.DataFrame) -> pd.Series:
        return df["derived_from_id"].isna() | (df["derived_from_id"] != df["source_id"])

    class Config:
        strict = True
        name = "sources"
        title = "Sources"
        description = "The pages, documents and datasets that the other tables cite."
