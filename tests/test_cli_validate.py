from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from allyledger import check_dataset
from conftest import VALID, add_row, read_rows, set_cell, validate, write_rows


def test_valid_dataset_passes():
    result = validate(VALID)
    assert result.exit_code == 0, result.output
    assert "valid (15 rows, 0 warning(s))" in result.output


# (table, data row, column, bad value, code, fragment of the message)
CELL_CASES = [
    ("actors", 1, "actor_id", "CSTO", "invalid-id", '"CSTO" is not a valid ID'),
    ("actors", 1, "actor_id", "a--b", "invalid-id", "single hyphens"),
    ("actors", 1, "actor_id", "x" * 81, "invalid-id", "at most 80"),
    ("actors", 1, "name", "", "missing-value", "a value is required"),
    ("actors", 1, "name", " CSTO", "untrimmed-text", "leading or trailing spaces"),
    ("actors", 1, "name", "Cafe\u0301", "not-nfc", "NFC"),
    ("actors", 1, "name", "bad\ttab", "control-character", "control character"),
    ("actors", 1, "name", "@SUM(A1)", "formula-like-text", "spreadsheet formula"),
    ("actors", 1, "name", "+1 ally", "formula-like-text", "spreadsheet formula"),
    ("actors", 1, "kind", "org", "unknown-value", "is not one of: state, person"),
    ("actors", 2, "country", "RU", "unknown-country", "ISO 3166-1 alpha-3"),
    ("actors", 2, "country", "rus", "unknown-country", "ISO 3166-1 alpha-3"),
    ("actors", 1, "wikidata_id", "Q0", "invalid-wikidata-id", "Wikidata"),
    ("actors", 2, "cow_code", "36a", "invalid-state-number", "state number"),
    ("actors", 2, "gw_code", "0365", "invalid-state-number", "1 to 9999"),
    ("actors", 1, "cow_code", "365", "state-number-on-non-state", "only a state"),
    ("actors", 1, "aliases", "CSTO||ОДКБ", "invalid-text", "empty"),
    ("actors", 1, "aliases", "CSTO|CSTO", "duplicate-item", "more than once"),
    ("sources", 1, "url", "ftp://example.org/x", "invalid-url", "http:// or https://"),
    ("sources", 1, "url", "https://example.org/news/original extra", "invalid-url", ""),
    ("sources", 1, "published", "2025-02-30", "invalid-date", "real calendar date"),
    ("sources", 1, "published", "25-01-01", "invalid-date", "YYYY, YYYY-MM"),
    ("sources", 1, "accessed", "2025-06", "invalid-date", "full date"),
    ("sources", 1, "language", "english", "unknown-language", "ISO 639-1"),
    ("sources", 1, "source_type", "newspaper", "unknown-value", "news"),
    (
        "sources",
        2,
        "derived_from_id",
        "example-2025-01-02-retelling",
        "derived-from-self",
        "derived from itself",
    ),
    ("relationships", 1, "obligations", "defence", "unknown-value", "defense"),
    ("relationships", 1, "basis", "pact", "unknown-value", "treaty"),
    ("relationships", 1, "start", "1992-5-15", "invalid-date", "YYYY-MM-DD"),
    ("relationships", 1, "source_ids", "", "missing-value", "required"),
    ("relationships", 1, "to_actor_id", "rus", "self-relationship", "two different"),
    (
        "relationships",
        2,
        "end",
        "2004",
        "end-before-start",
        'end "2004" is before start',
    ),
    ("relationships", 2, "end", "", "ended-without-end", 'status is "ended"'),
    ("relationships", 3, "end", "2025-06", "active-with-end", 'status is "active"'),
    ("support_events", 1, "kind", "pledged", "unknown-value", 'did you mean "pledge"'),
    (
        "support_events",
        2,
        "provider_id",
        "",
        "provider-required",
        "needs a provider_id",
    ),
    ("support_events", 2, "support_type", "", "support-type-required", "support_type"),
    (
        "support_events",
        1,
        "support_type",
        "weapons",
        "support-type-on-crisis",
        "no support",
    ),
    ("support_events", 1, "crisis_type", "", "crisis-type-required", "crisis_type"),
    (
        "support_events",
        2,
        "crisis_type",
        "unrest",
        "crisis-type-on-non-crisis",
        "only for",
    ),
    ("support_events", 3, "amount", "-2", "invalid-number", "at least 0"),
    ("support_events", 3, "amount", "1,000", "invalid-number", "thousands separators"),
    ("support_events", 3, "unit", "", "unit-required", "needs a unit"),
    ("support_events", 3, "amount", "", "amount-required", "without an amount"),
    ("support_events", 3, "unit", "dollars", "unknown-unit", "ISO 4217"),
    (
        "support_events",
        2,
        "responds_to_id",
        "2025-01-02-request",
        "responds-to-self",
        "respond to itself",
    ),
    (
        "support_events",
        1,
        "certainty",
        "likely",
        "unknown-value",
        "confirmed, reported",
    ),
]


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "code", "fragment"), CELL_CASES
)
def test_cell_rule_is_reported_at_its_place(
    ds, table, row, column, value, code, fragment
):
    set_cell(ds, table, row, column, value)
    result = validate(ds)
    assert result.exit_code == 1, result.output
    location = f"{ds}/{table}.csv:{row + 1}:{column}: {code}: "
    lines = [line for line in result.output.splitlines() if line.startswith(location)]
    assert lines, result.output
    assert fragment in lines[0]


