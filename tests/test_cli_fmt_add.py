from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allyledger.fmt import format_dataset
from allyledger.schemas import TABLES
from conftest import VALID, read_rows, run, validate, write_rows


def test_valid_fixture_is_canonical():
    assert run("fmt", VALID, "--check").exit_code == 0


def test_fmt_check_names_files_and_changes_nothing(ds):
    path = ds / "actors.csv"
    rows = read_rows(path)
    rows[1], rows[2] = rows[2], rows[1]
    rows[1][1] = "  Russia "
    write_rows(path, rows)
    before = path.read_bytes()
    result = run("fmt", ds, "--check")
    assert result.exit_code == 1
    assert f"would reformat {path}" in result.output
    assert "1 file(s) need `allyledger fmt`" in result.output
    assert path.read_bytes() == before


def test_fmt_rewrites_canonically(ds):
    path = ds / "relationships.csv"
    rows = read_rows(path)
    header = rows[0]
    rows = [list(reversed(r)) for r in rows]  # columns in another order
    i = list(reversed(header)).index("source_ids")
    rows[2][i] = (
        "example-2025-02-treaty| example-2025-01-01-original|example-2025-02-treaty"
    )
    path.write_bytes(b"\r\n".join(",".join(r).encode() for r in rows) + b"\r\n")
    result = run("fmt", ds)
    assert result.exit_code == 0
    assert f"reformatted {path}" in result.output
    text = path.read_text()
    assert "\r" not in text
    fixed = read_rows(path)
    assert fixed[0] == header
    assert fixed[2][header.index("source_ids")] == (
        "example-2025-01-01-original|example-2025-02-treaty"
    )
    assert validate(ds).exit_code == 0
    assert run("fmt", ds, "--check").exit_code == 0


def test_fmt_leaves_unsafe_files_alone(ds):
    path = ds / "actors.csv"
    with path.open("a") as handle:
        handle.write("zzz,too,few\n")
    before = path.read_bytes()
    result = run("fmt", ds)
    assert result.exit_code == 1
    assert "ragged-row" in result.output
    assert path.read_bytes() == before


texts = st.text(
    alphabet=st.characters(
        exclude_categories=("Cs", "Cc"), exclude_characters="|\x85\u2028\u2029"
    ),
    max_size=12,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cells=st.lists(
        st.tuples(
            st.from_regex(r"[a-z]{1,6}", fullmatch=True),
            texts,
            st.lists(texts, max_size=4),
            texts,
        ),
        min_size=1,
        max_size=12,
        unique_by=lambda c: c[0],
    )
)
def test_fmt_is_idempotent_and_keeps_every_value(tmp_path_factory, cells):
    folder = tmp_path_factory.mktemp("fmt")
    for table in TABLES.values():
        (folder / table.filename).write_text(",".join(table.columns) + "\n")
    columns = TABLES["actors"].columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(reversed(columns)))
    for key, name, aliases, description in reversed(cells):
        row = {
            "actor_id": key,
            "name": name,
            "aliases": "|".join(aliases),
            "description": description,
            "kind": "person",
            "country": "RUS",
        }
        writer.writerow([row.get(c, "") for c in reversed(columns)])
    path = folder / "actors.csv"
    path.write_text(buffer.getvalue())
    assert not format_dataset(folder).problems
    once = path.read_bytes()
    assert not format_dataset(folder).changed
    assert path.read_bytes() == once
    got = {r[0]: r for r in read_rows(path)[1:]}
    assert sorted(got) == sorted(c[0] for c in cells)

    def clean(text: str) -> str:
        return unicodedata.normalize("NFC", text).strip()

    for key, name, aliases, description in cells:
        row = dict(zip(columns, got[key], strict=True))
        assert row["name"] == clean(name)
        assert row["description"] == clean(description)
        expected: list[str] = []
        for alias in aliases:
            if clean(alias) and clean(alias) not in expected:
                expected.append(clean(alias))
        assert row["aliases"] == "|".join(expected)


# --- add ---------------------------------------------------------------------------

EVENT = [
    "--field",
    "date=2025-02-01",
    "--field",
    "kind=delivery",
    "--field",
    "provider_id=rus",
    "--field",
    "recipient_id=ven",
    "--field",
    "support_type=weapons",
    "--field",
    "responds_to_id=2025-01-pledge",
    "--field",
    "certainty=reported",
    "--field",
    "summary=A test delivery fulfilling the pledge.",
    "--field",
    "source_ids=example-2025-02-treaty",
]


def add(ds: Path, *args: str, input: str | None = None):
    from click.testing import CliRunner

    from allyledger.cli import cli

    return CliRunner().invoke(
        cli,
        ["add", "support_events", str(ds), "--as-of", "2026-11-25", *args],
        input=input,
    )


