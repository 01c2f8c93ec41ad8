"""The ledger: did the patron come through? Every promise counted by what came of it.

`ledger` and `headline` aggregate the `outcomes` table (one row per pledge and per
request, its status derived from the events that answer it; see `allyledger.outcomes`)
per dyad (provider -> recipient) or per dyad and crisis:

- `promises` (the pledges) and the count of each pledge status;
- `kept_share`: delivered pledges among the resolved ones (delivered, partly
  delivered, withheld, reversed), and `unresolved_share`: unresolved among all;
- requests and the count of each request status;
- the median lag from pledge to first delivery, as a range of days
  (`median_lag_days_min`..`median_lag_days_max`: dates keep their precision).

`survival` gives the Kaplan–Meier estimate of the share of pledges delivered within
t days, with pledges that nothing has yet delivered censored at the edition date
(scipy's `stats.ecdf` on right-censored data). Imprecise dates enter as two
estimates: `delivered_high` times every pledge by the shortest span its dates allow
(`lag_days_min`; an open pledge by as_of minus the last day it may have been made),
`delivered_low` by the longest (`lag_days_max`; as_of minus its first day). The truth
lies between them; they coincide when every date is known to the day.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from allyledger.kinds import PartialDate
from allyledger.outcomes import crisis_of
from allyledger.problems import UsageProblem
from allyledger.vocab import PLEDGE_STATUSES, REQUEST_STATUSES

ESTABLISHED = ("confirmed", "reported")
RESOLVED = ("delivered", "partly_delivered", "withheld", "reversed")
DELIVERED = ("delivered", "partly_delivered", "reversed")
HORIZONS = (30, 90, 365)
DYAD = ["provider_id", "recipient_id"]
By = Literal["dyad", "crisis", "patron"]
Source = str | Path | Mapping[str, pd.DataFrame]


def _load(source: Source) -> dict[str, pd.DataFrame]:
    from allyledger.frames import folder_tables
    from allyledger.loader import folder_of

    if isinstance(source, Mapping):
        return dict(source)
    return folder_tables(folder_of(source))


def _frames(source: Source) -> dict[str, pd.DataFrame]:
    """The tables of `source`, which must hold the outcomes table."""
    frames = _load(source)
    if "outcomes" not in frames:
        label = "these tables" if isinstance(source, Mapping) else str(source)
        raise UsageProblem(
            f"{label} has no outcomes table (made before schema 1.1); build it again "
            "with `allyledger build`, or use an edition from 2026.2 on"
        )
    return frames


def outcomes_of(source: Source, *, established_only: bool = False) -> pd.DataFrame:
    """The outcomes table of an edition name, a build or edition folder, or a dict of
    frames; `established_only` keeps the confirmed and reported promises."""
    frames = _frames(source)
    table = frames["outcomes"]
    if established_only:
        table = table[table["certainty"].astype(str).isin(ESTABLISHED)]
    return table.copy()


def _keys(by: str) -> list[str]:
    keys = {"patron": ["provider_id"], "dyad": DYAD, "crisis": [*DYAD, "crisis_id"]}
    if by not in keys:
        raise UsageProblem(f"cannot group by {by!r}; use dyad, crisis or patron")
    return keys[by]


def _grouped(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    frame = table.assign(
        status=table["status"].astype(str),
        kind=table["kind"].astype(str),
        **{k: table[k].astype(object).where(table[k].notna(), "") for k in keys},
    )
    pledges = frame[frame["kind"] == "pledge"]
    requests = frame[frame["kind"] == "request"]
    counts = pd.crosstab([frame[k] for k in keys], frame["status"]).reindex(
        columns=[*PLEDGE_STATUSES, *REQUEST_STATUSES], fill_value=0
    )
    out = pd.DataFrame(index=counts.index)
    out["promises"] = pledges.groupby(keys).size().reindex(out.index, fill_value=0)
    for status in PLEDGE_STATUSES:
        out[status] = counts[status]
    resolved = out[list(RESOLVED)].sum(axis=1)
    out["kept_share"] = out["delivered"] / resolved.where(resolved > 0)
    out["unresolved_share"] = out["unresolved"] / out["promises"].where(
        out["promises"] > 0
    )
    out["requests"] = requests.groupby(keys).size().reindex(out.index, fill_value=0)
    for status in REQUEST_STATUSES:
        out[status] = counts[status]
    lags = pledges[pledges["first_delivery_id"].notna()].groupby(keys)
    for bound in ("min", "max"):
        out[f"median_lag_days_{bound}"] = (
            lags[f"lag_days_{bound}"].median().reindex(out.index)
        )
    out = out.reset_index()
    for k in keys:
        out[k] = out[k].replace("", None)
    return out


def ledger(
    source: Source,
    *,
    by: By = "crisis",
    established_only: bool = False,
) -> pd.DataFrame:
    """Promises and what came of them, per dyad (`by="dyad"`), per dyad and crisis
    (`"crisis"`, the default; crisis_id is None for promises outside any crisis) or
    per patron (`"patron"`).

    `source` is an edition name, a build or edition folder, or a dict of frames (as
    `load_all` returns). Columns: the keys (and, per crisis, crisis_date and
    crisis_type), promises, one count per pledge status, kept_share, unresolved_share,
    requests, one count per request status, median_lag_days_min, median_lag_days_max.
    """
    frames = _frames(source)
    table = outcomes_of(frames, established_only=established_only)
    keys = _keys(by)
    out = _grouped(table, keys)
    if by == "crisis":
        events = frames["support_events"].set_index("event_id")
        crisis = events.reindex(out["crisis_id"].to_numpy())
        out.insert(3, "crisis_date", crisis["date"].to_numpy())
        out.insert(4, "crisis_type", crisis["crisis_type"].astype(object).to_numpy())
    return out


def _per_group(
    table: pd.DataFrame, keys: list[str]
) -> list[tuple[dict[str, object], np.ndarray, Any, Any]]:
    """Each group's pledges: the group's keys, their times to first delivery at the
    longer spans, and their low and high Kaplan–Meier estimates."""
    pledges = table[table["kind"].astype(str) == "pledge"]
    if pledges.empty:
        return []
    longest, censored = _times(pledges, "max")
    shortest, _ = _times(pledges, "min")
    out = []
    groups = pledges.groupby(keys, sort=True).indices
    for group in sorted(groups):  # type: ignore[type-var]
        at = groups[group]
        values = group if isinstance(group, tuple) else (group,)
        low = _estimate(longest[at], censored[at])  # the longest spans: the low one
        high = _estimate(shortest[at], censored[at])
        out.append((dict(zip(keys, values, strict=True)), longest[at], low, high))
    return out


def survival(
    source: Source,
    *,
    by: By = "patron",
    established_only: bool = False,
) -> pd.DataFrame:
    """Kaplan–Meier estimate of the share of pledges delivered within `days`, per
    patron (default) or dyad: one row per group and each day on which either estimate
    changes, with `at_risk` (pledges still open on that day, by the longer spans) and
    the two estimates `delivered_low` and `delivered_high` (see the module's note on
    imprecise dates)."""
    table = outcomes_of(source, established_only=established_only)
    keys = _keys(by)
    rows = []
    for group, times, low, high in _per_group(table, keys):
        days = np.union1d(low.cdf.quantiles, high.cdf.quantiles)
        lows, highs = _at(low, days), _at(high, days)
        for day, lo, hi in zip(days, lows, highs, strict=True):
            rows.append(
                {
                    **group,
                    "days": int(day),
                    "at_risk": int((times >= day).sum()),
                    "delivered_low": float(lo),
                    "delivered_high": float(hi),
                }
            )
    columns = [*keys, "days", "at_risk", "delivered_low", "delivered_high"]
    return pd.DataFrame(rows, columns=columns)


def _times(part: pd.DataFrame, bound: str) -> tuple[np.ndarray, np.ndarray]:
    """Each pledge's time to first delivery (or, censored, to as_of) at one bound."""
    censored = part["censored"].to_numpy(bool)
    as_of = pd.to_datetime(part["as_of"]).to_numpy().astype("datetime64[D]")
    made = pd.to_datetime(part["date"]).to_numpy().astype("datetime64[D]")
    first, last = PartialDate.bounds(
        made, part["date_precision"].astype(str).to_numpy()
    )
    # Open for at least as_of minus the last day it may have been made, at most
    # as_of minus the first.
    open_days = (as_of - (first if bound == "max" else last)) / np.timedelta64(1, "D")
    lag = part[f"lag_days_{bound}"].to_numpy(float)
    return np.where(censored, np.maximum(open_days, 0), lag), censored


