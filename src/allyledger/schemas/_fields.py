"""Shared field builders and the vectorised checks they attach.

Every rule about a single cell lives here as a registered pandera check, so a model
declares a column in one line and the rule has exactly one definition. Each check
works on a whole column at once (pandas string methods or numpy), never row by row.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd
import pandera.extensions as extensions
import pandera.pandas as pa
import pycountry

from allyledger.schemas._vocab import NON_CURRENCY_UNITS

SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG_MAX = 80
PARTIAL_DATE_PATTERN = r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?"
DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
WIKIDATA_PATTERN = r"Q[1-9][0-9]*"
URL_PATTERN = r"https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?"
LIST_SEPARATOR = "|"
CONTROL_RE = r"[\x00-\x1f\x7f-\x9f]"
FORMULA_RE = r"[=+\-@][^\W_]"


@functools.cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes, current and historic (e.g. SUN for the Soviet Union)."""
    current = {c.alpha_3 for c in pycountry.countries}
    historic = {c.alpha_3 for c in pycountry.historic_countries if hasattr(c, "alpha_3")}
    return frozenset(current | historic)


@functools.cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 two-letter language codes."""
    return frozenset(lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2"))


@functools.cache
def unit_codes() -> frozenset[str]:
    """ISO 4217 currency codes plus the physical units the model allows."""
    return frozenset({c.alpha_3 for c in pycountry.currencies} | set(NON_CURRENCY_UNITS))


def split_list(series: pd.Series) -> pd.Series:
    """Explode a column of `|`-lists into one element per row, keeping the row index."""
    return series.str.split(LIST_SEPARATOR, regex=False).explode()


def _per_row(element_ok: pd.Series) -> pd.Series:
    return element_ok.astype(bool).groupby(level=0).all()


def is_slug(series: pd.Series) -> pd.Series:
    return series.str.fullmatch(SLUG_PATTERN).fillna(False).astype(bool) & (
        series.str.len() <= SLUG_MAX
    )


def is_partial_date(series: pd.Series) -> pd.Series:
    """True where a cell is YYYY, YYYY-MM or YYYY-MM-DD and names a real calendar date."""
    shape = series.str.fullmatch(PARTIAL_DATE_PATTERN).fillna(False).astype(bool)
    text = series.where(shape, "2000-01-01")
    year = pd.to_numeric(text.str.slice(0, 4)).to_numpy()
    month = pd.to_numeric(text.str.slice(5, 7).replace("", "01")).to_numpy()
    day = pd.to_numeric(text.str.slice(8, 10).replace("", "01")).to_numpy()
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    month_ok = (month >= 1) & (month <= 12)
    dim = days[np.clip(month, 0, 12)] + ((month == 2) & leap)
    ok = (year >= 1) & month_ok & (day >= 1) & (day <= dim)
    return shape & pd.Series(ok, index=series.index)


@extensions.register_check_method(statistics=["maxlen"], check_type="vectorized")
def slug(series: pd.Series, *, maxlen: int) -> pd.Series:
    return is_slug(series)


@extensions.register_check_method(check_type="vectorized")
def slug_list(series: pd.Series) -> pd.Series:
    return _per_row(is_slug(split_list(series)))


@extensions.register_check_method(statistics=["allowed"], check_type="vectorized")
def enum_list(series: pd.Series, *, allowed: list[str]) -> pd.Series:
    return _per_row(split_list(series).isin(allowed))


@extensions.register_check_method(check_type="vectorized")
def list_unique(series: pd.Series) -> pd.Series:
    return ~_duplicated_within_rows(split_list(series))


def _duplicated_within_rows(parts: pd.Series) -> pd.Series:
    frame = pd.DataFrame({"row": parts.index, "value": parts.to_numpy()})
    dup = frame.duplicated(["row", "value"]).to_numpy()
    return pd.Series(dup, index=parts.index).groupby(level=0).any()


@extensions.register_check_method(check_type="vectorized")
def partial_date(series: pd.Series) -> pd.Series:
    return is_partial_date(series)


@extensions.register_check_method(check_type="vectorized")
def full_date(series: pd.Series) -> pd.Series:
    return series.str.fullmatch(DATE_PATTERN).fillna(False).astype(bool) & is_partial_date(
        series
    )


@extensions.register_check_method(check_type="vectorized")
def nfc(series: pd.Series) -> pd.Series:
    return series == series.str.normalize("NFC")


@extensions.register_check_method(check_type="vectorized")
def trimmed(series: pd.Series) -> pd.Series:
    return (series == series.str.strip()) & (series != "")


@extensions.register_check_method(check_type="vectorized")
def no_control(series: pd.Series) -> pd.Series:
    return ~series.str.contains(CONTROL_RE, regex=True)


@extensions.register_check_method(check_type="vectorized")
def no_formula(series: pd.Series) -> pd.Series:
    return ~series.str.match(FORMULA_RE)


@extensions.register_check_method(check_type="vectorized")
def text_list(series: pd.Series) -> pd.Series:
    parts = split_list(series)
    ok = (
        (parts == parts.str.normalize("NFC"))
        & (parts == parts.str.strip())
        & (parts != "")
        & ~parts.str.contains(CONTROL_RE, regex=True)
        & ~parts.str.match(FORMULA_RE)
    )
    return _per_row(ok)


@extensions.register_check_method(check_type="vectorized")
def iso_country(series: pd.Series) -> pd.Series:
    return series.isin(country_codes())


@extensions.register_check_method(check_type="vectorized")
def iso_language(series: pd.Series) -> pd.Series:
    return series.isin(language_codes())


@extensions.register_check_method(check_type="vectorized")
def unit_code(series: pd.Series) -> pd.Series:
    return series.isin(unit_codes())


@extensions.register_check_method(check_type="vectorized")
def wikidata_qid(series: pd.Series) -> pd.Series:
    return series.str.fullmatch(WIKIDATA_PATTERN).fillna(False).astype(bool)


@extensions.register_check_method(check_type="vectorized")
def http_url(series: pd.Series) -> pd.Series:
    return series.str.fullmatch(URL_PATTERN).fillna(False).astype(bool)


@extensions.register_check_method(check_type="vectorized")
def non_negative_number(series: pd.Series) -> pd.Series:
    shape = series.str.fullmatch(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
    return shape.fillna(False).astype(bool)


# --- field builders ---------------------------------------------------------------


def _text_checks() -> dict[str, Any]:
    return {"nfc": (), "trimmed": (), "no_control": (), "no_formula": ()}


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
    return pa.Field(
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


def ref_field(table: str, description: str, *, required: bool = True, example: str) -> Any:
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


def text_field(description: str, *, required: bool, example: str | None = None) -> Any:
    """Free text: NFC, trimmed, no control characters, no spreadsheet formula."""
    return _field(
        kind="text",
        description=description,
        required=required,
        example=example,
        checks=_text_checks(),
    )


def text_list_field(description: str, *, example: str) -> Any:
    return _field(
        kind="text_list",
        description=description,
        required=False,
        example=example,
        checks={"text_list": (), "list_unique": ()},
        sortable=False,
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


def url_field(description: str, *, example: str) -> Any:
    return _field(
        kind="url",
        description=description,
        required=True,
        unique=True,
        example=example,
        checks={"http_url": ()},
        pattern=f"^{URL_PATTERN}$",
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


def period_bounds(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each partial date, as datetime64[D] arrays (NaT if invalid)."""
    valid = is_partial_date(series.fillna("")) & series.notna()
    text = series.where(valid, "2000")
    length = text.str.len().to_numpy()
    padded = np.where(length == 4, text + "-01-01", np.where(length == 7, text + "-01", text))
    start = np.array(padded, dtype="datetime64[D]")
    year_end = start.astype("datetime64[Y]") + np.timedelta64(1, "Y")
    month_end = start.astype("datetime64[M]") + np.timedelta64(1, "M")
    end = np.where(
        length == 4,
        year_end.astype("datetime64[D]") - np.timedelta64(1, "D"),
        np.where(length == 7, month_end.astype("datetime64[D]") - np.timedelta64(1, "D"), start),
    )
    nat = np.datetime64("NaT", "D")
    mask = valid.to_numpy()
    return np.where(mask, start, nat), np.where(mask, end, nat)
