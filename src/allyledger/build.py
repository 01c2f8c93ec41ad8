"""Turn validated CSV text into typed, deterministic Parquet plus a Data Package.

The same input gives byte-identical files: rows sorted by ID, fixed writer options,
no timestamps. Output is written to a staging folder beside the target and swapped in
only when complete, so a failed build leaves an earlier one untouched; the target is
replaced only when it is missing, empty or an earlier build (see `outputs`).
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from allyledger.catalogue import ERROR
from allyledger.kinds import arrow, forget, sort_order
from allyledger.outputs import file_entry, require_replaceable, staging_dir
from allyledger.problems import DataInvalid
from allyledger.reading import TableText
from allyledger.schemas import SCHEMA_VERSION, TABLES, Table
from allyledger.tableschema import datapackage, dumps
from allyledger.validate import Report, check_dataset

PARQUET_OPTIONS = {
    "compression": "zstd",
    # zstd's fastest level (pyarrow's default): level 3 made files 2 % smaller
    # and took 5 % longer to write.
    "compression_level": 1,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}


@dataclass
class BuildResult:
    """Where the build went and what it holds."""

    out_dir: Path
    row_counts: dict[str, int]
    report: Report


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema of a built table, with descriptions in the field metadata:
    each field's kind says which column(s) it becomes."""
    fields = [column for f in table.fields for column in f.value_kind.arrow_fields(f)]
    meta = {
        b"allyledger.schema_version": SCHEMA_VERSION.encode(),
        b"allyledger.table": table.name.encode(),
        b"allyledger.primary_key": table.key.encode(),
        b"description": table.description.encode(),
    }
    return pa.schema(fields, metadata=meta)


def to_arrow(
    table: Table, frame: pd.DataFrame, base: pa.Table | None = None
) -> pa.Table:
    """Typed Arrow table from a validated text frame, sorted by the primary key.

    `base` is the typed table `table` extends (`Table.extends`: the same rows, the
    same key): its columns are taken as they are and only the added ones converted.
    """
    keys = arrow(frame[table.key])
    converted: list[pa.Array] = []
    # A table kept sorted (as `fmt` keeps every CSV) needs no reordering, and its
    # columns stay the very arrays validation read (whose parsed dates are cached).
    order = sort_order(keys)
    schema = arrow_schema(table)
    arrays: list[pa.Array | pa.ChunkedArray] = []
    for f in table.fields:
        if base is not None and f.name in base.column_names:
            names = [a.name for a in f.value_kind.arrow_fields(f)]
            arrays += [base.column(name) for name in names]
        else:
            column = arrow(frame[f.name])
            converted.append(column)
            if order is not None:
                column = column.take(order)
            arrays += f.value_kind.to_arrow(f, column)
    if table.derive is not None:
        # Nothing reads a derived table's text again: what was worked out of it
        # (and kept with it) goes with it.
        forget(converted)
    return pa.Table.from_arrays(arrays, schema=schema)


# Kinds whose columns carry no Parquet statistics: free text, where computing each
# row group's minimum and maximum string is a fifth of the writing time and no
# query skips data by them. Dates, numbers, codes and IDs keep theirs (and lists
# have none), so readers still skip row groups on the columns they filter by.
NO_STATISTICS = frozenset({"text", "text_list", "url"})


def statistics_columns(table: Table) -> list[str]:
    """The columns of `table`'s Parquet file that carry statistics."""
    return [
        column.name
        for f in table.fields
        if f.kind not in NO_STATISTICS
        for column in f.value_kind.arrow_fields(f)
        if not pa.types.is_list(column.type)
    ]


def write_parquet(arrow: pa.Table, path: Path, table: Table) -> dict[str, object]:
    """Write one table's Parquet file; return its manifest entry (size, SHA-256),
    read while the file is fresh in the page cache, on the thread that wrote it."""
    options = {**PARQUET_OPTIONS, "write_statistics": statistics_columns(table)}
    pq.write_table(arrow, path, **options)
    return file_entry(path)


