"""The validator never passes bad data in silence (issue: safety)."""

from __future__ import annotations

import json

import pandera.pandas as pa
import pytest

import allyledger.validate as validate_module
from allyledger.catalogue import CHECKS as CELL_CHECKS
from allyledger.schemas import TABLES
from conftest import read_rows, run, set_cell, validate, write_rows

BUG = (
    "failed to run ({detail}), so this file was not fully checked; this is a bug in "
    "allyledger: please report it with this message"
)


def errors(result) -> list[str]:
    return [line for line in result.output.splitlines() if ": " in line][:-1]


def test_a_column_rule_that_raises_is_an_error(ds, monkeypatch):
    column = TABLES["actors"].schema.columns["name"]

    def broken(series):
        raise RuntimeError("kaput")

    monkeypatch.setattr(
        column, "checks", [*column.checks, pa.Check(broken, name="broken_rule")]
    )
    result = validate(ds)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{ds}/actors.csv:name: internal-error: the rule 'broken_rule' "
        + BUG.format(detail='RuntimeError("kaput")')
    )
    assert "1 error(s)" in result.output


def test_a_row_rule_that_raises_is_an_error(ds, monkeypatch):
    schema = TABLES["support_events"].schema
    broken = pa.Check(lambda df: 1 / 0, name="broken-row-rule")
    monkeypatch.setattr(schema, "checks", [*schema.checks, broken])
    result = validate(ds)
    assert result.exit_code == 1
    assert (
        f"{ds}/support_events.csv: internal-error: the rule 'broken-row-rule' "
        + BUG.format(detail='ZeroDivisionError("division by zero")')
    ) in result.output.splitlines()


def test_cross_table_rules_that_raise_are_an_error(ds, monkeypatch):
    def broken(tables, as_of):
        raise KeyError("support_events")

    monkeypatch.setattr(validate_module, "check_across", broken)
    result = validate(ds, "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert [e["code"] for e in report["errors"]] == ["internal-error"]
    assert report["errors"][0]["message"] == (
        "cross-table rules " + BUG.format(detail="'support_events'")
    )


def test_every_check_a_model_registers_has_a_message():
    for table in TABLES.values():
        for name, column in table.schema.columns.items():
            for check in column.checks:
                assert check.name in CELL_CHECKS, (table.name, name, check.name)
        for check in table.schema.checks:
            assert check.name in table.row_rules, (table.name, check.name)
            column, template = table.row_rules[check.name]
            assert column in table.columns and template


# (table, data row, column, bad value, expected line after "path:line:column: ")
HYGIENE = [
    (
        "support_events",
        1,
        "summary",
        "Russia \u202econdemned the strikes.",
        'invisible-character: "Russia \\u202econdemned the strikes." contains an '
        "invisible character",
    ),
    (
        "actors",
        1,
        "name",
        "Collective\u200bSecurity",
        'invisible-character: "Collective\\u200bSecurity" contains an invisible',
    ),
    ("actors", 1, "name", "Csto\ufeff Org", "invisible-character: "),
    ("actors", 1, "name", "A\u2066B", "invisible-character: "),
    ("actors", 1, "name", "Collective\u200cSecurity", "invisible-character: "),
    ("actors", 1, "name", "\u200dCSTO", "invisible-character: "),
    ("actors", 1, "aliases", "CSTO|O\u200dDKB", "invalid-text: "),
    ("sources", 1, "url", "https://example.org/a\u2060b", "invisible-character: "),
    ("support_events", 3, "amount", "1e309", 'invalid-number: "1e309" is not a finite'),
    (
        "support_events",
        1,
        "summary",
        "x" * 501,
        f'too-long: "{"x" * 59}…" is 501 characters long; summary holds at most 500 '
        "characters: shorten it",
    ),
    ("actors", 1, "name", "N" * 121, "too-long: "),
    ("sources", 1, "title", "T" * 301, "too-long: "),
]


@pytest.mark.parametrize(("table", "row", "column", "value", "expected"), HYGIENE)
def test_text_hygiene_is_located(ds, table, row, column, value, expected):
    set_cell(ds, table, row, column, value)
    result = validate(ds)
    assert result.exit_code == 1
    where = f"{ds}/{table}.csv:{row + 1}:{column}: "
    assert any(line.startswith(where + expected) for line in errors(result)), (
        result.output
    )


def test_max_lengths_are_in_the_model_and_the_codebook():
    from allyledger.docs import codebook as make_codebook

    codebook = make_codebook()
    summary = TABLES["support_events"].field("summary")
    assert summary.max_length == 500
    assert "| `summary` | text, at most 500 characters | yes |" in codebook
    for table in TABLES.values():
        for f in table.fields:
            if f.kind in ("text", "text_list", "url"):
                assert f.max_length, (table.name, f.name)


@pytest.mark.parametrize("slow", [False, True], ids=["fast-path", "slow-path"])
def test_a_cell_longer_than_the_csv_field_limit_is_too_long(ds, slow):
    import csv

    # The standard library's default limit (another library may have raised it).
    before = csv.field_size_limit(131_072)
    huge = "y" * (131_072 + 10)
    try:
        _check_huge_cell(ds, slow, huge)
    finally:
        csv.field_size_limit(before)


def _check_huge_cell(ds, slow, huge):
    set_cell(ds, "support_events", 2, "summary", huge)
    line = 3
    if slow:  # a blank line sends the file through the standard library's reader
        path = ds / "support_events.csv"
        header, rest = path.read_text().split("\n", 1)
        path.write_text(header + "\n\n" + rest)
        line = 4
    result = validate(ds)
    assert result.exit_code == 1
    lines = errors(result)
    assert lines == [
        f'{ds}/support_events.csv:{line}:summary: too-long: "{"y" * 59}…" is '
        f"{len(huge)} characters long; summary holds at most 500 characters: shorten it"
    ], result.output


def test_a_blank_row_is_reported_once_and_fmt_drops_it(ds):
    path = ds / "actors.csv"
    canonical = path.read_bytes()
    path.write_bytes(canonical + b",,,,,,,,\n")
    result = validate(ds)
    assert result.exit_code == 1
    assert errors(result) == [
        f"{ds}/actors.csv:6: blank-row: this row is blank (only separators, as a "
        "spreadsheet leaves them); delete it, or run `allyledger fmt`, which drops "
        "blank rows"
    ]
    check = run("fmt", ds, "--check")
    assert check.exit_code == 1 and f"would reformat {path}" in check.output
    assert run("fmt", ds).exit_code == 0
    assert path.read_bytes() == canonical


def test_blank_rows_in_the_middle_keep_the_other_lines(ds):
    rows = read_rows(ds / "support_events.csv")
    rows.insert(2, [""] * len(rows[0]))
    write_rows(ds / "support_events.csv", rows)
    set_cell(ds, "support_events", 4, "certainty", "maybe")  # data row 4 = line 5
    result = validate(ds)
    lines = errors(result)
    assert lines[0].startswith(f"{ds}/support_events.csv:3: blank-row: ")
    assert lines[1].startswith(f"{ds}/support_events.csv:5:certainty: unknown-value")
    assert len(lines) == 2, result.output


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolon"), ("\t", "tab")])
def test_a_file_with_other_separators_is_named_once_and_fmt_converts_it(ds, sep, name):
    path = ds / "actors.csv"
    canonical = path.read_bytes()
    rows = read_rows(path)
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=sep, lineterminator="\r\n").writerows(rows)
    result = validate(ds)
    assert result.exit_code == 1
    assert errors(result) == [
        f"{ds}/actors.csv:1: wrong-delimiter: this file looks {name}-separated (as "
        "spreadsheets save CSV in some locales); save it as comma-separated CSV "
        "(UTF-8), or run `allyledger fmt`, which converts it"
    ]
    fmt = run("fmt", ds)
    assert fmt.exit_code == 0, fmt.output
    assert path.read_bytes() == canonical
    assert validate(ds).exit_code == 0