GOOD_VARIANTS = [
    ("sources", 1, "published", "2024-02-29"),
    ("sources", 1, "published", "1999"),
    ("sources", 1, "published", "1999-12"),
    ("actors", 1, "name", "-"),
    ("actors", 1, "name", "= not a formula"),
    ("actors", 1, "country", "SUN"),
    ("support_events", 3, "amount", "0"),
    ("support_events", 3, "unit", "RUB"),
    ("support_events", 3, "unit", "barrels"),
    ("sources", 1, "url", "http://example.org"),
]


@pytest.mark.parametrize(("table", "row", "column", "value"), GOOD_VARIANTS)
def test_edge_values_that_are_allowed(ds, table, row, column, value):
    set_cell(ds, table, row, column, value)
    result = validate(ds)
    assert result.exit_code == 0, result.output


def test_duplicate_id_names_the_first_line(ds):
    set_cell(ds, "sources", 3, "source_id", "example-2025-01-02-retelling")
    set_cell(ds, "relationships", 1, "source_ids", "example-2025-01-01-original")
    set_cell(ds, "relationships", 3, "source_ids", "example-2025-01-01-original")
    set_cell(ds, "support_events", 4, "source_ids", "example-2025-01-01-original")
    result = validate(ds)
    assert result.exit_code == 1
    assert (
        f"{ds}/sources.csv:4:source_id: duplicate-id: "
        '"example-2025-01-02-retelling" is already used on line 3'
    ) in result.output


def test_duplicate_url_is_reported(ds):
    set_cell(ds, "sources", 3, "url", "https://example.org/news/original")
    result = validate(ds)
    assert f"{ds}/sources.csv:4:url: duplicate-value: " in result.output


def test_state_id_must_be_its_country_code(ds):
    set_cell(ds, "actors", 4, "country", "CUB")
    result = validate(ds)
    assert (
        f"{ds}/actors.csv:5:actor_id: state-id-is-country: a state's actor_id is its "
        'country code in lowercase: expected "cub"'
    ) in result.output


def test_country_required_for_person(ds):
    set_cell(ds, "actors", 3, "country", "")
    result = validate(ds)
    assert (
        f'{ds}/actors.csv:4:country: country-required: an actor of kind "person" '
        "needs a country"
    ) in result.output


# --- across tables -----------------------------------------------------------------


def test_unknown_provider_is_reported(ds):
    set_cell(ds, "support_events", 2, "provider_id", "rus-army")
    result = validate(ds)
    assert result.exit_code == 1
    assert (
        f'{ds}/support_events.csv:3:provider_id: unknown-reference: "rus-army" is '
        f"not an actor_id in {ds}/actors.csv"
    ) in result.output


