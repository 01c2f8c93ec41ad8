"""Field builders: a model declares a column in one line, and the builder attaches
the checks its kind needs (`_checks.py`) and the metadata the registry reads."""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa_

from allyledger.kinds import KINDS, PARTIAL_DATE_PATTERN, arrow
from allyledger.schemas._checks import (
    DATE_PATTERN,
    SLUG_PATTERN,
    STATE_NUMBER_PATTERN,
    URL_PATTERN,
    WIKIDATA_PATTERN,
    explode,
    period_bounds,
    slug_array,
)


def _field(
    *,
    kind: str,
    description: str,
    required: bool,
    example: str | None = None,
    unique: bool = False,
    **meta: Any,
) -> Any:
    """A pandera field of `kind`: the kind says which checks it runs."""
    metadata = {
        "kind": kind,
        "required": required,
        "example": example,
        "unique": unique,
        **meta,
    }
    kwargs: dict[str, Any] = KINDS[kind].checks(
        max_length=meta.get("max_length"), vocab=meta.get("vocab")
    )
    if unique:
        # Our check of one value per row (`_checks.distinct`), not pandera's
        # `unique`, which hashes the whole column where a sorted one needs a
        # comparison of neighbours.
        kwargs["distinct"] = ()
    return pa_.Field(
        ignore_na=not KINDS[kind].whole_column,
        nullable=not required,
        description=description,
        metadata=metadata,
        **kwargs,
    )


def id_field(description: str, *, example: str) -> Any:
    """The table's primary key: a unique lowercase slug."""
    return _field(
        kind="id",
        description=description,
        required=True,
        unique=True,
        example=example,
        pattern=f"^{SLUG_PATTERN}$",
    )


def ref_field(
    table: str, description: str, *, required: bool = True, example: str
) -> Any:
    """A foreign key: the ID of a row in `table`."""
    return _field(
        kind="ref",
        description=description,
        required=required,
        example=example,
        references=table,
        pattern=f"^{SLUG_PATTERN}$",
    )


def slug_field(description: str, *, required: bool, example: str) -> Any:
    """An ID of a row of whichever table another column names (not unique)."""
    return _field(
        kind="slug",
        description=description,
        required=required,
        example=example,
        pattern=f"^{SLUG_PATTERN}$",
    )


def ref_list_field(
    table: str, description: str, *, example: str, required: bool = True
) -> Any:
    """A `|`-list of IDs of rows in `table` (at least one where required)."""
    return _field(
        kind="ref_list",
        description=description,
        required=required,
        example=example,
        references=table,
        sortable=True,
    )


def text_field(
    description: str,
    *,
    required: bool,
    max_length: int,
    example: str | None = None,
) -> Any:
    """Free text of at most `max_length` characters: NFC, trimmed, no control or
    invisible characters, no spreadsheet formula."""
    return _field(
        kind="text",
        description=description,
        required=required,
        example=example,
        max_length=max_length,
    )


def text_list_field(description: str, *, max_length: int, example: str) -> Any:
    """A `|`-list of text items; the whole cell has at most `max_length` characters."""
    return _field(
        kind="text_list",
        description=description,
        required=False,
        example=example,
        sortable=False,
        max_length=max_length,
    )


def enum_field(
    vocab: dict[str, str], description: str, *, required: bool = True, example: str
) -> Any:
    """One value of a closed vocabulary."""
    return _field(
        kind="enum",
        description=description,
        required=required,
        example=example,
        vocab=vocab,
    )


def enum_list_field(vocab: dict[str, str], description: str, *, example: str) -> Any:
    return _field(
        kind="enum_list",
        description=description,
        required=False,
        example=example,
        vocab=vocab,
        sortable=True,
    )


def partial_date_field(
    description: str, *, required: bool, example: str, future: bool = False
) -> Any:
    """A date at the precision known: YYYY, YYYY-MM or YYYY-MM-DD; `future` lets it
    lie after the edition's date (a due date), which no other date may."""
    return _field(
        kind="partial_date",
        description=description,
        required=required,
        example=example,
        future=future,
        pattern=f"^{PARTIAL_DATE_PATTERN}$",
    )


def date_field(description: str, *, example: str) -> Any:
    """A required full ISO date YYYY-MM-DD."""
    return _field(
        kind="date",
        description=description,
        required=True,
        example=example,
        pattern=f"^{DATE_PATTERN}$",
    )


def country_field(description: str, *, example: str) -> Any:
    return _field(
        kind="country",
        description=description,
        required=False,
        example=example,
        pattern="^[A-Z]{3}$",
    )


def language_field(description: str, *, example: str) -> Any:
    return _field(
        kind="language",
        description=description,
        required=True,
        example=example,
        pattern="^[a-z]{2}$",
    )


def wikidata_field(description: str, *, example: str) -> Any:
    return _field(
        kind="wikidata",
        description=description,
        required=False,
        unique=True,
        example=example,
        pattern=f"^{WIKIDATA_PATTERN}$",
    )


URL_MAX = 2000


def url_field(description: str, *, example: str) -> Any:
    return _field(
        kind="url",
        description=description,
        required=True,
        unique=True,
        example=example,
        pattern=f"^{URL_PATTERN}$",
        max_length=URL_MAX,
    )


def amount_field(description: str, *, example: str) -> Any:
    """An optional number of at least 0 (the kind owns the bound)."""
    return _field(
        kind="number",
        description=description,
        required=False,
        example=example,
    )


def state_number_field(description: str, *, example: str) -> Any:
    """An optional state number of a coding scheme (Correlates of War, Gleditsch–Ward)."""
    return _field(
        kind="state_number",
        description=description,
        required=False,
        example=example,
        pattern=f"^{STATE_NUMBER_PATTERN}$",
    )


def unit_field(description: str, *, example: str) -> Any:
    return _field(
        kind="unit",
        description=description,
        required=False,
        example=example,
    )


def integer_field(description: str, *, example: str) -> Any:
    """A whole number (derived tables only)."""
    return _field(
        kind="integer", description=description, required=False, example=example
    )


def boolean_field(description: str, *, example: str) -> Any:
    """true or false (derived tables only)."""
    return _field(
        kind="boolean", description=description, required=True, example=example
    )


__all__ = ["arrow", "explode", "period_bounds", "slug_array"]
