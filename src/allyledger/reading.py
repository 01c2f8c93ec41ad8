"""Read one CSV table as text, locating every file-level problem.

Every cell stays a string (empty cell -> null): nothing is guessed. The fast path parses
with pyarrow; when the file has blank lines or pyarrow rejects it, the standard library's
csv module re-reads it to find the exact line of each ragged row or broken quote.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allyledger import prefetch
from allyledger.prefetch import BOM, first_line, parse_csv
from allyledger.problems import Problem, quote, suggest
from allyledger.schemas import Table, inputs

_CONTENT = re.compile(rb"\S")
DELIMITERS = {";": "semicolon", "\t": "tab"}


def _has_stray_quote(data: bytes, delimiter: str = ",") -> bool:
    """Whether a lone quote sits between two ordinary characters: broken CSV in any
    cell (inside a quoted cell it must be doubled; an unquoted cell may not hold one).
    pyarrow would read it leniently, so such a file goes to the strict slow path."""
    boundary = np.frombuffer(delimiter.encode() + b'\r\n"', dtype=np.uint8)
    raw = np.frombuffer(data, dtype=np.uint8)
    at = np.flatnonzero(raw == ord('"'))
    at = at[(at > 0) & (at < len(raw) - 1)]
    return bool(
        (~np.isin(raw[at - 1], boundary) & ~np.isin(raw[at + 1], boundary)).any()
    )


def sniff_delimiter(header_line: str, table: Table) -> str | None:
    """The separator a header uses when it is not a comma (";" or tab), judged by
    whether splitting on it yields the table's columns; None otherwise."""
    if "," in header_line and len(header_line.split(",")) > 1:
        if any(c in table.columns for c in header_line.split(",")):
            return None
    for delimiter in DELIMITERS:
        names = [n.strip().strip('"') for n in header_line.split(delimiter)]
        if len(names) > 1 and sum(n in table.columns for n in names) >= 2:
            return delimiter
    return None


@dataclass
class TableText:
    """A table read as text: the cells, the physical line of each row, its problems."""

    table: Table
    path: str
    frame: pd.DataFrame
    lines: np.ndarray
    problems: list[Problem] = field(default_factory=list)
    missing_columns: set[str] = field(default_factory=set)
    readable: bool = True
    header: list[str] = field(default_factory=list)
    # The separator the file seems to use when it is not a comma (";" or tab).
    other_delimiter: str | None = None


def _problem(
    path: str,
    table: Table,
    line: int,
    code: str,
    column: str = "",
    value: str | None = None,
    **fill: object,
) -> Problem:
    return Problem.of(code, path, line, column, value, table.name, **fill)


def _empty(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype="str") for c in table.columns})


def read_csv_table(
    dataset_dir: Path, table: Table, display_dir: str, *, delimiter: str = ","
) -> TableText:
    """Read `table` from `dataset_dir`; never raises for anything in the file.

    A file saved with another separator (";" or tab, as spreadsheets do in some
    locales) is reported once as `wrong-delimiter`; `fmt` reads it again with the
    `delimiter` it names to convert it. What `prefetch` read of it is used, then let go.
    """
    try:
        return _read_csv_table(dataset_dir, table, display_dir, delimiter)
    finally:
        prefetch.forget(dataset_dir / table.filename)