def test_add_with_fields_appends_in_place(ds):
    result = add(ds, "--no-input", *EVENT)
    assert result.exit_code == 0, result.output
    assert "added 2025-02-01-rus-delivery-ven" in result.output
    ids = [r[0] for r in read_rows(ds / "support_events.csv")[1:]]
    assert ids == sorted(ids) and "2025-02-01-rus-delivery-ven" in ids
    assert validate(ds).exit_code == 0
    assert run("fmt", ds, "--check").exit_code == 0


def test_add_refuses_existing_id(ds):
    before = (ds / "support_events.csv").read_bytes()
    result = add(ds, "--no-input", *EVENT, "--field", "event_id=2025-01-pledge")
    assert result.exit_code == 1
    assert '"2025-01-pledge" already exists' in result.output
    assert (ds / "support_events.csv").read_bytes() == before


def test_add_refuses_a_row_that_breaks_a_rule(ds):
    before = (ds / "support_events.csv").read_bytes()
    args = [a.replace("provider_id=rus", "provider_id=rusx") for a in EVENT]
    result = add(ds, "--no-input", *args)
    assert result.exit_code == 1
    assert (
        'support_events.csv: provider_id: unknown-reference: "rusx" is not an '
        'actor_id in actors.csv (did you mean "rus"?)' in result.output
    )
    assert (ds / "support_events.csv").read_bytes() == before


def test_add_reports_every_problem_at_once(ds):
    before = (ds / "support_events.csv").read_bytes()
    args = [
        a.replace("provider_id=rus", "provider_id=rusx")
        .replace("kind=delivery", "kind=gift")
        .replace(
            "source_ids=example-2025-02-treaty", "source_ids=example-2025-02-treat"
        )
        for a in EVENT
    ]
    result = add(ds, "--no-input", *args)
    assert result.exit_code == 1
    assert "the new row was not added (3 problem(s))" in result.output
    assert 'kind: unknown-value: "gift"' in result.output
    assert 'provider_id: unknown-reference: "rusx"' in result.output
    assert (
        'source_ids: unknown-reference: "example-2025-02-treat" is not a source_id '
        'in sources.csv (did you mean "example-2025-02-treaty"?)' in result.output
    )
    assert (ds / "support_events.csv").read_bytes() == before


def test_add_asks_again_for_a_reference_that_is_not_there(ds):
    # due, then provider_id (wrong, then right), then the other empty columns
    answers = "\nrusx\nrus\n" + "\n" * 8
    given = [
        x
        for pair in zip(EVENT[::2], EVENT[1::2], strict=True)
        if pair[1] != "provider_id=rus"
        for x in pair
    ]
    result = add(ds, *given, input=answers)
    assert result.exit_code == 0, result.output
    assert (
        'unknown-reference: "rusx" is not an actor_id in actors.csv (did you mean'
        in (result.output)
    )


def test_add_source_accessed_defaults_to_the_day(ds):
    from click.testing import CliRunner

    from allyledger.cli import cli

    result = CliRunner().invoke(
        cli,
        [
            "add",
            "sources",
            str(ds),
            "--as-of",
            "2026-11-25",
            "--no-input",
            "--field",
            "url=https://example.org/news/another",
            "--field",
            "title=Another story",
            "--field",
            "publisher=Example Wire",
            "--field",
            "published=2025-02",
            "--field",
            "language=en",
            "--field",
            "source_type=news",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = read_rows(ds / "sources.csv")
    header = rows[0]
    added = next(r for r in rows[1:] if r[header.index("title")] == "Another story")
    assert added[header.index("accessed")] == "2026-11-25"


def test_add_refuses_a_bad_value_from_the_command_line(ds):
    result = add(
        ds, "--no-input", *[a.replace("kind=delivery", "kind=gift") for a in EVENT]
    )
    assert result.exit_code == 1
    assert (
        'support_events.csv: kind: unknown-value: "gift" is not one of' in result.output
    )


def test_add_asks_for_missing_columns_and_retries_bad_answers(ds):
    answers = (
        "\n".join(
            [
                "",  # due: none
                "delivery",
                "rus",
                "ven",
                "parachutes",
                "weapons",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "reported",
                "Asked interactively.",
                "example-2025-02-treaty",
                "",
            ]
        )
        + "\n"
    )
    result = add(ds, "--field", "date=2025-03", input=answers)
    assert result.exit_code == 0, result.output
    assert 'unknown-value: "parachutes" is not one of' in result.output
    assert "event_id [2025-03-rus-delivery-ven]" in result.output
    rows = {r[0]: r for r in read_rows(ds / "support_events.csv")[1:]}
    assert rows["2025-03-rus-delivery-ven"][6] == "weapons"
    assert validate(ds).exit_code == 0