def test_each_listed_source_must_exist(ds):
    set_cell(
        ds,
        "support_events",
        5,
        "source_ids",
        "example-2025-01-01-original|example-2025-01-03-missing",
    )
    result = validate(ds)
    assert (
        f"{ds}/support_events.csv:6:source_ids: unknown-reference: "
        '"example-2025-01-03-missing" is not a source_id'
    ) in result.output


def test_reply_must_concern_same_recipient(ds):
    add_row(
        ds,
        "support_events",
        {
            "event_id": "2025-02-01-other",
            "date": "2025-02-01",
            "kind": "delivery",
            "provider_id": "rus",
            "recipient_id": "test-person",
            "support_type": "asylum",
            "responds_to_id": "2025-01-01-crisis",
            "certainty": "reported",
            "summary": "A test reply to the wrong recipient.",
            "source_ids": "example-2025-02-treaty",
        },
    )
    result = validate(ds)
    assert (
        f"{ds}/support_events.csv:7:responds_to_id: reply-other-recipient: responds "
        'to "2025-01-01-crisis", whose recipient is "ven", not "test-person"'
    ) in result.output


def test_delivery_fulfilling_pledge_has_same_provider(ds):
    set_cell(ds, "support_events", 3, "provider_id", "csto")
    set_cell(ds, "support_events", 3, "relationship_id", "")
    result = validate(ds)
    assert (
        f"{ds}/support_events.csv:6:responds_to_id: reply-other-provider: responds to "
        'the pledge "2025-01-pledge" by "csto"'
    ) in result.output
    # A reply to a crisis or request needs only the same recipient.
    assert ":4:responds_to_id: reply-other-provider" not in result.output


def test_reply_cannot_precede_what_it_answers(ds):
    set_cell(ds, "support_events", 2, "date", "2024-12-31")
    result = validate(ds)
    assert (
        f"{ds}/support_events.csv:3:responds_to_id: reply-before-event: responds to "
        '"2025-01-01-crisis", dated 2025-01-01'
    ) in result.output


def test_month_precision_reply_may_share_the_month(ds):
    set_cell(ds, "support_events", 2, "date", "2025-01")
    assert validate(ds).exit_code == 0


def test_reply_loop_is_reported(ds):
    set_cell(ds, "support_events", 1, "responds_to_id", "2025-01-02-request")
    set_cell(ds, "support_events", 1, "kind", "request")
    set_cell(ds, "support_events", 1, "provider_id", "rus")
    set_cell(ds, "support_events", 1, "support_type", "weapons")
    set_cell(ds, "support_events", 1, "crisis_type", "")
    set_cell(ds, "support_events", 1, "date", "2025-01-02")
    result = validate(ds)
    assert f"{ds}/support_events.csv:2:responds_to_id: reply-cycle" in result.output
    assert f"{ds}/support_events.csv:3:responds_to_id: reply-cycle" in result.output


def test_relationship_must_join_the_same_actors(ds):
    set_cell(ds, "support_events", 3, "relationship_id", "rus-csto-membership")
    result = validate(ds)
    assert (
        f"{ds}/support_events.csv:4:relationship_id: relationship-mismatch: "
        '"rus-csto-membership" joins "rus" and "csto"'
    ) in result.output


def test_date_after_as_of(ds):
    result = validate(ds, "--as-of", "2025-05-31")
    assert result.exit_code == 1
    assert (
        f'{ds}/support_events.csv:5:date: date-after-as-of: "2025-06-01" is after '
        "the as-of date 2025-05-31"
    ) in result.output
    # A year-precision date counts from its first day: 2025 is not after 2025-05-31.
    assert ":6:date: date-after-as-of" not in result.output


def test_unused_source_is_a_warning_not_an_error(ds):
    add_row(
        ds,
        "sources",
        {
            "source_id": "example-2026-unused",
            "url": "https://example.org/unused",
            "title": "Unused",
            "publisher": "Example",
            "accessed": "2026-01-01",
            "language": "en",
            "source_type": "news",
        },
    )
    result = validate(ds)
    assert result.exit_code == 0
    assert (
        f'{ds}/sources.csv:5:source_id: unused-source: "example-2026-unused" is '
        "cited by no relationship, event or other source [warning]"
    ) in result.output