def _read_csv_table(
    dataset_dir: Path, table: Table, display_dir: str, delimiter: str
) -> TableText:
    path = dataset_dir / table.filename
    shown = f"{display_dir.rstrip('/')}/{table.filename}"
    result = TableText(table, shown, _empty(table), np.zeros(0, dtype=np.int64))

    def fail(line: int, code: str, **fill: object) -> TableText:
        result.problems.append(
            Problem.of(code, shown, line, "", None, table.name, **fill)
        )
        result.readable = False
        return result

    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(dataset_dir.resolve()):
            return fail(0, "symlink-outside", target=target)
    if not path.exists():
        return fail(
            0,
            "missing-file",
            filename=table.filename,
            tables=", ".join(inputs()),
            header=",".join(table.columns),
        )
    if not path.is_file():
        return fail(0, "not-a-file")
    try:
        data = prefetch.take_bytes(path) or path.read_bytes()
    except OSError as exc:
        return fail(0, "unreadable-file", reason=exc.strerror)

    offset = 0
    if data.startswith(BOM):
        data, offset = data[len(BOM) :], len(BOM)
    if not data or data.isspace():
        return fail(1, "empty-file", header=",".join(table.columns))
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return fail(line, "binary-content", offset=nul + offset)
    end = data.find(b"\n")
    if end < 0 and b"\r" in data.rstrip(b"\r"):
        return fail(1, "cr-line-endings")
    if not data[: max(end, 0)].strip():
        return fail(1, "blank-header", header=",".join(table.columns))
    header_line = first_line(data)

    if delimiter == ",":
        other = sniff_delimiter(header_line, table)
        if other is not None:
            result.other_delimiter = other
            return fail(1, "wrong-delimiter", delimiter=DELIMITERS[other])
    try:
        header = next(csv.reader([header_line], strict=True, delimiter=delimiter))
    except csv.Error:
        return fail(1, "bad-header")
    result.header = header
    if not _check_header(result, header):
        return result

    # pyarrow checks UTF-8 as it parses; only a file it rejects is decoded in Python,
    # to locate the problem.
    frame, lines = _parse_fast(data, header, delimiter)
    if frame is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            bad = data[exc.start : exc.start + 1].hex()
            return fail(line, "not-utf8", byte=bad, offset=exc.start + offset)
        frame, lines = _parse_slow(result, text, header, delimiter)
    known = [c for c in header if c in table.columns]
    frame = frame[known]
    for name in result.missing_columns:
        frame[name] = pd.Series([None] * len(frame), dtype="str", index=frame.index)
    frame, lines = _drop_blank_rows(result, frame[table.columns], lines)
    result.frame = frame
    result.lines = lines
    return result


