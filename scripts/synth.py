#!/usr/bin/env python3
"""Write a synthetic allyledger dataset that follows the data model exactly.

    python scripts/synth.py N --out DIR [--seed S]

N support events, N/10 actors, N/20 relationships, N/5 sources, with valid references,
a realistic mix of partial dates, lists, nulls and enums, and reply chains
(crisis -> request -> pledge -> delivery -> withholding) that obey the reply rules.
The same N and seed give the same bytes. Everything is generated with numpy; no loop
runs per row.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pycountry

from allyledger.schemas import TABLES, inputs
from allyledger.vocab import (
    ACTOR_KINDS,
    BASES,
    CERTAINTIES,
    CRISIS_TYPES,
    OBLIGATIONS,
    RELATIONSHIP_KINDS,
    SOURCE_TYPES,
    SUPPORT_TYPES,
)

WORDS = np.array(
    "the state pledged support delivered weapons oil credit troops advisers air defence "
    "systems to its ally after strikes on the capital while officials said more help "
    "would follow Москва Caracas Tehrán Ереван Damascus La Habana".split()
)
EPOCH = np.datetime64("1990-01-01")
DAYS = (np.datetime64("2026-06-30") - EPOCH).astype(int)


def _ids(prefix: str, n: int) -> np.ndarray:
    width = len(str(max(n, 1)))
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), width)).astype(
        object
    )


def _sentences(rng: np.random.Generator, n: int, words: int) -> np.ndarray:
    picks = WORDS[rng.integers(0, len(WORDS), size=(n, words))]
    text = pd.Series(picks[:, 0], dtype=object)
    for i in range(1, words):
        text = text + " " + picks[:, i]
    return (text.str.slice(0, 1).str.upper() + text.str.slice(1) + ".").to_numpy()


def _dates(days: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """ISO dates cut to year (0), month (1) or day (2) precision."""
    text = pd.Series((EPOCH + days.astype("timedelta64[D]")).astype(str), dtype=object)
    width = np.choose(precision, [4, 7, 10])
    return np.select(
        [width == 4, width == 7], [text.str.slice(0, 4), text.str.slice(0, 7)], text
    ).astype(object)


def _lists(
    rng: np.random.Generator,
    choices: np.ndarray,
    n: int,
    most: int,
    empty_share: float = 0.0,
) -> np.ndarray:
    counts = rng.integers(1, most + 1, size=n)
    first = rng.integers(0, len(choices), size=n)
    out = pd.Series(choices[first], dtype=object)
    step = max(1, len(choices) // (most + 1))
    for k in range(1, most):
        extra = choices[(first + k * step) % len(choices)]
        out = out.where(counts <= k, out + "|" + extra)
    if empty_share:
        out = out.where(rng.random(n) >= empty_share, None)
    return out.to_numpy()


def synth(n: int, seed: int = 0, broken_every: int = 0) -> dict[str, pd.DataFrame]:
    """The four tables; with `broken_every` K, every K-th event gets an impossible date
    (2020-13-01), so the dataset is invalid in a known number of places."""
    rng = np.random.default_rng(seed)
    n_actors, n_rels, n_sources = max(n // 10, 20), max(n // 20, 1), max(n // 5, 1)

    countries = np.array(sorted(c.alpha_3 for c in pycountry.countries))
    states = countries[: min(len(countries), n_actors // 4)]
    others = n_actors - len(states)
    kinds = np.array([k for k in ACTOR_KINDS if k != "state"])
    other_kind = kinds[rng.integers(0, len(kinds), size=others)]
    needs_country = np.isin(other_kind, ["person", "government_body", "company"])
    country = countries[rng.integers(0, len(countries), size=others)].astype(object)
    country = np.where(needs_country | (rng.random(others) < 0.5), country, None)
    actors = pd.DataFrame(
        {
            "actor_id": np.concatenate(
                [np.char.lower(states).astype(object), _ids("actor-", others)]
            ),
            "name": np.concatenate([states.astype(object), _sentences(rng, others, 2)]),
            "kind": np.concatenate(
                [np.full(len(states), "state", dtype=object), other_kind]
            ),
            "country": np.concatenate([states.astype(object), country]),
            "wikidata_id": None,
            "cow_code": None,
            "gw_code": None,
            "aliases": _lists(rng, WORDS[-6:], n_actors, 2, empty_share=0.6),
            "description": np.where(
                rng.random(n_actors) < 0.5, _sentences(rng, n_actors, 6), None
            ),
        }
    )
    actors.loc[: len(states) - 1, "wikidata_id"] = np.char.add(
        "Q", (np.arange(len(states)) + 1000).astype(str)
    )
    numbers = (np.arange(len(states)) % 9998 + 2).astype(str)
    actors.loc[: len(states) - 1, "cow_code"] = numbers
    actors.loc[: len(states) - 1, "gw_code"] = numbers

    source_ids = _ids("source-", n_sources)
    sources = pd.DataFrame(
        {
            "source_id": source_ids,
            "url": np.char.add(
                "https://example.org/news/", source_ids.astype(str)
            ).astype(object),
            "title": _sentences(rng, n_sources, 7),
            "publisher": np.array(
                ["Example Wire", "Example Times", "Ministry of Examples", "Пример"],
                dtype=object,
            )[rng.integers(0, 4, n_sources)],
            "published": np.where(
                rng.random(n_sources) < 0.9,
                _dates(
                    rng.integers(0, DAYS, n_sources),
                    rng.choice(3, n_sources, p=[0.1, 0.2, 0.7]),
                ),
                None,
            ),
            "accessed": "2026-07-01",
            "language": np.array(["en", "ru", "es", "fr", "ar"], dtype=object)[
                rng.integers(0, 5, n_sources)
            ],
            "source_type": np.array(list(SOURCE_TYPES), dtype=object)[
                rng.integers(0, len(SOURCE_TYPES), n_sources)
            ],
            "derived_from_id": None,
        }
    )
    derived = np.flatnonzero(rng.random(n_sources) < 0.05)
    derived = derived[derived > 0]
    sources.loc[derived, "derived_from_id"] = source_ids[derived - 1]

    # Events come in threads of five: crisis, request, pledge, delivery, withholding.
    threads = -(-n // 5)
    actor_ids = actors["actor_id"].to_numpy()
    recipient_at = rng.integers(0, n_actors, threads)
    provider_at = (recipient_at + rng.integers(1, n_actors, threads)) % n_actors
    recipient, provider = actor_ids[recipient_at], actor_ids[provider_at]
    threat = actor_ids[rng.integers(0, n_actors, threads)]
    start = rng.integers(0, DAYS - 400, threads)

    rel_threads = np.arange(0, threads, max(1, threads // n_rels))[:n_rels]
    rel_ids = _ids("rel-", len(rel_threads))
    rel_start = start[rel_threads] - rng.integers(30, 3000, len(rel_threads))
    ended = rng.random(len(rel_threads)) < 0.3
    rel_end = rel_start + rng.integers(0, 5000, len(rel_threads))
    rel_status = np.where(
        ended,
        "ended",
        np.where(rng.random(len(rel_threads)) < 0.1, "suspended", "active"),
    )
    relationships = pd.DataFrame(
        {
            "relationship_id": rel_ids,
            "from_actor_id": provider[rel_threads],
            "to_actor_id": recipient[rel_threads],
            "kind": np.array(list(RELATIONSHIP_KINDS), dtype=object)[
                rng.integers(0, len(RELATIONSHIP_KINDS), len(rel_threads))
            ],
            "obligations": _lists(
                rng,
                np.array(list(OBLIGATIONS), dtype=object),
                len(rel_threads),
                2,
                empty_share=0.6,
            ),
            "basis": np.array(list(BASES), dtype=object)[
                rng.integers(0, len(BASES), len(rel_threads))
            ],
            "instrument": np.where(
                rng.random(len(rel_threads)) < 0.5,
                _sentences(rng, len(rel_threads), 4),
                None,
            ),
            "start": _dates(np.maximum(rel_start, 0), rng.choice(3, len(rel_threads))),
            "end": np.where(
                ended,
                _dates(
                    np.clip(rel_end + 366 * 2, 0, DAYS), np.full(len(rel_threads), 0)
                ),
                None,
            ),
            "status": rel_status,
            "source_ids": _lists(rng, source_ids, len(rel_threads), 3),
            "notes": None,
        }
    )
    # An ended tie's end is coded at year precision two years on: never before start.
    thread_rel = np.full(threads, None, dtype=object)
    thread_rel[rel_threads] = rel_ids

    kinds5 = np.array(
        ["crisis", "request", "pledge", "delivery", "withholding"], dtype=object
    )
    t = np.repeat(np.arange(threads), 5)[:n]
    step = np.tile(np.arange(5), threads)[:n]
    days = start[t] + step * rng.integers(0, 60, n)
    for k in range(1, 5):  # keep each thread's dates non-decreasing
        here = step == k
        days[here] = np.maximum(days[here], days[np.flatnonzero(here) - 1])
    precision = np.where(step == 0, 2, rng.choice(3, n, p=[0.05, 0.25, 0.7]))
    event_ids = _ids("event-", n)
    kind = kinds5[step]
    is_crisis = step == 0
    responds = np.where(
        step == 0,
        None,
        np.where(
            step == 3,
            event_ids[np.maximum(np.arange(n) - 1, 0)],
            event_ids[np.maximum(np.arange(n) - step, 0)],
        ),
    )
    has_amount = (step == 3) & (rng.random(n) < 0.5)
    support = np.array(list(SUPPORT_TYPES), dtype=object)[
        rng.integers(0, len(SUPPORT_TYPES), n)
    ]
    events = pd.DataFrame(
        {
            "event_id": event_ids,
            "date": _dates(days, precision),
            "kind": kind,
            "provider_id": np.where(
                is_crisis, np.where(rng.random(n) < 0.7, threat[t], None), provider[t]
            ),
            "recipient_id": recipient[t],
            "support_type": np.where(is_crisis, None, support),
            "crisis_type": np.where(
                is_crisis,
                np.array(list(CRISIS_TYPES), dtype=object)[
                    rng.integers(0, len(CRISIS_TYPES), n)
                ],
                None,
            ),
            "responds_to_id": responds,
            "relationship_id": np.where(is_crisis, None, thread_rel[t]),
            "item": np.where(rng.random(n) < 0.3, _sentences(rng, n, 2), None),
            "amount": np.where(
                has_amount, np.round(rng.random(n) * 1e6, 2).astype(str), None
            ),
            "unit": np.where(
                has_amount,
                np.array(["USD", "units", "tonnes", "barrels"], dtype=object)[
                    rng.integers(0, 4, n)
                ],
                None,
            ),
            "certainty": np.array(list(CERTAINTIES), dtype=object)[
                rng.choice(4, n, p=[0.5, 0.3, 0.15, 0.05])
            ],
            "summary": _sentences(rng, n, 12),
            "source_ids": _lists(rng, source_ids, n, 3),
        }
    )
    # A crisis whose threat is its own recipient names no threatening actor.
    same = is_crisis & (
        events["provider_id"].to_numpy() == events["recipient_id"].to_numpy()
    )
    events.loc[same, "provider_id"] = None
    events["due"] = None
    if broken_every:
        events.loc[events.index % broken_every == 0, "date"] = "2020-13-01"
    return {
        "actors": actors,
        "relationships": relationships,
        "support_events": events,
        "sources": sources,
    }


def write(tables: dict[str, pd.DataFrame], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    # Every edited table, the ones synthesised and (as header only) the rest.
    for name in inputs():
        frame = tables.get(name, pd.DataFrame(columns=TABLES[name].columns))
        frame = frame[TABLES[name].columns].sort_values(TABLES[name].key)
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of support events")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--broken-every",
        type=int,
        default=0,
        help="give every K-th event an impossible date (invalid data)",
    )
    args = parser.parse_args()
    write(synth(args.n, args.seed, args.broken_every), args.out)


if __name__ == "__main__":
    main()