def test_unsorted_rows_are_a_warning(ds):
    path = ds / "actors.csv"
    rows = read_rows(path)
    rows[1], rows[2] = rows[2], rows[1]
    write_rows(path, rows)
    result = validate(ds)
    assert result.exit_code == 0
    assert f"{ds}/actors.csv:3:actor_id: unsorted-rows" in result.output


# --- files -------------------------------------------------------------------------


def test_missing_file(ds):
    (ds / "sources.csv").unlink()
    result = validate(ds)
    assert result.exit_code == 1
    assert f"{ds}/sources.csv: missing-file: sources.csv is missing" in result.output


def test_empty_file(ds):
    (ds / "actors.csv").write_bytes(b"")
    result = validate(ds)
    assert f"{ds}/actors.csv:1: empty-file" in result.output


def test_missing_and_unknown_columns(ds):
    path = ds / "actors.csv"
    rows = read_rows(path)
    rows[0][rows[0].index("description")] = "descripton"
    write_rows(path, rows)
    result = validate(ds)
    assert (
        f'{ds}/actors.csv:1:descripton: unknown-column: "descripton" is not a column '
        'of actors (did you mean "description"?)'
    ) in result.output
    assert (
        f'{ds}/actors.csv:1:description: missing-column: the column "description" is '
        "missing"
    ) in result.output


def test_column_order_may_vary(ds):
    path = ds / "actors.csv"
    rows = read_rows(path)
    write_rows(path, [list(reversed(r)) for r in rows])
    assert validate(ds).exit_code == 0


def test_ragged_row(ds):
    with (ds / "actors.csv").open("a") as handle:
        handle.write("zzz,Too few cells\n")
    result = validate(ds)
    assert (
        f"{ds}/actors.csv:6: ragged-row: this row has 2 cells but the header has 9"
    ) in result.output


def test_unclosed_quote(ds):
    with (ds / "actors.csv").open("a") as handle:
        handle.write('zzz,"Never closed,person,VEN,,,\n')
    result = validate(ds)
    assert f"{ds}/actors.csv:6: unclosed-quote" in result.output


def test_not_utf8_names_byte_offset(ds):
    path = ds / "actors.csv"
    data = path.read_bytes()
    offset = data.index(b"Russia")
    path.write_bytes(data[:offset] + b"\xff" + data[offset + 1 :])
    result = validate(ds)
    assert (
        f"{ds}/actors.csv:3: not-utf8: byte 0xff at byte offset {offset} is not valid "
        "UTF-8"
    ) in result.output


