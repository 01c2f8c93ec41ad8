"""The report's stories: each patron → client pair, crisis by crisis, in plain words.

`events` turns the events table into plain dicts a reader can follow: human dates at
their precision, names instead of IDs, the outcome of each promise and request, and
the sources. `sections` groups them into one section per dyad and, within it, one
story per crisis (what happened, what was asked, what was promised, what came and
when, what was held back, and what never came), plus the dyad's events outside any
crisis. Every event is placed once, under a permanent anchor `event-<event_id>`; a
crisis told in several dyads' sections is anchored where it is first told.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from allyledger.kinds import PartialDate
from allyledger.report.words import (
    KIND_WORDS,
    STATUS_WORDS,
    amount,
    days,
    human_date,
    machine_date,
    slug,
)
from allyledger.tabulate import records

NEVER_CAME = {"withheld", "reversed", "unresolved", "refused", "unanswered"}
EVENT_COLUMNS = [
    "event_id",
    "date",
    "date_precision",
    "kind",
    "provider_id",
    "recipient_id",
    "support_type",
    "crisis_type",
    "responds_to_id",
    "item",
    "amount",
    "unit",
    "certainty",
    "summary",
    "source_ids",
    "crisis_id",
]


def period(start: dt.date, precision: str | None) -> tuple[dt.date, dt.date]:
    """The first and last day a date stands for, given its precision.

    A date known to the year spans 1 January to 31 December, one known to the month
    spans that month, and anything else (a day, or no precision) is the day itself.
    `start` may be a `date`, a `datetime` or a `pandas.Timestamp`; its time is dropped.
    """
    day = np.array([dt.date(start.year, start.month, start.day)], "datetime64[D]")
    first, last = PartialDate.bounds(day, np.array([precision], dtype=object))
    return first[0].item(), last[0].item()


def anchor(event_id: str) -> str:
    """The permanent anchor of an event on the page."""
    return f"event-{event_id}"


def dyad_anchor(provider_id: str, recipient_id: str) -> str:
    return f"dyad-{slug(provider_id)}--{slug(recipient_id)}"


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ")


def events(
    frame: pd.DataFrame,
    names: Mapping[str, str],
    sources: Mapping[str, Mapping[str, Any]],
    outcomes: Mapping[str, Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Each event (in date order) as a plain dict for the page.

    `sources` maps a source ID to its `url`, `publisher`, `title` and `published`;
    `outcomes` maps a pledge's or request's event ID to its outcomes row.
    """
    frame = frame.sort_values(["date", "event_id"], kind="stable")
    out = []
    for row in records(frame, EVENT_COLUMNS):
        precision = row["date_precision"]
        outcome = outcomes.get(row["event_id"])
        status = outcome["status"] if outcome else None
        start, end = period(dt.date.fromisoformat(row["date"]), precision)
        event = {
            "event_id": row["event_id"],
            "href": "#" + anchor(row["event_id"]),
            "kind": row["kind"],
            "kind_word": KIND_WORDS.get(row["kind"], row["kind"]),
            "date": row["date"],
            "date_text": human_date(row["date"], precision),
            "datetime": machine_date(row["date"], precision),
            "date_precision": precision,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "provider_id": row["provider_id"],
            "recipient_id": row["recipient_id"],
            "provider": names.get(row["provider_id"] or "", row["provider_id"]),
            "recipient": names.get(row["recipient_id"] or "", row["recipient_id"]),
            "crisis_id": row["crisis_id"],
            "crisis_type": _words(row["crisis_type"]),
            "support_type": _words(row["support_type"]),
            "item": row["item"],
            "amount": amount(row["amount"], row["unit"]),
            "certainty": row["certainty"],
            "summary": row["summary"] or "",
            "responds_to": row["responds_to_id"],
            "status": status,
            "status_word": STATUS_WORDS.get(status or "", ""),
            "outcome": _outcome_note(outcome) if outcome else "",
            "sources": [source_link(i, sources) for i in row["source_ids"] or []],
        }
        out.append(event)
    return out


