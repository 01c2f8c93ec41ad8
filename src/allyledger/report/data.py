"""The report's data step: a build or edition folder in, a plain dictionary out.

`report_data` gathers everything the page shows: the answer (what came of each
patron's promises to each client, from the outcomes table), one section per dyad
telling each crisis as a story, an index of every event, the standing relationships,
the sources, and what a reader needs to cite and download the edition. Only plain
values leave this module (str, int, float, bool, None, lists and dicts), so the result
is JSON-serialisable, holds no HTML, and the template escapes every value.

A table is a dict: `id`, `columns` (each a `name`, a `label` for its header and a
`type` that says how the page shows its cells: "text", "number", "kind", "sources",
"list", "link" or "event"), `rows` (dicts keyed by column name, at most `MAX_ROWS`),
`total` (the rows the data holds) and `cut` (how many of them were left out).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from allyledger.frames import folder_tables
from allyledger.metrics import crisis_of, headline, survival
from allyledger.report import about, stories
from allyledger.report.words import (
    STATUS_MEANINGS,
    STATUS_WORDS,
    days,
    human_date,
    percent,
    share_range,
)
from allyledger.tabulate import records
from allyledger.vocab import EVENT_KINDS, PLEDGE_STATUSES, REQUEST_STATUSES

KINDS = list(EVENT_KINDS)
MAX_TIMELINES = 150  # stories drawn as a timeline, in page order
MAX_ROWS = 5000  # rows per table and events told; the page says what was cut
MIN_CURVE = 3  # pledges a patron needs for its own delivery curve
MAX_CURVES = 9  # patrons drawn with a delivery curve, most promises first
MAX_BARS = 40  # pairs drawn in the side-by-side chart, in the table's order
MAX_LEAD = 3  # patrons with a sentence in the lead, most promises first
LEAD_PROMISES = 5  # promises a patron needs for a sentence in the lead
HORIZONS = (30, 90, 365)


def _table(
    table_id: str,
    columns: Sequence[tuple[str, str, str]],
    rows: list[dict[str, Any]],
    *,
    total: int | None = None,
) -> dict[str, Any]:
    """A table of at most `MAX_ROWS` of `rows`; `columns` are (name, label, type)
    (`total` counts the rows where `rows` was already cut)."""
    total = len(rows) if total is None else total
    return {
        "id": table_id,
        "columns": [{"name": n, "label": lb, "type": t} for n, lb, t in columns],
        "rows": rows[:MAX_ROWS],
        "total": total,
        "cut": max(0, total - MAX_ROWS),
    }


def _country_name(code: str) -> str:
    """`Armenia (ARM)` for an ISO 3166-1 alpha-3 code; other values as they are."""
    import pycountry

    country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    if country is None:
        return code
    return f"{getattr(country, 'common_name', country.name)} ({code})"


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
    coverage = pd.crosstab(country.replace("", "(none)").map(_country_name), kind)
    coverage = coverage.reindex(columns=[k for k in KINDS if k in coverage.columns])
    coverage.insert(0, "country", coverage.index)
    coverage.insert(0, "anchor", None)
    columns = [("country", "Recipient country", "text")]
    columns += [(k, k, "number") for k in coverage.columns[2:]]
    return {
        "tables": {n: len(frame) for n, frame in frames.items()},
        "kinds": {k: int(kinds.get(k, 0)) for k in KINDS},
        "by_year": {
            "years": [int(y) for y in years.index],
            "counts": {k: [int(n) for n in years[k]] for k in present},
        },
        "by_country": _table("countries-table", columns, records(coverage)),
    }


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _answer(
    frames: Mapping[str, pd.DataFrame], names: Mapping[str, str]
) -> dict[str, Any] | None:
    """What came of the promises: per dyad and per patron, with the time to first
    delivery; None for an edition made before the outcomes table existed."""
    if "outcomes" not in frames:
        return None
    by_dyad = headline(frames)
    by_patron = headline(frames, by="patron")
    size = dict(zip(by_patron["provider_id"], by_patron["promises"], strict=True))
    by_dyad = by_dyad.assign(
        _patron=by_dyad["provider_id"].map(size),
        _p=by_dyad["provider_id"].map(names),
        _r=by_dyad["recipient_id"].map(names),
    ).sort_values(
        ["_patron", "provider_id", "promises", "_r"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    by_patron = by_patron.sort_values(
        ["promises", "provider_id"], ascending=[False, True], kind="stable"
    )
    dyads = [_row(r, names) for r in records(by_dyad.drop(columns=["_p", "_r"]))]
    patrons = [_row(r, names) for r in records(by_patron)]
    curves = survival(frames, by="patron")
    shown = [p for p in patrons if p["promises"] >= MIN_CURVE][:MAX_CURVES]
    groups: dict[str, list[dict[str, Any]]] = {}
    for dyad in dyads[:MAX_ROWS]:
        groups.setdefault(dyad["provider_id"], []).append(dyad)
    return {
        "dyads": dyads,
        "by_patron": [
            {"provider_id": p, "provider": names.get(p, p), "dyads": part}
            for p, part in groups.items()
        ],
        "cut": max(0, len(dyads) - MAX_ROWS),
        "bars": dyads[:MAX_BARS],
        "bars_cut": max(0, len(dyads) - MAX_BARS),
        "patrons": patrons[:MAX_ROWS],
        "lead": [p for p in patrons if p["promises"] >= LEAD_PROMISES][:MAX_LEAD],
        "statuses": [
            {"status": s, "word": STATUS_WORDS[s], "meaning": STATUS_MEANINGS[s]}
            for s in PLEDGE_STATUSES
        ],
        "horizons": list(HORIZONS),
        "curves": [
            {
                "provider_id": p["provider_id"],
                "provider": p["provider"],
                "pledges": p["promises"],
                "points": records(
                    curves[curves["provider_id"] == p["provider_id"]],
                    ["days", "at_risk", "delivered_low", "delivered_high"],
                ),
            }
            for p in shown
        ],
        "min_curve": MIN_CURVE,
    }


def _row(row: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """One dyad's or patron's line of the answer, with the words the page prints."""
    promises = row["promises"]
    out = {
        "provider_id": row["provider_id"],
        "provider": names.get(row["provider_id"], row["provider_id"]),
        "recipient_id": row.get("recipient_id"),
        "recipient": names.get(row.get("recipient_id") or "", row.get("recipient_id")),
        "anchor": (
            stories.dyad_anchor(row["provider_id"], row["recipient_id"])
            if row.get("recipient_id")
            else None
        ),
        "promises": promises,
        "counts": {s: row[s] for s in PLEDGE_STATUSES},
        "shares": {
            s: percent(row[s] / promises) if promises else "" for s in PLEDGE_STATUSES
        },
        "parts": [
            f"{row[s]} {STATUS_WORDS[s]}"
            + (f" ({percent(row[s] / promises)})" if promises else "")
            for s in PLEDGE_STATUSES
            if row[s]
        ],
        "requests": row["requests"],
        "request_counts": {s: row[s] for s in REQUEST_STATUSES},
        "kept_of_resolved": percent(_number(row["kept_share"])),
        "lag": days(
            _number(row["median_lag_days_min"]), _number(row["median_lag_days_max"])
        ),
    }
    out["within"] = {
        str(h): share_range(
            _number(row[f"delivered_within_{h}_days_low"]),
            _number(row[f"delivered_within_{h}_days_high"]),
        )
        for h in HORIZONS
    }
    return out


def _ties(
    frames: Mapping[str, pd.DataFrame], urls: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[tuple[str, str], list[dict[str, Any]]], list[dict[str, Any]]]:
    """The standing relationships: per (from, to) pair, and as table rows."""
    columns = ["relationship_id", "from_actor_id", "to_actor_id", "kind"]
    columns += ["obligations", "start", "start_precision", "end", "end_precision"]
    columns += ["status", "source_ids"]
    frame = frames["relationships"]
    names = dict(
        zip(frames["actors"]["actor_id"], frames["actors"]["name"], strict=True)
    )
    rows = []
    per_pair: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for tie in records(frame, columns):
        row = {
            "relationship_id": tie["relationship_id"],
            "anchor": f"relationship-{tie['relationship_id']}",
            "from": names.get(tie["from_actor_id"], tie["from_actor_id"]),
            "to": names.get(tie["to_actor_id"], tie["to_actor_id"]),
            "kind": (tie["kind"] or "").replace("_", " "),
            "obligations": tie["obligations"] or [],
            "start": human_date(tie["start"], tie["start_precision"]),
            "end": human_date(tie["end"], tie["end_precision"]),
            "status": tie["status"],
            "sources": [stories.source_link(i, urls) for i in tie["source_ids"] or []],
        }
        rows.append(row)
        per_pair.setdefault((tie["from_actor_id"], tie["to_actor_id"]), []).append(row)
    return per_pair, rows


INDEX_COLUMNS = [
    ("date_text", "Date", "event"),
    ("kind_word", "What", "kind"),
    ("provider", "From", "text"),
    ("recipient", "To", "text"),
    ("summary", "Summary", "text"),
    ("status_word", "Outcome", "text"),
    ("certainty", "Certainty", "text"),
    ("sources", "Sources", "sources"),
]
SOURCE_COLUMNS = [
    ("source_id", "Source", "anchor"),
    ("publisher", "Publisher", "text"),
    ("published", "Published", "text"),
    ("title", "Title", "text"),
    ("url", "Address", "link"),
]
TIE_COLUMNS = [
    ("from", "From", "text"),
    ("to", "To", "text"),
    ("kind", "Relationship", "text"),
    ("obligations", "Obligations", "list"),
    ("start", "Since", "text"),
    ("end", "Until", "text"),
    ("status", "Status", "text"),
    ("sources", "Sources", "sources"),
]


def _capped(events: pd.DataFrame, order: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The events the page tells: all of them, or where they are more than `MAX_ROWS`,
    the first `MAX_ROWS` by date (for the index) and the events of the first dyads (in
    the answer's order, then the largest) up to `MAX_ROWS`, with their crises."""
    if len(events) <= MAX_ROWS:
        return events
    events = events.sort_values(["date", "event_id"], kind="stable")
    kind = events["kind"].astype(str)
    pairs = (
        events[kind != "crisis"]
        .groupby(["provider_id", "recipient_id"], sort=False)
        .size()
    )
    ranked = [d for d in order if d in pairs.index]
    ranked += list(
        pairs.drop(ranked, errors="ignore").sort_values(ascending=False).index
    )
    keep: list[tuple[str, str]] = []
    told = 0
    for pair in ranked:
        if told + int(pairs[pair]) > MAX_ROWS and keep:
            break
        keep.append(pair)
        told += int(pairs[pair])
    key = pd.MultiIndex.from_frame(events[["provider_id", "recipient_id"]])
    members = (kind != "crisis").to_numpy() & key.isin(keep)
    crises = set(events.loc[members, "crisis_id"].dropna())
    chosen = members | events["event_id"].isin(crises).to_numpy()
    chosen[:MAX_ROWS] = True
    return events[chosen]


