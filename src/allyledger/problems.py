"""Problems found in the data, their stable codes and messages, and the error family."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from allyledger.catalogue import ERROR, PROBLEMS


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong (or worth a look) at one place in one file.

    `line` is the physical line where the row starts (the header is line 1); 0 means
    the whole file. `column` is empty when the problem is not about one column.
    """

    path: str
    line: int
    column: str
    code: str
    message: str
    value: str | None = None
    table: str = ""
    severity: str = field(default=ERROR, compare=False)

    def __post_init__(self) -> None:
        if self.code not in PROBLEMS:
            raise ValueError(f"problem code {self.code!r} is not in the catalogue")

    @classmethod
    def of(
        cls,
        code: str,
        path: str,
        line: int,
        column: str = "",
        value: str | None = None,
        table: str = "",
        **fill: object,
    ) -> Problem:
        """A problem of catalogue type `code`, its message filled from `fill`."""
        kind = PROBLEMS[code]
        return cls(
            path, line, column, code, kind.message(**fill), value, table, kind.severity
        )

    def render(self) -> str:
        where = self.path if self.line == 0 else f"{self.path}:{self.line}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.code}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """The record as `--format json` shows it: its own field names."""
        return asdict(self)

    def github(self) -> str:
        """A GitHub Actions workflow command that annotates the offending line."""
        kind = "error" if self.severity == ERROR else "warning"
        props = [f"file={_gh_escape(self.path, prop=True)}"]
        if self.line:
            props.append(f"line={self.line}")
        title = f"{self.code}" + (f" ({self.column})" if self.column else "")
        props.append(f"title={_gh_escape(title, prop=True)}")
        return f"::{kind} {','.join(props)}::{_gh_escape(self.message)}"


def _gh_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def quote(value: object, limit: int = 60) -> str:
    """Show a cell value in a message: quoted, escaped, shortened."""
    text = str(value)
    shown = (
        text.encode("unicode_escape").decode("ascii")
        if not text.isprintable()
        else text
    )
    if len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return f'"{shown}"'


def article(word: str) -> str:
    """'an' before a vowel, else 'a' ("an actor_id", "a source_id")."""
    return "an" if word[:1] in "aeiou" else "a"


def suggest(value: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close match exists, else ''."""
    matches = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return f' (did you mean "{matches[0]}"?)' if matches else ""


class AllyledgerError(Exception):
    """Base of the errors the library raises for a user's mistake or bad input.

    Each carries a one-line `message` and the `exit_code` the command line exits with;
    only `cli.py` turns them into click errors, so the library never needs click.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DataInvalid(AllyledgerError):
    """The dataset has errors (exit 1)."""

    exit_code = 1


class UsageProblem(AllyledgerError):
    """Bad usage or unreadable input (exit 2)."""

    exit_code = 2


class EditionExists(AllyledgerError):
    """An edition of that name already exists with other content (exit 1)."""

    exit_code = 1


class ChecksumMismatch(AllyledgerError):
    """A downloaded file does not match the checksum in editions.json."""

    exit_code = 1
