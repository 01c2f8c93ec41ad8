"""Reading a dataset's largest file while the command's libraries load.

`validate` and `build` spend their first second importing pandas and pandera, on
one core. `start_reading` reads the largest CSV file of the dataset folder meanwhile, on a
thread of its own, and has pyarrow parse it (`parse_csv`, the one parse the reader
uses); `reading.read_csv_table` then takes the bytes (`take_bytes`) and the parse
(`take_parse`) instead of reading and parsing again. What is taken is exactly what
the reader would have made itself: the bytes are used only if the file's size,
modification time and inode are as they were before it was read and after, and the
parse only for those very bytes with the same header and separator. Anything else
(a file that changed, an error, a file not yet read) and the reader reads it itself.

Plumbing: this module imports pyarrow and nothing of pandas or pandera.
"""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

# A file this large is left to the reader (it is never held twice in memory).
PREFETCH_MAX = 2**31
BOM = b"\xef\xbb\xbf"


def parse_csv(data: bytes, header: list[str], delimiter: str) -> pa.Table:
    """Every cell of a CSV file as large_string (empty cells null), by pyarrow."""
    return pacsv.read_csv(
        pa.py_buffer(data),
        read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
        # Only a quoted cell can hold a line break: without quotes, pyarrow may
        # cut the file into blocks at any line break (a faster, parallel split)
        # and every record is still read whole.
        parse_options=pacsv.ParseOptions(
            newlines_in_values=b'"' in data, delimiter=delimiter
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.large_string() for name in header},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def first_line(data: bytes) -> str:
    """A file's first line, as the reader takes its header from ("" if it is not
    UTF-8)."""
    end = data.find(b"\n")
    try:
        return data[: end if end >= 0 else len(data)].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return ""


def header_of(data: bytes) -> list[str] | None:
    """The column names on a comma-separated file's first line (None if none)."""
    try:
        return next(csv.reader([first_line(data)], strict=True))
    except (csv.Error, StopIteration):
        return None


def _stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns, info.st_ino


class _Read:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.done = threading.Event()
        self.stamp: tuple[int, int, int] | None = None
        self.data: bytes | None = None
        self.header: list[str] | None = None
        self.parsed: pa.Table | None = None

    def run(self) -> None:
        try:
            before = _stamp(self.path)
            data = self.path.read_bytes()
            if _stamp(self.path) != before or len(data) != before[0]:
                return  # changed while read: the reader reads it itself
            self.stamp, self.data = before, data
            header = header_of(data)
            if header is not None and not data.startswith(BOM):
                self.header = header
                self.parsed = parse_csv(data, header, ",")
        except Exception:  # noqa: BLE001 - the reader reads it and says what is wrong
            self.parsed = None
        finally:
            self.done.set()


_LOCK = threading.Lock()
_READS: dict[Path, _Read] = {}


def start_reading(folder: Path) -> None:
    """Begin reading the largest `*.csv` file in `folder` on a daemon thread (the
    commands call it before they import the checks)."""
    try:
        files = [p for p in folder.glob("*.csv") if p.is_file() and not p.is_symlink()]
        sizes = {p: p.stat().st_size for p in files}
    except OSError:
        return
    if not sizes:
        return
    largest = max(sizes, key=lambda p: sizes[p])
    if sizes[largest] > PREFETCH_MAX:
        return
    read = _Read(largest)
    with _LOCK:
        _READS[largest.absolute()] = read
    threading.Thread(target=read.run, name="allyledger-prefetch", daemon=True).start()


def take_bytes(path: Path) -> bytes | None:
    """The bytes of `path` read by `start_reading`, if the file is still as it was read;
    else None."""
    with _LOCK:
        read = _READS.get(path.absolute())
    if read is None:
        return None
    read.done.wait()
    try:
        unchanged = read.stamp is not None and _stamp(path) == read.stamp
    except OSError:
        unchanged = False
    if not unchanged:
        with _LOCK:
            _READS.pop(path.absolute(), None)
        return None
    return read.data


def take_parse(data: bytes, header: list[str], delimiter: str) -> pa.Table | None:
    """pyarrow's parse (`parse_csv`) of `data`, the very bytes `take_bytes` gave,
    with `header` and `delimiter`, if `start_reading` made it; else None. Handed over once:
    nothing of the file is held here after."""
    with _LOCK:
        keys = [k for k, r in _READS.items() if r.data is data]
        read = _READS.pop(keys[0]) if keys else None
    if read is None or read.header != header or delimiter != ",":
        return None
    return read.parsed


def forget(path: Path) -> None:
    """Drop whatever `start_reading` read of `path` (the reader is done with it)."""
    with _LOCK:
        _READS.pop(path.absolute(), None)
