"""The `allyledger` command line: parse options, call the library, render the result."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from allyledger import __version__
from allyledger.problems import AllyledgerError, DataInvalid, UsageProblem

if TYPE_CHECKING:
    from allyledger.validate import Report

DIR = click.Path(file_okay=False, path_type=Path)
AS_OF_OPTION = click.option(
    "--as-of", help="Latest date allowed in the data (YYYY-MM-DD; default today)."
)


def _as_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)") from None


class Failed(click.ClickException):
    """A library error as click shows it: `Error: <message>` and its exit code."""

    def __init__(self, error: AllyledgerError) -> None:
        super().__init__(error.message)
        self.exit_code = error.exit_code  # type: ignore[misc]  # per error, not class


class Group(click.Group):
    """The command group: the one place library errors become click errors."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except AllyledgerError as error:
            raise Failed(error) from None


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="allyledger")
def cli() -> None:
    """Validate, build and release the allyledger dataset."""


@cli.command()
@click.argument("dataset_dir", type=DIR, default="dataset")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "github"]),
    default="text",
    show_default=True,
    help="How to print the problems.",
)
@AS_OF_OPTION
@click.option(
    "--max-errors",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Print at most this many errors (the total is always stated); 0 = all.",
)
def validate(dataset_dir: Path, fmt: str, as_of: str | None, max_errors: int) -> None:
    """Check every table in DATASET_DIR and print every problem found."""
    from allyledger.validate import check_dataset

    _require_dir(dataset_dir)
    report = check_dataset(dataset_dir, as_of=_as_of(as_of))
    cap = max_errors or None
    shown = report.errors[:cap] if cap else report.errors
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(cap), indent=2, ensure_ascii=False))
    else:
        for problem in [*shown, *report.warnings]:
            line = problem.github() if fmt == "github" else problem.render()
            if fmt == "text" and problem.severity == "warning":
                line = f"{line} [warning]"
            click.echo(line, err=fmt == "text")
    if len(shown) < len(report.errors) and fmt != "json":
        click.echo(
            f"... and {len(report.errors) - len(shown)} more error(s) not shown "
            "(--max-errors 0 shows all)",
            err=True,
        )
    if not report.valid:
        raise DataInvalid(
            f"{len(report.errors)} error(s), {len(report.warnings)} "
            f"warning(s) in {dataset_dir}"
        )
    if fmt == "text":
        rows = sum(len(t.frame) for t in report.tables.values())
        click.echo(
            f"{dataset_dir}: valid ({rows} rows, {len(report.warnings)} warning(s))",
            err=True,
        )


@cli.command()
@click.argument("dataset_dir", type=DIR, default="dataset")
@click.option(
    "--out",
    "out_dir",
    type=DIR,
    default="build",
    show_default=True,
    help="Folder to write the build into (replaced whole on success).",
)
@AS_OF_OPTION
def build(dataset_dir: Path, out_dir: Path, as_of: str | None) -> None:
    """Validate DATASET_DIR and build typed Parquet and datapackage.json into --out."""
    from allyledger.build import build_edition

    report = _checked(dataset_dir, as_of)
    result = build_edition(dataset_dir, out_dir, report=report)
    counts = ", ".join(f"{n} {name}" for name, n in result.row_counts.items())
    click.echo(f"built {out_dir}: {counts}")


@cli.command("schemas")
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


def _checked(dataset_dir: Path, as_of: str | None) -> Report:
    """Validate before building: print the errors (at most 1000) and return the report."""
    from allyledger.validate import check_dataset

    _require_dir(dataset_dir)
    report = check_dataset(dataset_dir, as_of=_as_of(as_of))
    for problem in report.errors[:1000]:
        click.echo(problem.render(), err=True)
    return report


def _require_dir(folder: Path) -> None:
    if not folder.is_dir():
        from allyledger.schemas import TABLES

        raise UsageProblem(
            f"{folder} is not a folder (expected a dataset folder holding "
            + ", ".join(t.filename for t in TABLES.values())
            + ")"
        )


@cli.command()
@click.argument("edition")
@click.argument("dataset_dir", type=DIR, default="dataset")
@click.option(
    "--dist",
    "dist_dir",
    type=DIR,
    default="dist",
    show_default=True,
    help="Folder holding the editions and editions.json.",
)
@click.option("--as-of", help="The edition's date (YYYY-MM-DD; default today).")
@click.option(
    "--changelog",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Changelog to add the edition's entry to "
    "(default: the CHANGELOG.md beside DATASET_DIR).",
)
def release(
    edition: str,
    dataset_dir: Path,
    dist_dir: Path,
    as_of: str | None,
    changelog: Path | None,
) -> None:
    """Validate, build and publish EDITION (YEAR.N) of DATASET_DIR into --dist."""
    from allyledger.release import edition_key, release_edition

    edition_key(edition)
    if changelog is None:
        changelog = dataset_dir.absolute().parent / "CHANGELOG.md"
    report = _checked(dataset_dir, as_of)
    result = release_edition(
        edition,
        dataset_dir,
        dist_dir,
        as_of=_as_of(as_of),
        changelog=changelog,
        report=report,
    )
    if not result.created:
        click.echo(
            f"edition {edition} already exists in {dist_dir} with identical "
            "content; nothing to do"
        )
        return
    counts = ", ".join(f"{n} {name}" for name, n in result.row_counts.items())
    click.echo(f"released {result.folder}: {counts}")
    if result.diffs is not None:
        for name, d in result.diffs.items():
            click.echo(f"  {name}: {d.summary()} since {result.previous}")
    if result.changelog is not None:
        click.echo(f"added the {edition} entry to {result.changelog}")