def write_tables(
    frames: dict[str, pd.DataFrame],
    folder: Path,
    *,
    as_of: dt.date,
    version: str | None = None,
    extra: dict[str, object] | None = None,
    csv: bool = False,
    workbook: bool = False,
    entries: dict[str, dict[str, object]] | None = None,
    ahead: Ahead | None = None,
) -> dict[str, int]:
    """Write every table's Parquet file and datapackage.json into `folder`; return the
    row counts, and put each Parquet file's manifest entry in `entries` (by table).
    Derived tables are computed from the edited ones as of `as_of` (the edition's
    date). `version` and `extra` go into the Data Package (editions use them).
    With `csv`, each table is also written as `<table>.csv` in the canonical form
    contributors edit (lists joined with `|`, dates as written, e.g. `2006`), for
    spreadsheets and tools that read no Parquet. With `workbook`, the same rows also
    go into one spreadsheet workbook, `allyledger.xlsx` (see `allyledger.workbook`).
    `ahead` is work on these frames begun during validation, taken as it is ready."""
    from allyledger.fmt import canonical_rows, render_csv

    counts: dict[str, int] = {}
    frames = {**frames, **(ahead.derived_frames() if ahead is not None else {})}
    book = None
    if workbook:
        from allyledger.workbook import Workbook

        book = Workbook(
            folder,
            edition=version or SCHEMA_VERSION,
            as_of=as_of,
            tables=TABLES.values(),
        )
    built: dict[str, pa.Table] = {}
    extended, derived, rest = _groups()
    try:
        # Parquet encoding releases the GIL: each file is written on a worker
        # thread while the next table converts (and its CSV and sheet are written).
        with ThreadPoolExecutor(max_workers=2) as writers:
            writes: dict[str, Future[dict[str, object]]] = {}

            def make(name: str) -> None:
                table = TABLES[name]
                arrow = ahead.typed(name) if ahead is not None else None
                if arrow is None:
                    base = built.get(table.extends) if table.extends else None
                    arrow = to_arrow(table, frames[name], base)
                if name in extended:  # kept only while a later table needs it
                    built[name] = arrow
                writes[name] = writers.submit(
                    write_parquet, arrow, folder / f"{name}.parquet", table
                )
                if csv or book is not None:
                    rows = canonical_rows(table, frames[name])
                    if csv:
                        (folder / f"{name}.csv").write_bytes(render_csv(rows))
                    if book is not None:
                        book.add(table, rows)
                    del rows
                counts[name] = arrow.num_rows
                if name in derived:  # nothing else reads a derived table's text
                    del frames[name]
                if table.extends and not any(
                    TABLES[n].extends == table.extends
                    for n in TABLES
                    if n not in counts
                ):
                    del built[table.extends]  # the last table to extend it is made

            # The derived tables are derived on a thread of their own, in
            # registry order (each from the text of those before it), while what
            # they extend is made (its typed columns are reused); then they are
            # made last-derived first, since that one joins the most and takes
            # longest to write; the rest last.
            to_derive = [n for n in derived if n not in frames]
            with ThreadPoolExecutor(max_workers=1) as deriver:
                derivation = deriver.submit(_derive_all, to_derive, frames, as_of)
                for name in extended:
                    make(name)
                frames.update(derivation.result())
            for name in [*reversed(derived), *rest]:
                make(name)
            for name, write in writes.items():
                entry = write.result()
                if entries is not None:
                    entries[name] = entry
    finally:
        if book is not None:
            book.close()
    counts = {name: counts[name] for name in TABLES}
    package = (
        datapackage(counts, version=version, extra=extra)
        if version is not None
        else datapackage(counts, extra=extra)
    )
    (folder / "datapackage.json").write_text(dumps(package), encoding="utf-8")
    return counts


def _groups() -> tuple[list[str], list[str], list[str]]:
    """The tables in the order they are made: those others extend, the derived
    ones (made last-derived first), the rest."""
    extended = [n for n in TABLES if any(t.extends == n for t in TABLES.values())]
    derived = [n for n, t in TABLES.items() if t.derive is not None]
    rest = [n for n in TABLES if n not in extended and n not in derived]
    return extended, derived, rest


def _derive_all(
    names: list[str], frames: dict[str, pd.DataFrame], as_of: dt.date
) -> dict[str, pd.DataFrame]:
    """The derived tables' text frames, each derived from the frames before it."""
    frames = dict(frames)
    for name in names:
        derive = TABLES[name].derive
        assert derive is not None
        frames[name] = derive(frames, as_of)
    return {name: frames[name] for name in names}


