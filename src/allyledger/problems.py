"""Problems found in the data, their stable codes and messages, and the error family."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

ERROR = "error"
WARNING = "warning"


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

    def render(self) -> str:
        where = self.path if self.line == 0 else f"{self.path}:{self.line}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.code}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """The record as `--format json` shows it."""
        record = asdict(self)
        return {
            "table": record["table"],
            "file": record["path"],
            "line": record["line"],
            "column": record["column"],
            "check": record["code"],
            "message": record["message"],
            "value": record["value"],
        }

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


def suggest(value: str, choices: Iterable[str]) -> str:
    """' (did you mean "x"?)' when a close match exists, else ''."""
    matches = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.75)
    return f' (did you mean "{matches[0]}"?)' if matches else ""


# Messages for the single-cell checks the models attach, keyed by pandera check name.
# Each is (stable code, template); {value} is the quoted cell.
CELL_CHECKS: dict[str, tuple[str, str]] = {
    "slug": (
        "invalid-id",
        "{value} is not a valid ID: use lowercase letters a-z, digits and single hyphens, "
        "at most 80 characters (e.g. 2026-01-03-usa-captures-maduro)",
    ),
    "slug_list": (
        "invalid-id",
        "{value} is not a |-separated list of IDs: each item is lowercase letters, digits "
        "and single hyphens, with no empty items or spaces (`allyledger fmt` removes "
        "spaces around | and empty items)",
    ),
    "list_unique": (
        "duplicate-item",
        "{value} lists the same item more than once; `allyledger fmt` drops the repeats",
    ),
    "partial_date": (
        "invalid-date",
        "{value} is not a date (use YYYY, YYYY-MM or YYYY-MM-DD, a real calendar date)",
    ),
    "full_date": ("invalid-date", "{value} is not a full date (use YYYY-MM-DD)"),
    "nfc": (
        "not-nfc",
        "{value} is not in Unicode NFC form; retype the accented letters or run "
        "`allyledger fmt`",
    ),
    "trimmed": (
        "untrimmed-text",
        "{value} has leading or trailing spaces; remove them (or run `allyledger fmt`)",
    ),
    "no_control": (
        "control-character",
        "{value} contains a control character (tab, line break or similar); remove it",
    ),
    "no_formula": (
        "formula-like-text",
        "{value} begins like a spreadsheet formula (=, +, - or @ then a letter or digit); "
        "reword it",
    ),
    "no_invisible": (
        "invisible-character",
        "{value} contains an invisible character (a bidirectional control or a "
        "zero-width character, shown escaped) that can hide or reorder text; delete it",
    ),
    "max_chars": (
        "too-long",
        "{value} is {length} characters long; {column} holds at most {limit} "
        "characters: shorten it",
    ),
    "text_list": (
        "invalid-text",
        "{value} has an item that is empty, untrimmed, not NFC, contains a control "
        "or invisible character or begins like a formula (`allyledger fmt` trims "
        "items, normalises them and drops empty ones)",
    ),
    "iso_country": (
        "unknown-country",
        "{value} is not an ISO 3166-1 alpha-3 country code (capitals, e.g. RUS, VEN)",
    ),
    "iso_language": (
        "unknown-language",
        "{value} is not an ISO 639-1 language code (two lowercase letters, e.g. en, ru, es)",
    ),
    "unit_code": (
        "unknown-unit",
        "{value} is not a unit: use an ISO 4217 currency code (e.g. USD, RUB) or one of "
        "units, personnel, barrels, tonnes",
    ),
    "wikidata_qid": (
        "invalid-wikidata-id",
        "{value} is not a Wikidata item ID (Q followed by digits, e.g. Q159)",
    ),
    "http_url": (
        "invalid-url",
        "{value} is not an http:// or https:// address of a web page",
    ),
    "non_negative_number": (
        "invalid-number",
        "{value} is not a finite number of at least 0 (digits with an optional . "
        "decimal part, no thousands separators or units)",
    ),
    "not_nullable": ("missing-value", "a value is required here"),
    "field_uniqueness": ("duplicate-value", "{value} is already used on line {first}"),
    "isin": ("unknown-value", "{value} is not one of: {allowed}{hint}"),
    "enum_list": ("unknown-value", "{value} has an item that is not one of: {allowed}"),
}


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
