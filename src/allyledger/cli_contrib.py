"""The contributors' commands: fmt, add, docs, schemas and report."""

from __future__ import annotations

from pathlib import Path

import click

from allyledger.cli_common import AS_OF_OPTION, DIR, as_of_date, require_dir
from allyledger.problems import DataInvalid, UsageProblem


@click.command("schemas")
@click.option("--out", "out_dir", type=DIR, default="schemas", show_default=True)
@click.option(
    "--check", is_flag=True, help="Change nothing; exit 1 if a file is stale."
)
def schemas_command(out_dir: Path, check: bool) -> None:
    """Write the JSON Table Schemas (schemas/*.json) generated from the models."""
    from allyledger.docs import write_schema_files

    stale = write_schema_files(out_dir, check=check)
    for path in stale:
        click.echo(f"{'stale' if check else 'wrote'} {path}")
    if check and stale:
        raise DataInvalid("generated schema files are stale; run `allyledger schemas`")


@click.command("fmt")
@click.argument("dataset_dir", type=DIR, default="dataset")
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing; exit 1 naming the files that are not in canonical form.",
)
def fmt_command(dataset_dir: Path, check: bool) -> None:
    """Rewrite the CSVs of DATASET_DIR in canonical form (order, sorting, clean cells)."""
    from allyledger.fmt import format_dataset, require_formattable

    require_dir(dataset_dir)
    result = format_dataset(dataset_dir, check=check)
    for problem in result.problems:
        click.echo(problem.render(), err=True)
    require_formattable(result)
    for path in result.changed:
        click.echo(f"{'would reformat' if check else 'reformatted'} {path}")
    if check and result.changed:
        raise DataInvalid(f"{len(result.changed)} file(s) need `allyledger fmt`")
    if not result.changed:
        click.echo(f"{dataset_dir}: already canonical", err=True)


@click.command("add")
@click.argument("table")
@click.argument("dataset_dir", type=DIR, default="dataset")
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="COLUMN=VALUE",
    help="A column's value; repeat for each. Columns not given are asked for "
    "(or left empty with --no-input).",
)
@click.option("--no-input", is_flag=True, help="Ask nothing; take only --field values.")
@AS_OF_OPTION
def add_command(
    table: str,
    dataset_dir: Path,
    fields: tuple[str, ...],
    no_input: bool,
    as_of: str | None,
) -> None:
    """Append a checked row to TABLE (one of the dataset's tables, e.g. sources)."""
    from allyledger.add import add_row

    require_dir(dataset_dir)
    given: dict[str, str] = {}
    for item in fields:
        column, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(
                f"{item!r} is not COLUMN=VALUE", param_hint="--field"
            )
        given[column.strip()] = value

    def ask(
        column: str, description: str, choices: list[str] | None, default: str | None
    ) -> str:
        click.echo(click.style(column, bold=True) + f": {description}", err=True)
        if choices:
            click.echo(
                "  one of: " + ", ".join(choices) + " (empty for none)", err=True
            )
        answer: str = click.prompt(
            f"  {column}", default=default or "", show_default=bool(default), err=True
        )
        return answer

    key, others = add_row(
        dataset_dir,
        table,
        given,
        ask=None if no_input else ask,
        as_of=as_of_date(as_of),
    )
    click.echo(f"added {key} to {dataset_dir}/{table}.csv")
    if others:
        click.echo(
            f"note: {dataset_dir} has {len(others)} other error(s); run "
            "`allyledger validate`",
            err=True,
        )


@click.command("docs")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="docs/codebook.md",
    show_default=True,
)
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if it is stale.")
@click.option(
    "--readme",
    type=click.Path(dir_okay=False, path_type=Path),
    default="README.md",
    show_default=True,
    help='README whose "What\'s inside" block is regenerated from --dataset.',
)
@click.option(
    "--dataset", "dataset_dir", type=DIR, default="dataset", show_default=True
)
@click.option(
    "--as-of",
    help="Date the README's outcome table is judged at (YYYY-MM-DD; default: the "
    "date it already states).",
)
def docs_command(
    out_path: Path, check: bool, readme: Path, dataset_dir: Path, as_of: str | None
) -> None:
    """Write the codebook (every table, column and value) generated from the models,
    and refresh the README's "What's inside" counts and outcome table from the latest
    edition in the editions/ beside DATASET (or from DATASET while there is none), so
    editing the data alone never makes the README stale."""
    from allyledger.docs import write_codebook
    from allyledger.stats import latest_edition, refresh_outcomes, refresh_readme

    stale = []
    if write_codebook(out_path, check=check):
        stale.append(out_path)
    if readme.exists() and dataset_dir.is_dir():
        source = latest_edition(dataset_dir.absolute().parent / "editions")
        source = source or dataset_dir
        outcomes = refresh_outcomes(
            readme, source, as_of=as_of_date(as_of), check=check
        )
        if refresh_readme(readme, source, check=check) or outcomes:
            stale.append(readme)
    if check and stale:
        raise DataInvalid(f"{', '.join(map(str, stale))} stale; run `allyledger docs`")
    for path in stale:
        click.echo(f"wrote {path}")


@click.command("report")
@click.argument("folder", type=DIR, default="build")
@click.option("--out", "out_dir", type=DIR, default="report", show_default=True)
def report_command(folder: Path, out_dir: Path) -> None:
    """Write a self-contained HTML report of a build or edition FOLDER into --out."""
    from allyledger.report import write_report

    require_dir(folder)
    if not (folder / "support_events.parquet").exists():
        raise UsageProblem(
            f"{folder} holds no built tables; run `allyledger build` first"
        )
    path = write_report(folder, out_dir)
    click.echo(f"wrote {path}")


COMMANDS = [schemas_command, fmt_command, add_command, docs_command, report_command]