class Ahead:
    """The part of a build that needs only the tables' text, started on a thread of
    its own as soon as they are read, while validation checks them: deriving the
    derived tables, then typing the tables they extend and the derived ones (the
    longest to write first). Pass `start` as `check_dataset(after_reading=...)`,
    then the object to `write_tables`, which takes each piece as it is ready.

    Its work is used only once validation has passed; if validation fails it is
    stopped and dropped (`stop`), and nothing was written. It only reads the
    frames; if it fails, the build does the same work itself and meets the same
    error there. Text that reading already found broken is not started on."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self._state = threading.Condition()
        self._frames: dict[str, pd.DataFrame] | None = None
        self._typed: dict[str, pa.Table] = {}
        self._over = False  # finished, failed or stopped: nothing more will come

    def start(self, tables: dict[str, TableText]) -> None:
        broken = any(
            not t.readable or any(p.severity == ERROR for p in t.problems)
            for t in tables.values()
        )
        if broken:
            self.stop()
            return
        frames = {name: t.frame for name, t in tables.items()}
        # A daemon: a stopped run is never waited for, not even at exit.
        worker = threading.Thread(
            target=self._run, args=(frames,), name="allyledger-ahead", daemon=True
        )
        worker.start()

    def _run(self, frames: dict[str, pd.DataFrame]) -> None:
        extended, derived, _ = _groups()
        try:
            every = {**frames, **_derive_all(derived, frames, self.as_of)}
            self._publish(frames={name: every[name] for name in derived})
            bases: dict[str, pa.Table] = {}
            for name in [*extended, *reversed(derived)]:
                if self._over:
                    return
                table = TABLES[name]
                base = bases.get(table.extends) if table.extends else None
                typed = to_arrow(table, every.pop(name), base)
                if name in extended:
                    bases[name] = typed
                self._publish(typed={name: typed})
                # Hold nothing the build has taken and no later step needs.
                del typed, base
                if table.extends:
                    bases.pop(table.extends, None)
        except Exception:  # noqa: BLE001 - redone (and reported) by the build
            pass
        finally:
            self.stop(keep=True)

    def _publish(
        self,
        *,
        frames: dict[str, pd.DataFrame] | None = None,
        typed: dict[str, pa.Table] | None = None,
    ) -> None:
        with self._state:
            if not self._over:
                if frames is not None:
                    self._frames = frames
                self._typed.update(typed or {})
            self._state.notify_all()

    def derived_frames(self) -> dict[str, pd.DataFrame]:
        """The derived tables' frames (waiting for them), or none; handed over,
        so that they go once the build is done with them."""
        with self._state:
            self._state.wait_for(lambda: self._frames is not None or self._over)
            frames, self._frames = self._frames or {}, {}
            return frames

    def typed(self, name: str) -> pa.Table | None:
        """The typed table `name` (waiting for it), or None if none is coming;
        handed over, like the frames."""
        with self._state:
            self._state.wait_for(lambda: name in self._typed or self._over)
            return self._typed.pop(name, None)

    def stop(self, *, keep: bool = False) -> None:
        """Make nothing more (stopping after the current step); unless `keep`,
        drop what was made."""
        with self._state:
            self._over = True
            if not keep:
                self._frames, self._typed = None, {}
            self._state.notify_all()


def write_build(
    frames: dict[str, pd.DataFrame],
    folder: Path,
    *,
    as_of: dt.date,
    ahead: Ahead | None = None,
) -> dict[str, int]:
    """Write the Parquet files, datapackage.json and manifest.json into `folder`."""
    entries: dict[str, dict[str, object]] = {}
    counts = write_tables(frames, folder, as_of=as_of, entries=entries, ahead=ahead)
    files = [entries[name] for name in TABLES]
    files.append(file_entry(folder / "datapackage.json"))
    manifest = {
        "generator": "allyledger build",
        "schema_version": SCHEMA_VERSION,
        "as_of": as_of.isoformat(),
        "tables": {name: {"rows": n} for name, n in counts.items()},
        "files": files,
    }
    (folder / "manifest.json").write_text(dumps(manifest), encoding="utf-8")
    return counts


def frames_of(report: Report) -> dict[str, pd.DataFrame]:
    return {name: text.frame for name, text in report.tables.items()}


def build_edition(
    dataset_dir: Path | str,
    out_dir: Path | str,
    *,
    report: Report | None = None,
    as_of: dt.date | None = None,
    ahead: Ahead | None = None,
) -> BuildResult:
    """Validate `dataset_dir` and build it into `out_dir`; raises DataInvalid if invalid.

    `as_of` (default: the report's, else today) bounds every date and is the date the
    derived outcomes are judged at; the same data and `as_of` give the same bytes.
    Without a `report`, the build starts on the tables while they are checked
    (`Ahead`); `ahead` is that work when the caller validated with it."""
    if report is None:
        ahead = Ahead(as_of or dt.date.today())
        report = check_dataset(
            dataset_dir, as_of=ahead.as_of, after_reading=ahead.start
        )
    as_of = as_of or report.as_of
    if ahead is not None and (not report.valid or ahead.as_of != as_of):
        ahead.stop()
        ahead = None
    if not report.valid:
        raise DataInvalid(
            f"{len(report.errors)} error(s) in {report.dataset}; nothing "
            "was built (run `allyledger validate` to see them)"
        )
    out = Path(out_dir)
    require_replaceable(out, command="build", dataset=Path(dataset_dir))
    with staging_dir(out) as tmp:
        counts = write_build(frames_of(report), tmp, as_of=as_of, ahead=ahead)
    return BuildResult(out, counts, report)
