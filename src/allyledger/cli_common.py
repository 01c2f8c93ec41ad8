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


def checked(dataset_dir: Path, as_of: str | None) -> Report:
    """Validate before building: print the errors (at most 1000) and return the report."""
    from allyledger.validate import check_dataset

    require_dir(dataset_dir)
    report = check_dataset(dataset_dir, as_of=as_of_date(as_of))
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
