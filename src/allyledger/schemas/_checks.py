"""The vectorised single-cell checks, registered with pandera under their names.

Every rule about a single cell lives here, declared with its catalogue code and
message (`cell_check`), so the rule has exactly one definition; the field builders
in `_fields.py` attach them by kind. Each check works on a whole column at once
(Arrow kernels or numpy), never row by row.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry
from pandera.api.extensions import register_check_method

from allyledger.catalogue import declare_check
from allyledger.kinds import (
    PARTIAL_DATE,
    SLUG_MAX,
    arrow,
    date_parts,
    matches,
    memoised,
    sort_order,
    split_lists,
    utf8_buffers,
)
from allyledger.nfc import unsafe_class
from allyledger.vocab import NON_CURRENCY_UNITS

SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"

DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
WIKIDATA_PATTERN = r"Q[1-9][0-9]*"
URL_PATTERN = r"https?://[^\s/?#]+\.[^\s/?#]+(?:[/?#]\S*)?"
NUMBER_PATTERN = r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
CONTROL_RE = r"[\x00-\x1f\x7f-\x9f]"
# Bidirectional controls (which can reorder what a reader sees) and zero-width
# characters (which hide inside names and IDs), including a byte-order mark in text.
# The zero-width non-joiner and joiner (U+200C, U+200D) are part of how Persian, Urdu
# and Indic scripts are written: they are refused only where no such script surrounds
# them (at either end of the text, or beside a Latin letter, digit, space or mark of
# punctuation).
_JOINERS = r"[\x{200C}\x{200D}]"
_NOT_SCRIPT = r"(?:[^\pL\pM]|\p{Latin})"
INVISIBLE_RE = (
    r"[\x{202A}-\x{202E}\x{2066}-\x{2069}\x{200B}\x{2060}\x{FEFF}]"
    rf"|^{_JOINERS}|{_JOINERS}$|{_NOT_SCRIPT}{_JOINERS}|{_JOINERS}{_NOT_SCRIPT}"
)
FORMULA_RE = r"^[=+\-@][\pL\pN]"
STATE_NUMBER_PATTERN = r"[1-9][0-9]{0,3}"


def cell_check(
    code: str, message: str, *, statistics: list[str] | None = None
) -> Callable[[Callable[..., pd.Series]], Callable[..., pd.Series]]:
    """Register a vectorised pandera check under its function's name, with the
    catalogue code it reports and its message ({value} is the quoted cell).

    The check is given the whole column, empty cells included (`Kind.whole_column`), so
    what is worked out of a column once serves every check of it (`memoised`); an
    empty cell always passes (whether it may be empty is the `required` rule's).
    """

    def register(check: Callable[..., pd.Series]) -> Callable[..., pd.Series]:
        declare_check(check.__name__, code, message)

        @functools.wraps(check)
        def whole_column(series: pd.Series, **stats: object) -> pd.Series:
            ok = check(series, **stats)
            array = arrow(series)
            if array.null_count:
                empty = array.is_null().to_numpy(zero_copy_only=False)
                ok = ok | pd.Series(empty, index=series.index)
            return ok

        register_check_method(statistics=statistics or [], check_type="vectorized")(
            whole_column
        )
        return check

    return register


# pandera's own checks, as the models use them.
declare_check(
    "not_nullable",
    "missing-value",
    "a value is required here",
)
declare_check(
    "isin",
    "unknown-value",
    "{value} is not one of: {allowed}{hint}",
)


@functools.cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-3 codes, current and historic (e.g. SUN for the Soviet Union)."""
    current = {c.alpha_3 for c in pycountry.countries}
    historic = {
        c.alpha_3 for c in pycountry.historic_countries if hasattr(c, "alpha_3")
    }
    return frozenset(current | historic)


@functools.cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 two-letter language codes."""
    return frozenset(
        lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")
    )


@functools.cache
def unit_codes() -> frozenset[str]:
    """ISO 4217 currency codes plus the physical units the model allows."""
    return frozenset(
        {c.alpha_3 for c in pycountry.currencies} | set(NON_CURRENCY_UNITS)
    )


def _mask(
    series: pd.Series, result: pa.Array | pa.ChunkedArray | np.ndarray
) -> pd.Series:
    if not isinstance(result, np.ndarray):
        result = pc.fill_null(result, False).to_numpy(zero_copy_only=False)
    return pd.Series(result, index=series.index, dtype=bool)


def explode(series: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """Split a column of `|`-lists: every element, and the position of its row
    (worked out once per column: the list checks and the references share it)."""
    return memoised("explode", arrow(series), _explode, checks_only=True)


def _explode(array: pa.Array) -> tuple[pa.Array, np.ndarray]:
    lists = split_lists(array)
    values = pc.list_flatten(lists)
    return values, pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)


def _rows_all(
    series: pd.Series, element_ok: np.ndarray, positions: np.ndarray
) -> pd.Series:
    bad = np.bincount(positions, weights=~element_ok, minlength=len(series)) > 0
    return pd.Series(~bad, index=series.index)


def slug_array(array: pa.Array) -> np.ndarray:
    """True where a cell is an ID (`SLUG_PATTERN`, at most `SLUG_MAX` characters)."""
    return memoised("slug", array, _slug_array, checks_only=True)


_HYPHEN = ord("-")


# Which byte values an ID may hold: a-z, 0-9 and the hyphen.
_SLUG_BYTE = np.zeros(256, dtype=bool)
_SLUG_BYTE[np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789-", np.uint8)] = True


def _plain_slug_bytes(body: np.ndarray) -> bool:
    """Whether every byte is a-z, 0-9 or a hyphen, and no two hyphens are
    neighbours: one look-up per byte, then one comparison whose pairs are
    written back into its own array (numpy buffers the overlap)."""
    if not _SLUG_BYTE[body].all():
        return False
    hyphen = np.equal(body, _HYPHEN)
    return not np.logical_and(hyphen[1:], hyphen[:-1], out=hyphen[1:]).any()


def _slug_array(array: pa.Array) -> np.ndarray:
    # A column of IDs is all a-z, 0-9 and single hyphens: then only each cell's
    # length and ends need looking at, straight from Arrow's buffers. Any other
    # byte, or two hyphens together anywhere, and the pattern itself is matched.
    offsets, data = utf8_buffers(array)
    body = data[offsets[0] : offsets[-1]]
    if not _plain_slug_bytes(body):
        length = pc.fill_null(pc.utf8_length(array), 0).to_numpy(zero_copy_only=False)
        ok: np.ndarray = matches(array, SLUG_PATTERN) & (length <= SLUG_MAX)
        return ok
    length = np.diff(offsets)
    filled = length > 0  # an empty cell has no bytes (and is no ID)
    if array.null_count:
        filled &= array.is_valid().to_numpy(zero_copy_only=False)
    first = data[np.where(filled, offsets[:-1], 0)]
    last = data[np.where(filled, offsets[1:] - 1, 0)]
    ids: np.ndarray = (
        filled & (length <= SLUG_MAX) & (first != _HYPHEN) & (last != _HYPHEN)
    )
    return ids


def is_slug(series: pd.Series) -> pd.Series:
    return _mask(series, slug_array(arrow(series)))


def is_partial_date(series: pd.Series) -> pd.Series:
    """True where a cell is YYYY, YYYY-MM or YYYY-MM-DD and names a real calendar date."""
    return _mask(series, date_parts(arrow(series))[0])


@cell_check(
    "invalid-id",
    "{value} is not a valid ID: use lowercase letters a-z, digits and "
    "single hyphens, at most 80 characters (e.g. "
    "2026-01-03-usa-captures-maduro)",
    statistics=["maxlen"],
)
def slug(series: pd.Series, *, maxlen: int) -> pd.Series:
    return is_slug(series)


@cell_check(
    "invalid-id",
    "{value} is not a |-separated list of IDs: each item is lowercase "
    "letters, digits and single hyphens, with no empty items or spaces "
    "(`allyledger fmt` removes spaces around | and empty items)",
)
def slug_list(series: pd.Series) -> pd.Series:
    values, positions = explode(series)
    return _rows_all(series, slug_array(values), positions)


@cell_check(
    "unknown-value",
    "{value} has an item that is not one of: {allowed}",
    statistics=["allowed"],
)
def enum_list(series: pd.Series, *, allowed: list[str]) -> pd.Series:
    values, positions = explode(series)
    ok = pc.is_in(values, value_set=pa.array(allowed, values.type))
    return _rows_all(series, ok.to_numpy(zero_copy_only=False), positions)


@cell_check("duplicate-value", "{value} is already used on line {first}")
def distinct(series: pd.Series) -> pd.Series:
    """True where a cell's value is on no other row. Each value is compared with
    its neighbours in sorted order; a column already sorted (as `fmt` keeps every
    table's key) is not sorted again. Every row of a repeated value fails; the
    report names each one after the first."""
    array = arrow(series)
    ok = np.ones(len(array), dtype=bool)
    if len(array) < 2:
        return pd.Series(ok, index=series.index)
    order = sort_order(array)
    ranked = array if order is None else array.take(order)
    same = pc.fill_null(pc.equal(ranked[:-1], ranked[1:]), False)
    same = np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)
    repeated = np.zeros(len(array), dtype=bool)
    repeated[:-1] |= same
    repeated[1:] |= same
    if order is None:
        ok[repeated] = False
    else:
        ok[order.to_numpy()[repeated]] = False
    return pd.Series(ok, index=series.index)


@cell_check(
    "duplicate-item",
    "{value} lists the same item more than once; `allyledger fmt` drops the repeats",
)
def list_unique(series: pd.Series) -> pd.Series:
    values, positions = explode(series)
    ok = np.ones(len(series), dtype=bool)
    if len(positions) < 2:
        return pd.Series(ok, index=series.index)
    longest = int(np.bincount(positions).max())
    if longest <= _SHORT_LISTS:
        # Short lists: compare each item with the next few of its own row.
        for step in range(1, longest):
            same_row = positions[:-step] == positions[step:]
            equal = pc.fill_null(pc.equal(values[:-step], values[step:]), False)
            repeat = same_row & equal.to_numpy(zero_copy_only=False)
            ok[positions[:-step][repeat]] = False
        return pd.Series(ok, index=series.index)
    codes = pc.dictionary_encode(values).indices.to_numpy(zero_copy_only=False)
    keys = np.sort((positions.astype(np.int64) << 32) | codes.astype(np.int64))
    repeated = np.unique(keys[1:][keys[1:] == keys[:-1]] >> 32)
    ok[repeated] = False
    return pd.Series(ok, index=series.index)


# Up to this many items a row, `list_unique` compares neighbours instead of hashing.
_SHORT_LISTS = 8


@cell_check(
    "invalid-date",
    "{value} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date)",
)
def partial_date(series: pd.Series) -> pd.Series:
    return is_partial_date(series)


@cell_check(
    "invalid-date",
    "{value} is not a full date (use YYYY-MM-DD)",
)
def full_date(series: pd.Series) -> pd.Series:
    ok, _, _, _, length = date_parts(arrow(series))
    return _mask(series, ok & (length == 10))


def _nfc(array: pa.Array) -> np.ndarray:
    """True where a cell is in NFC. ASCII text always is; the other cells are asked of
    the standard library's `unicodedata.is_normalized`, one by one."""
    ok = np.ones(len(array), dtype=bool)
    ascii_only = pc.fill_null(pc.string_is_ascii(array), True).to_numpy(
        zero_copy_only=False
    )
    wide = np.flatnonzero(~ascii_only)
    if len(wide):
        cells = array.take(pa.array(wide)).to_pylist()
        ok[wide] = [unicodedata.is_normalized("NFC", cell) for cell in cells]
    return ok


def _trimmed(array: pa.Array) -> np.ndarray:
    same = pc.and_(
        pc.equal(pc.utf8_trim_whitespace(array), array),
        pc.greater(pc.utf8_length(array), 0),
    )
    return np.asarray(
        pc.fill_null(same, True).to_numpy(zero_copy_only=False), dtype=bool
    )


def _has(array: pa.Array, pattern: str) -> np.ndarray:
    found = pc.match_substring_regex(array, pattern)
    return np.asarray(
        pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool
    )


# Text that passes every text rule matches none of these; a cell that matches one is
# looked at by each rule's own exact test. One pass over a column then serves the five
# text rules (most cells of a valid table match nothing).
_EDGE = r"[^\pL\pM\pN\pP\pS]"  # whitespace, controls, format characters...


@functools.cache
def _suspect_pattern() -> str:
    return "|".join(
        [
            "^$",
            CONTROL_RE,
            INVISIBLE_RE,
            FORMULA_RE,
            f"^{_EDGE}",
            f"{_EDGE}$",
            unsafe_class(),  # what can make text not NFC (`allyledger.nfc`)
        ]
    )


def _suspects(array: pa.Array) -> np.ndarray:
    """Positions of the cells any text rule must look at closely."""
    return np.flatnonzero(_has(array, _suspect_pattern()))


def _closely(array: pa.Array, rule: Callable[[pa.Array], np.ndarray]) -> np.ndarray:
    """`rule` over the column, run only on the cells `_suspects` names (the other
    cells pass every text rule)."""
    ok = np.ones(len(array), dtype=bool)
    suspects = memoised("text-suspects", array, _suspects, checks_only=True)
    if len(suspects):
        ok[suspects] = rule(array.take(pa.array(suspects)))
    return ok


def _text_ok(array: pa.Array) -> np.ndarray:
    ok: np.ndarray = (
        _nfc(array)
        & _trimmed(array)
        & ~_has(array, CONTROL_RE)
        & ~_has(array, FORMULA_RE)
        & ~_has(array, INVISIBLE_RE)
    )
    return ok


@cell_check(
    "not-nfc",
    "{value} is not in Unicode NFC form; retype the accented letters or "
    "run `allyledger fmt`",
)
def nfc(series: pd.Series) -> pd.Series:
    return _mask(series, _closely(arrow(series), _nfc))


@cell_check(
    "untrimmed-text",
    "{value} has leading or trailing spaces; remove them (or run `allyledger fmt`)",
)
def trimmed(series: pd.Series) -> pd.Series:
    return _mask(series, _closely(arrow(series), _trimmed))


@cell_check(
    "control-character",
    "{value} contains a control character (tab, line break or similar); remove it",
)
def no_control(series: pd.Series) -> pd.Series:
    return _mask(series, _closely(arrow(series), lambda a: ~_has(a, CONTROL_RE)))


@cell_check(
    "formula-like-text",
    "{value} begins like a spreadsheet formula (=, +, - or @ then a letter "
    "or digit); reword it",
)
def no_formula(series: pd.Series) -> pd.Series:
    return _mask(series, _closely(arrow(series), lambda a: ~_has(a, FORMULA_RE)))


@cell_check(
    "invisible-character",
    "{value} contains an invisible character (a bidirectional control or a "
    "zero-width character, shown escaped) that can hide or reorder text; "
    "delete it",
)
def no_invisible(series: pd.Series) -> pd.Series:
    return _mask(series, _closely(arrow(series), lambda a: ~_has(a, INVISIBLE_RE)))


@cell_check(
    "too-long",
    "{value} is {length} characters long; {column} holds at most {limit} "
    "characters: shorten it",
    statistics=["limit"],
)
def max_chars(series: pd.Series, *, limit: int) -> pd.Series:
    length = pc.fill_null(pc.utf8_length(arrow(series)), 0)
    return _mask(series, pc.less_equal(length, limit))


@cell_check(
    "invalid-text",
    "{value} has an item that is empty, untrimmed, not NFC, contains a "
    "control or invisible character or begins like a formula (`allyledger "
    "fmt` trims items, normalises them and drops empty ones)",
)
def text_list(series: pd.Series) -> pd.Series:
    values, positions = explode(series)
    return _rows_all(series, _closely(values, _text_ok), positions)


def _in(series: pd.Series, allowed: frozenset[str]) -> pd.Series:
    array = arrow(series)
    return _mask(
        series, pc.is_in(array, value_set=pa.array(sorted(allowed), array.type))
    )


@cell_check(
    "unknown-country",
    "{value} is not an ISO 3166-1 alpha-3 country code (capitals, e.g. RUS, VEN)",
)
def iso_country(series: pd.Series) -> pd.Series:
    return _in(series, country_codes())


@cell_check(
    "unknown-language",
    "{value} is not an ISO 639-1 language code (two lowercase letters, "
    "e.g. en, ru, es)",
)
def iso_language(series: pd.Series) -> pd.Series:
    return _in(series, language_codes())


@cell_check(
    "unknown-unit",
    "{value} is not a unit: use an ISO 4217 currency code (e.g. USD, RUB) "
    "or one of units, personnel, barrels, tonnes",
)
def unit_code(series: pd.Series) -> pd.Series:
    return _in(series, unit_codes())


@cell_check(
    "invalid-wikidata-id",
    "{value} is not a Wikidata item ID (Q followed by digits, e.g. Q159)",
)
def wikidata_qid(series: pd.Series) -> pd.Series:
    return _mask(series, matches(arrow(series), WIKIDATA_PATTERN))


@cell_check(
    "invalid-state-number",
    "{value} is not a state number (a whole number from 1 to 9999, e.g. 365)",
)
def state_number(series: pd.Series) -> pd.Series:
    return _mask(series, matches(arrow(series), STATE_NUMBER_PATTERN))


@cell_check(
    "invalid-url",
    "{value} is not an http:// or https:// address of a web page",
)
def http_url(series: pd.Series) -> pd.Series:
    return _mask(series, matches(arrow(series), URL_PATTERN))


@cell_check(
    "invalid-number",
    "{value} is not a finite number of at least 0 (digits with an optional "
    ". decimal part, no thousands separators or units)",
)
def non_negative_number(series: pd.Series) -> pd.Series:
    array = arrow(series)
    shape = matches(array, NUMBER_PATTERN)
    text = pc.if_else(pa.array(shape), array, "0")
    with np.errstate(over="ignore"):
        value = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    # 1e309 has the shape of a number but is no finite one.
    return _mask(series, shape & np.isfinite(value))


def period_bounds(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each partial date, as datetime64[D] arrays (NaT if invalid);
    the rule itself is `PartialDate.bounds`."""
    return PARTIAL_DATE.text_bounds(arrow(series))