def test_binary_junk(ds):
    (ds / "sources.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    result = validate(ds)
    assert (
        f"{ds}/sources.csv:3: binary-content: contains a NUL byte at byte offset 8"
        in result.output
    )
    assert "Traceback" not in result.output


def test_symlink_outside_the_dataset(ds, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_bytes((ds / "actors.csv").read_bytes())
    (ds / "actors.csv").unlink()
    os.symlink(outside, ds / "actors.csv")
    result = validate(ds)
    assert f"{ds}/actors.csv: symlink-outside" in result.output


def _crlf_bom(path: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))


def test_crlf_and_bom_are_accepted(ds):
    for name in ("actors.csv", "support_events.csv"):
        _crlf_bom(ds / name)
    assert validate(ds).exit_code == 0


def test_crlf_and_bom_keep_locations(ds):
    set_cell(ds, "support_events", 5, "amount", "x")
    _crlf_bom(ds / "support_events.csv")
    result = validate(ds)
    assert f"{ds}/support_events.csv:6:amount: invalid-number" in result.output


def test_lines_count_physical_lines_of_multiline_cells(ds):
    set_cell(ds, "support_events", 1, "summary", "first line\nsecond line\nthird")
    set_cell(ds, "support_events", 4, "certainty", "sure")
    result = validate(ds)
    assert f"{ds}/support_events.csv:2:summary: control-character" in result.output
    assert f"{ds}/support_events.csv:7:certainty: unknown-value" in result.output


def test_blank_lines_keep_line_numbers(ds):
    path = ds / "actors.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(2, "\n")
    path.write_text("".join(lines))
    set_cell(ds, "actors", 4, "kind", "nation")
    # set_cell rewrites the file: insert the blank line again after it.
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(2, "\n")
    path.write_text("".join(lines))
    result = validate(ds)
    assert f"{ds}/actors.csv:6:kind: unknown-value" in result.output


def test_every_problem_at_once_sorted(ds):
    set_cell(ds, "support_events", 4, "date", "2025-13")
    set_cell(ds, "support_events", 1, "certainty", "maybe")
    set_cell(ds, "actors", 2, "name", "")
    result = validate(ds)
    located = [
        line.split(": ")[0]
        for line in result.output.splitlines()
        if line.startswith(str(ds))
    ]
    assert located == [
        f"{ds}/actors.csv:3:name",
        f"{ds}/support_events.csv:2:certainty",
        f"{ds}/support_events.csv:5:date",
    ]


def test_json_format_matches_library(ds):
    set_cell(ds, "actors", 2, "country", "XXX")
    result = validate(ds, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    report = check_dataset(ds, display=str(ds))
    assert document["valid"] is False
    assert document["errors"] == [p.to_dict() for p in report.errors]
    assert document["errors"][0] == {
        "table": "actors",
        "path": f"{ds}/actors.csv",
        "line": 3,
        "column": "country",
        "code": "unknown-country",
        "severity": "error",
        "value": "XXX",
        "message": '"XXX" is not an ISO 3166-1 alpha-3 country code (capitals, e.g. RUS, '
        "VEN)",
    }


def test_github_format_annotates_lines(ds):
    set_cell(ds, "actors", 2, "country", "XXX")
    result = validate(ds, "--format", "github")
    assert result.exit_code == 1
    assert (
        f"::error file={ds}/actors.csv,line=3,title=unknown-country (country)::"
    ) in result.stdout


def test_max_errors_caps_output_and_states_total(ds):
    for row in range(1, 5):
        set_cell(ds, "actors", row, "name", "")
    result = validate(ds, "--max-errors", "2")
    assert result.output.count("missing-value") == 2
    assert "... and 2 more error(s) not shown" in result.output
    assert "4 error(s)" in result.output


def test_not_a_folder_is_usage_error(tmp_path):
    result = validate(tmp_path / "nope")
    assert result.exit_code == 2
    assert "is not a folder" in result.output


def test_bad_as_of_is_usage_error(ds):
    result = validate(ds, "--as-of", "yesterday")
    assert result.exit_code == 2


def test_data_errors_never_show_a_traceback(ds):
    (ds / "relationships.csv").write_bytes(b'relationship_id\n"a\n\xff\x00')
    (ds / "actors.csv").write_text("actor_id,actor_id\n")
    result = validate(ds)
    assert result.exit_code == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"actor_id,name\rrus,Russia\r", "actors.csv:1: cr-line-endings"),
        (b"\n\nactor_id,name\n", "actors.csv:1: blank-header: line 1 is empty"),
        (
            b"actor_id,name,kind,country,wikidata_id,cow_code,gw_code,aliases,"
            b"description\n"
            b'rus,"Rus"sia,state,RUS,,365,365,,\n',
            "actors.csv:2: bad-quote",
        ),
        (
            b"actor_id,name,kind,country,wikidata_id,cow_code,gw_code,aliases,"
            b"description,\n",
            '"" is not a column of actors (an empty name: a trailing comma?)',
        ),
    ],
)
def test_malformed_files_are_located(ds, content, expected):
    (ds / "actors.csv").write_bytes(content)
    result = validate(ds)
    assert result.exit_code == 1
    assert f"{ds}/{expected}" in result.output or expected in result.output
    assert "Traceback" not in result.output


def test_a_broken_file_does_not_cascade_into_other_tables(ds):
    path = ds / "actors.csv"
    path.write_text(path.read_text().replace("Russia,state", '"Rus"sia,state'))
    result = validate(ds)
    assert f"{ds}/actors.csv:3: bad-quote" in result.output
    assert "unknown-reference" not in result.output


def test_doubled_quotes_inside_quoted_cells_are_fine(ds):
    path = ds / "actors.csv"
    path.write_text(path.read_text().replace("Russia,state", '"Russia ""RF""",state'))
    assert validate(ds).exit_code == 0
