"""The ledger: did the patron come through? Promise against delivery, per dyad and crisis.

Every event belongs to the crisis at the root of its `responds_to_id` chain (or to no
crisis). For each provider -> recipient pair and crisis the ledger counts requests,
pledges, deliveries, withholdings and withdrawals; the share of pledges that a delivery
answers (`responds_to_id` = the pledge); and the lag from the crisis (or, without one,
the first request) to the first delivery. Lags respect date precision: a date known only
to the month spans the whole month, so the lag is given as a range in days,
`lag_days_min`..`lag_days_max`, equal only when both dates are known to the day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from allyledger.kinds import PartialDate
from allyledger.vocab import CERTAINTIES, SUPPORT_TYPES

KINDS = {
    "request": "requests",
    "pledge": "pledges",
    "delivery": "deliveries",
    "withholding": "withholdings",
    "withdrawal": "withdrawals",
}
ESTABLISHED = ("confirmed", "reported")
BREAKDOWNS = ("support_type", "certainty")


def _frames(source: str | Path | Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    from allyledger.frames import folder_tables
    from allyledger.loader import load_all

    if isinstance(source, Mapping):
        return dict(source)
    folder = Path(source)
    if folder.is_dir():
        return folder_tables(folder)
    return load_all(str(source))


def _bounds(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """First and last day of each event's date, from the date and its precision
    (the rule is `PartialDate.bounds`)."""
    start = pd.to_datetime(events["date"]).to_numpy().astype("datetime64[D]")
    return PartialDate.bounds(start, events["date_precision"].astype(str).to_numpy())


def crisis_of(events: pd.DataFrame) -> pd.Series:
    """The crisis at the root of each event's reply chain (None where there is none)."""
    ids = events["event_id"].astype(str).to_numpy()
    index = pd.Index(ids)
    parent = index.get_indexer(pd.Index(events["responds_to_id"].astype(object)))
    root = np.arange(len(ids))
    for _ in range(len(ids)):
        step = parent[root]
        moving = step >= 0
        if not moving.any():
            break
        root = np.where(moving, step, root)
    is_crisis = (events["kind"].astype(str).to_numpy() == "crisis")[root]
    crisis = ids[root].astype(object)
    crisis[~is_crisis] = None
    return pd.Series(list(crisis), index=events.index, dtype="object")


