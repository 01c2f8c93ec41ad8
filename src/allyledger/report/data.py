"""The report's data step: a build or edition folder in, a plain dictionary out.

`report_data` gathers everything the page shows (the title, the overview counts, the
ledger per dyad and per crisis, each crisis's events for its timeline and table, the
events outside a crisis, the standing relationships, the sources) and what the caps cut.
Only plain values leave this module (str, int, float, bool, None, lists and dicts), so
the result is JSON-serialisable, holds no HTML, and the template escapes every value.

A table is a dict: `id`, `columns` (each a `name` and a `type` that says how the page
shows its cells: "text", "kind", "sources", "list" or "link"), `rows` (dicts keyed by
column name, at most `MAX_ROWS`), `total` (the rows the data holds) and `cut` (how
many of them were left out).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from allyledger.frames import folder_tables
from allyledger.kinds import PartialDate
from allyledger.metrics import crisis_of, headline, ledger
from allyledger.tabulate import records as _records
from allyledger.vocab import EVENT_KINDS

KINDS = list(EVENT_KINDS)
MAX_TIMELINES = 150  # crises drawn, those with the most events first
MAX_ROWS = 5000  # rows per table; the page says how many more the data holds
EVENT_COLUMNS = [
    "event_id",
    "date",
    "date_precision",
    "kind",
    "provider_id",
    "recipient_id",
    "support_type",
    "certainty",
    "summary",
    "source_ids",
]
RELATIONSHIP_COLUMNS = [
    "relationship_id",
    "from_actor_id",
    "to_actor_id",
    "kind",
    "obligations",
    "start",
    "end",
    "status",
    "source_ids",
]
SOURCE_COLUMNS = ["source_id", "publisher", "published", "title", "url"]
# How the page shows the cells of each kind of table, where they are more than text.
EVENT_TYPES = {"kind": "kind", "source_ids": "sources"}
RELATIONSHIP_TYPES = {"obligations": "list", "source_ids": "sources"}
SOURCE_TYPES = {"url": "link"}


def period(start: dt.date, precision: str | None) -> tuple[dt.date, dt.date]:
    """The first and last day a date stands for, given its precision.

    A date known to the year spans 1 January to 31 December, one known to the month
    spans that month, and anything else (a day, or no precision) is the day itself.
    `start` may be a `date`, a `datetime` or a `pandas.Timestamp`; its time is dropped.
    """
    day = np.array([dt.date(start.year, start.month, start.day)], "datetime64[D]")
    first, last = PartialDate.bounds(day, np.array([precision], dtype=object))
    return first[0].item(), last[0].item()


def _table(
    table_id: str,
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    total: int | None = None,
    types: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A table of at most `MAX_ROWS` of `rows` (`total` counts them where `rows` was
    already cut)."""
    total = len(rows) if total is None else total
    return {
        "id": table_id,
        "columns": [{"name": c, "type": (types or {}).get(c, "text")} for c in columns],
        "rows": rows[:MAX_ROWS],
        "total": total,
        "cut": max(0, total - MAX_ROWS),
    }


def _links(ids: list[str] | None, urls: Mapping[str, str]) -> list[dict[str, Any]]:
    """The sources of a `source_ids` cell, each its `id` and `url` (None if unknown)."""
    return [{"id": i, "url": urls.get(i)} for i in ids or []]


def _events(frame: pd.DataFrame, urls: Mapping[str, str]) -> list[dict[str, Any]]:
    """Each event as a dict: the `EVENT_COLUMNS` (its `source_ids` as links), the period
    its date stands for (`start`, `end`) and a `label` for a timeline."""
    out = []
    for event in _records(frame, EVENT_COLUMNS):
        date = dt.date.fromisoformat(event["date"])
        start, end = period(date, event["date_precision"])
        event["source_ids"] = _links(event["source_ids"], urls)
        event["start"], event["end"] = start.isoformat(), end.isoformat()
        event["label"] = event["summary"] or event["event_id"]
        out.append(event)
    return out


def _edition_name(folder: Path) -> str:
    manifest = folder / "manifest.json"
    if manifest.exists():
        edition = json.loads(manifest.read_text("utf-8")).get("edition")
        if edition:
            return f"edition {edition}"
    return "a build"


def _overview(
    frames: Mapping[str, pd.DataFrame], events: pd.DataFrame
) -> dict[str, Any]:
    """Rows per table, events per kind, events per year and kind, and events per
    recipient country and kind."""
    kind = events["kind"].astype(str)
    kinds = kind.value_counts()
    present = [k for k in KINDS if k in set(kind)]
    years = pd.crosstab(pd.to_datetime(events["date"]).dt.year, kind).reindex(
        columns=present, fill_value=0
    )
    actors = frames["actors"]
    country = events["recipient_id"].map(
        dict(zip(actors["actor_id"], actors["country"].fillna(""), strict=True))
    )
    coverage = pd.crosstab(country.replace("", "(none)"), kind)
    coverage = coverage.reindex(columns=[k for k in KINDS if k in coverage.columns])
    coverage.insert(0, "recipient country", coverage.index)
    return {
        "tables": {n: len(frame) for n, frame in frames.items()},
        "kinds": {k: int(kinds.get(k, 0)) for k in KINDS},
        "by_year": {
            "years": [int(y) for y in years.index],
            "counts": {k: [int(n) for n in years[k]] for k in present},
        },
        "by_country": _table("coverage", list(coverage.columns), _records(coverage)),
    }


