"""Field builders: a model declares a column in one line, and the builder attaches
the checks its kind needs (`_checks.py`) and the metadata the registry reads."""

from __future__ import annotations

from typing import Any

import pandera.pandas as pa_

from allyledger.kinds import PARTIAL_DATE_PATTERN
from allyledger.schemas._checks import (
    DATE_PATTERN,
    SLUG_MAX,
    SLUG_PATTERN,
    URL_PATTERN,
    WIKIDATA_PATTERN,
    arrow,
    explode,
    period_bounds,
    slug_array,
)


def _text_checks(max_length: int) -> dict[str, Any]:
    return {
        "nfc": (),
        "trimmed": (),
        "no_control": (),
        "no_formula": (),
        "no_invisible": (),
        "max_chars": {"limit": max_length},
    }


def _field(
    *,
    kind: str,
    description: str,
    required: bool,
    example: str | None = None,
    unique: bool = False,
    checks: dict[str, Any] | None = None,
    isin: list[str] | None = None,
    **meta: Any,
) -> Any:
    metadata = {"kind": kind, "required": required, "example": example, **meta}
    kwargs: dict[str, Any] = dict(checks or {})
    if isin is not None:
        kwargs["isin"] = isin
    return pa_.Field(
        nullable=not required,
        unique=unique,
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
        checks={"slug": {"maxlen": SLUG_MAX}},
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
        checks={"slug": {"maxlen": SLUG_MAX}},
        references=table,
        pattern=f"^{SLUG_PATTERN}$",
    )


def ref_list_field(table: str, description: str, *, example: str) -> Any:
    """A required `|`-list of IDs of rows in `table` (at least one)."""
    return _field(
        kind="ref_list",
        description=description,
        required=True,
        example=example,
        checks={"slug_list": (), "list_unique": ()},
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
        checks=_text_checks(max_length),
        max_length=max_length,
    )


def text_list_field(description: str, *, max_length: int, example: str) -> Any:
    """A `|`-list of text items; the whole cell has at most `max_length` characters."""
    return _field(
        kind="text_list",
        description=description,
        required=False,
        example=example,
        checks={
            "text_list": (),
            "list_unique": (),
            "max_chars": {"limit": max_length},
        },
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
        isin=list(vocab),
        vocab=vocab,
    )


def enum_list_field(vocab: dict[str, str], description: str, *, example: str) -> Any:
    return _field(
        kind="enum_list",
        description=description,
        required=False,
        example=example,
        checks={"enum_list": {"allowed": list(vocab)}, "list_unique": ()},
        vocab=vocab,
        sortable=True,
    )


def partial_date_field(description: str, *, required: bool, example: str) -> Any:
    """A date at the precision known: YYYY, YYYY-MM or YYYY-MM-DD."""
    return _field(
        kind="partial_date",
        description=description,
        required=required,
        example=example,
        checks={"partial_date": ()},
        pattern=f"^{PARTIAL_DATE_PATTERN}$",
    )


def date_field(description: str, *, example: str) -> Any:
    """A required full ISO date YYYY-MM-DD."""
    return _field(
        kind="date",
        description=description,
        required=True,
        example=example,
        checks={"full_date": ()},
        pattern=f"^{DATE_PATTERN}$",
    )


def country_field(description: str, *, example: str) -> Any:
    return _field(
        kind="country",
        description=description,
        required=False,
        example=example,
        checks={"iso_country": ()},
        pattern="^[A-Z]{3}$",
    )


def language_field(description: str, *, example: str) -> Any:
    return _field(
        kind="language",
        description=description,
        required=True,
        example=example,
        checks={"iso_language": ()},
        pattern="^[a-z]{2}$",
    )


def wikidata_field(description: str, *, example: str) -> Any:
    return _field(
        kind="wikidata",
        description=description,
        required=False,
        unique=True,
        example=example,
        checks={"wikidata_qid": ()},
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
        checks={
            "http_url": (),
            "no_invisible": (),
            "max_chars": {"limit": URL_MAX},
        },
        pattern=f"^{URL_PATTERN}$",
        max_length=URL_MAX,
    )


def amount_field(description: str, *, example: str) -> Any:
    return _field(
        kind="number",
        description=description,
        required=False,
        example=example,
        checks={"non_negative_number": ()},
        minimum=0,
    )


def unit_field(description: str, *, example: str) -> Any:
    return _field(
        kind="unit",
        description=description,
        required=False,
        example=example,
        checks={"unit_code": ()},
    )


__all__ = ["arrow", "explode", "period_bounds", "slug_array"]
