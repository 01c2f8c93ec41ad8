"""Reading the largest file while the libraries load (`allyledger.prefetch`): what
the reader takes from it is what it would have read itself."""

from __future__ import annotations

import os

import allyledger.reading as reading
from allyledger import prefetch
from allyledger.schemas import TABLES
from conftest import add_row, read_rows, set_cell


def _largest(ds):
    return max(ds.glob("*.csv"), key=lambda p: p.stat().st_size)


def _plain(ds, table):
    prefetch.forget(ds / table.filename)
    return reading.read_csv_table(ds, table, str(ds))


def test_the_reader_takes_the_parse_made_ahead(ds, monkeypatch):
    table = next(t for t in TABLES.values() if t.filename == _largest(ds).name)
    expected = _plain(ds, table)
    parsed = []
    original = reading.parse_csv
    monkeypatch.setattr(
        reading, "parse_csv", lambda *a: parsed.append(1) or original(*a)
    )
    prefetch.start_reading(ds)
    text = reading.read_csv_table(ds, table, str(ds))
    assert parsed == []  # not parsed again
    assert text.frame.equals(expected.frame)
    assert text.lines.tolist() == expected.lines.tolist()
    # handed over once: a second read parses the file itself
    reading.read_csv_table(ds, table, str(ds))
    assert parsed == [1]


def test_a_file_changed_after_it_was_read_ahead_is_read_again(ds):
    path = _largest(ds)
    table = next(t for t in TABLES.values() if t.filename == path.name)
    prefetch.start_reading(ds)
    assert prefetch.take_bytes(path) is not None  # read, and waited for
    rows = read_rows(path)
    set_cell(ds, table.name, 1, rows[0][-1], "changed after the read ahead")
    os.utime(path, ns=(1, 1))  # even with the old time, the size or inode differ
    text = reading.read_csv_table(ds, table, str(ds))
    assert text.frame[rows[0][-1]].iloc[0] == "changed after the read ahead"


def test_a_row_added_after_the_read_ahead_is_seen(ds):
    path = _largest(ds)
    table = next(t for t in TABLES.values() if t.filename == path.name)
    before = len(_plain(ds, table).frame)
    prefetch.start_reading(ds)
    prefetch.take_bytes(path)
    extra = dict(zip(read_rows(path)[0], read_rows(path)[1], strict=True))
    add_row(ds, table.name, extra)
    assert len(reading.read_csv_table(ds, table, str(ds)).frame) == before + 1
