"""What came of each promise: the `outcomes` table, derived from the events.

One row per pledge and per request. Its status is never typed by hand: it follows from
the events that answer it (`responds_to_id`) and from the edition's date (`as_of`),
by the rules the vocabulary states (`vocab.OUTCOME_STATUSES`):

- a pledge is answered by deliveries, withholdings and withdrawals whose
  `responds_to_id` is the pledge;
- a request is answered directly (a pledge, a delivery, a withholding), and it is also
  granted by a delivery that answers a pledge made in reply to it.

Dates keep their precision. An event dated `2024-06` may have happened on any day of
June, so the lag from a promise to its first delivery is a range: `lag_days_min` takes
the latest day the promise could have been made and the earliest the delivery could
have come; `lag_days_max` the other way round. Both are equal only when both dates are
known to the day, and neither is below 0. A month-precision date is never read as a
day.

The input is the support_events table as CSV text (what `validate` read); the output
is text too, in the columns of the `outcomes` model, so the build types it through
the same kinds as every other table. Plumbing only: no pandera, no click.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from allyledger.kinds import PARTIAL_DATE
from allyledger.vocab import PROMISE_KINDS

DAY = np.timedelta64(1, "D")
# For the codebook: how the table is derived, in the words a user needs.
DERIVATION = (
    "How it is derived: a pledge is answered by the deliveries, withholdings and "
    "withdrawals whose `responds_to_id` is the pledge; a request by the pledges, "
    "deliveries and withholdings whose `responds_to_id` is the request, and it is also "
    "granted by a delivery answering a pledge made in reply to it. `status` follows "
    "from these answers and from `due` against the edition's date (`as_of`), by the "
    "definitions below. Dates keep their precision: the lag from a promise to its "
    "first delivery is the range `lag_days_min`..`lag_days_max` that the two dates "
    "allow (a month-precision date is never read as a single day), equal only when "
    "both are known to the day. `censored` promises (nothing delivered yet) enter "
    "survival estimates as open at `as_of`."
)
# the columns of support_events the derivation reads
NEEDED = [
    "event_id",
    "date",
    "due",
    "kind",
    "provider_id",
    "recipient_id",
    "support_type",
    "responds_to_id",
    "item",
    "amount",
    "unit",
    "certainty",
]
COLUMNS = [
    "event_id",
    "kind",
    "provider_id",
    "recipient_id",
    "crisis_id",
    "date",
    "due",
    "support_type",
    "item",
    "amount",
    "unit",
    "certainty",
    "status",
    "answered_by",
    "first_delivery_id",
    "first_delivery_date",
    "lag_days_min",
    "lag_days_max",
    "delivered_amount",
    "delivered_share",
    "censored",
    "as_of",
]


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


def _bounds(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    return PARTIAL_DATE.text_bounds(pa.array(text.to_numpy(object), pa.string()))


def _amount(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text, errors="coerce")


def _text(array: pa.Array) -> np.ndarray:
    return np.asarray(array.to_pylist(), dtype=object)


def _number_text(values: pd.Series) -> np.ndarray:
    """Floats as text that reads back to the same float (nulls stay null)."""
    numbers = values.to_numpy(float)
    return _text(pa.array(numbers, mask=np.isnan(numbers)).cast(pa.string()))


def _days_text(values: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    days = np.where(missing, 0, np.maximum(values, 0)).astype(np.int64)
    return _text(pa.array(days, mask=missing).cast(pa.string()))


def _joined(keys: pd.Series, values: pd.Series, index: pd.Index) -> np.ndarray:
    """`values` joined with | per key, in `index` order (None where a key has none);
    `values` come in the order they are to be joined."""
    position = index.get_indexer(pd.Index(keys.to_numpy(object)))
    order = np.argsort(position, kind="stable")
    counts = np.bincount(position, minlength=len(index))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(
        pa.array(offsets), pa.array(values.to_numpy(object)[order], pa.string())
    )
    joined = _text(pc.binary_join(lists, "|"))
    joined[counts == 0] = None
    return joined


def derive(events: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The outcomes table (as text, sorted by event_id) of a support_events table."""
    ev = events.reindex(columns=NEEDED).reset_index(drop=True)
    ev = ev.astype(object).where(ev.notna(), None)
    ev["_start"], ev["_end"] = _bounds(ev["date"])
    ev["crisis_id"] = crisis_of(ev)
    kind = ev["kind"].astype(str)
    promises = ev[kind.isin(list(PROMISE_KINDS))].sort_values("event_id")
    promise_kind = promises.set_index("event_id")["kind"]
    answers = ev[ev["responds_to_id"].isin(promises["event_id"])]
    answers = answers.assign(promise=answers["responds_to_id"]).sort_values("event_id")

    # Deliveries reaching each promise: its own, and for a request those of the
    # pledges made in reply to it.
    replies = answers[
        (answers["kind"] == "pledge")
        & (answers["promise"].map(promise_kind) == "request")
    ]
    request_of = dict(zip(replies["event_id"], replies["promise"], strict=True))
    via = ev[(kind == "delivery") & ev["responds_to_id"].isin(list(request_of))]
    deliveries = pd.concat(
        [
            answers[answers["kind"] == "delivery"],
            via.assign(promise=via["responds_to_id"].map(request_of)),
        ]
    ).sort_values(["promise", "_start", "_end", "event_id"])
    by_promise = deliveries.groupby("promise", sort=True)
    first = by_promise[["event_id", "date", "_start"]].first()
    earliest_end = by_promise["_end"].min()

    out = promises.set_index("event_id", drop=False)
    index = out.index
    first = first.reindex(index)
    delivered = first["event_id"].notna().to_numpy()

    lag_min = (first["_start"].to_numpy() - out["_end"].to_numpy()) / DAY
    lag_max = (earliest_end.reindex(index).to_numpy() - out["_start"].to_numpy()) / DAY

    # Amounts, where the promise and its deliveries use the same unit.
    same_unit = deliveries[
        deliveries["unit"].notna()
        & (deliveries["unit"].to_numpy() == deliveries["promise"].map(out["unit"]))
    ]
    delivered_amount = (
        _amount(same_unit["amount"]).groupby(same_unit["promise"]).sum().reindex(index)
    )
    pledged = _amount(out["amount"])
    delivered_amount = delivered_amount.where(pledged.notna())
    share = delivered_amount / pledged.where(pledged > 0)
    short = (delivered_amount < pledged).fillna(False).to_numpy()

    def answered(kind_name: str) -> np.ndarray:
        ids = answers.loc[answers["kind"] == kind_name, "promise"]
        return index.isin(ids)

    def latest_end(kind_name: str) -> pd.Series:
        part = answers[answers["kind"] == kind_name]
        return part.groupby("promise")["_end"].max().reindex(index)

    # A withholding "after a delivery": it may be dated no earlier than the first one.
    late_withholding = (
        latest_end("withholding").to_numpy() >= first["_start"].to_numpy()
    ) & delivered
    withheld = answered("withholding")
    withdrawn = answered("withdrawal")
    pledged_reply = answered("pledge")
    _, due_end = _bounds(out["due"])
    not_due = ~np.isnat(due_end) & (due_end >= np.datetime64(as_of, "D"))
    is_pledge = (out["kind"] == "pledge").to_numpy()
    status = np.select(
        [
            is_pledge & withdrawn,
            is_pledge & delivered & (late_withholding | short),
            is_pledge & delivered,
            is_pledge & withheld,
            is_pledge & not_due,
            is_pledge,
            delivered,
            pledged_reply,
            withheld,
        ],
        [
            "reversed",
            "partly_delivered",
            "delivered",
            "withheld",
            "pending",
            "unresolved",
            "granted",
            "promised",
            "refused",
        ],
        "unanswered",
    )
    answered_by = _joined(answers["promise"], answers["event_id"], index)
    table = pd.DataFrame(
        {
            "event_id": out["event_id"],
            "kind": out["kind"],
            "provider_id": out["provider_id"],
            "recipient_id": out["recipient_id"],
            "crisis_id": out["crisis_id"],
            "date": out["date"],
            "due": out["due"],
            "support_type": out["support_type"],
            "item": out["item"],
            "amount": out["amount"],
            "unit": out["unit"],
            "certainty": out["certainty"],
            "status": status,
            "answered_by": answered_by,
            "first_delivery_id": first["event_id"],
            "first_delivery_date": first["date"],
            "lag_days_min": _days_text(lag_min),
            "lag_days_max": _days_text(lag_max),
            "delivered_amount": _number_text(delivered_amount),
            "delivered_share": _number_text(share),
            "censored": np.where(delivered, "false", "true"),
            "as_of": as_of.isoformat(),
        },
        index=index,
    )
    table = table.astype(object).where(table.notna(), None)
    return table[COLUMNS].reset_index(drop=True)


__all__ = ["COLUMNS", "crisis_of", "derive"]