@cli.command()
@click.argument("old", type=DIR)
@click.argument("new", type=DIR)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
def diff(old: Path, new: Path, fmt: str) -> None:
    """Show the rows added, removed and changed between two folders.

    OLD and NEW are editions, builds or dataset folders.
    """
    from allyledger.diff import diff_folders, render_json, render_markdown, render_text

    diffs = diff_folders(old, new)
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}[
        fmt
    ]
    click.echo(render(diffs))


@cli.command()
@click.argument("edition", default="latest")
@click.option(
    "--to",
    "to_dir",
    type=DIR,
    required=True,
    help="Folder to copy it into: missing, empty or an earlier download (replaced "
    "whole once every file is verified).",
)
@click.option(
    "--base-url",
    help="Where editions live (default: $ALLYLEDGER_BASE_URL or the public site).",
)
@click.option("--cache-dir", type=DIR, help="Cache folder (default: the user cache).")
@click.option(
    "--offline",
    is_flag=True,
    help="Use the cache only, never the network (also ALLYLEDGER_OFFLINE=1).",
)
def download(
    edition: str,
    to_dir: Path,
    base_url: str | None,
    cache_dir: Path | None,
    offline: bool,
) -> None:
    """Download EDITION (default latest), verified by SHA-256, into --to."""
    import warnings

    from rich.console import Console
    from rich.progress import Progress

    from allyledger.loader import StaleIndexWarning
    from allyledger.loader import download as fetch_edition

    log: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recorded:
            log = recorded
            warnings.simplefilter("always", StaleIndexWarning)
            console = Console(stderr=True)
            with Progress(
                transient=True, console=console, disable=not console.is_terminal
            ) as progress:
                task = progress.add_task(f"edition {edition}", total=None)

                def advance(name: str, done: int, total: int) -> None:
                    progress.update(task, total=total, completed=done, description=name)

                paths = fetch_edition(
                    edition,
                    to_dir,
                    base_url=base_url,
                    cache_dir=cache_dir,
                    on_file=advance,
                    offline=offline,
                )
    finally:
        for item in log:
            if issubclass(item.category, StaleIndexWarning):
                click.echo(f"warning: {item.message}", err=True)
            else:
                warnings.warn_explicit(
                    item.message, item.category, item.filename, item.lineno
                )
    click.echo(f"downloaded {len(paths)} files into {to_dir}")


@cli.command("fmt")
@click.argument("dataset_dir", type=DIR, default="dataset")
@click.option(
    "--check",
    is_flag=True,
    help="Change nothing; exit 1 naming the files that are not in canonical form.",
)
def fmt_command(dataset_dir: Path, check: bool) -> None:
    """Rewrite the CSVs of DATASET_DIR in canonical form (order, sorting, clean cells)."""
    from allyledger.fmt import format_dataset, require_formattable

    _require_dir(dataset_dir)
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


@cli.command("add")
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

    _require_dir(dataset_dir)
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
        dataset_dir, table, given, ask=None if no_input else ask, as_of=_as_of(as_of)
    )
    click.echo(f"added {key} to {dataset_dir}/{table}.csv")
    if others:
        click.echo(
            f"note: {dataset_dir} has {len(others)} other error(s); run "
            "`allyledger validate`",
            err=True,
        )


@cli.command("docs")
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
def docs_command(out_path: Path, check: bool, readme: Path, dataset_dir: Path) -> None:
    """Write the codebook (every table, column and value) generated from the models,
    and refresh the README's "What's inside" counts from the dataset."""
    from allyledger.docs import write_codebook
    from allyledger.stats import refresh_readme

    stale = []
    if write_codebook(out_path, check=check):
        stale.append(out_path)
    if readme.exists() and dataset_dir.is_dir():
        if refresh_readme(readme, dataset_dir, check=check):
            stale.append(readme)
    if check and stale:
        raise DataInvalid(f"{', '.join(map(str, stale))} stale; run `allyledger docs`")
    for path in stale:
        click.echo(f"wrote {path}")


@cli.command("report")
@click.argument("folder", type=DIR, default="build")
@click.option("--out", "out_dir", type=DIR, default="report", show_default=True)
def report_command(folder: Path, out_dir: Path) -> None:
    """Write a self-contained HTML report of a build or edition FOLDER into --out."""
    from allyledger.report import write_report

    _require_dir(folder)
    if not (folder / "support_events.parquet").exists():
        raise UsageProblem(
            f"{folder} holds no built tables; run `allyledger build` first"
        )
    path = write_report(folder, out_dir)
    click.echo(f"wrote {path}")