def ledger(
    source: str | Path | Mapping[str, pd.DataFrame],
    *,
    by: Sequence[str] = (),
    established_only: bool = False,
) -> pd.DataFrame:
    """Promise-versus-delivery table per provider -> recipient and crisis.

    `source` is an edition name, a build or edition folder, or a dict of frames (as
    `load_all` returns). `by` adds breakdowns: any of "support_type", "certainty".
    `established_only` counts only `confirmed` and `reported` rows. Columns: provider_id,
    recipient_id, crisis_id, crisis_date, crisis_type, the breakdown columns, one count
    per kind, pledges_delivered, pledge_delivery_share (NaN without pledges),
    first_delivery, lag_days_min, lag_days_max.
    """
    unknown = set(by) - set(BREAKDOWNS)
    if unknown:
        raise ValueError(f"cannot break down by {sorted(unknown)}; use {BREAKDOWNS}")
    events = _frames(source)["support_events"].copy()
    events["crisis_id"] = crisis_of(events)
    start, end = _bounds(events)
    events["_start"], events["_end"] = start, end
    crises = events[events["kind"].astype(str) == "crisis"].set_index("event_id")
    if established_only:
        events = events[events["certainty"].astype(str).isin(ESTABLISHED)]
    acts = events[events["kind"].astype(str) != "crisis"].copy()
    acts["kind"] = acts["kind"].astype(str)
    delivered_pledges = set(
        acts.loc[acts["kind"] == "delivery", "responds_to_id"].dropna()
    )
    acts["_fulfilled"] = (acts["kind"] == "pledge") & acts["event_id"].isin(
        delivered_pledges
    )
    keys = ["provider_id", "recipient_id", "crisis_id", *by]
    for column in by:
        acts[column] = acts[column].astype(str)
    acts["crisis_id"] = acts["crisis_id"].where(acts["crisis_id"].isin(crises.index))
    acts["_group"] = acts.groupby(keys, dropna=False, sort=True).ngroup()
    groups = acts.groupby("_group")
    table = groups[keys].first()
    counts = pd.crosstab(acts["_group"], acts["kind"])
    for kind, column in KINDS.items():
        table[column] = counts[kind] if kind in counts.columns else 0
    table["pledges_delivered"] = groups["_fulfilled"].sum().astype(int)
    table["pledge_delivery_share"] = table["pledges_delivered"] / table[
        "pledges"
    ].where(table["pledges"] > 0)
    anchor = crises.reindex(table["crisis_id"].to_numpy())
    table["crisis_date"] = anchor["date"].to_numpy()
    table["crisis_type"] = anchor["crisis_type"].astype(object).to_numpy()
    # Without a crisis the clock starts at the group's first request.
    requests = acts[acts["kind"] == "request"].sort_values(["_start", "_end"])
    first_request = requests.groupby("_group")[["_start", "_end"]].first()
    first_request = first_request.reindex(table.index)
    a_start = np.where(
        anchor["_start"].notna().to_numpy(),
        anchor["_start"].to_numpy(),
        first_request["_start"].to_numpy(),
    )
    a_end = np.where(
        anchor["_end"].notna().to_numpy(),
        anchor["_end"].to_numpy(),
        first_request["_end"].to_numpy(),
    )
    deliveries = acts[acts["kind"] == "delivery"].sort_values(
        ["_start", "_end", "event_id"]
    )
    by_group = deliveries.groupby("_group")
    first = by_group[["event_id", "_start"]].first().reindex(table.index)
    earliest_end = by_group["_end"].min().reindex(table.index)
    day = np.timedelta64(1, "D")
    lag_min = (first["_start"].to_numpy() - a_end) / day
    lag_max = (earliest_end.to_numpy() - a_start) / day
    table["first_delivery"] = (
        first["event_id"].astype(object).where(~np.isnan(lag_min), None).to_numpy()
    )
    table["lag_days_min"] = pd.array(
        np.where(np.isnan(lag_min), np.nan, np.maximum(lag_min, 0)), dtype="Float64"
    )
    table["lag_days_max"] = pd.array(
        np.where(np.isnan(lag_max), np.nan, np.maximum(lag_max, 0)), dtype="Float64"
    )
    table["crisis_id"] = (
        table["crisis_id"].astype(object).where(table["crisis_id"].notna(), None)
    )
    columns = [
        *keys[:3],
        "crisis_date",
        "crisis_type",
        *by,
        *KINDS.values(),
        "pledges_delivered",
        "pledge_delivery_share",
        "first_delivery",
        "lag_days_min",
        "lag_days_max",
    ]
    table = table[columns].reset_index(drop=True)
    for column in ("lag_days_min", "lag_days_max"):
        table[column] = table[column].astype("Int64")
    if "support_type" in by:
        table["support_type"] = pd.Categorical(
            table["support_type"].replace("nan", None), categories=list(SUPPORT_TYPES)
        )
    if "certainty" in by:
        table["certainty"] = pd.Categorical(
            table["certainty"], categories=list(CERTAINTIES)
        )
    return table.reset_index(drop=True)


def headline(table: pd.DataFrame) -> pd.DataFrame:
    """Per provider -> recipient, across crises: pledges, deliveries, the share of pledges
    followed by a delivery, withholdings and the crises concerned."""
    grouped = table.groupby(["provider_id", "recipient_id"], dropna=False)
    out = grouped[[*KINDS.values(), "pledges_delivered"]].sum()
    out["pledge_delivery_share"] = out["pledges_delivered"] / out["pledges"].where(
        out["pledges"] > 0
    )
    out["crises"] = grouped["crisis_id"].nunique()
    return out.reset_index()
