"""The one catalogue of problems: every code the validator can report, defined once.

Each `ProblemType` has a stable code, a severity, a title, a description (for the
codebook) and a message template whose `{fields}` the place that finds it fills in.
The reader, the models, the cross-table rules and the codebook all draw on it, and a
`Problem` with a code not defined here cannot be made.

Checks that several cells share a code (an ID and a list of IDs are both
`invalid-id`) declare their own wording beside the check (`cell_check`, `row_rule`);
the code, severity and description still come from here.

Plumbing: this module imports nothing of pandas, pandera or click.
"""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"
# scopes: where a problem is found
FILE, CELL, ROW, ACROSS, TOOL = "file", "cell", "row", "across", "tool"


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: what it is called, how bad it is, what it says."""

    code: str
    scope: str
    title: str
    template: str
    description: str
    severity: str = ERROR
    column: str = ""  # the column a row rule points at

    def message(self, **fill: object) -> str:
        """The message, its `{fields}` filled in."""
        return self.template.format(**fill)


PROBLEMS: dict[str, ProblemType] = {}


def define(
    code: str,
    scope: str,
    title: str,
    template: str,
    description: str,
    *,
    severity: str = ERROR,
    column: str = "",
) -> ProblemType:
    """Add a problem type to the catalogue; a code is defined only once."""
    if code in PROBLEMS:
        raise ValueError(f"problem code {code!r} is defined twice")
    entry = ProblemType(code, scope, title, template, description, severity, column)
    PROBLEMS[code] = entry
    return entry


# --- the file as a whole ----------------------------------------------------------
_FILE = [
    (
        "missing-file",
        "Missing file",
        "{filename} is missing; every dataset has the tables {tables} (create it with "
        "the header: {header})",
        "A table's CSV file is not in the dataset folder.",
    ),
    (
        "not-a-file",
        "Not a file",
        "is not a regular file",
        "The table's path is a folder or a device, not a file.",
    ),
    (
        "symlink-outside",
        "Link outside the dataset",
        "is a link to {target}, outside the dataset folder; copy the file in instead",
        "The file is a symbolic link to a place outside the dataset folder.",
    ),
    (
        "unreadable-file",
        "Unreadable file",
        "cannot be read: {reason}",
        "The operating system refused to read the file.",
    ),
    (
        "empty-file",
        "Empty file",
        "the file is empty; it needs at least the header line: {header}",
        "The file holds nothing, not even the header.",
    ),
    (
        "binary-content",
        "Binary content",
        "contains a NUL byte at byte offset {offset}; this does not look like a text "
        "CSV file",
        "The file holds a NUL byte: it is not text.",
    ),
    (
        "cr-line-endings",
        "Old Mac line endings",
        "lines end with a bare carriage return (old Mac style); save the file with LF "
        "or CRLF line endings",
        "Lines end with a bare carriage return.",
    ),
    (
        "blank-header",
        "Blank first line",
        "line 1 is empty; the header must be the first line: {header}",
        "The header is not on the first line.",
    ),
    (
        "wrong-delimiter",
        "Not comma-separated",
        "this file looks {delimiter}-separated (as spreadsheets save CSV in some "
        "locales); save it as comma-separated CSV (UTF-8), or run `allyledger fmt`, "
        "which converts it",
        "The file is separated by semicolons or tabs; `fmt` converts it to commas.",
    ),
    (
        "bad-header",
        "Unparseable header",
        "the header line cannot be parsed as CSV",
        "The first line is not a CSV header.",
    ),
    (
        "not-utf8",
        "Not UTF-8",
        "byte 0x{byte} at byte offset {offset} is not valid UTF-8; save the file as "
        "UTF-8",
        "The file is not encoded as UTF-8.",
    ),
    (
        "duplicate-column",
        "Column twice",
        "column {name} appears twice",
        "The header names a column more than once.",
    ),
    (
        "unknown-column",
        "Unknown column",
        "{name} is not a column of {table_name}{hint}; the columns are: {columns}",
        "The header names a column the table does not have.",
    ),
    (
        "missing-column",
        "Missing column",
        "the column {name} is missing from the header; add it (`allyledger fmt` adds "
        "missing columns, empty)",
        "The header lacks one of the table's columns.",
    ),
    (
        "blank-row",
        "Blank row",
        "this row is blank (only separators, as a spreadsheet leaves them); delete it, "
        "or run `allyledger fmt`, which drops blank rows",
        "A row has no value at all; it is left out of every other rule.",
    ),
    (
        "ragged-row",
        "Ragged row",
        "this row has {cells} cells but the header has {columns}; check for a missing "
        "or extra comma, or quote cells that contain commas",
        "A row has more or fewer cells than the header.",
    ),
    (
        "unclosed-quote",
        "Unclosed quote",
        'a quoted cell that starts on this line is never closed; add the closing "',
        "A quoted cell runs to the end of the file.",
    ),
    (
        "bad-quote",
        "Broken quoting",
        "the CSV quoting is broken here ({detail}); a cell with a quote inside must be "
        'quoted and the inner quote doubled ("")',
        "A quote inside a cell is not escaped; reported where the cell began.",
    ),
]

# --- one cell (the wording of each check is declared beside it) ----------------
_CELL = [
    (
        "missing-value",
        "Missing value",
        "a value is required here",
        "A required cell is empty.",
    ),
    (
        "duplicate-value",
        "Duplicate value",
        "{value} is already used on line {first}",
        "A value that must be unique (a URL, a Wikidata ID) appears twice.",
    ),
    (
        "duplicate-id",
        "Duplicate ID",
        "{value} is already used on line {first}",
        "Two rows share an ID.",
    ),
    (
        "invalid-id",
        "Invalid ID",
        "{value} is not a valid ID",
        "An ID is not a lowercase slug of at most 80 characters.",
    ),
    (
        "duplicate-item",
        "Repeated list item",
        "{value} lists the same item more than once",
        "A |-list repeats an item; `fmt` drops the repeats.",
    ),
    (
        "invalid-date",
        "Invalid date",
        "{value} is not a date",
        "A date is not YYYY, YYYY-MM or YYYY-MM-DD, or names no real day.",
    ),
    (
        "not-nfc",
        "Not NFC",
        "{value} is not in Unicode NFC form",
        "Text is not in Unicode normal form C; `fmt` normalises it.",
    ),
    (
        "untrimmed-text",
        "Untrimmed text",
        "{value} has leading or trailing spaces",
        "Text starts or ends with spaces; `fmt` trims it.",
    ),
    (
        "control-character",
        "Control character",
        "{value} contains a control character",
        "Text holds a tab, line break or other control character.",
    ),
    (
        "formula-like-text",
        "Formula-like text",
        "{value} begins like a spreadsheet formula",
        "Text begins with =, +, - or @ and a letter or digit, which a spreadsheet would "
        "run.",
    ),
    (
        "invisible-character",
        "Invisible character",
        "{value} contains an invisible character",
        "Text holds a bidirectional control or a zero-width character (joiners are "
        "allowed inside the scripts that need them).",
    ),
    (
        "too-long",
        "Text too long",
        "{value} is too long",
        "Text is longer than its column's stated maximum.",
    ),
    (
        "invalid-text",
        "Invalid list item",
        "{value} has an invalid item",
        "An item of a |-list of text breaks one of the text rules.",
    ),
    (
        "unknown-country",
        "Unknown country",
        "{value} is not a country code",
        "Not an ISO 3166-1 alpha-3 code.",
    ),
    (
        "unknown-language",
        "Unknown language",
        "{value} is not a language code",
        "Not an ISO 639-1 code.",
    ),
    (
        "unknown-unit",
        "Unknown unit",
        "{value} is not a unit",
        "Neither an ISO 4217 currency code nor one of the physical units.",
    ),
    (
        "invalid-wikidata-id",
        "Invalid Wikidata ID",
        "{value} is not a Wikidata item ID",
        "Not Q followed by digits.",
    ),
    (
        "invalid-state-number",
        "Invalid state number",
        "{value} is not a state number",
        "Not a whole number from 1 to 9999 (a Correlates of War or Gleditsch–Ward "
        "state number).",
    ),
    (
        "invalid-url",
        "Invalid URL",
        "{value} is not a web address",
        "Not an http:// or https:// address.",
    ),
    (
        "invalid-number",
        "Invalid number",
        "{value} is not a number",
        "Not a finite number of at least 0 written with digits.",
    ),
    (
        "unknown-value",
        "Unknown value",
        "{value} is not one of: {allowed}{hint}",
        "A value is not in the column's closed vocabulary.",
    ),
]

# --- across tables -----------------------------------------------------------------
_ACROSS = [
    (
        "unknown-reference",
        "Unknown reference",
        "{quoted} is not {article} {key} in {target}{hint}; add it there or fix the "
        "spelling",
        "Every `*_id` and every element of `source_ids` names an existing row.",
    ),
    (
        "date-after-as-of",
        "Date after the as-of date",
        "{quoted} is after the as-of date {limit}; fix the date (or pass a later --as-of)",
        "No date is after the edition's as-of date.",
    ),
    (
        "reply-other-recipient",
        "Reply to another recipient",
        "responds to {target}, whose recipient is {target_recipient}, not "
        "{recipient}; a reply concerns the same recipient",
        "An event's `responds_to_id` points at an event with the same recipient.",
    ),
    (
        "reply-other-provider",
        "Reply by another provider",
        "responds to the {kind} {target} by {target_provider}, but this event's "
        "provider is {provider}; an answer to a {kind} has the same provider and "
        "recipient",
        "An answer to a pledge, delivery, withholding or withdrawal has the same "
        "provider.",
    ),
    (
        "reply-before-event",
        "Reply before the event",
        "responds to {target}, dated {target_date}, after this event ({date}); a reply "
        "cannot precede what it answers",
        "The event answered is not dated after the answer (periods compare by their "
        "first and last days).",
    ),
    (
        "reply-cycle",
        "Loop of replies",
        "{quoted} is part of a responds_to_id loop; a chain of replies must end at an "
        "event that responds to nothing",
        "Chains of `responds_to_id` end.",
    ),
    (
        "relationship-mismatch",
        "Relationship of other actors",
        "{quoted} joins {from_actor} and {to_actor}, but this event is between "
        "{provider} and {recipient}; link a relationship of the same two actors or "
        "clear it",
        "An event's `relationship_id` joins the same two actors as the event.",
    ),
]

for code, title, template, description in _FILE:
    define(code, FILE, title, template, description)
for code, title, template, description in _CELL:
    define(code, CELL, title, template, description)
for code, title, template, description in _ACROSS:
    define(code, ACROSS, title, template, description)
define(
    "unused-source",
    ACROSS,
    "Unused source",
    "{quoted} is cited by no relationship, event or other source",
    "A source that nothing cites.",
    severity=WARNING,
)
define(
    "unsorted-rows",
    FILE,
    "Unsorted rows",
    "rows are not sorted by {key} ({count} out of place, first {quoted}); run "
    "`allyledger fmt` to sort them",
    "Rows are not in ID order; `fmt` sorts them.",
    severity=WARNING,
)
define(
    "released-id-missing",
    ACROSS,
    "Released ID missing",
    "{quoted} was released in edition {edition} and is no longer in {filename}; "
    "released IDs are permanent: restore the row, or record it in retired_ids.csv "
    "(old_id, table, new_id for a rename or empty for a removal, reason, retired)",
    "Every ID of the latest edition is still in its table, or is recorded in "
    "retired_ids.",
)
define(
    "retired-id-in-use",
    ACROSS,
    "Retired ID still in use",
    "{quoted} is retired but is still an ID in {filename}; a retired ID is never "
    "used again: remove the retirement or give the row another ID",
    "A retired ID is not an ID of its table.",
)
define(
    "retired-id-target-missing",
    ACROSS,
    "Retired to an unknown ID",
    "{quoted} is not an ID in {filename}; new_id names the row that replaced the "
    "old one (empty for a removal)",
    "A retired ID's new_id is an ID of the same table.",
)
define(
    "internal-error",
    TOOL,
    "A rule failed to run",
    "{rule} failed to run ({detail}), so this file was not fully checked; this is a "
    "bug in allyledger: please report it with this message",
    "A rule raised instead of answering; the data was not fully checked, so this is "
    "an error, never a pass.",
)

# pandera check name -> (the catalogue code it reports, its message)
CHECKS: dict[str, tuple[str, str]] = {}


def declare_check(name: str, code: str, message: str) -> None:
    """Say what a model check reports: a catalogue code and its wording."""
    if code not in PROBLEMS:
        raise ValueError(
            f"check {name!r} reports {code!r}, which is not in the catalogue"
        )
    CHECKS[name] = (code, message)


__all__ = [
    "CHECKS",
    "declare_check",
    "ACROSS",
    "CELL",
    "ERROR",
    "FILE",
    "PROBLEMS",
    "ROW",
    "TOOL",
    "WARNING",
    "ProblemType",
    "define",
]
