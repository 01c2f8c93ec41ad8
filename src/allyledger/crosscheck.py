"""Rules that span tables: references, replies between events, dates, order, use.

Each rule works on whole columns (index look-ups, set membership); the references
themselves are declared on the model fields (`ref_field(table, ...)`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd

from allyledger.problems import WARNING, Problem, quote, suggest
from allyledger.reading import TableText

from allyledger.schemas._fields import is_slug, period_bounds, split_list

SUGGEST_LIMIT = 20_000
REPLY_TARGETS_SAME_RECIPIENT_ONLY = ("crisis", "request")


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
        out.extend(_replies(events))
        out.extend(_cycles(events))
        rels = usable.get("relationships")
        if rels is not None:
            out.extend(_relationship_pairs(events, rels))
    if "sources" in usable and all(n in usable for n in ("relationships", "support_events")):
        out.extend(_unused_sources(usable))
    return out


def _at(text: TableText, row: int, column: str, code: str, message: str,
        value: str | None, severity: str = "error") -> Problem:
    return Problem(text.path, int(text.lines[row]), column, code, message, value,
                   text.table.name, severity)


def _keys(text: TableText) -> pd.Index:
    return pd.Index(text.frame[text.table.key].dropna().unique())


def _references(text: TableText, tables: dict[str, TableText]) -> Iterator[Problem]:
    for f in text.table.fields:
        target = tables.get(f.references or "")
        if target is None:
            continue
        column = text.frame[f.name].dropna()
        values = split_list(column) if f.is_list else column
        values = values[is_slug(values)]
        keys = _keys(target)
        bad = values[~values.isin(keys)]
        key = target.table.key
        for row, value in zip(bad.index, bad.to_numpy(), strict=True):
            hint = suggest(value, keys) if len(keys) <= SUGGEST_LIMIT else ""
            yield _at(text, row, f.name, "unknown-reference",
                      f"{quote(value)} is not {_article(key)} {key} in {target.path}{hint}; "
                      "add it there or fix the spelling", value)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _dates_after(text: TableText, as_of: dt.date) -> Iterator[Problem]:
    limit = np.datetime64(as_of, "D")
    for f in text.table.fields:
        if f.kind not in ("partial_date", "date"):
            continue
        start, _ = period_bounds(text.frame[f.name])
        late = np.flatnonzero(~np.isnat(start) & (start > limit))
        for row in late:
            value = str(text.frame[f.name].iloc[row])
            yield _at(text, row, f.name, "date-after-as-of",
                      f"{quote(value)} is after the as-of date {as_of.isoformat()}; "
                      "fix the date (or pass a later --as-of)", value)


def _order(text: TableText) -> Iterator[Problem]:
    keys = text.frame[text.table.key].fillna("").to_numpy(dtype=object)
    if len(keys) < 2:
        return
    out_of_place = np.flatnonzero(keys[1:] < keys[:-1])
    if len(out_of_place):
        row = int(out_of_place[0]) + 1
        yield _at(text, row, text.table.key, "unsorted-rows",
                  f"rows are not sorted by {text.table.key} ({len(out_of_place)} out of "
                  f"place, first {quote(keys[row])}); run `allyledger fmt` to sort them",
                  str(keys[row]), WARNING)


def _lookup(frame: pd.DataFrame, key: str, refs: pd.Series) -> np.ndarray:
    """Row position in `frame` of each reference (-1 where absent or null).

    A duplicated key resolves to its first row (the duplicate is reported elsewhere).
    """
    keys = frame[key]
    first = (~keys.duplicated() & keys.notna()).to_numpy()
    rows = np.flatnonzero(first)
    found = np.asarray(pd.Index(keys[first]).get_indexer(refs))
    found[refs.isna().to_numpy()] = -1
    return np.where(found >= 0, rows[np.clip(found, 0, None)] if len(rows) else -1, -1)


def _replies(events: TableText) -> Iterator[Problem]:
    e = events.frame
    pos = _lookup(e, "event_id", e["responds_to_id"])
    rows = np.flatnonzero(pos >= 0)
    if not len(rows):
        return
    target = pos[rows]
    kind = e["kind"].to_numpy(dtype=object)
    provider = e["provider_id"].fillna("").to_numpy(dtype=object)
    recipient = e["recipient_id"].fillna("").to_numpy(dtype=object)
    ids = e["event_id"].to_numpy(dtype=object)
    start, end = period_bounds(e["date"])
    other_recipient = recipient[rows] != recipient[target]
    needs_provider = ~np.isin(kind[target], REPLY_TARGETS_SAME_RECIPIENT_ONLY)
    other_provider = needs_provider & (provider[rows] != provider[target])
    later = ~np.isnat(start[target]) & ~np.isnat(end[rows]) & (start[target] > end[rows])
    for i in np.flatnonzero(other_recipient):
        r, t = rows[i], target[i]
        yield _at(events, r, "responds_to_id", "reply-other-recipient",
                  f"responds to {quote(ids[t])}, whose recipient is {quote(recipient[t])},"
                  f" not {quote(recipient[r])}; a reply concerns the same recipient",
                  str(ids[t]))
    for i in np.flatnonzero(other_provider & ~other_recipient):
        r, t = rows[i], target[i]
        yield _at(events, r, "responds_to_id", "reply-other-provider",
                  f"responds to the {kind[t]} {quote(ids[t])} by {quote(provider[t])}, but "
                  f"this event's provider is {quote(provider[r])}; an answer to a "
                  f"{kind[t]} has the same provider and recipient", str(ids[t]))
    for i in np.flatnonzero(later):
        r, t = rows[i], target[i]
        yield _at(events, r, "responds_to_id", "reply-before-event",
                  f"responds to {quote(ids[t])}, dated {e['date'].iloc[t]}, after this "
                  f"event ({e['date'].iloc[r]}); a reply cannot precede what it answers",
                  str(ids[t]))


def _cycles(events: TableText) -> Iterator[Problem]:
    e = events.frame
    parent = _lookup(e, "event_id", e["responds_to_id"])
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
    ids = e["event_id"].to_numpy(dtype=object)
    in_loop: set[int] = set()
    for row in stuck:  # only rows caught in a loop are visited here
        seen: list[int] = []
        node = int(row)
        while node >= 0 and node not in seen:
            seen.append(node)
            node = int(parent[node])
        if node == row:
            in_loop.add(int(row))
    for row in sorted(in_loop):
        yield _at(events, row, "responds_to_id", "reply-cycle",
                  f"{quote(ids[row])} is part of a responds_to_id loop; a chain of replies "
                  "must end at an event that responds to nothing", str(ids[row]))


def _relationship_pairs(events: TableText, rels: TableText) -> Iterator[Problem]:
    e, r = events.frame, rels.frame
    pos = _lookup(r, "relationship_id", e["relationship_id"])
    rows = np.flatnonzero(pos >= 0)
    if not len(rows):
        return
    t = pos[rows]
    a = e["provider_id"].fillna("").to_numpy(dtype=object)[rows]
    b = e["recipient_id"].fillna("").to_numpy(dtype=object)[rows]
    f = r["from_actor_id"].fillna("").to_numpy(dtype=object)[t]
    g = r["to_actor_id"].fillna("").to_numpy(dtype=object)[t]
    same = ((a == f) & (b == g)) | ((a == g) & (b == f))
    for i in np.flatnonzero(~same):
        row = rows[i]
        rid = str(e["relationship_id"].iloc[row])
        yield _at(events, row, "relationship_id", "relationship-mismatch",
                  f"{quote(rid)} joins {quote(f[i])} and {quote(g[i])}, but this event is "
                  f"between {quote(a[i])} and {quote(b[i])}; link a relationship of the "
                  "same two actors or clear it", rid)


def _unused_sources(tables: dict[str, TableText]) -> Iterator[Problem]:
    sources = tables["sources"]
    cited: list[pd.Series] = [sources.frame["derived_from_id"].dropna()]
    for name in ("relationships", "support_events"):
        cited.append(split_list(tables[name].frame["source_ids"].dropna()))
    used = pd.Index(pd.concat(cited, ignore_index=True).unique())
    ids = sources.frame["source_id"]
    for row in np.flatnonzero((~ids.isin(used) & ids.notna()).to_numpy()):
        value = str(ids.iloc[row])
        yield _at(sources, row, "source_id", "unused-source",
                  f"{quote(value)} is cited by no relationship, event or other source",
                  value, WARNING)


