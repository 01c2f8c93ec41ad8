"""The `allyledger` command line: parse options, call the library, render the result."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from allyledger import __version__
from allyledger.cli_common import (
    AS_OF_OPTION,
    DIR,
    Group,
    as_of_date,
    checked,
    kept_by,
    released_of,
    require_dir,
    where_editions_live,
)
from allyledger.cli_contrib import COMMANDS
from allyledger.problems import DataInvalid

if TYPE_CHECKING:
    pass


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
@kept_by
def validate(
    dataset_dir: Path,
    fmt: str,
    as_of: str | None,
    max_errors: int,
    editions_dir: Path | None,
) -> None:
    """Check every table in DATASET_DIR and print every problem found."""
    from allyledger.prefetch import start_reading

    start_reading(dataset_dir)  # before the checks' libraries are imported
    from allyledger.validate import check_dataset

    require_dir(dataset_dir)
    report = check_dataset(
        dataset_dir,
        as_of=as_of_date(as_of),
        released=released_of(dataset_dir, editions_dir),
    )
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
@kept_by
def build(
    dataset_dir: Path, out_dir: Path, as_of: str | None, editions_dir: Path | None
) -> None:
    """Validate DATASET_DIR and build typed Parquet and datapackage.json into --out."""
    from allyledger.prefetch import start_reading

    start_reading(dataset_dir)  # before the checks' libraries are imported
    from allyledger.build import Ahead, build_edition

    # The build starts on the tables as soon as they are read, while they are checked.
    ahead = Ahead(as_of_date(as_of) or dt.date.today())
    released = released_of(dataset_dir, editions_dir)
    report = checked(dataset_dir, as_of, released, after_reading=ahead.start)
    result = build_edition(dataset_dir, out_dir, report=report, ahead=ahead)
    counts = ", ".join(f"{n} {name}" for name, n in result.row_counts.items())
    click.echo(f"built {out_dir}: {counts}")


@cli.command()
@click.argument("edition")
@click.argument("dataset_dir", type=DIR, default="dataset")
@click.option(
    "--dist",
    "dist_dir",
    type=DIR,
    default="editions",
    show_default=True,
    help="Folder holding the editions and editions.json (the repository's "
    "editions/, which the release workflow publishes).",
)
@click.option("--as-of", help="The edition's date (YYYY-MM-DD; default today).")
@click.option(
    "--changelog",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Changelog to add the edition's entry to "
    "(default: the CHANGELOG.md beside DATASET_DIR).",
)
@click.option(
    "--zenodo",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the edition's Zenodo metadata here (created if missing). Without it, "
    "the .zenodo.json beside DATASET_DIR is updated when an earlier release wrote it.",
)
@click.option(
    "--citation",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CITATION.cff whose version and date-released become the edition's "
    "(default: the one beside DATASET_DIR, where there is one).",
)
@click.option(
    "--bundle",
    type=click.Path(file_okay=False, path_type=Path),
    help="Copy the edition's tables here for the package to carry (created if "
    "missing). Without it, src/allyledger/bundled beside DATASET_DIR is refreshed "
    "when an earlier release wrote it.",
)
def release(
    edition: str,
    dataset_dir: Path,
    dist_dir: Path,
    as_of: str | None,
    changelog: Path | None,
    citation: Path | None,
    zenodo: Path | None,
    bundle: Path | None,
) -> None:
    """Validate, build and publish EDITION (YEAR.N) of DATASET_DIR into --dist."""
    from allyledger.release import release_edition
    from allyledger.released import edition_key

    edition_key(edition)
    if changelog is None:
        changelog = dataset_dir.absolute().parent / "CHANGELOG.md"
    if citation is None:
        citation = dataset_dir.absolute().parent / "CITATION.cff"
    # Against the latest edition of --dist: the one this release follows.
    from allyledger.release import check_dist, read_index
    from allyledger.released import latest_edition

    check_dist(dist_dir, dataset_dir)
    read_index(dist_dir)  # a damaged editions.json is refused before anything else
    report = checked(dataset_dir, as_of, latest_edition(dist_dir, before=edition))
    result = release_edition(
        edition,
        dataset_dir,
        dist_dir,
        as_of=as_of_date(as_of),
        changelog=changelog,
        report=report,
        citation=citation,
        readme=dataset_dir.absolute().parent / "README.md",
        zenodo=zenodo or dataset_dir.absolute().parent / ".zenodo.json",
        create_zenodo=zenodo is not None,
        bundle=bundle
        or dataset_dir.absolute().parent / "src" / "allyledger" / "bundled",
        create_bundle=bundle is not None,
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
    if result.citation is not None:
        click.echo(f"set {result.citation} to version {edition}")
    if result.zenodo is not None:
        click.echo(f"wrote the Zenodo metadata of {edition} to {result.zenodo}")
    if result.readme is not None:
        click.echo(f"refreshed the counts in {result.readme} from edition {edition}")
    if result.bundle is not None:
        click.echo(f"bundled the tables of {edition} in {result.bundle}")


@cli.command()
@click.argument("source", default="build")
@click.option(
    "--by",
    type=click.Choice(["dyad", "crisis", "patron"]),
    default="dyad",
    show_default=True,
    help="One row per provider -> recipient, per dyad and crisis, or per provider.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.option(
    "--established-only",
    is_flag=True,
    help="Count only confirmed and reported promises.",
)
def ledger(source: str, by: str, fmt: str, established_only: bool) -> None:
    """What came of every promise: counts of each outcome, shares and lags.

    SOURCE is a build or edition folder (default: build) or an edition name
    (e.g. 2026.1, or latest), downloaded and cached as `allyledger.load` does.
    Per dyad and patron it adds the Kaplan–Meier share of pledges delivered within
    30, 90 and 365 days (low–high where dates are imprecise).
    """
    from allyledger.metrics import headline
    from allyledger.metrics import ledger as ledger_table
    from allyledger.tabulate import render

    if by == "crisis":
        table = ledger_table(source, by="crisis", established_only=established_only)
    else:
        table = headline(source, by=by, established_only=established_only)  # type: ignore[arg-type]
    click.echo(render(table, fmt))


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit with 1 when the two differ (0 when they are the same), as git does.",
)
@where_editions_live
def diff(
    old: str,
    new: str,
    fmt: str,
    exit_code: bool,
    base_url: str | None,
    cache_dir: Path | None,
    offline: bool,
) -> None:
    """Show the rows added, removed and changed between OLD and NEW.

    Each is an edition, build or dataset folder, or an edition name (e.g. 2026.1,
    or latest), fetched and cached as `allyledger.load` does.
    """
    from allyledger.diff import diff_folders, render_json, render_markdown, render_text
    from allyledger.loader import folder_of

    folders = [
        folder_of(source, base_url=base_url, cache_dir=cache_dir, offline=offline)
        for source in (old, new)
    ]
    diffs = diff_folders(*folders)
    render = {"text": render_text, "json": render_json, "markdown": render_markdown}[
        fmt
    ]
    click.echo(render(diffs))
    if exit_code and not all(d.empty for d in diffs.values()):
        raise SystemExit(1)


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
@where_editions_live
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


for command in COMMANDS:
    cli.add_command(command)