def source_link(
    source_id: str, sources: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    source = sources.get(source_id, {})
    label = source.get("publisher") or source_id
    published = human_date(source.get("published"), source.get("published_precision"))
    return {
        "id": source_id,
        "url": source.get("url"),
        "title": source.get("title") or "",
        "label": f"{label}, {published}" if published else label,
    }


def _outcome_note(outcome: Mapping[str, Any]) -> str:
    """What came of a promise beyond its status, as a sentence fragment (or "")."""
    if outcome["kind"] != "pledge":
        return ""
    notes = []
    first = outcome.get("first_delivery_date")
    if first:
        when = human_date(first, outcome.get("first_delivery_date_precision"))
        lag = days(outcome.get("lag_days_min"), outcome.get("lag_days_max"))
        notes.append(f"first delivery {when}" + (f", {lag} later" if lag else ""))
    share = outcome.get("delivered_share")
    if share is not None and outcome["status"] == "partly_delivered":
        notes.append(f"{round(share * 100)} % of the amount promised")
    if outcome.get("due"):
        notes.append(
            f"due by {human_date(outcome['due'], outcome.get('due_precision'))}"
        )
    return "; ".join(notes)


def _crisis_word(crisis_type: str) -> str:
    return "Crisis" if crisis_type in ("", "other") else crisis_type.capitalize()


def _story(
    key: str,
    crisis: dict[str, Any] | None,
    told: Sequence[dict[str, Any]],
    placed: set[str],
) -> dict[str, Any]:
    """One crisis (or the dyad's events outside a crisis) as a story."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for event in told:
        by_kind.setdefault(event["kind"], []).append(_placed(event, placed))
    promises = by_kind.get("request", []) + by_kind.get("pledge", [])
    shown = ([crisis] if crisis else []) + list(told)
    first = min(e["start"] for e in shown)
    last = max(e["end"] for e in shown)
    return {
        "anchor": key,
        "crisis": _placed(crisis, placed) if crisis else None,
        "title": (
            f"{_crisis_word(crisis['crisis_type'])}, {crisis['date_text']}"
            if crisis
            else "Outside any crisis"
        ),
        "first": first,
        "last": last,
        "asked": by_kind.get("request", []),
        "promised": by_kind.get("pledge", []),
        "came": by_kind.get("delivery", []),
        "held": by_kind.get("withholding", []) + by_kind.get("withdrawal", []),
        "never": [e for e in promises if e["status"] in NEVER_CAME],
        "timeline": shown,
    }


def _placed(event: dict[str, Any], placed: set[str]) -> dict[str, Any]:
    """The event with its anchor if this is where it is first told (else None)."""
    first = event["event_id"] not in placed
    placed.add(event["event_id"])
    return {**event, "anchor": anchor(event["event_id"]) if first else None}


def sections(
    all_events: Sequence[dict[str, Any]],
    dyads: Iterable[tuple[str, str]],
    names: Mapping[str, str],
    ties: Mapping[tuple[str, str], list[dict[str, Any]]],
    *,
    max_events: int,
) -> dict[str, Any]:
    """One section per dyad (those in `dyads` first, in that order, then any other
    with events, most events first), each with its stories; at most `max_events`
    events are told, and `cut` says how many dyads were left out."""
    crises = {e["event_id"]: e for e in all_events if e["kind"] == "crisis"}
    per_dyad: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for event in all_events:
        if event["kind"] != "crisis" and event["provider_id"] and event["recipient_id"]:
            key = (event["provider_id"], event["recipient_id"])
            per_dyad.setdefault(key, []).append(event)
    order = [d for d in dyads if d in per_dyad]
    order += sorted(
        (d for d in per_dyad if d not in set(order)),
        key=lambda d: (-len(per_dyad[d]), names.get(d[0], d[0]), names.get(d[1], d[1])),
    )
    placed: set[str] = set()
    shown: list[dict[str, Any]] = []
    told = 0
    for provider_id, recipient_id in order:
        members = per_dyad[(provider_id, recipient_id)]
        if told + len(members) > max_events and shown:
            break
        told += len(members)
        base = dyad_anchor(provider_id, recipient_id)
        groups: dict[str | None, list[dict[str, Any]]] = {}
        for event in members:
            groups.setdefault(event["crisis_id"], []).append(event)
        in_crises = sorted(
            (c for c in groups if c is not None and c in crises),
            key=lambda c: (crises[c]["date"], c),
        )
        stories = [
            _story(f"{base}--{slug(c)}", crises[c], groups[c], placed)
            for c in in_crises
        ]
        loose = [e for c, part in groups.items() if c not in in_crises for e in part]
        if loose:
            loose.sort(key=lambda e: (e["date"], e["event_id"]))
            stories.append(_story(f"{base}--other", None, loose, placed))
        shown.append(
            {
                "anchor": base,
                "provider_id": provider_id,
                "recipient_id": recipient_id,
                "provider": names.get(provider_id, provider_id),
                "recipient": names.get(recipient_id, recipient_id),
                "events": len(members),
                "ties": ties.get((provider_id, recipient_id), []),
                "stories": stories,
            }
        )
    unplaced = [crises[c] for c in crises if c not in placed]
    untold = [_placed(c, placed) for c in unplaced]
    return {
        "dyads": shown,
        "total": len(order),
        "cut": len(order) - len(shown),
        "untold_crises": untold,
        "told": sorted(placed),
    }
