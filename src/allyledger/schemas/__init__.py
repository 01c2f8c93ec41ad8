"""The tables of the data model, one pandera model each, and their registry.

What differs by table lives on its `Table` entry here: the model, the key, the row
rules, the recipe for a readable new ID (`add`) and, for a derived table, how the
build computes it. Code that loops over tables asks the registry; to add a table, add
its model module and one entry below.

`TABLES` holds every table of a build; `inputs()` the ones contributors edit as CSV
(everything but the derived tables, which the build computes from them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
import pandera.pandas as pa

from allyledger.flat import derive as derive_flat
from allyledger.kinds import KINDS, Kind
from allyledger.outcomes import derive as derive_outcomes
from allyledger.schemas import (
    actors,
    events_flat,
    outcomes,
    relationships,
    retired_ids,
    sources,
    support_events,
)

SCHEMA_VERSION = "1.3.0"
Derive = Callable[[dict[str, pd.DataFrame], dt.date], pd.DataFrame]


@dataclass(frozen=True)
class Field:
    """One column as the model declares it."""

    name: str
    kind: str
    required: bool
    description: str
    unique: bool
    example: str | None
    references: str | None
    vocab: dict[str, str] | None
    pattern: str | None
    sortable: bool
    max_length: int | None = None
    # a date that may lie after the edition's date (a pledge's due date)
    future: bool = False

    @property
    def value_kind(self) -> Kind:
        """The kind of value this column holds (see `allyledger.kinds`)."""
        return KINDS[self.kind]

    @property
    def is_list(self) -> bool:
        return self.value_kind.is_list


@dataclass(frozen=True)
class Table:
    """A table of the dataset: its model, key and row rules."""

    name: str
    model: type[pa.DataFrameModel]
    key: str
    # The values a new row's readable ID is made of (`allyledger add`), in order.
    id_parts: Callable[[dict[str, str]], list[str]] | None = None
    # For a derived table: its text frame, computed from the edited tables' text
    # frames and the edition's date.
    derive: Derive | None = None
    # For a derived table that is another table's rows with columns added (row for
    # row, same key): that table's name, so the build reuses its typed columns.
    extends: str | None = None

    @property
    def derived(self) -> bool:
        return self.derive is not None

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @cached_property
    def schema(self) -> pa.DataFrameSchema:
        return self.model.to_schema()

    @cached_property
    def fields(self) -> tuple[Field, ...]:
        out = []
        for name, column in self.schema.columns.items():
            meta: dict[str, Any] = column.metadata or {}
            out.append(
                Field(
                    name=name,
                    kind=meta["kind"],
                    required=meta["required"],
                    description=column.description or "",
                    unique=bool(meta.get("unique", False)),
                    example=meta.get("example"),
                    references=meta.get("references"),
                    vocab=meta.get("vocab"),
                    pattern=meta.get("pattern"),
                    sortable=bool(meta.get("sortable", False)),
                    max_length=meta.get("max_length"),
                    future=bool(meta.get("future", False)),
                )
            )
        return tuple(out)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @cached_property
    def row_rules(self) -> dict[str, tuple[str, str]]:
        """The model's row rules: code -> (the column it points at, its message),
        as `@row_rule` declared them in the catalogue."""
        from allyledger.catalogue import PROBLEMS

        return {
            str(c.name): (PROBLEMS[str(c.name)].column, PROBLEMS[str(c.name)].template)
            for c in self.schema.checks
        }

    @property
    def cites(self) -> list[str]:
        """The columns whose values are IDs of sources (the evidence a row cites)."""
        return [f.name for f in self.fields if f.references == "sources"]

    @property
    def title(self) -> str:
        return str(self.model.Config.title)

    @property
    def description(self) -> str:
        return str(self.model.Config.description)


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("actors", actors.Actors, "actor_id", actors.id_parts),
        Table(
            "relationships",
            relationships.Relationships,
            "relationship_id",
            relationships.id_parts,
        ),
        Table(
            "support_events",
            support_events.SupportEvents,
            "event_id",
            support_events.id_parts,
        ),
        Table("sources", sources.Sources, "source_id", sources.id_parts),
        Table("retired_ids", retired_ids.RetiredIds, "old_id", retired_ids.id_parts),
        Table(
            "outcomes",
            outcomes.Outcomes,
            "event_id",
            derive=lambda frames, as_of: derive_outcomes(
                frames["support_events"], as_of
            ),
        ),
        # After outcomes: it carries each promise's status.
        Table(
            "events_flat",
            events_flat.EventsFlat,
            "event_id",
            derive=lambda frames, as_of: derive_flat(frames),
            extends="support_events",
        ),
    )
}


def inputs() -> dict[str, Table]:
    """The tables contributors edit as CSV: all but the derived ones (read from
    `TABLES` each time, so a table registered later is included)."""
    return {n: t for n, t in TABLES.items() if not t.derived}


__all__ = ["SCHEMA_VERSION", "TABLES", "Field", "Table", "inputs"]