def _estimate(times: np.ndarray, censored: np.ndarray) -> Any:
    """The Kaplan–Meier estimate of right-censored times (scipy's ecdf)."""
    from scipy import stats

    if not (~censored).any():
        return _Never(times)
    return stats.ecdf(stats.CensoredData.right_censored(times, censored))


def _at(estimate: Any, days: np.ndarray) -> np.ndarray:
    """The estimated share delivered on each of `days`: the step function scipy's
    `cdf.evaluate` gives, read straight from its quantiles and probabilities."""
    quantiles = np.asarray(estimate.cdf.quantiles, float)
    probabilities = np.asarray(estimate.cdf.probabilities, float)
    steps = np.searchsorted(quantiles, np.asarray(days, float), side="right") - 1
    return np.where(steps >= 0, probabilities[np.maximum(steps, 0)], 0.0)


class _Never:
    """The estimate where nothing has been delivered: 0 on every day."""

    def __init__(self, times: np.ndarray) -> None:
        self.cdf = self
        self.quantiles = np.unique(times)
        self.probabilities = np.zeros(len(self.quantiles))

    def evaluate(self, day: float) -> float:
        return 0.0


def headline(
    source: Source, *, by: By = "dyad", established_only: bool = False
) -> pd.DataFrame:
    """Per dyad (or patron), across crises: the ledger's counts and shares, plus the
    Kaplan–Meier share of pledges delivered within 30, 90 and 365 days, as a range
    (`delivered_within_90_days_low` .. `_high`; NaN without pledges)."""
    frames = _frames(source)
    table = ledger(frames, by=by, established_only=established_only)
    keys = _keys(by)
    estimates = {
        tuple(group.values()): (low, high)
        for group, _, low, high in _per_group(
            outcomes_of(frames, established_only=established_only), keys
        )
    }
    rows = [tuple(r) for r in table[keys].itertuples(index=False)]
    for horizon in HORIZONS:
        for side, which in (("low", 0), ("high", 1)):
            table[f"delivered_within_{horizon}_days_{side}"] = [
                float(_at(estimates[r][which], np.array([horizon]))[0])
                if r in estimates
                else np.nan
                for r in rows
            ]
    return table


__all__ = ["crisis_of", "headline", "ledger", "outcomes_of", "survival"]