def _manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not path.exists():
        return {}
    manifest = json.loads(path.read_text("utf-8"))
    return manifest if isinstance(manifest, dict) else {}


def report_data(
    folder: Path | str,
    *,
    edition: str | None = None,
    as_of: str | None = None,
    files_base: str = "",
) -> dict[str, Any]:
    """Everything the report of a build or edition folder shows, as plain values.

    `edition` and `as_of` default to what the folder's manifest.json says (a release
    renders the report before it writes the manifest, so it passes them); `files_base`
    is the relative address of the folder's files from the page ("" beside them).
    Keys: `title`, `edition`, `as_of`, `caps`; `answer` (None before schema 1.1);
    `sections` (per dyad, with `stories`); `index` (every event); `overview`;
    `relationships`; `sources` (tables); `about` (licence, citation, files, changes)
    and `jsonld` (the schema.org Dataset).
    """
    folder = Path(folder)
    manifest = _manifest(folder)
    edition = edition or manifest.get("edition")
    frames = folder_tables(folder)
    if as_of is None:
        as_of = manifest.get("as_of")
    if as_of is None and "outcomes" in frames and len(frames["outcomes"]):
        as_of = records(frames["outcomes"].head(1), ["as_of"])[0]["as_of"]
    actors, sources = frames["actors"], frames["sources"]
    names = dict(zip(actors["actor_id"], actors["name"], strict=True))
    events_frame = frames["support_events"].assign(
        crisis_id=crisis_of(frames["support_events"])
    )
    answer = _answer(frames, names)
    order = (
        [(d["provider_id"], d["recipient_id"]) for d in answer["dyads"]]
        if answer
        else []
    )
    shown = _capped(events_frame, order)
    cited = {i for ids in shown["source_ids"] for i in (ids if ids is not None else [])}
    cited |= {
        i for ids in frames["relationships"]["source_ids"].head(MAX_ROWS) for i in ids
    }
    listed = sources.head(MAX_ROWS)
    wanted = sources[sources["source_id"].isin(cited)]
    columns = [
        "source_id",
        "url",
        "title",
        "publisher",
        "published",
        "published_precision",
    ]
    by_source = {s["source_id"]: s for s in records(wanted, columns)}
    source_rows = records(listed, columns)
    by_source.update({s["source_id"]: s for s in source_rows})
    outcomes = (
        {
            o["event_id"]: o
            for o in records(
                frames["outcomes"][
                    frames["outcomes"]["event_id"].isin(shown["event_id"])
                ]
            )
        }
        if "outcomes" in frames
        else {}
    )
    all_events = stories.events(shown, names, by_source, outcomes)
    per_pair, tie_rows = _ties(frames, by_source)
    told = stories.sections(all_events, order, names, per_pair, max_events=MAX_ROWS)
    told_ids = set(told["told"])
    for event in all_events:
        event["anchor"] = (
            None if event["event_id"] in told_ids else stories.anchor(event["event_id"])
        )
    index = sorted(all_events, key=lambda e: (e["date"], e["event_id"]))
    for row in source_rows:
        row["anchor"] = f"source-{row['source_id']}"
        row["published"] = human_date(row["published"], row["published_precision"])
    title = f"edition {edition}" if edition else "a build"
    return {
        "title": f"allyledger {title}: did patrons keep their promises?",
        "edition": edition,
        "as_of": as_of,
        "as_of_text": human_date(as_of, "day") if as_of else "",
        "caps": {"timelines": MAX_TIMELINES, "rows": MAX_ROWS},
        "answer": answer,
        "sections": told,
        "index": _table("events-table", INDEX_COLUMNS, index, total=len(events_frame)),
        "overview": _overview(frames, events_frame),
        "relationships": _table("relationships-table", TIE_COLUMNS, tie_rows),
        "sources": _table(
            "sources-table", SOURCE_COLUMNS, source_rows, total=len(sources)
        ),
        "about": about.about(folder, edition, as_of, files_base),
    }
