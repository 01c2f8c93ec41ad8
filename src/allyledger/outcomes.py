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

from allyledger.kinds import (
    PARTIAL_DATE,
    arrow,
    known_positions,
    positions,
    sort_order,
)
from allyledger.vocab import EVENT_KINDS

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


def _parents(ids: pa.Array, responds_to: pa.Array) -> np.ndarray:
    """The row position of each event's responds_to_id (-1 where none or unknown),
    as validation's reply rules found it (`positions`)."""
    return positions(responds_to, ids).astype(np.int64)


def _roots(parent: np.ndarray) -> np.ndarray:
    """The row position of the root of each event's reply chain.

    By pointer jumping: each pass doubles how far every row has looked up its
    chain, so a chain of any length is done in about log2(rows) passes (and a
    loop, which validation reports, cannot keep it going)."""
    n = len(parent)
    root = np.where(parent >= 0, parent, np.arange(n))
    for _ in range(int(np.ceil(np.log2(n + 1))) + 1):
        further = root[root]
        if np.array_equal(further, root):
            break
        root = further
    return root


def crisis_of(events: pd.DataFrame) -> pd.Series:
    """The crisis at the root of each event's reply chain (None where there is none)."""
    root = _roots(_parents(arrow(events["event_id"]), arrow(events["responds_to_id"])))
    ids = events["event_id"].astype(str).to_numpy()
    is_crisis = (events["kind"].astype(str).to_numpy() == "crisis")[root]
    crisis = ids[root].astype(object)
    crisis[~is_crisis] = None
    return pd.Series(list(crisis), index=events.index, dtype="object")


def _codes(values: pa.Array, vocabulary: list[str]) -> np.ndarray:
    """Each value's position in `vocabulary` (-1 for null or another value)."""
    found = pc.index_in(values, value_set=pa.array(vocabulary, values.type))
    return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False), np.int64)


def _numbers(text: pa.Array) -> np.ndarray:
    return np.asarray(
        pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False), dtype=float
    )


def _number_text(values: np.ndarray) -> pa.Array:
    """Floats as text that reads back to the same float (NaN becomes null)."""
    return pa.array(values, mask=np.isnan(values)).cast(pa.string())


def _days_text(values: np.ndarray) -> pa.Array:
    missing = np.isnan(values)
    days = np.where(missing, 0, np.maximum(values, 0)).astype(np.int64)
    return pa.array(days, mask=missing).cast(pa.string())


def _joined(groups: np.ndarray, values: pa.Array, size: int) -> pa.Array:
    """`values` joined with | per group number (0..size-1), in the order given; null
    for a group with none."""
    order = np.argsort(groups, kind="stable")
    counts = np.bincount(groups, minlength=size)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    lists = pa.ListArray.from_arrays(
        pa.array(offsets), values.take(pa.array(order)).cast(pa.string())
    )
    return pc.if_else(pa.array(counts > 0), pc.binary_join(lists, "|"), None)


def _where(mask: np.ndarray, values: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), values.cast(pa.string()), None)