def _drop_blank_rows(
    result: TableText, frame: pd.DataFrame, lines: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Report each row with no value at all (`,,,,`, as spreadsheets leave them)
    once, and leave it out of every check."""
    if not len(frame):
        return frame, lines
    blank = frame.isna().all(axis=1).to_numpy()
    if not blank.any():
        return frame, lines
    for line in lines[blank]:
        result.problems.append(
            _problem(result.path, result.table, int(line), "blank-row")
        )
    return frame[~blank].reset_index(drop=True), lines[~blank]


def _check_header(result: TableText, header: list[str]) -> bool:
    table, path = result.table, result.path
    seen: set[str] = set()
    ok = True
    for name in header:
        if name in seen:
            result.problems.append(
                _problem(path, table, 1, "duplicate-column", name, name=quote(name))
            )
            ok = False
        seen.add(name)
        if name not in table.columns:
            result.problems.append(
                _problem(
                    path,
                    table,
                    1,
                    "unknown-column",
                    name,
                    name,
                    name=quote(name),
                    table_name=table.name,
                    hint=suggest(name, table.columns)
                    + (" (an empty name: a trailing comma?)" if not name else ""),
                    columns=", ".join(table.columns),
                )
            )
    for name in table.columns:
        if name not in seen:
            result.problems.append(
                _problem(
                    path,
                    table,
                    1,
                    "missing-column",
                    name,
                    name=quote(name),
                )
            )
            result.missing_columns.add(name)
    if not ok:
        result.readable = False
    return ok


def line_feeds(data: bytes, chunk: int = 1 << 22) -> tuple[int, bool]:
    """How many line feeds `data` holds, and whether an empty line (`\\n\\n` or
    `\\n\\r\\n`) has anything but whitespace after it (empty lines at the end of a
    file are harmless). Read `chunk` bytes at a time into the same few buffers, so
    that a large file costs no array of its own size. Only the first empty line
    needs a look: what follows a later one also follows it."""
    raw = np.frombuffer(data, dtype=np.uint8)
    carriage = b"\r" in data
    size = min(chunk, len(raw)) + 2
    feed, pair, crlf = (np.empty(size, dtype=bool) for _ in range(3))
    count, empty_end = 0, -1
    for start in range(0, len(raw), chunk):
        stop = min(start + chunk, len(raw))
        seg = raw[start : stop + 2]  # two bytes more: a pair across the boundary
        n = len(seg)
        nl = np.equal(seg, ord("\n"), out=feed[:n])
        count += int(np.count_nonzero(nl[: stop - start]))
        if empty_end >= 0:
            continue
        # An empty line starting in this chunk: `\n\n`, or `\n\r\n` (its own
        # line feed then one byte further on).
        both = np.logical_and(nl[:-1], nl[1:], out=pair[: n - 1])
        first, ends = _first(both, stop - start), 1
        if carriage and n > 2:
            cr = np.equal(seg[1:-1], ord("\r"), out=crlf[: n - 2])
            np.logical_and(cr, nl[2:], out=cr)
            np.logical_and(cr, nl[:-2], out=cr)
            other = _first(cr, stop - start)
            if other >= 0 and (first < 0 or other < first):
                first, ends = other, 2
        if first >= 0:
            empty_end = start + first + ends
    blank = empty_end >= 0 and _CONTENT.search(data, empty_end + 1) is not None
    return count, blank


def _first(mask: np.ndarray, limit: int) -> int:
    """The first position before `limit` where `mask` is true, or -1."""
    head = mask[:limit]
    return int(np.argmax(head)) if head.any() else -1


STRING = pd.StringDtype("pyarrow", na_value=np.nan)


def _parse_fast(
    data: bytes, header: list[str], delimiter: str = ","
) -> tuple[pd.DataFrame | None, np.ndarray]:
    """Parse with pyarrow; None when the slow path must locate a problem."""
    newlines, blank = line_feeds(data)
    if blank or (b'"' in data and _has_stray_quote(data, delimiter)):
        return None, np.zeros(0, dtype=np.int64)
    try:
        arrow = prefetch.take_parse(data, header, delimiter) or parse_csv(
            data, header, delimiter
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None, np.zeros(0, dtype=np.int64)
    n = arrow.num_rows
    lines = 2 + np.arange(n, dtype=np.int64)
    if n and newlines > n + 1 - (0 if data.endswith(b"\n") else 1):
        extra = np.zeros(n, dtype=np.int64)
        for column in arrow.columns:
            counts = pc.fill_null(pc.count_substring(column, "\n"), 0)
            extra += counts.to_numpy(zero_copy_only=False).astype(np.int64)
        lines = lines + np.concatenate([[0], np.cumsum(extra)[:-1]])
    # One chunk per column: every later look at a column (`kinds.arrow`) is then
    # the same buffers, never a fresh copy, and what is parsed from it is shared.
    arrow = arrow.combine_chunks()
    frame = arrow.to_pandas(types_mapper=lambda t: STRING, self_destruct=True)
    return frame, lines


def _parse_slow(
    result: TableText, text: str, header: list[str], delimiter: str = ","
) -> tuple[pd.DataFrame, np.ndarray]:
    table, path = result.table, result.path
    reader = csv.reader(io.StringIO(text, newline=""), strict=True, delimiter=delimiter)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    first = True
    # A very long cell is the models' to report (too-long), not a parse error.
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        for record in reader:
            end = reader.line_num
            if first:
                first = False
            elif not record:
                pass
            elif len(record) != len(header):
                result.problems.append(
                    _problem(
                        path,
                        table,
                        start,
                        "ragged-row",
                        cells=len(record),
                        columns=len(header),
                    )
                )
            else:
                rows.append(record)
                lines.append(start)
            start = end + 1
    except csv.Error as exc:
        # The rest of the file cannot be read: check none of it, and no reference
        # into it (that would only repeat this problem).
        result.readable = False
        if "unexpected end of data" in str(exc) or reader.line_num > text.count("\n"):
            result.problems.append(
                _problem(
                    path,
                    table,
                    start,
                    "unclosed-quote",
                )
            )
        else:
            result.problems.append(
                _problem(
                    path,
                    table,
                    _quote_line(text, start, reader.line_num, delimiter),
                    "bad-quote",
                    detail=exc,
                )
            )
    finally:
        csv.field_size_limit(limit)
    columns = {
        name: [r[i] if r[i] != "" else None for r in rows]
        for i, name in enumerate(header)
    }
    frame = pd.DataFrame({k: pd.Series(v, dtype=STRING) for k, v in columns.items()})
    return frame, np.array(lines, dtype=np.int64)


def _quote_line(text: str, start: int, stop: int, delimiter: str) -> int:
    """The line where the quoted cell that broke the CSV began: scan the record from
    its first line `start` to the line `stop` where the parser gave up."""
    lines = text.split("\n")
    record = "\n".join(lines[start - 1 : stop])
    line, opened, quoted, at_field_start = start, start, False, True
    i = 0
    while i < len(record):
        ch = record[i]
        if quoted:
            if ch == '"':
                if record[i + 1 : i + 2] == '"':
                    i += 1
                else:
                    quoted = False
                    after = record[i + 1 : i + 2]
                    if after not in ("", delimiter, "\n", "\r"):
                        return opened
        elif ch == '"' and at_field_start:
            quoted, opened = True, line
        at_field_start = not quoted and ch in (delimiter, "\n")
        if ch == "\n":
            line += 1
        i += 1
    return opened if quoted else stop
