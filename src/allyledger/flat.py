"""The events_flat table: support_events with names, source URLs and outcomes joined in.

Derived by the build from the edited tables (and the outcomes it has just derived), as
text in the same form as every other table, so it is typed, checksummed and shipped
like them. The joins are Arrow lookups, one pass each, whatever the number of rows.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allyledger.kinds import LIST_SEPARATOR, arrow


def _lookup(keys: pa.Array, table: pd.DataFrame, key: str, value: str) -> pa.Array:
    """`table[value]` at the row whose `key` equals each of `keys` (null if none)."""
    index = pc.index_in(keys, value_set=arrow(table[key]))
    return pc.take(arrow(table[value]), index)


def _per_source(ids: pa.Array, sources: pd.DataFrame, value: str) -> pa.Array:
    """For each `|`-list of source IDs, the `|`-list of those sources' `value`, in the
    same order; a `|` inside a value is written %7C (the same URL, percent-encoded)."""
    lists = pc.split_pattern(ids, LIST_SEPARATOR)
    flat = pc.list_flatten(lists)
    found = _lookup(flat, sources, "source_id", value)
    found = pc.replace_substring(pc.fill_null(found, ""), LIST_SEPARATOR, "%7C")
    found = found.cast(pa.string())
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    regrouped = pa.ListArray.from_arrays(offsets, found, mask=lists.is_null())
    return pc.binary_join(regrouped, LIST_SEPARATOR)


def derive(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The events_flat text frame: every column of support_events (in its order),
    then provider_name, recipient_name, source_urls, source_publishers and
    outcome_status."""
    events, actors = frames["support_events"], frames["actors"]
    sources, outcomes = frames["sources"], frames["outcomes"]
    out = events.copy()
    ids = arrow(events["event_id"])
    columns = {
        "provider_name": _lookup(
            arrow(events["provider_id"]), actors, "actor_id", "name"
        ),
        "recipient_name": _lookup(
            arrow(events["recipient_id"]), actors, "actor_id", "name"
        ),
        "source_urls": _per_source(arrow(events["source_ids"]), sources, "url"),
        "source_publishers": _per_source(
            arrow(events["source_ids"]), sources, "publisher"
        ),
        "outcome_status": _lookup(ids, outcomes, "event_id", "status"),
    }
    for name, values in columns.items():
        out[name] = pd.Series(
            values.to_pandas(types_mapper=pd.ArrowDtype), index=events.index
        ).astype("string[pyarrow]")
    return out
