"""The fast paths of the cell checks give exactly what the plain rule gives.

Each fast path (a shared prefilter for the text rules, IDs and dates read from Arrow's
buffers, repeated list items found among neighbours) is held here against a plain
Python statement of the same rule, over generated values.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allyledger import nfc
from allyledger.kinds import SLUG_MAX, date_parts
from allyledger.schemas import _checks as checks

# Characters every rule cares about, so generated text hits each path often.
TRICKY = (
    "aZ09 -=+@|.\t\n\r\x00\x7f\x85\xa0"
    "\u0301\u0308\u0327e\u00e9\u1e9b\u212b\u0958\u0915\u094d\u0937"
    "\u1100\u1161\u11a8\uac00\u200b\u200c\u200d\u202e\u2066\ufeff\u2028"
    "\u0628\u064e\u06cc\U0001d165\U0001d15e"
)
texts = st.lists(st.none() | st.text(alphabet=TRICKY, max_size=8), max_size=40)


def test_the_nfc_class_is_the_unicode_databases():
    """What ships (or is derived) for this Python is what its Unicode data says."""
    assert nfc.unsafe_ranges() == nfc.derive()


def test_text_without_a_listed_character_is_nfc():
    """The quick check's promise, for every code point outside the class: after
    each kind of starter that composes (Latin, Devanagari, Hangul L and LV, Arabic)
    it leaves the text in NFC."""
    unsafe = np.zeros(0x110000, dtype=bool)
    for lo, hi in nfc.unsafe_ranges():
        unsafe[lo : hi + 1] = True
    starters = ["A", "e", "\u0915", "\u1100", "\uac00", "\u0627"]
    failures = [
        f"U+{point:04X}"
        for point in np.flatnonzero(~unsafe)
        if not 0xD800 <= point < 0xE000
        for base in starters
        if not unicodedata.is_normalized("NFC", base + chr(point))
    ]
    assert failures == []


@settings(max_examples=300, deadline=None)
@given(texts)
def test_text_rules_with_the_prefilter_are_the_plain_rules(cells):
    array = pa.array(cells, pa.large_string())
    plain = {
        "nfc": checks._nfc,
        "trimmed": checks._trimmed,
        "control": lambda a: ~checks._has(a, checks.CONTROL_RE),
        "formula": lambda a: ~checks._has(a, checks.FORMULA_RE),
        "invisible": lambda a: ~checks._has(a, checks.INVISIBLE_RE),
        "all five (list items)": checks._text_ok,
    }
    for name, rule in plain.items():
        expected = rule(array) if len(array) else np.zeros(0, dtype=bool)
        got = checks._closely(array, rule)
        assert list(got) == list(expected), name


ids = st.lists(
    st.none() | st.text(alphabet="ab09-Z_é ", max_size=6) | st.just("a" * 81),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(ids)
def test_ids_read_from_the_buffers_are_the_pattern(cells):
    pattern = re.compile(checks.SLUG_PATTERN)
    expected = [
        c is not None and bool(pattern.fullmatch(c)) and len(c) <= SLUG_MAX
        for c in cells
    ]
    got = checks._slug_array(pa.array(cells, pa.large_string()))
    assert list(got) == expected


@pytest.mark.parametrize(
    "cells, expected",
    [
        (["a--b", "ab"], [False, True]),  # two hyphens inside a cell
        (["ab-", "-cd", "e-f"], [False, False, True]),  # across cells' ends
        (["ab", "c-d", "0-9-z"], [True, True, True]),  # the plain case
    ],
)
def test_ids_of_plain_bytes_with_hyphens_are_the_pattern(cells, expected):
    """Columns of nothing but a-z, 0-9 and hyphens, where only the hyphens decide."""
    assert list(checks._slug_array(pa.array(cells, pa.large_string()))) == expected


def _date(cell: str | None) -> tuple[bool, int, int, int]:
    if cell is None or not re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", cell):
        return False, 2000, 1, 1
    year, month, day = (int(p) for p in (cell + "-01-01").split("-")[:3])
    month = month if len(cell) >= 7 else 1
    day = day if len(cell) == 10 else 1
    real = 1 <= year and 1 <= month <= 12
    real = real and 1 <= day <= calendar.monthrange(year, month)[1]
    return real, year, month, day


dates = st.lists(
    st.none()
    | st.text(alphabet="0129-x", max_size=11)
    | st.dates().map(lambda d: d.isoformat()[: [4, 7, 10][d.day % 3]]),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(dates)
def test_dates_read_from_the_buffers_are_the_calendar(cells):
    array = pa.array(cells, pa.large_string())
    ok, year, month, day, length = date_parts(array)
    for i, cell in enumerate(cells):
        real, y, m, d = _date(cell)
        assert bool(ok[i]) == real, cell
        if real:
            assert (year[i], month[i], day[i], length[i]) == (y, m, d, len(cell))


lists = st.lists(
    st.none()
    | st.lists(st.sampled_from(["a", "b", "c", "dd"]), min_size=1, max_size=12).map(
        "|".join
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(lists)
def test_repeated_list_items_are_found_in_short_and_long_lists(cells):
    series = pd.Series(cells, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    expected = [c is None or len(set(c.split("|"))) == len(c.split("|")) for c in cells]
    got = checks.list_unique(series) | series.isna()
    assert list(got) == expected


def _blank_line_reference(data: bytes) -> bool:
    """The rule in plain words: some empty line has more than whitespace after it."""
    return any(
        data[m.end() :].strip() for m in re.finditer(rb"(?=\n\r?\n)\n\r?\n", data)
    )


@settings(max_examples=1000, deadline=None)
@given(
    st.binary(max_size=40).map(lambda b: bytes(b"a\r\n \t"[x % 5] for x in b)),
    st.integers(min_value=1, max_value=8),
)
def test_empty_lines_found_from_the_line_feeds_are_the_rule(data, chunk):
    """Read a few bytes at a time (so that empty lines fall across the chunks'
    edges), the count and the empty-line rule are those of the whole file."""
    from allyledger.reading import line_feeds

    assert line_feeds(data, chunk) == (data.count(b"\n"), _blank_line_reference(data))
    assert line_feeds(data) == line_feeds(data, chunk)


@settings(max_examples=300, deadline=None)
@given(dates, dates)
def test_day_keys_order_periods_as_their_days_do(left, right):
    from allyledger.kinds import PARTIAL_DATE, day_keys

    size = min(len(left), len(right))
    a = pa.array(left[:size], pa.large_string())
    b = pa.array(right[:size], pa.large_string())
    ok_a, first_a, last_a = day_keys(a)
    ok_b, first_b, last_b = day_keys(b)
    start_a, end_a = PARTIAL_DATE.text_bounds(a)
    start_b, end_b = PARTIAL_DATE.text_bounds(b)
    both = ok_a & ok_b
    assert list(both) == list(~np.isnat(start_a) & ~np.isnat(start_b))
    assert list((first_a > last_b)[both]) == list((start_a > end_b)[both])
    assert list((first_a > first_b)[both]) == list((start_a > start_b)[both])


@settings(max_examples=300, deadline=None)
@given(dates)
def test_periods_worked_out_by_arithmetic_are_the_calendars(cells):
    """Partial dates' first and last days, from the text (`text_bounds`) and from a
    typed first day and its precision (`bounds`), are what the calendar says."""
    from allyledger.kinds import PARTIAL_DATE, PRECISIONS, PartialDate

    array = pa.array(cells, pa.large_string())
    start, end = PARTIAL_DATE.text_bounds(array)
    first, code, _ = PartialDate.parse(array)
    names = np.array([list(PRECISIONS)[c] if c >= 0 else None for c in code], object)
    for again in (PartialDate.bounds(first, code), PartialDate.bounds(first, names)):
        # (compared as the integers under them: NaT equals nothing, itself included)
        assert np.array_equal(again[0].view("i8"), start.view("i8"))
        assert np.array_equal(again[1].view("i8"), end.view("i8"))
    for i, cell in enumerate(cells):
        real, y, m, d = _date(cell)
        if not real:
            assert np.isnat(start[i]) and np.isnat(end[i]), cell
            continue
        width = len(cell)
        low = dt.date(y, m if width > 4 else 1, d if width == 10 else 1)
        last_month = m if width > 4 else 12
        high = dt.date(
            y,
            last_month,
            d if width == 10 else calendar.monthrange(y, last_month)[1],
        )
        assert (start[i], end[i]) == (np.datetime64(low), np.datetime64(high)), cell


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(), max_size=30))
def test_days_and_civil_dates_convert_as_the_calendar_does(days):
    from allyledger.kinds import civil_from_days, days_from_civil

    epoch = dt.date(1970, 1, 1).toordinal()
    counts = np.array([d.toordinal() - epoch for d in days], dtype=np.int64)
    year, month, day = civil_from_days(counts)
    assert [
        dt.date(*map(int, ymd)) for ymd in zip(year, month, day, strict=True)
    ] == days
    assert list(days_from_civil(year, month, day)) == list(counts)


@pytest.mark.parametrize("quoted", [True, False])
def test_a_file_of_many_blocks_is_read_whole_with_its_lines(quoted):
    """pyarrow reads a long file in blocks of 1 MiB, which it may cut at any line
    break only when no cell is quoted: each record comes back whole, at its line,
    either way (the csv module's reading is the reference)."""
    from allyledger.reading import _parse_fast

    rows = [["id", "summary", "n"]]
    for i in range(160_000):
        text = f"line {i}\nand\nmore, {i}" if quoted and i % 2 == 0 else f"cell {i}"
        rows.append([f"r{i}", text, str(i % 13)])
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    data = buffer.getvalue().encode()
    assert len(data) > 3 * 2**20
    frame, lines = _parse_fast(data, rows[0])
    assert frame is not None
    assert frame.to_numpy().tolist() == rows[1:]
    reader = csv.reader(io.StringIO(buffer.getvalue(), newline=""))
    next(reader)
    expected, start = [], 2
    for _ in reader:
        expected.append(start)
        start = reader.line_num + 1
    assert lines.tolist() == expected


@settings(max_examples=500, deadline=None)
@given(st.lists(st.none() | st.sampled_from(["a", "b", "c", "d", "e"]), max_size=12))
def test_a_repeated_value_fails_on_every_row_that_holds_it(cells):
    """Sorted or not (a sorted column is compared with its neighbours only), a
    value on two rows fails on both; an empty cell never repeats."""
    for column in (cells, sorted(cells, key=lambda c: (c is None, c or ""))):
        series = pd.Series(column, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
        expected = [c is None or column.count(c) == 1 for c in column]
        assert list(checks.distinct(series)) == expected, column
