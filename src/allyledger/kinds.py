"""Kinds of value: one small class per kind owns what that kind means.

A column's kind (an ID, text, a list, a partial date, a code, a number, an enum) is
an object, not a string compared in many places. It owns its Arrow type and the
conversion of validated CSV text into it (for `build`), its Frictionless Table Schema
type, its codebook label, its canonical text (for `fmt`) and, for partial dates, the
one rule for the period a date stands for. Loops that need a kind ask it.

The single-cell checks themselves are pandera checks in `schemas/_fields.py`, which
the field builders attach by kind.

Plumbing: this module imports nothing of pandera or click.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allyledger.vocab import PRECISIONS

if TYPE_CHECKING:
    from allyledger.schemas import Field

T = TypeVar("T")

LIST_SEPARATOR = "|"
SLUG_MAX = 80
TEXT_CHECKS = (
    "nfc",
    "trimmed",
    "no_control",
    "no_formula",
    "no_invisible",
    "max_chars",
)
PARTIAL_DATE_PATTERN = r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?"
ENUM_INDEX = pa.int16()
PRECISION_WIDTH = {"year": 4, "month": 7, "day": 10}


def arrow(series: pd.Series) -> pa.Array:
    """The column as one Arrow string array (zero-copy for Arrow-backed strings);
    a derived table's list column, held as its lists (`ListKind`), as those lists."""
    array = pa.array(series, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        # A single chunk is taken as it is (no copy); more are joined.
        array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    if pa.types.is_list(array.type):
        return array
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    return array


def matches(array: pa.Array, pattern: str) -> np.ndarray:
    """Full match of a RE2 pattern, as a numpy bool array (null -> False)."""
    found = pc.match_substring_regex(array, f"^(?:{pattern})$")
    return np.asarray(
        pc.fill_null(found, False).to_numpy(zero_copy_only=False), dtype=bool
    )


Parts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
# What was last worked out of a few columns, by purpose and the identity of the
# column's buffers: validation's rules, the build and the outcomes all read the same
# columns, and each column is parsed (or scanned) once. Each entry holds its arrays,
# so their buffers (and with them the key) cannot be freed and reused while it lives.
_MEMO: OrderedDict[tuple[object, ...], tuple[tuple[pa.Array, Any], Any, bool]] = (
    OrderedDict()
)
_MEMO_LOCK = threading.Lock()
_MEMO_KEPT = 64


def _identity(array: pa.Array) -> tuple[object, ...]:
    return (
        str(array.type),
        len(array),
        array.offset,
        *(0 if b is None else (b.address, b.size) for b in array.buffers()),
    )


def memoised(
    purpose: str,
    array: pa.Array,
    compute: Callable[[pa.Array], T],
    *,
    given: pa.Array | None = None,
    checks_only: bool = False,
) -> T:
    """`compute(array)`, worked out once per column and purpose (and per `given`
    column, when the result depends on a second one). What it returns must not be
    changed by callers (numpy results are made read-only). `checks_only` marks what
    only validation uses: `forget_checks` drops it once validation is done."""
    key = _key(purpose, array, given)
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
        if hit is not None:
            _MEMO.move_to_end(key)
            return cast(T, hit[1])
    value = compute(array)
    _store(key, (array, given), value, checks_only)
    return value


def _key(purpose: str, array: pa.Array, given: pa.Array | None) -> tuple[object, ...]:
    key = (purpose, *_identity(array))
    return key if given is None else (*key, *_identity(given))


def _store(
    key: tuple[object, ...], arrays: tuple[pa.Array, Any], value: Any, checks_only: bool
) -> None:
    for part in value if isinstance(value, tuple) else (value,):
        if isinstance(part, np.ndarray):
            part.setflags(write=False)
    with _MEMO_LOCK:
        _MEMO[key] = (arrays, value, checks_only)
        while len(_MEMO) > _MEMO_KEPT:
            _MEMO.popitem(last=False)


def forget(arrays: list[pa.Array]) -> None:
    """Drop what was worked out of any of `arrays` (a column no one will look at
    again), so that it, and the column it holds, can go."""
    ids = {_identity(a) for a in arrays}
    with _MEMO_LOCK:
        for key, entry in list(_MEMO.items()):
            if any(a is not None and _identity(a) in ids for a in entry[0]):
                del _MEMO[key]


def forget_checks() -> None:
    """Drop what was worked out only for validation (`memoised(checks_only=True)`),
    so the arrays it held can go; what the build reuses (parsed dates) stays."""
    with _MEMO_LOCK:
        for key in [k for k, entry in _MEMO.items() if entry[2]]:
            del _MEMO[key]


def date_parts(array: pa.Array) -> Parts:
    """(valid, year, month, day, length) of partial dates; invalid cells get
    2000-01-01. Read-only arrays, shared by every caller (`memoised`)."""
    return memoised("date-parts", array, _date_parts)


def day_keys(array: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(valid, first, last) of each partial date as YYYYMMDD integers, which order as
    the days do: for comparing periods without making dates. `last` gives a month
    day 31 whatever its length, which no real day of that month is after, so every
    comparison with a real date comes out as with the month's true last day."""
    ok, year, month, day, length = date_parts(array)
    first = year.astype(np.int64) * 10000 + month * 100 + day
    last = (
        year.astype(np.int64) * 10000
        + np.where(length == 4, 12, month) * 100
        + np.where(length == 10, day, 31)
    )
    return ok, first, last


def _date_parts(array: pa.Array) -> Parts:
    # Read straight from Arrow's buffers: YYYY, YYYY-MM or YYYY-MM-DD is 4, 7 or
    # 10 bytes with digits and hyphens in set places (PARTIAL_DATE_PATTERN).
    offsets, data = utf8_buffers(array)
    size = np.diff(offsets)
    shaped = np.isin(size, (4, 7, 10))
    if array.null_count:
        shaped &= array.is_valid().to_numpy(zero_copy_only=False)
    start = np.where(shaped, offsets[:-1], 0)
    last = len(data) - 1

    def byte(at: int) -> np.ndarray:
        values: np.ndarray = data[np.minimum(start + at, last)].astype(np.int32)
        return values

    def digits(first: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        value = np.zeros(len(size), dtype=np.int32)
        ok = np.ones(len(size), dtype=bool)
        for at in range(first, first + count):
            digit = byte(at) - ord("0")
            ok &= (digit >= 0) & (digit <= 9)
            value = value * 10 + digit
        return ok, value

    year_ok, year = digits(0, 4)
    month_ok, month = digits(5, 2)
    day_ok, day = digits(8, 2)
    has_month, has_day = size >= 7, size == 10
    hyphens = (~has_month | (byte(4) == ord("-"))) & (~has_day | (byte(7) == ord("-")))
    shape = shaped & year_ok & hyphens & (~has_month | month_ok) & (~has_day | day_ok)
    year = np.where(shape, year, 2000).astype(np.int32)
    month = np.where(shape & has_month, month, 1).astype(np.int32)
    day = np.where(shape & has_day, day, 1).astype(np.int32)
    length = np.where(shape, size, 10).astype(np.int64)
    dim = month_length(year, month)
    ok = shape & (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= dim)
    return ok, year, month, day, length


def utf8_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The offsets (one more than the cells) and the bytes of a string array."""
    wide = pa.types.is_large_string(array.type)
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64 if wide else np.int32)
    offsets = offsets[array.offset : array.offset + len(array) + 1].astype(np.int64)
    data = (
        np.zeros(1, dtype=np.uint8)
        if data_buffer is None or data_buffer.size == 0
        else np.frombuffer(data_buffer, dtype=np.uint8)
    )
    return offsets, data


# datetime64's "not a time", as the int64 under it
NAT = np.datetime64("NaT", "D").view(np.int64)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def month_length(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    """Days in each month (1-12) of each year, leap Februaries included (0 for a
    month out of range)."""
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    length: np.ndarray = _MONTH_DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    return length


def days_from_civil(year: Any, month: Any, day: Any) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates, as int64: integer
    arithmetic on whole columns (H. Hinnant's `days_from_civil`), where numpy's
    datetime64 casts between units go a value at a time."""
    y = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    m = np.asarray(month, dtype=np.int64)
    era = y // 400
    of_era = y - era * 400
    of_year = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + np.asarray(day) - 1
    of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    days: np.ndarray = era * 146097 + of_cycle - 719468
    return days


def civil_from_days(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month, day) of each count of days since 1970-01-01: the inverse of
    `days_from_civil`."""
    z = np.asarray(days, dtype=np.int64) + 719468
    era = z // 146097
    of_cycle = z - era * 146097
    of_era = (
        of_cycle - of_cycle // 1460 + of_cycle // 36524 - of_cycle // 146096
    ) // 365
    of_year = of_cycle - (365 * of_era + of_era // 4 - of_era // 100)
    shifted = (5 * of_year + 2) // 153
    day = of_year - (153 * shifted + 2) // 5 + 1
    month = np.where(shifted < 10, shifted + 3, shifted - 9)
    year = of_era + era * 400 + (month <= 2)
    return year, month, day


def positions(values: pa.Array, keys: pa.Array) -> np.ndarray:
    """The row of `keys` holding each of `values` (the first, for a repeated key),
    as int32; -1 where a value is absent or null. Worked out once per column and
    keys (`memoised`): the reference, reply and relationship rules and the
    derived tables' joins share it."""

    def find(values: pa.Array) -> np.ndarray:
        found = pc.index_in(values, value_set=keys.cast(values.type), skip_nulls=True)
        rows: np.ndarray = pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
        return rows

    return memoised("places", values, find, given=keys)


def known_positions(values: pa.Array, keys: pa.Array, rows: np.ndarray) -> None:
    """Record `rows` as `positions(values, keys)`, for a derivation that made
    `keys` from `values` and so knows where each one went without looking."""
    rows = np.asarray(rows, dtype=np.int32)
    _store(_key("places", values, keys), (values, keys), rows, False)


def ascending(keys: pa.Array) -> bool:
    """Whether `keys` (no nulls) are already in order, so sorting would keep every
    row where it is: one comparison of neighbours instead of a sort."""
    if keys.null_count:
        return False
    if len(keys) < 2:
        return True
    return bool(pc.all(pc.less_equal(keys[:-1], keys[1:])).as_py())


def sort_order(keys: pa.Array) -> pa.Array | None:
    """The rows of `keys` in ascending order (`pc.sort_indices`, nulls last), or
    None when they are in that order already (as `fmt` keeps every table)."""
    return None if ascending(keys) else pc.sort_indices(keys)


def take_at(values: pa.Array, rows: np.ndarray) -> pa.Array:
    """`values` at each of `rows` (`positions`), null where a row is -1."""
    missing = rows < 0
    at = pa.array(np.where(missing, 0, rows), mask=missing if missing.any() else None)
    return values.take(at)


def split_lists(array: pa.Array) -> pa.ListArray:
    """Each `|`-list of a string column as a list<string> (a null cell gives a null
    list, an empty one a list of one empty item), as `pc.split_pattern` splits it.
    Worked out once per column (`memoised`): the list checks, the references, the
    build and events_flat share it."""
    return memoised("lists", array, _split_lists)


def _split_lists(array: pa.Array) -> pa.ListArray:
    lists = pc.split_pattern(array, LIST_SEPARATOR)
    return cast(pa.ListArray, lists.cast(pa.list_(pa.string())))


def enum_array(values: pa.Array, vocab: list[str]) -> pa.Array:
    """Dictionary array whose dictionary is the whole vocabulary, in schema order."""
    dictionary = pa.array(vocab, pa.string())
    indices = pc.index_in(values, value_set=dictionary.cast(values.type))
    return pa.DictionaryArray.from_arrays(indices.cast(ENUM_INDEX), dictionary)


def _meta(text: str) -> dict[bytes, bytes]:
    return {b"description": text.encode()}


class Kind:
    """A kind of value; subclasses say what differs."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = "text"
    arrow_type: ClassVar[pa.DataType] = pa.string()
    is_list: ClassVar[bool] = False
    # Table Schema type of the CSV cell and of the typed Parquet column
    csv_type: ClassVar[str] = "string"
    typed_type: ClassVar[str] = "string"
    # what a column's description adds in the CSV and the typed form
    csv_note: ClassVar[str] = ""
    typed_note: ClassVar[str] = ""
    # whether the example (written as CSV text) also shows the typed value
    typed_example: ClassVar[bool] = True

    def __init__(
        self, name: str, label: str | None = None, checks: tuple[str, ...] = ()
    ) -> None:
        self.name = name  # type: ignore[misc]
        if label is not None:
            self.label = label  # type: ignore[misc]
        self.check_names = checks

    def checks(
        self, *, max_length: int | None = None, vocab: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """The single-cell checks a column of this kind runs (pandera check names,
        implemented in `schemas/_checks.py`) with their arguments."""
        out: dict[str, Any] = {}
        for name in self.check_names:
            if name == "max_chars":
                if max_length is not None:
                    out[name] = {"limit": max_length}
            elif name == "slug":
                out[name] = {"maxlen": SLUG_MAX}
            elif name == "enum_list":
                out[name] = {"allowed": list(vocab or {})}
            elif name == "isin":  # pandera's own check of a closed vocabulary
                out[name] = list(vocab or {})
            else:
                out[name] = ()
        return out

    @property
    def whole_column(self) -> bool:
        """Whether the column's checks are given every cell, empty ones included:
        ours are, and pass those cells (`schemas/_checks.cell_check`); pandera
        would otherwise copy the column without them for every check, and nothing
        worked out of it could be shared. pandera's own `isin` is not."""
        return "isin" not in self.check_names

    def __repr__(self) -> str:
        return f"<kind {self.name}>"

    def describe(self, field: Field) -> str:
        """The codebook label of a column of this kind."""
        return self.label.format(ref=field.references)

    def arrow_fields(self, field: Field) -> list[pa.Field]:
        """The Parquet column(s) a field of this kind becomes."""
        meta = _meta(field.description)
        return [
            pa.field(
                field.name, self.arrow_type, nullable=not field.required, metadata=meta
            )
        ]

    def to_arrow(self, field: Field, text: pa.Array) -> list[pa.Array]:
        """Validated CSV text -> the typed column(s) of `arrow_fields`."""
        return [text.cast(pa.string())]

    def to_text(
        self, column: pa.ChunkedArray, precision: pa.ChunkedArray | None = None
    ) -> list[str | None]:
        """A typed Parquet column back to the text of its CSV cells (for `diff`)."""
        return list(column.cast(pa.string()).to_pylist())

    def canonical(self, field: Field, value: str) -> str:
        """The canonical text of one non-empty cell (`fmt`)."""
        return unicodedata.normalize("NFC", value).strip()

    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        """Kind-specific Table Schema constraints (pattern, minimum, enum…)."""
        return {"pattern": field.pattern} if field.pattern else {}

    def typed_extras(self, field: Field) -> dict[str, Any]:
        """Extra keys of the typed Table Schema field (e.g. the Arrow type)."""
        return {}

    def companions(self, field: Field) -> list[dict[str, Any]]:
        """Further typed Table Schema fields this column brings (a precision)."""
        return []


class Enum(Kind):
    arrow_type = pa.dictionary(ENUM_INDEX, pa.string())

    def to_arrow(self, field: Field, text: pa.Array) -> list[pa.Array]:
        return [enum_array(text, list(field.vocab or {}))]

    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        return {"enum": list(field.vocab or {})}


class ListKind(Kind):
    """A |-separated list in CSV, `list<string>` in Parquet."""

    arrow_type = pa.list_(pa.string())
    is_list = True
    typed_type = "any"  # frictionless rejects numpy arrays as "array"
    csv_note = " Items are separated by |."
    typed_note = " A list of strings."
    typed_example = False

    def typed_extras(self, field: Field) -> dict[str, Any]:
        return {"x-arrow-type": "list<string>"}

    def to_text(
        self, column: pa.ChunkedArray, precision: pa.ChunkedArray | None = None
    ) -> list[str | None]:
        return list(pc.binary_join(column, LIST_SEPARATOR).to_pylist())

    def to_arrow(self, field: Field, text: pa.Array) -> list[pa.Array]:
        # A derived table may hold a list column as the lists it would split into.
        return [text if pa.types.is_list(text.type) else split_lists(text)]

    def canonical(self, field: Field, value: str) -> str:
        items: list[str] = []
        for item in super().canonical(field, value).split(LIST_SEPARATOR):
            item = item.strip()
            if item and item not in items:
                items.append(item)
        if field.sortable:
            items.sort()
        return LIST_SEPARATOR.join(items)

    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        return {}


class IdList(ListKind):
    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        if typed:
            return {}
        return {"pattern": r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:\|[a-z0-9]+(?:-[a-z0-9]+)*)*$"}


class EnumList(ListKind):
    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        if typed or not field.vocab:
            return {}
        alt = "|".join(field.vocab)
        return {"pattern": rf"^(?:{alt})(?:\|(?:{alt}))*$"}


class Number(Kind):
    arrow_type = pa.float64()
    csv_type = typed_type = "number"
    label = "number ≥ 0"

    def to_arrow(self, field: Field, text: pa.Array) -> list[pa.Array]:
        return [pc.cast(text, pa.float64())]

    def to_text(
        self, column: pa.ChunkedArray, precision: pa.ChunkedArray | None = None
    ) -> list[str | None]:
        """As Python prints a float, so a CSV's `2` and Parquet's 2.0 compare equal."""
        return [None if v is None else repr(float(v)) for v in column.to_pylist()]

    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        return {"minimum": 0}


class Integer(Kind):
    """A whole number, int32 in Parquet. The plain `integer` kind is for derived
    tables (built, never typed into a CSV), so it carries no cell checks; the
    `state_number` kind, typed into a CSV, checks its digits."""

    arrow_type = pa.int32()
    csv_type = typed_type = "integer"
    label = "whole number"

    def to_arrow(self, field: Field, text: pa.Array) -> list[pa.Array]:
        return [pc.cast(text, pa.int32())]

    def to_text(
        self, column: pa.ChunkedArray, precision: pa.ChunkedArray | None = None
    ) -> list[str | None]:
        return [None if v is None else str(int(v)) for v in column.to_pylist()]

    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        return {}


class Boolean(Kind):
    """true or false, bool in Parquet (derived tables only, like `Integer`)."""

    arrow_type = pa.bool_()
    csv_type = typed_type = "boolean"
    label = "true or false"

    def to_arrow(self, field: Field, text: pa.Array) -> list[pa.Array]:
        return [pc.equal(text, "true")]

    def to_text(
        self, column: pa.ChunkedArray, precision: pa.ChunkedArray | None = None
    ) -> list[str | None]:
        return [
            None if v is None else ("true" if v else "false")
            for v in column.to_pylist()
        ]

    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        return {}


class Date(Kind):
    """A full date YYYY-MM-DD: date32 in Parquet."""

    arrow_type = pa.date32()
    csv_type = typed_type = "date"

    def to_arrow(self, field: Field, text: pa.Array) -> list[pa.Array]:
        start, _, _ = PartialDate.parse(text)
        return [pa.array(start, pa.date32(), from_pandas=True)]

    def to_text(
        self, column: pa.ChunkedArray, precision: pa.ChunkedArray | None = None
    ) -> list[str | None]:
        """The date at its precision: `2013`, `2013-06` or `2013-06-14`."""
        text = pc.strftime(column, "%Y-%m-%d").to_pylist()
        if precision is None:
            return list(text)
        widths = precision.cast(pa.string()).to_pylist()
        return [
            t[: PRECISION_WIDTH[p]] if t is not None and p is not None else t
            for t, p in zip(text, widths, strict=True)
        ]

    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        return {} if typed else super().constraints(field, typed=typed)


class PartialDate(Date):
    """A date at the precision known (YYYY, YYYY-MM or YYYY-MM-DD): in Parquet, the
    first day of the period (date32), `<name>_end`, its last day (date32), and
    `<name>_precision` (year, month or day). A filter on a period then compares
    both ends and never counts `2024-06` as 1 June."""

    csv_type = "string"
    typed_note = (
        " The first day of the period; see the _end column for its last day and the"
        " _precision column."
    )
    typed_example = False

    def companions(self, field: Field) -> list[dict[str, Any]]:
        end: dict[str, Any] = {
            "name": f"{field.name}_end",
            "type": "date",
            "description": (
                f"The last day of the period {field.name} stands for: 31 December for "
                "a year, the month's last day for a month, the day itself for a day."
            ),
        }
        precision: dict[str, Any] = {
            "name": f"{field.name}_precision",
            "type": "string",
            "description": f"How precisely {field.name} is known.",
            "constraints": {"enum": list(PRECISIONS)},
            "x-meanings": dict(PRECISIONS),
        }
        if field.required:
            precision["constraints"]["required"] = True
            end["constraints"] = {"required": True}
        return [end, precision]

    def arrow_fields(self, field: Field) -> list[pa.Field]:
        end = pa.field(
            f"{field.name}_end",
            pa.date32(),
            nullable=not field.required,
            metadata=_meta(f"The last day of the period {field.name} stands for."),
        )
        precision = pa.field(
            f"{field.name}_precision",
            pa.dictionary(ENUM_INDEX, pa.string()),
            nullable=not field.required,
            metadata=_meta(f"How precisely {field.name} is known: year, month or day."),
        )
        return [*super().arrow_fields(field), end, precision]

    def to_arrow(self, field: Field, text: pa.Array) -> list[pa.Array]:
        start, code, ok = self.parse(text)
        indices = pa.array(code.astype(np.int16), ENUM_INDEX, mask=~ok)
        precision = pa.DictionaryArray.from_arrays(
            indices, pa.array(list(PRECISIONS), pa.string())
        )
        _, end = self.text_bounds(text)
        return [
            pa.array(start, pa.date32(), from_pandas=True),
            pa.array(
                np.where(ok, end, np.datetime64("NaT", "D")),
                pa.date32(),
                from_pandas=True,
            ),
            precision,
        ]

    @staticmethod
    def parse(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(first day as datetime64[D] or NaT, precision code, valid) of each partial
        date in `text`. The code is the position in `PRECISIONS` (0 year, 1 month,
        2 day), or -1 for an empty or invalid cell. Worked out once per column
        (`memoised`): read-only arrays."""
        return memoised("date-parse", text, PartialDate._parse)

    @staticmethod
    def _parse(text: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        ok, year, month, day, length = date_parts(text)
        start = np.where(ok, days_from_civil(year, month, day), NAT).view("M8[D]")
        code = np.where(length == 4, 0, np.where(length == 7, 1, 2)).astype(np.int8)
        return start, np.where(ok, code, np.int8(-1)), ok

    @staticmethod
    def bounds(
        start: np.ndarray, precision: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The one rule for the period a partial date stands for: its first and last
        day, as datetime64[D] arrays. A year spans 1 January to 31 December, a month
        the whole month, a day (or no precision) itself. `precision` holds names
        (`year`, `month`, `day`) or the codes `parse` gives."""
        start = np.asarray(start, dtype="datetime64[D]")
        precision = np.asarray(precision)
        if precision.dtype.kind in "iu":
            is_year, is_month = precision == 0, precision == 1
        else:
            names = precision.astype(object)
            is_year, is_month = names == "year", names == "month"
        days = start.view(np.int64)
        year, month, _ = civil_from_days(days)
        last_day = np.where(is_year, 31, month_length(year, month))
        end = days_from_civil(year, np.where(is_year, 12, month), last_day)
        end = np.where(is_year | is_month, end, days)
        return start, np.where(np.isnat(start), NAT, end).view("M8[D]")

    def text_bounds(self, text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """First and last day of each partial date written as text (NaT if invalid):
        worked out once per column (`memoised`), read-only arrays."""
        return memoised("date-bounds", text, self._text_bounds)

    def _text_bounds(self, text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        # As `bounds` of what `parse` gives, from the parts already read.
        start, _, ok = self.parse(text)
        _, year, month, day, length = date_parts(text)
        month = np.where(length == 4, 12, month)
        day = np.where(length == 10, day, month_length(year, month))
        end = np.where(ok, days_from_civil(year, month, day), NAT).view("M8[D]")
        return start, end

    def constraints(self, field: Field, *, typed: bool) -> dict[str, Any]:
        return {} if typed else Kind.constraints(self, field, typed=typed)


PARTIAL_DATE = PartialDate(
    "partial_date", "date: YYYY, YYYY-MM or YYYY-MM-DD", ("partial_date",)
)

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("id", "ID (lowercase slug)", ("slug",)),
        Kind("ref", "ID of a row in `{ref}`", ("slug",)),
        Kind(
            "slug",
            "ID (lowercase slug) of a row of the table named beside it",
            ("slug",),
        ),
        IdList("ref_list", "|-list of IDs in `{ref}`", ("slug_list", "list_unique")),
        Kind("text", "text", TEXT_CHECKS),
        ListKind(
            "text_list", "|-list of text", ("text_list", "list_unique", "max_chars")
        ),
        Enum("enum", "one value of a closed list", ("isin",)),
        EnumList(
            "enum_list",
            "|-list of values of a closed list",
            ("enum_list", "list_unique"),
        ),
        PARTIAL_DATE,
        Date("date", "date: YYYY-MM-DD", ("full_date",)),
        Kind("country", "ISO 3166-1 alpha-3 code", ("iso_country",)),
        Kind("language", "ISO 639-1 code", ("iso_language",)),
        Kind("wikidata", "Wikidata item (Q…)", ("wikidata_qid",)),
        Kind("url", "http(s) URL", ("http_url", "no_invisible", "max_chars")),
        Number("number", None, ("non_negative_number",)),
        Integer("integer"),
        Integer("state_number", "whole number from 1 to 9999", ("state_number",)),
        Boolean("boolean"),
        Kind(
            "unit", "ISO 4217 code or units, personnel, barrels, tonnes", ("unit_code",)
        ),
    )
}


def kind_of_arrow(data_type: pa.DataType) -> Kind:
    """The kind a typed Parquet column stands for, from its own Arrow type, so an
    edition made under another schema still reads back as text."""
    if pa.types.is_date(data_type):
        return PARTIAL_DATE
    if pa.types.is_list(data_type) or pa.types.is_large_list(data_type):
        return KINDS["text_list"]
    if pa.types.is_boolean(data_type):
        return KINDS["boolean"]
    if pa.types.is_integer(data_type):
        return KINDS["integer"]
    if pa.types.is_floating(data_type):
        return KINDS["number"]
    return KINDS["text"]


__all__ = [
    "KINDS",
    "kind_of_arrow",
    "LIST_SEPARATOR",
    "PARTIAL_DATE",
    "Kind",
    "PartialDate",
]