def test_a_broken_quote_is_reported_where_the_cell_began(ds):
    with (ds / "actors.csv").open("a") as handle:
        handle.write('zzz,"Broken\nacross lines"x,person,VEN,,,\n')
    result = validate(ds)
    assert f"{ds}/actors.csv:6: bad-quote: " in result.output
    assert f"{ds}/actors.csv:7: bad-quote" not in result.output


# Faults that `fmt` repairs: (table, data row, column, value) and the code reported.
REPAIRABLE = [
    ("actors", 1, "name", " Padded name ", "untrimmed-text"),
    ("actors", 1, "aliases", "CSTO | ОДКБ", "invalid-text"),
    ("actors", 1, "aliases", "CSTO|CSTO", "duplicate-item"),
    ("actors", 1, "name", "Cafe\u0301", "not-nfc"),
    ("support_events", 1, "source_ids", "example-2025-01-01-wire | x", "invalid-id"),
]


@pytest.mark.parametrize(("table", "row", "column", "value", "code"), REPAIRABLE)
def test_messages_of_faults_fmt_repairs_say_so(ds, table, row, column, value, code):
    set_cell(ds, table, row, column, value)
    result = validate(ds)
    line = next(
        x
        for x in errors(result)
        if x.startswith(f"{ds}/{table}.csv:{row + 1}:{column}")
    )
    assert f": {code}: " in line and "`allyledger fmt`" in line, line


def test_unsorted_rows_and_missing_columns_say_fmt_repairs_them(ds):
    rows = read_rows(ds / "actors.csv")
    rows[1], rows[2] = rows[2], rows[1]
    write_rows(ds / "actors.csv", [r[:-1] for r in rows])  # drop `description`
    result = validate(ds)
    unsorted = next(x for x in result.output.splitlines() if "unsorted-rows" in x)
    missing = next(x for x in result.output.splitlines() if "missing-column" in x)
    assert "`allyledger fmt`" in unsorted and "`allyledger fmt`" in missing


def test_joiners_inside_persian_words_are_text_not_tricks(ds):
    # The zero-width non-joiner is how Persian writes خامنه‌ای.
    set_cell(ds, "actors", 1, "name", "علی خامنه\u200cای")
    set_cell(ds, "actors", 1, "aliases", "CSTO|خامنه\u200cای")
    result = validate(ds)
    assert result.exit_code == 0, result.output


def test_the_committed_dataset_is_valid():
    from pathlib import Path

    dataset = Path(__file__).parent.parent / "dataset"
    result = validate(dataset)
    assert result.exit_code == 0, result.output
    assert "0 warning(s)" in result.output