def _first(groups: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
    """Per group number, the first of `rows` (already in the wanted order); -1 if none."""
    out = np.full(size, -1)
    unique, first = np.unique(groups, return_index=True)
    out[unique] = rows[first]
    return out


def derive(events: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The outcomes table (as text, sorted by event_id) of a support_events table."""
    n = len(events)
    col = {
        name: arrow(events[name]) if name in events else pa.nulls(n, pa.string())
        for name in NEEDED
    }
    ids = col["event_id"]
    start, end = PARTIAL_DATE.text_bounds(col["date"])
    parent = _parents(ids, col["responds_to_id"])
    root = _roots(parent)
    kinds = list(EVENT_KINDS)
    kind = _codes(col["kind"], kinds)
    pledge, request = kinds.index("pledge"), kinds.index("request")
    delivery, crisis_kind = kinds.index("delivery"), kinds.index("crisis")
    # Promises in event_id order; `slot[i]` is row i's place among them (-1: none).
    order = sort_order(ids)
    by_id = np.arange(n) if order is None else np.asarray(order.to_numpy(), np.int64)
    rank = np.empty(n, dtype=np.int64)
    rank[by_id] = np.arange(n)
    promise_rows = by_id[np.isin(kind[by_id], [pledge, request])]
    size = len(promise_rows)
    slot = np.full(n + 1, -1)  # slot[-1] stays -1 for "no parent"
    slot[promise_rows] = np.arange(size)

    answer = np.flatnonzero(slot[parent] >= 0)  # rows answering a promise directly
    answer = answer[np.argsort(rank[answer], kind="stable")]
    answered_slot = slot[parent[answer]]
    answer_kind = kind[answer]

    # Deliveries reaching each promise: its own, and for a request those of the
    # pledges made in reply to it.
    is_reply = (answer_kind == pledge) & (kind[promise_rows][answered_slot] == request)
    request_of = np.full(n + 1, -1)
    request_of[answer[is_reply]] = answered_slot[is_reply]
    direct = answer[answer_kind == delivery]
    via = np.flatnonzero((kind == delivery) & (request_of[parent] >= 0))
    d_rows = np.concatenate([direct, via])
    d_slot = np.concatenate([slot[parent[direct]], request_of[parent[via]]])
    order = np.lexsort((rank[d_rows], end[d_rows], start[d_rows], d_slot))
    d_rows, d_slot = d_rows[order], d_slot[order]
    first = _first(d_slot, d_rows, size)
    delivered = first >= 0
    earliest_end = np.full(size, np.datetime64("NaT"), dtype="datetime64[D]")
    if len(d_rows):
        ends = pd.Series(end[d_rows]).groupby(d_slot).min()
        earliest_end[ends.index.to_numpy()] = ends.to_numpy()
    p_start, p_end = start[promise_rows], end[promise_rows]
    first_start = np.where(delivered, start[first], np.datetime64("NaT"))
    lag_min = (first_start - p_end) / DAY
    lag_max = (earliest_end - p_start) / DAY

    # Amounts, where the promise and its deliveries use the same unit.
    units = pc.dictionary_encode(col["unit"])
    unit = np.asarray(
        pc.fill_null(units.indices, -1).to_numpy(zero_copy_only=False), np.int64
    )
    pledged = _numbers(col["amount"].take(pa.array(promise_rows)))
    same = (unit[d_rows] >= 0) & (unit[d_rows] == unit[promise_rows][d_slot])
    amounts = _numbers(col["amount"].take(pa.array(d_rows[same])))
    delivered_amount = np.bincount(d_slot[same], weights=amounts, minlength=size)
    has_same = np.bincount(d_slot[same], minlength=size) > 0
    delivered_amount = np.where(has_same & ~np.isnan(pledged), delivered_amount, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(pledged > 0, delivered_amount / pledged, np.nan)
    short = ~np.isnan(delivered_amount) & (delivered_amount < pledged)

    def answered(code: int) -> np.ndarray:
        flag = np.zeros(size, dtype=bool)
        flag[answered_slot[answer_kind == code]] = True
        return flag

    # A withholding "after a delivery": it may be dated no earlier than the first one.
    latest = np.full(size, np.datetime64("NaT"), dtype="datetime64[D]")
    held = answer_kind == kinds.index("withholding")
    if held.any():
        ends = pd.Series(end[answer[held]]).groupby(answered_slot[held]).max()
        latest[ends.index.to_numpy()] = ends.to_numpy()
    late_withholding = delivered & (latest >= first_start)
    withheld = answered(kinds.index("withholding"))
    withdrawn = answered(kinds.index("withdrawal"))
    pledged_reply = answered(pledge)
    _, due_end = PARTIAL_DATE.text_bounds(col["due"].take(pa.array(promise_rows)))
    not_due = ~np.isnat(due_end) & (due_end >= np.datetime64(as_of, "D"))
    is_pledge = kind[promise_rows] == pledge
    # The first rule that holds names the status (as a position in `statuses`:
    # a column of short strings made by numpy would cost more than the rest).
    statuses = [
        "reversed",
        "partly_delivered",
        "delivered",
        "withheld",
        "pending",
        "unresolved",
        "granted",
        "promised",
        "refused",
        "unanswered",
    ]
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
        list(range(len(statuses) - 1)),
        len(statuses) - 1,
    )
    take = pa.array(promise_rows)
    picked = {name: col[name].take(take) for name in NEEDED}
    first_rows = pa.array(np.where(delivered, first, 0))
    roots = pa.array(root[promise_rows])
    columns = {
        **{name: picked[name] for name in ("event_id", "kind", "provider_id")},
        "recipient_id": picked["recipient_id"],
        "crisis_id": _where(kind[root[promise_rows]] == crisis_kind, ids.take(roots)),
        **{name: picked[name] for name in ("date", "due", "support_type", "item")},
        **{name: picked[name] for name in ("amount", "unit", "certainty")},
        "status": pa.array(statuses, pa.string()).take(pa.array(status)),
        "answered_by": _joined(answered_slot, ids.take(pa.array(answer)), size),
        "first_delivery_id": _where(delivered, ids.take(first_rows)),
        "first_delivery_date": _where(delivered, col["date"].take(first_rows)),
        "lag_days_min": _days_text(lag_min),
        "lag_days_max": _days_text(lag_max),
        "delivered_amount": _number_text(delivered_amount),
        "delivered_share": _number_text(share),
        "censored": pa.array(["true", "false"]).take(
            pa.array(delivered.astype(np.int8))
        ),
        "as_of": pa.array([as_of.isoformat()] * size, pa.string()),
    }
    table = pd.DataFrame(
        {
            name: pd.arrays.ArrowExtensionArray(values.cast(pa.string()))
            for name, values in columns.items()
        }
    )[COLUMNS]
    # Each event's row here is its slot: joining outcomes back onto the events
    # (events_flat's outcome_status) needs no look-up.
    known_positions(ids, arrow(table["event_id"]), slot[:n])
    return table


__all__ = ["COLUMNS", "crisis_of", "derive"]
