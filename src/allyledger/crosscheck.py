"""Rules that span tables: references, replies between events, dates, order, use.

Each rule works on whole columns (index look-ups, set membership); the references
themselves are declared on the model fields (`ref_field(table, ...)`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allyledger.kinds import arrow, day_keys, positions
from allyledger.problems import Problem, article, quote, suggest
from allyledger.reading import TableText
from allyledger.schemas._checks import explode, slug_array

SUGGEST_LIMIT = 20_000


def check_across(tables: dict[str, TableText], as_of: dt.date) -> list[Problem]:
    """Every cross-table problem (and the warnings) in the dataset."""
    usable = {name: t for name, t in tables.items() if t.readable}
    out: list[Problem] = []
    for text in usable.values():
        if len(text.frame):
            out.extend(_references(text, usable))
            out.extend(_dates_after(text, as_of))
            out.extend(_order(text))
    events = usable.get("support_events")
    if events is not None and len(events.frame):
        parent = _places(arrow(events.frame["responds_to_id"]), events)
        out.extend(_replies(events, parent))
        out.extend(_cycles(events, parent))
        rels = usable.get("relationships")
        if rels is not None:
            out.extend(_relationship_pairs(events, rels))
    # Whether a source is cited can only be told when every table that cites is read.
    if "sources" in usable and all(
        name in usable for name, text in tables.items() if text.table.cites
    ):
        out.extend(_unused_sources(usable))
    return out


def _at(
    text: TableText,
    row: int,
    column: str,
    code: str,
    value: str | None,
    **fill: object,
) -> Problem:
    """A problem of catalogue type `code` at a row of `text`."""
    return Problem.of(
        code, text.path, int(text.lines[row]), column, value, text.table.name, **fill
    )


def _places(values: pa.Array, target: TableText) -> np.ndarray:
    """Row position in `target` of each value (its key's first row), -1 where absent
    or null: the reference rule and the reply and relationship rules share it, and
    the build's joins reuse it (`kinds.positions`)."""
    return positions(values, arrow(target.frame[target.table.key]))


def _references(text: TableText, tables: dict[str, TableText]) -> Iterator[Problem]:
    for f in text.table.fields:
        target = tables.get(f.references or "")
        if target is None:
            continue
        column = text.frame[f.name]
        if f.is_list:
            # Rows are positions (a RangeIndex); an empty cell has no items.
            values, rows = explode(column)
        else:
            values, rows = arrow(column), np.arange(len(column))
        missing = np.flatnonzero(
            (_places(values, target) < 0)
            & ~np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False))
        )
        # Values that are not even IDs are reported by the model's slug check.
        bad = missing[slug_array(values.take(pa.array(missing)))]
        key = target.table.key
        keys = arrow(target.frame[key]).drop_null() if len(bad) else None
        names = (
            sorted(set(keys.to_pylist()))
            if keys is not None and len(keys) <= SUGGEST_LIMIT
            else []
        )
        for i in bad:
            value = str(values[int(i)])
            hint = suggest(value, names) if names else ""
            yield _at(
                text,
                int(rows[i]),
                f.name,
                "unknown-reference",
                value,
                quoted=quote(value),
                article=article(key),
                key=key,
                target=target.path,
                hint=hint,
            )


def _dates_after(text: TableText, as_of: dt.date) -> Iterator[Problem]:
    limit = as_of.isoformat()
    today = as_of.year * 10000 + as_of.month * 100 + as_of.day
    for f in text.table.fields:
        if f.kind not in ("partial_date", "date") or f.future:
            continue
        # A period is after the limit when its first day is.
        ok, first, _ = day_keys(arrow(text.frame[f.name]))
        for row in np.flatnonzero(ok & (first > today)):
            value = str(text.frame[f.name].iloc[row])
            yield _at(
                text,
                int(row),
                f.name,
                "date-after-as-of",
                value,
                quoted=quote(value),
                limit=limit,
            )


def _order(text: TableText) -> Iterator[Problem]:
    keys = pc.fill_null(arrow(text.frame[text.table.key]), "")
    if len(keys) < 2:
        return
    behind = pc.less(keys.slice(1), keys.slice(0, len(keys) - 1))
    out_of_place = np.flatnonzero(behind.to_numpy(zero_copy_only=False))
    if len(out_of_place):
        row = int(out_of_place[0]) + 1
        value = str(keys[row])
        yield _at(
            text,
            row,
            text.table.key,
            "unsorted-rows",
            value,
            key=text.table.key,
            count=len(out_of_place),
            quoted=quote(value),
        )


def _differs(column: pa.Array, rows: pa.Array, target: pa.Array) -> np.ndarray:
    """Whether `column` holds another value at each of `rows` than at the row of
    `target` beside it (two empty cells hold the same)."""
    a, b = column.take(rows), column.take(target)
    same = pc.fill_null(pc.equal(a, b), pc.and_(pc.is_null(a), pc.is_null(b)))
    return ~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)


