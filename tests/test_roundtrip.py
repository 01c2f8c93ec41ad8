"""Generated datasets survive CSV -> validate -> Parquet -> pandas with the same values."""

from __future__ import annotations

import csv
import datetime as dt
import math
import unicodedata
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allyledger import build_edition, check_dataset
from allyledger.schemas import TABLES, inputs
from allyledger.vocab import (
    CERTAINTIES,
    CRISIS_TYPES,
    EVENT_KINDS,
    SUPPORT_TYPES,
)

slugs = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _ok(text: str) -> bool:
    return (
        bool(text)
        and text == _clean(text)
        and not (text[0] in "=+-@" and len(text) > 1 and text[1].isalnum())
    )


texts = (
    st.text(
        alphabet=st.characters(
            # Cf (format characters: bidi controls, zero-width marks) is refused by
            # the no_invisible check, which has its own tests.
            exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"),
            exclude_characters="|\x85",
        ),
        min_size=1,
        max_size=30,
    )
    .map(_clean)
    .filter(_ok)
)


@st.composite
def partial_dates(draw) -> str:
    day = draw(st.dates(dt.date(1800, 1, 1), dt.date(2026, 11, 25)))
    return day.isoformat()[: draw(st.sampled_from([4, 7, 10]))]


amounts = st.floats(0, 1e12, allow_nan=False, allow_infinity=False).map(repr)


@st.composite
def datasets(draw) -> dict[str, list[dict[str, str]]]:
    source_ids = draw(st.lists(slugs, min_size=1, max_size=5, unique=True))
    sources = [
        {
            "source_id": s,
            "url": f"https://example.org/{s}",
            "title": draw(texts),
            "publisher": draw(texts),
            "published": draw(st.one_of(st.just(""), partial_dates())),
            "accessed": "2026-01-01",
            "language": "en",
            "source_type": "news",
            "derived_from_id": "",
        }
        for s in source_ids
    ]
    people = draw(
        st.lists(slugs.filter(lambda s: len(s) != 3), max_size=4, unique=True)
    )
    actors = [
        {"actor_id": "rus", "name": "Russia", "kind": "state", "country": "RUS"},
        {"actor_id": "ven", "name": "Venezuela", "kind": "state", "country": "VEN"},
    ]
    actors += [
        {
            "actor_id": p,
            "name": draw(texts),
            "kind": "person",
            "country": "RUS",
            "aliases": "|".join(draw(st.lists(texts, max_size=3, unique=True))),
        }
        for p in people
    ]
    actor_ids = [a["actor_id"] for a in actors]
    events = []
    for event_id in draw(st.lists(slugs, min_size=1, max_size=8, unique=True)):
        kind = draw(st.sampled_from(list(EVENT_KINDS)))
        has_amount = draw(st.booleans())
        events.append(
            {
                "event_id": event_id,
                "date": draw(partial_dates()),
                "kind": kind,
                "provider_id": draw(
                    st.sampled_from(actor_ids + ([""] if kind == "crisis" else []))
                ),
                "recipient_id": draw(st.sampled_from(actor_ids)),
                "support_type": ""
                if kind == "crisis"
                else draw(st.sampled_from(list(SUPPORT_TYPES))),
                "crisis_type": draw(st.sampled_from(list(CRISIS_TYPES)))
                if kind == "crisis"
                else "",
                "item": draw(st.one_of(st.just(""), texts)),
                "amount": draw(amounts) if has_amount else "",
                "unit": "USD" if has_amount else "",
                "certainty": draw(st.sampled_from(list(CERTAINTIES))),
                "summary": draw(texts),
                "source_ids": "|".join(
                    draw(st.lists(st.sampled_from(source_ids), min_size=1, unique=True))
                ),
            }
        )
    return {
        "actors": actors,
        "sources": sources,
        "support_events": events,
        "relationships": [],
    }


def _write(folder: Path, tables: dict[str, list[dict[str, str]]]) -> None:
    folder.mkdir(parents=True)
    # Every edited table: those drawn, and (as header only) the rest.
    for name in inputs():
        rows = tables.get(name, [])
        columns = TABLES[name].columns
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for row in rows:
                writer.writerow([row.get(c, "") for c in columns])


def _as_text(value: object, kind: str, precision: object = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if kind == "partial_date":
        return value.isoformat()[: {"year": 4, "month": 7, "day": 10}[precision]]
    if kind == "date":
        return value.isoformat()
    if kind == "number":
        return repr(float(value))
    if kind.endswith("_list"):
        return "|".join(value)
    return str(value)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tables=datasets())
def test_csv_to_parquet_to_pandas_round_trip(tmp_path_factory, tables):
    folder = tmp_path_factory.mktemp("rt") / "ds"
    _write(folder, tables)
    report = check_dataset(folder, as_of=dt.date(2026, 11, 25))
    assert report.valid, [p.render() for p in report.errors]
    out = folder.parent / "out"
    build_edition(folder, out, report=report)
    for name, rows in tables.items():
        table = TABLES[name]
        frame = pd.read_parquet(out / f"{name}.parquet")
        assert len(frame) == len(rows)
        back = {}
        for record in frame.to_dict("records"):
            back[record[table.key]] = {
                f.name: _as_text(
                    record[f.name], f.kind, record.get(f"{f.name}_precision")
                )
                for f in table.fields
            }
        for row in rows:
            expected = {c: row.get(c, "") for c in table.columns}
            if expected.get("amount"):
                expected["amount"] = repr(float(expected["amount"]))
            assert back[row[table.key]] == expected
