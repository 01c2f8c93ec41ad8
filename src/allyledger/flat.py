"""The events_flat table: support_events with names, source URLs and outcomes joined in.

Derived by the build from the edited tables (and the outcomes it has just derived), as
text in the same form as every other table (except that its two list columns hold
their lists, which `fmt` joins for the CSV), so it is typed, checksummed and shipped
like them. The joins are Arrow lookups, one pass each, whatever the number of rows.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allyledger.kinds import (
    LIST_SEPARATOR,
    arrow,
    positions,
    split_lists,
    take_at,
)


def _lookup(keys: pa.Array, table: pd.DataFrame, key: str, value: str) -> pa.Array:
    """`table[value]` at the row whose `key` equals each of `keys` (null if none)."""
    return take_at(arrow(table[value]), positions(keys, arrow(table[key])))


def _per_source(
    ids: pa.Array, sources: pd.DataFrame, values: list[str]
) -> list[pa.Array]:
    """For each `|`-list of source IDs, the list of those sources' `values` (one
    result per column named), in the same order; the IDs are split and looked up
    once for all of them (as validation split them and found them). A `|` inside a
    value is written %7C (for a URL, the same address percent-encoded).

    The lists are the column itself (`ListKind`: the build types them as they are,
    `fmt` joins them with `|` for the CSV), so the build never joins and splits
    them again. Only where an ID was not found (text that validation rejects) is
    each list joined into text, as a null item would not survive a split."""
    lists = split_lists(ids)
    rows = positions(pc.list_flatten(lists), arrow(sources["source_id"]))
    found = not len(rows) or int(rows.min()) >= 0
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    out: list[pa.Array] = []
    for value in values:
        # Each source's text is made ready once, before it is repeated per citation.
        text = pc.fill_null(arrow(sources[value]), "")
        text = pc.replace_substring(text, LIST_SEPARATOR, "%7C").cast(pa.string())
        regrouped = pa.ListArray.from_arrays(
            offsets, take_at(text, rows), mask=lists.is_null()
        )
        out.append(
            regrouped
            if found
            else pc.binary_join(regrouped, LIST_SEPARATOR).cast(pa.large_string())
        )
    return out


def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The events_flat text frame: every column of support_events (in its order),
    then provider_name, recipient_name, source_urls, source_publishers and
    outcome_status. The two source columns hold lists (see `_per_source`)."""
    events, actors = frames["support_events"], frames["actors"]
    sources, outcomes = frames["sources"], frames["outcomes"]
    out = events.copy(deep=False)  # the columns are shared (copy-on-write), not copied
    ids = arrow(events["event_id"])
    urls, publishers = _per_source(
        arrow(events["source_ids"]), sources, ["url", "publisher"]
    )
    columns = {
        "provider_name": _lookup(
            arrow(events["provider_id"]), actors, "actor_id", "name"
        ),
        "recipient_name": _lookup(
            arrow(events["recipient_id"]), actors, "actor_id", "name"
        ),
        "source_urls": urls,
        "source_publishers": publishers,
        "outcome_status": _lookup(ids, outcomes, "event_id", "status"),
    }
    for name, values in columns.items():
        array = (
            pd.arrays.ArrowExtensionArray(values)
            if pa.types.is_list(values.type)
            else pd.arrays.ArrowStringArray(values.cast(pa.large_string()))
        )
        out[name] = pd.Series(array, index=events.index)
    return out