def _replies(events: TableText, pos: np.ndarray) -> Iterator[Problem]:
    e = events.frame
    rows = np.flatnonzero(pos >= 0)
    if not len(rows):
        return
    target = pos[rows]
    at_rows, at_target = pa.array(rows), pa.array(target)
    other_recipient = _differs(arrow(e["recipient_id"]), at_rows, at_target)
    target_kind = arrow(e["kind"]).take(at_target)
    answerable = pa.array(["crisis", "request"], target_kind.type)
    needs_provider = ~np.asarray(
        pc.fill_null(pc.is_in(target_kind, value_set=answerable), False).to_numpy(
            zero_copy_only=False
        ),
        dtype=bool,
    )
    other_provider = needs_provider & _differs(
        arrow(e["provider_id"]), at_rows, at_target
    )
    ok, first, last = day_keys(arrow(e["date"]))
    later = ok[target] & ok[rows] & (first[target] > last[rows])

    def cell(column: str, row: int) -> str:
        value = e[column].iloc[row]
        return "" if pd.isna(value) else str(value)

    for i in np.flatnonzero(other_recipient):
        r, t = rows[i], target[i]
        yield _at(
            events,
            r,
            "responds_to_id",
            "reply-other-recipient",
            cell("event_id", t),
            target=quote(cell("event_id", t)),
            target_recipient=quote(cell("recipient_id", t)),
            recipient=quote(cell("recipient_id", r)),
        )
    for i in np.flatnonzero(other_provider & ~other_recipient):
        r, t = rows[i], target[i]
        kind_t = cell("kind", t)
        yield _at(
            events,
            r,
            "responds_to_id",
            "reply-other-provider",
            cell("event_id", t),
            kind=kind_t,
            target=quote(cell("event_id", t)),
            target_provider=quote(cell("provider_id", t)),
            provider=quote(cell("provider_id", r)),
        )
    for i in np.flatnonzero(later):
        r, t = rows[i], target[i]
        yield _at(
            events,
            r,
            "responds_to_id",
            "reply-before-event",
            cell("event_id", t),
            target=quote(cell("event_id", t)),
            target_date=cell("date", t),
            date=cell("date", r),
        )


def _cycles(events: TableText, parent: np.ndarray) -> Iterator[Problem]:
    e = events.frame
    n = len(parent)
    # Pointer jumping: after enough doublings every chain has reached its root (-1)
    # unless it runs into a loop.
    jump = parent.copy()
    for _ in range(int(np.ceil(np.log2(n + 1))) + 1):
        alive = jump >= 0
        jump[alive] = jump[jump[alive]]
    stuck = np.flatnonzero(jump >= 0)
    if not len(stuck):
        return
    ids = e["event_id"]
    in_loop: set[int] = set()
    for start in stuck.tolist():  # only rows caught in a loop are visited here
        seen: list[int] = []
        node = start
        while node >= 0 and node not in seen:
            seen.append(node)
            node = int(parent[node])
        if node == start:
            in_loop.add(start)
    for row in sorted(in_loop):
        yield _at(
            events,
            row,
            "responds_to_id",
            "reply-cycle",
            str(ids.iloc[row]),
            quoted=quote(ids.iloc[row]),
        )


def _relationship_pairs(events: TableText, rels: TableText) -> Iterator[Problem]:
    e, r = events.frame, rels.frame
    pos = _places(arrow(e["relationship_id"]), rels)
    rows = np.flatnonzero(pos >= 0)
    if not len(rows):
        return
    t = pos[rows]
    a = e["provider_id"].iloc[rows].fillna("").to_numpy(dtype=object)
    b = e["recipient_id"].iloc[rows].fillna("").to_numpy(dtype=object)
    f = r["from_actor_id"].iloc[t].fillna("").to_numpy(dtype=object)
    g = r["to_actor_id"].iloc[t].fillna("").to_numpy(dtype=object)
    same = ((a == f) & (b == g)) | ((a == g) & (b == f))
    for i in np.flatnonzero(~same):
        row = rows[i]
        rid = str(e["relationship_id"].iloc[row])
        yield _at(
            events,
            row,
            "relationship_id",
            "relationship-mismatch",
            rid,
            quoted=quote(rid),
            from_actor=quote(f[i]),
            to_actor=quote(g[i]),
            provider=quote(a[i]),
            recipient=quote(b[i]),
        )


def _unused_sources(tables: dict[str, TableText]) -> Iterator[Problem]:
    sources = tables["sources"]
    cited = []
    for text in tables.values():
        for f in text.table.fields:
            if f.references != "sources":
                continue
            column = text.frame[f.name]
            values = explode(column)[0] if f.is_list else arrow(column)
            cited.append(_places(values, sources))  # as the reference rule found them
    ids = arrow(sources.frame["source_id"])
    first_used = np.zeros(len(ids), dtype=bool)
    for places in cited:
        first_used[places[places >= 0]] = True
    # A repeated ID (an error of its own) is used wherever its first row is.
    used = pc.is_in(ids, value_set=ids.filter(pa.array(first_used)))
    unused = pc.and_(pc.invert(used), pc.is_valid(ids))
    for row in np.flatnonzero(unused.to_numpy(zero_copy_only=False)):
        value = str(ids[int(row)])
        yield _at(
            sources,
            int(row),
            "source_id",
            "unused-source",
            value,
            quoted=quote(value),
        )
