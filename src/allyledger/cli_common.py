"""What the command modules share: option types, the date option, the error
translation (library errors become click errors only here), the dataset checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from allyledger.problems import AllyledgerError, UsageProblem

if TYPE_CHECKING:
    from allyledger.reading import TableText
    from allyledger.validate import Report

DIR = click.Path(file_okay=False, path_type=Path)
AS_OF_OPTION = click.option(
    "--as-of", help="Latest date allowed in the data (YYYY-MM-DD; default today)."
)


def where_editions_live(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of a command that fetches editions: --base-url, --cache-dir and
    --offline (one definition for `download` and `diff`)."""
    command = click.option(
        "--offline",
        is_flag=True,
        help="Use the cache only, never the network (also ALLYLEDGER_OFFLINE=1).",
    )(command)
    command = click.option(
        "--cache-dir",
        type=DIR,
        help="Cache folder (default: $ALLYLEDGER_CACHE_DIR or the user cache).",
    )(command)
    return click.option(
        "--base-url",
        help="Where editions live: a URL or a local folder "
        "(default: $ALLYLEDGER_BASE_URL or the public site).",
    )(command)


def as_of_date(value: str | None) -> dt.date | None:
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


def kept_by(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --editions option of a command that validates: where the released
    editions are, whose IDs must all stay (one definition for validate and build)."""
    return click.option(
        "--editions",
        "editions_dir",
        type=DIR,
        help="Folder of released editions (editions.json): every ID of the latest "
        "must still be in the dataset or be recorded in retired_ids.csv (default: "
        "editions/ beside DATASET_DIR, where it exists).",
    )(command)


def released_of(dataset_dir: Path, editions_dir: Path | None) -> Path | None:
    """The latest edition's folder in `editions_dir`, else in editions/ beside the
    dataset; None where there is none (a new dataset has released nothing)."""
    from allyledger.released import latest_edition

    if editions_dir is not None:
        if not (editions_dir / "editions.json").is_file():
            raise UsageProblem(f"{editions_dir} holds no editions.json")
        return latest_edition(editions_dir)
    return latest_edition(dataset_dir.absolute().parent / "editions")


def checked(
    dataset_dir: Path,
    as_of: str | None,
    released: Path | None = None,
    after_reading: Callable[[dict[str, TableText]], None] | None = None,
) -> Report:
    """Validate before building: print the errors (at most 1000) and return the report.
    `after_reading` is `check_dataset`'s (where the build starts on the text)."""
    from allyledger.validate import check_dataset

    require_dir(dataset_dir)
    report = check_dataset(
        dataset_dir,
        as_of=as_of_date(as_of),
        released=released,
        after_reading=after_reading,
    )
    for problem in report.errors[:1000]:
        click.echo(problem.render(), err=True)
    return report


def require_dir(folder: Path) -> None:
    if not folder.is_dir():
        from allyledger.schemas import inputs

        raise UsageProblem(
            f"{folder} is not a folder (expected a dataset folder holding "
            + ", ".join(t.filename for t in inputs().values())
            + ")"
        )