def _ledger(
    frames: Mapping[str, pd.DataFrame], names: Mapping[str, str]
) -> dict[str, Any]:
    """What came of the promises, per dyad (across crises) and per dyad and crisis;
    empty for an edition made before the outcomes table existed."""
    if "outcomes" not in frames:
        return {"dyads": None, "crises": None}
    table = ledger(frames)
    dyads = headline(frames)
    dyads.insert(2, "recipient", dyads["recipient_id"].map(names))
    dyads.insert(1, "provider", dyads["provider_id"].map(names))
    for frame in (dyads, table):
        shares = [c for c in frame.columns if "share" in c or "within" in c]
        frame[shares] = frame[shares].round(2)
    return {
        "dyads": _table("ledger-dyads", list(dyads.columns), _records(dyads)),
        "crises": _table("ledger", list(table.columns), _records(table)),
    }


def _timelines(
    events: pd.DataFrame, names: Mapping[str, str], urls: Mapping[str, str]
) -> dict[str, Any]:
    """The crises in date order, at most `MAX_TIMELINES` (those with the most events),
    each with its events (all of them, for the timeline) and its table of events."""
    crises = events[events["kind"].astype(str) == "crisis"].sort_values(
        ["date", "event_id"]
    )
    total = len(crises)
    if total > MAX_TIMELINES:
        sizes = events["crisis_id"].value_counts()
        keep = sizes.reindex(crises["event_id"]).fillna(0).to_numpy()
        order = np.lexsort((crises["event_id"].to_numpy(), -keep))[:MAX_TIMELINES]
        crises = crises.iloc[np.sort(order)]
    by_crisis = dict(list(events.groupby("crisis_id", sort=False)))
    shown = []
    for crisis in _records(crises, ["event_id", "date", "recipient_id", "summary"]):
        crisis_id = crisis["event_id"]
        part = by_crisis.get(crisis_id, events.iloc[:0]).sort_values(
            ["date", "event_id"]
        )
        rows = _events(part, urls)
        shown.append(
            {
                **crisis,
                "recipient": names.get(crisis["recipient_id"]),
                "anchor": f"crisis-{crisis_id}",
                "title": f"{crisis_id}: {crisis['summary']}",
                "events": rows,
                "table": _table(
                    f"events-{crisis_id}", EVENT_COLUMNS, rows, types=EVENT_TYPES
                ),
            }
        )
    return {"total": total, "cut": total - len(shown), "crises": shown}


def report_data(folder: Path | str, *, name: str | None = None) -> dict[str, Any]:
    """Everything the report of a build or edition folder shows, as plain values.

    `name` titles it (default: "edition X" from manifest.json, else "a build").
    Keys: `title`; `caps` (`timelines`, `rows`); `overview` (`tables` and `kinds`:
    counts by name; `by_year`: `years` and per kind `counts`, one per year;
    `by_country`: a table); `ledger` (`dyads`, `crises`: tables); `timelines`
    (`total`, `cut`, `crises`: each crisis's `event_id`, `date`, `recipient_id`,
    `recipient`, `summary`, `anchor`, `title`, `events` and `table`); `events` (the
    table of events outside a crisis); `relationships`; `sources` (tables).
    """
    folder = Path(folder)
    frames = folder_tables(folder)
    actors, sources = frames["actors"], frames["sources"]
    names = dict(zip(actors["actor_id"], actors["name"], strict=True))
    urls = dict(zip(sources["source_id"], sources["url"], strict=True))
    events = frames["support_events"].assign(
        crisis_id=crisis_of(frames["support_events"])
    )
    loose = events[events["crisis_id"].isna()].sort_values(["date", "event_id"])
    ties = frames["relationships"]
    relationships = _records(ties.head(MAX_ROWS), RELATIONSHIP_COLUMNS)
    for tie in relationships:
        tie["source_ids"] = _links(tie["source_ids"], urls)
    return {
        "title": f"allyledger — {name or _edition_name(folder)}",
        "caps": {"timelines": MAX_TIMELINES, "rows": MAX_ROWS},
        "overview": _overview(frames, events),
        "ledger": _ledger(frames, names),
        "timelines": _timelines(events, names, urls),
        "events": _table(
            "events-other",
            EVENT_COLUMNS,
            _events(loose.head(MAX_ROWS), urls),
            total=len(loose),
            types=EVENT_TYPES,
        ),
        "relationships": _table(
            "relationships",
            RELATIONSHIP_COLUMNS,
            relationships,
            total=len(ties),
            types=RELATIONSHIP_TYPES,
        ),
        "sources": _table(
            "sources",
            SOURCE_COLUMNS,
            _records(sources.head(MAX_ROWS), SOURCE_COLUMNS),
            total=len(sources),
            types=SOURCE_TYPES,
        ),
    }
